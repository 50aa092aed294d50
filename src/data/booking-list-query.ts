import type { Knex } from 'knex';
import pg from 'pg';
import type { BookingFilter, BookingRow } from './booking-repository';
import type { Page, PageRequest } from './pagination';
import { containsPattern, runStatement, statementOf } from './sql';

/** The booking columns a list item shows or judges by (serializeBookingSummary, factsOf), and the page's order columns. */
export const SUMMARY_COLUMNS = [
  'id',
  'public_uuid',
  'booking_type',
  'client_id',
  'practitioner_id',
  'service_id',
  'title',
  'start_time',
  'end_time',
  'timezone',
  'status',
  'payment_status',
  'price_charged_cents',
  'currency',
  'cancellation_notice_hours',
  'service_session_id',
  'parent_booking_id',
  'bundle_booking_id',
  'expansion_status',
  'version',
  'created_at',
] as const satisfies ReadonlyArray<keyof BookingRow>;

/** A list item: the booking's summary columns with the people and service it names. */
export type BookingSummaryRow = Pick<BookingRow, (typeof SUMMARY_COLUMNS)[number]> & {
  client: { id: number; name: string; email: string };
  practitioner: { id: number; name: string; email: string };
  service: { id: number; name: string; service_type: string; duration_minutes: number; price_cents: number };
};

const BRANCH_COLUMNS = SUMMARY_COLUMNS.map((column) => `b.${column}`).join(', ');

/**
 * The people and service of a booking `b`, each as one JSON object from a scalar subquery on a primary
 * key. Not joins: with several tables Postgres searches join orders, which cost 6-12 ms of planning per
 * list at 100,000 bookings against well under 1 ms of execution (bench/plans/README.md); each subquery is
 * planned alone, and runs once per row of the page. (A list item shows no location or room.)
 */
const VIEW_OBJECTS = `
  (SELECT json_build_object('id', u.id, 'name', u.name, 'email', u.email) FROM users u WHERE u.id = b.client_id) AS client,
  (SELECT json_build_object('id', u.id, 'name', u.name, 'email', u.email) FROM users u WHERE u.id = b.practitioner_id) AS practitioner,
  (SELECT json_build_object('id', s.id, 'name', s.name, 'service_type', s.service_type, 'duration_minutes', s.duration_minutes, 'price_cents', s.price_cents)
     FROM services s WHERE s.id = b.service_id) AS service`;

/** The statement's parameters as they are added: `add` answers the placeholder of a value. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  list(values: readonly unknown[]): string {
    return values.map((value) => this.add(value)).join(', ');
  }
}

/**
 * Who sees which bookings, as the branches of a UNION ALL: a practitioner's appointments and their own
 * bookings as a client (of another practitioner: one of their own is already an appointment) are two
 * disjoint index ranges, each read in the page's order; `client_id = me OR practitioner_id = me` can
 * only be read whole (a BitmapOr) and sorted, or by walking the table's global order and filtering.
 * Each branch answers its conditions on `bookings AS b` (none for an admin).
 */
type Visibility = (p: Params) => string[];

function visibilityBranches({ id, role }: BookingFilter['visibleTo']): Visibility[] {
  if (role === 'client') return [(p) => [`b.client_id = ${p.add(id)}`]];
  if (role === 'practitioner') return [(p) => [`b.practitioner_id = ${p.add(id)}`], (p) => [`b.client_id = ${p.add(id)}`, `NOT b.practitioner_id = ${p.add(id)}`]];
  return [() => []];
}

/**
 * Every filter but visibility, on `bookings AS b` alone. The search reaches the names through `IN (SELECT id …)`:
 * each name list is read once and hashed (an EXISTS per booking made the admin's count 8x slower than joins).
 */
function filterConditions(p: Params, filter: BookingFilter): string[] {
  const where: string[] = [];
  if (filter.status?.length) where.push(`b.status IN (${p.list(filter.status)})`);
  if (filter.paymentStatus?.length) where.push(`b.payment_status IN (${p.list(filter.paymentStatus)})`);
  if (filter.bookingType?.length) where.push(`b.booking_type IN (${p.list(filter.bookingType)})`);
  if (filter.practitionerId !== undefined) where.push(`b.practitioner_id = ${p.add(filter.practitionerId)}`);
  if (filter.serviceId !== undefined) where.push(`b.service_id = ${p.add(filter.serviceId)}`);
  if (filter.parentBookingId !== undefined) where.push(`b.parent_booking_id = ${p.add(filter.parentBookingId)}`);
  if (filter.topLevel === true) where.push('b.parent_booking_id IS NULL');
  if (filter.topLevel === false) where.push('b.parent_booking_id IS NOT NULL');
  if (filter.expansionStatus?.length) where.push(`b.expansion_status IN (${p.list(filter.expansionStatus)})`);
  if (filter.startFrom) where.push(`b.start_time >= ${p.add(filter.startFrom)}`);
  if (filter.endBefore) where.push(`b.end_time < ${p.add(filter.endBefore)}`);
  if (filter.upcoming) {
    const { value, now, statuses } = filter.upcoming;
    if (value) where.push(`b.start_time > ${p.add(now)}`, `b.status IN (${p.list(statuses)})`);
    else where.push(`(b.start_time IS NULL OR b.start_time <= ${p.add(now)} OR b.status NOT IN (${p.list(statuses)}))`);
  }
  if (filter.search) {
    const pattern = containsPattern(filter.search);
    where.push(
      `(b.title ILIKE ${p.add(pattern)} OR b.description ILIKE ${p.add(pattern)}` +
        ` OR b.service_id IN (SELECT s.id FROM services s WHERE s.name ILIKE ${p.add(pattern)})` +
        ` OR b.practitioner_id IN (SELECT p.id FROM users p WHERE p.name ILIKE ${p.add(pattern)})` +
        ` OR b.client_id IN (SELECT c.id FROM users c WHERE c.name ILIKE ${p.add(pattern)}))`,
    );
  }
  return where;
}

const whereOf = (conditions: string[]) => (conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '');

const TIMESTAMPTZ = 1184;
const JSON_OID = 114;
const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => Date;
const digitsAt = (text: string, from: number, to: number) => {
  let value = 0;
  for (let i = from; i < to; i++) value = value * 10 + text.charCodeAt(i) - 48;
  return value;
};

/**
 * A timestamptz as a session in UTC writes it, "2027-02-02 20:40:00+00" with an optional ".ffffff", read without
 * pg's regular expressions (the page has three per row); the same Date as pg's own parser gives, which takes
 * anything else (another zone's offset, BC, years under 100 or over 9999, infinity).
 */
export function readTimestamptz(text: string): Date {
  const n = text.length;
  if (
    (n === 22 || (n >= 24 && n <= 29 && text.charCodeAt(19) === 46)) &&
    text.charCodeAt(n - 3) === 43 &&
    text.charCodeAt(n - 2) === 48 &&
    text.charCodeAt(n - 1) === 48 &&
    text.charCodeAt(4) === 45 &&
    text.charCodeAt(7) === 45 &&
    text.charCodeAt(10) === 32 &&
    text.charCodeAt(13) === 58 &&
    text.charCodeAt(16) === 58 &&
    text.charCodeAt(0) !== 48
  ) {
    // As pg's parser: the fraction's milliseconds are 1000 × parseFloat(".ffffff"), truncated by Date.UTC.
    const ms = n === 22 ? 0 : 1000 * parseFloat(text.slice(19, n - 3));
    return new Date(Date.UTC(digitsAt(text, 0, 4), digitsAt(text, 5, 7) - 1, digitsAt(text, 8, 10), digitsAt(text, 11, 13), digitsAt(text, 14, 16), digitsAt(text, 17, 19), ms));
  }
  return parseTimestamptz(text);
}

/** A json column's parser that parses each distinct text once per result: a practitioner's page names them 20 times. */
function jsonOncePerText(): (text: string) => unknown {
  const parsed = new Map<string, unknown>();
  return (text) => {
    let value = parsed.get(text);
    if (value === undefined) {
      value = JSON.parse(text);
      parsed.set(text, value);
    }
    return value;
  };
}

/** The list's result types: pg's own but for timestamptz and json (objects of equal text are one shared object: read only). */
export const listResultTypes = () => ({
  getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === TIMESTAMPTZ ? readTimestamptz : oid === JSON_OID ? jsonOncePerText() : pg.types.getTypeParser(oid, format)),
});

/** What a page statement selects from its page `b`, besides the count. */
interface PageShape {
  /** The select list over the page's rows `b` (ordered by the page's order). */
  columns: string;
  /** More CTEs after `page` (`, name AS (…)`…) and joins to them after `FROM page b`. */
  ctes?: string;
  joins?: string;
  /** Parsers of its result. */
  types?: ReturnType<typeof listResultTypes>;
}

/**
 * One page of the bookings list, and its count, in one statement: each visibility branch reads its index
 * range in the page's order up to offset + size rows, a Merge Append takes the page from them, and the
 * count runs only when the page cannot tell it (a full page, or an empty one past the first): a page that
 * is not full ends the list, so its count is offset + its rows; an empty first page counts 0. The count
 * sums the branches' counts.
 */
async function pageOf<Row>(db: Knex, filter: BookingFilter, { page, pageSize }: PageRequest, shape: PageShape): Promise<Page<Row>> {
  const offset = (page - 1) * pageSize;
  const descending = filter.ordering.startsWith('-');
  const column = filter.ordering.replace(/^-/, '');
  const direction = descending ? 'DESC' : 'ASC';
  // NULL start times (package and bundle parents) sort last either way; the other columns are
  // never NULL, and naming NULLS LAST there would keep Postgres from using their indexes.
  const nulls = column === 'start_time' ? ' NULLS LAST' : '';
  // `column` is one of the validated orderings; quoted all the same.
  const orderBy = ` ORDER BY b."${column}" ${direction}${nulls}, b.id ${direction}`;

  const p = new Params();
  const branches = visibilityBranches(filter.visibleTo);
  const branchWhere = (visible: Visibility) => whereOf([...visible(p), ...filterConditions(p, filter)]);

  // A first page has no OFFSET and its LIMIT written in the text (a validated integer, 1-100): with `OFFSET $n`,
  // or a `LIMIT $n` under which the generic plan reckons with a tenth of the rows (an admin's 100,000), the
  // generic plan's cost looks higher than a custom one's, and Postgres would plan the statement anew on every
  // call. Later pages keep both as parameters: one text per page would be one prepared statement per page.
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || !Number.isSafeInteger(offset) || offset < 0) throw new Error(`listing: bad page ${page} of ${pageSize}`);
  const rowsUpTo = (n: number) => (offset === 0 ? String(n) : p.add(n));
  const limit = () => ` LIMIT ${rowsUpTo(pageSize)}${offset > 0 ? ` OFFSET ${p.add(offset)}` : ''}`;
  let pageRows: string;
  if (branches.length === 1) {
    pageRows = `SELECT ${BRANCH_COLUMNS} FROM bookings b${branchWhere(branches[0]!)}${orderBy}${limit()}`;
  } else {
    const union = branches.map((visible) => `(SELECT ${BRANCH_COLUMNS} FROM bookings b${branchWhere(visible)}${orderBy} LIMIT ${rowsUpTo(offset + pageSize)})`).join(' UNION ALL ');
    pageRows = `SELECT b.* FROM (${union}) AS b${orderBy}${limit()}`;
  }
  const counted = (q: Params) => branches.map((visible) => `(SELECT count(*) FROM bookings b${whereOf([...visible(q), ...filterConditions(q, filter)])})`).join(' + ');
  // Read only from a row, so the page is not empty: when it is not full either, it is the last page.
  const total = `CASE WHEN (SELECT count(*) FROM page) < ${p.add(pageSize)} THEN NULL ELSE (${counted(p)}) END AS __total`;
  const text = `WITH page AS (${pageRows})${shape.ctes ?? ''} SELECT ${shape.columns}, ${total} FROM page b${shape.joins ?? ''}${orderBy}`;
  const { rows } = await runStatement<Row & { __total: string | number | null }>(db, statementOf(text), p.values, shape.types ? { types: shape.types } : {});
  if (rows.length === 0 && offset > 0) {
    // Past the last page: no row carries the count.
    const q = new Params();
    const { rows: [row] } = await runStatement<{ n: string | number }>(db, statementOf(`SELECT ${counted(q)} AS n`), q.values);
    return { count: Number(row!.n), results: [] };
  }
  const totalSeen = rows[0]?.__total;
  const count = totalSeen === null || totalSeen === undefined ? offset + rows.length : Number(totalSeen);
  // The rows keep their __total: a list item is built from named columns only.
  return { count, results: rows };
}

/** One page of the bookings list as rows (the booking's summary columns, its people and service as objects). */
export function listBookingsPage(db: Knex, filter: BookingFilter, page: PageRequest): Promise<Page<BookingSummaryRow>> {
  return pageOf<BookingSummaryRow>(db, filter, page, { columns: `b.*,${VIEW_OBJECTS}`, types: listResultTypes() });
}

/**
 * A list item as JSON text written by Postgres, but for what the API decides or formats itself (the
 * times, price_charged, is_upcoming, can_be_*): `head` (from `{"id":` to `"title"`), `mid` (timezone to
 * payment_status) and `tail` (price_charged_cents to version), with the facts the API judges by and the
 * times in epoch milliseconds. Each value is written as JSON.stringify writes it: `to_json` of a string
 * escapes as it does (`"`, `\\`, \b \f \n \r \t, other control characters as \u00xx), integers as
 * their digits, NULL as null. serializeBookingListItem (src/app/bookings/booking-representation.ts)
 * puts the pieces together; test/integration/booking-list-json.test.ts holds both to
 * JSON.stringify(serializeBookingSummary(row)) of listBookingsPage's rows.
 */
export interface BookingListItemRow {
  head: string;
  mid: string;
  tail: string;
  status: BookingRow['status'];
  booking_type: BookingRow['booking_type'];
  client_id: number;
  practitioner_id: number;
  service_session_id: number | null;
  cancellation_notice_hours: number;
  price_charged_cents: number;
  start_ms: number | null;
  end_ms: number | null;
  created_ms: number;
}

const jsonText = (sql: string) => `to_json(${sql})::text`;
const orNull = (sql: string) => `coalesce(${sql}, 'null')`;
/** An instant as whole epoch milliseconds, rounded down (as pg's parser and Date.UTC truncate the fraction). */
const epochMs = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)::int8`;
/**
 * The page's people and services as JSON, each written once however many of its rows name it (a client's
 * page names the client 20 times): one index scan of each table for the ids in the page, hash-joined to
 * the rows. A scalar subquery per row and name costs Postgres a third more (60 sub-plan runs a page).
 */
const PEOPLE_CTES =
  `, page_people AS (SELECT u.id, '{"id":' || u.id || ',"name":' || ${jsonText('u.name')} || ',"email":' || ${jsonText('u.email')} || '}' AS json FROM users u` +
  ' WHERE u.id = ANY (ARRAY(SELECT client_id FROM page UNION SELECT practitioner_id FROM page)))' +
  `, page_services AS (SELECT s.id, '{"id":' || s.id || ',"name":' || ${jsonText('s.name')} || ',"service_type":' || ${jsonText('s.service_type')}` +
  ` || ',"duration_minutes":' || s.duration_minutes || ',"price_cents":' || s.price_cents || '}' AS json FROM services s WHERE s.id = ANY (ARRAY(SELECT service_id FROM page)))`;
const PEOPLE_JOINS =
  ' LEFT JOIN page_people pj ON pj.id = b.practitioner_id LEFT JOIN page_people cj ON cj.id = b.client_id LEFT JOIN page_services sj ON sj.id = b.service_id';
const ITEM_COLUMNS = [
  `'{"id":' || b.id || ',"public_uuid":' || ${jsonText('b.public_uuid')} || ',"booking_type":' || ${jsonText('b.booking_type')}` +
    ` || ',"practitioner":' || ${orNull('pj.json')} || ',"client":' || ${orNull('cj.json')} || ',"service":' || ${orNull('sj.json')}` +
    ` || ',"title":' || ${jsonText('b.title')} AS head`,
  `',"timezone":' || ${jsonText('b.timezone')} || ',"status":' || ${jsonText('b.status')} || ',"payment_status":' || ${jsonText('b.payment_status')} AS mid`,
  `',"price_charged_cents":' || b.price_charged_cents || ',"currency":' || ${jsonText('b.currency')}` +
    ` || ',"service_session_id":' || ${orNull('b.service_session_id::text')} || ',"parent_booking_id":' || ${orNull('b.parent_booking_id::text')}` +
    ` || ',"bundle_booking_id":' || ${orNull('b.bundle_booking_id::text')} || ',"expansion_status":' || ${orNull(jsonText('b.expansion_status'))}` +
    ` || ',"version":' || b.version AS tail`,
  'b.status',
  'b.booking_type',
  'b.client_id',
  'b.practitioner_id',
  'b.service_session_id',
  'b.cancellation_notice_hours',
  'b.price_charged_cents',
  `${epochMs('b.start_time')} AS start_ms`,
  `${epochMs('b.end_time')} AS end_ms`,
  `${epochMs('b.created_at')} AS created_ms`,
].join(', ');

/** One page of the bookings list as JSON pieces (BookingListItemRow): what GET /bookings/ answers with. */
export function listBookingItemsPage(db: Knex, filter: BookingFilter, page: PageRequest): Promise<Page<BookingListItemRow>> {
  return pageOf<BookingListItemRow>(db, filter, page, { columns: ITEM_COLUMNS, ctes: PEOPLE_CTES, joins: PEOPLE_JOINS });
}
