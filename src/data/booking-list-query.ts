import type { Knex } from 'knex';
import { runPrepared } from './sql';
import type { BookingFilter, BookingRow, BookingView } from './booking-repository';
import type { Page, PageRequest } from './pagination';
import { containsPattern } from './sql';

/**
 * The people, service, location and room of a booking `b`, each as one JSON object from a scalar subquery
 * on a primary key. Not joins: with seven tables Postgres searches join orders, which cost 6-12 ms of
 * planning per list at 100,000 bookings against well under 1 ms of execution (bench/plans/README.md);
 * each subquery is planned alone, and runs once per row of the page.
 */
const VIEW_OBJECTS = `
  (SELECT json_build_object('id', u.id, 'name', u.name, 'email', u.email) FROM users u WHERE u.id = b.client_id) AS client,
  (SELECT json_build_object('id', u.id, 'name', u.name, 'email', u.email) FROM users u WHERE u.id = b.practitioner_id) AS practitioner,
  (SELECT json_build_object('id', s.id, 'name', s.name, 'service_type', s.service_type, 'duration_minutes', s.duration_minutes, 'price_cents', s.price_cents)
     FROM services s WHERE s.id = b.service_id) AS service,
  (SELECT json_build_object('id', l.id, 'name', l.name, 'address', l.address, 'timezone', l.timezone) FROM locations l WHERE l.id = b.location_id) AS location,
  (SELECT json_build_object('id', r.id, 'name', r.name) FROM rooms r
     WHERE r.id = coalesce(b.room_id, (SELECT ss.room_id FROM service_sessions ss WHERE ss.id = b.service_session_id))) AS room`;

type Visibility = (q: Knex.QueryBuilder) => void;

/**
 * Who sees which bookings, as the branches of a UNION ALL: a practitioner's appointments and their own
 * bookings as a client (of another practitioner: one of their own is already an appointment) are two
 * disjoint index ranges, each read in the page's order; `client_id = me OR practitioner_id = me` can
 * only be read whole (a BitmapOr) and sorted, or by walking the table's global order and filtering.
 */
function visibilityBranches({ id, role }: BookingFilter['visibleTo']): Visibility[] {
  if (role === 'client') return [(q) => q.where('b.client_id', id)];
  if (role === 'practitioner') return [(q) => q.where('b.practitioner_id', id), (q) => q.where('b.client_id', id).whereNot('b.practitioner_id', id)];
  return [() => {}];
}

/**
 * Every filter but visibility, on `bookings AS b` alone. The search reaches the names through `IN (SELECT id …)`:
 * each name list is read once and hashed (an EXISTS per booking made the admin's count 8x slower than joins).
 */
function applyFilters(query: Knex.QueryBuilder, filter: BookingFilter): Knex.QueryBuilder {
  if (filter.status?.length) query.whereIn('b.status', filter.status);
  if (filter.paymentStatus?.length) query.whereIn('b.payment_status', filter.paymentStatus);
  if (filter.bookingType?.length) query.whereIn('b.booking_type', filter.bookingType);
  if (filter.practitionerId !== undefined) query.where('b.practitioner_id', filter.practitionerId);
  if (filter.serviceId !== undefined) query.where('b.service_id', filter.serviceId);
  if (filter.parentBookingId !== undefined) query.where('b.parent_booking_id', filter.parentBookingId);
  if (filter.topLevel === true) query.whereNull('b.parent_booking_id');
  if (filter.topLevel === false) query.whereNotNull('b.parent_booking_id');
  if (filter.expansionStatus?.length) query.whereIn('b.expansion_status', filter.expansionStatus);
  if (filter.startFrom) query.where('b.start_time', '>=', filter.startFrom);
  if (filter.endBefore) query.where('b.end_time', '<', filter.endBefore);
  if (filter.upcoming) {
    const { value, now, statuses } = filter.upcoming;
    if (value) query.where('b.start_time', '>', now).whereIn('b.status', statuses);
    else query.where((q) => q.whereNull('b.start_time').orWhere('b.start_time', '<=', now).orWhereNotIn('b.status', statuses));
  }
  if (filter.search) {
    const pattern = containsPattern(filter.search);
    query.where((q) =>
      q
        .whereILike('b.title', pattern)
        .orWhereILike('b.description', pattern)
        .orWhereRaw('b.service_id IN (SELECT s.id FROM services s WHERE s.name ILIKE ?)', [pattern])
        .orWhereRaw('b.practitioner_id IN (SELECT p.id FROM users p WHERE p.name ILIKE ?)', [pattern])
        .orWhereRaw('b.client_id IN (SELECT c.id FROM users c WHERE c.name ILIKE ?)', [pattern]),
    );
  }
  return query;
}

/**
 * One page of the bookings list, and its count, in one statement: each visibility branch reads its index
 * range in the page's order up to offset + size rows, a Merge Append takes the page from them, and the
 * count runs only when the page cannot tell it (a full page, or an empty one past the first): a page that
 * is not full ends the list, so its count is offset + its rows; an empty first page counts 0. The count
 * sums the branches' counts.
 */
export async function listBookingsPage(db: Knex, filter: BookingFilter, { page, pageSize }: PageRequest): Promise<Page<BookingView>> {
  const offset = (page - 1) * pageSize;
  const descending = filter.ordering.startsWith('-');
  const column = filter.ordering.replace(/^-/, '');
  const direction = descending ? 'DESC' : 'ASC';
  // NULL start times (package and bundle parents) sort last either way; the other columns are
  // never NULL, and naming NULLS LAST there would keep Postgres from using their indexes.
  const nulls = column === 'start_time' ? ' NULLS LAST' : '';
  const orderBy = (alias: string) => [`${alias}.?? ${direction}${nulls}, ${alias}.id ${direction}`, [column]] as const;

  const branches = visibilityBranches(filter.visibleTo);
  const branchRows = (visible: Visibility) => {
    const q = db({ b: 'bookings' }).select('b.*');
    visible(q);
    return applyFilters(q, filter).orderByRaw(...orderBy('b'));
  };
  const pageRows =
    branches.length === 1
      ? branchRows(branches[0]!).limit(pageSize).offset(offset)
      : db
          .from(db.raw(`(${branches.map(() => '(?)').join(' UNION ALL ')}) AS b`, branches.map((visible) => branchRows(visible).limit(offset + pageSize))))
          .select('b.*')
          .orderByRaw(...orderBy('b'))
          .limit(pageSize)
          .offset(offset);
  const branchCount = (visible: Visibility) => {
    const q = db({ b: 'bookings' }).count('*');
    visible(q);
    return applyFilters(q, filter);
  };
  const counted = () => db.raw(branches.map(() => '(?)').join(' + '), branches.map(branchCount));
  // Read only from a row, so the page is not empty: when it is not full either, it is the last page.
  const total = db.raw(`CASE WHEN (SELECT count(*) FROM page) < ? THEN NULL ELSE (?) END AS "__total"`, [pageSize, counted()]);
  const rows = await runPrepared<Array<BookingRow & { __total: string | number | null }>>(() =>
    db
      .with('page', pageRows)
      .from({ b: 'page' })
      .select('b.*', db.raw(VIEW_OBJECTS), total)
      .orderByRaw(...orderBy('b')),
  );
  if (rows.length === 0 && offset > 0) {
    // Past the last page: no row carries the count.
    const [row] = await db.select(db.raw('(?) AS n', [counted()]));
    return { count: Number((row as { n: string }).n), results: [] };
  }
  const totalSeen = rows[0]?.__total;
  const count = totalSeen === null || totalSeen === undefined ? offset + rows.length : Number(totalSeen);
  return { count, results: rows.map(({ __total: _omitted, ...view }) => view as unknown as BookingView) };
}
