import type { Knex } from 'knex';
import type { Ordering } from '../domain/booking-lists';
import type { ActorRole, BookingStatus, BookingType, PaymentStatus } from '../domain/types';
import type { Page, PageRequest } from './pagination';
import { listBookingItemsPage, listBookingsPage, type BookingListItemRow, type BookingSummaryRow } from './booking-list-query';
import { busyRanges, loadAvailabilityInputs, type AvailabilityInputs, type BusyRangeOptions } from './availability-inputs';
import { conflict, slotUnavailable } from '../domain/errors';
import { isCalendarOverlap, isRoomOverlap, isUniqueViolation, translateConstraintErrors } from './pg-errors';

/**
 * What the constraints on bookings mean when a write breaks one, decided here once: the use cases see
 * domain errors, never a constraint's name. The database is the last word on each.
 */
const BOOKING_WRITE_CONFLICTS = [
  { when: isRoomOverlap, then: () => conflict('no_room_available', 'No room of this location is free then.') },
  { when: isCalendarOverlap, then: () => slotUnavailable() },
  { when: (e: unknown) => isUniqueViolation(e, 'bookings_one_seat_per_client'), then: () => conflict('already_booked', 'You already hold a seat in this session.') },
  { when: (e: unknown) => isUniqueViolation(e, 'bookings_one_course_per_client'), then: () => conflict('already_booked', 'You already hold this course.') },
];

/** Runs a write of bookings rows, turning a broken constraint into the domain error it means. */
export const translateBookingWriteErrors = <T>(write: () => PromiseLike<T>): Promise<T> =>
  translateConstraintErrors(async () => await write(), BOOKING_WRITE_CONFLICTS);

/** A booking row as stored. */
export interface BookingRow {
  id: number;
  public_uuid: string;
  client_id: number;
  practitioner_id: number;
  service_id: number;
  service_session_id: number | null;
  parent_booking_id: number | null;
  location_id: number | null;
  booking_type: BookingType;
  title: string;
  description: string;
  client_notes: string;
  meeting_url: string;
  meeting_id: string;
  timezone: string;
  start_time: Date | null;
  end_time: Date | null;
  blocked_until: Date | null;
  status: BookingStatus;
  payment_status: PaymentStatus;
  price_charged_cents: number;
  discount_amount_cents: number;
  currency: string;
  cancellation_notice_hours: number;
  refund_due_cents: number | null;
  /** Refunds already committed when refund_due_cents was decided (they are not owed again). */
  refund_baseline_cents: number;
  canceled_by: ActorRole | null;
  cancellation_reason: string;
  hold_expires_at: Date | null;
  confirmed_at: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  canceled_at: Date | null;
  no_show_at: Date | null;
  created_at: Date;
  updated_at: Date;
  /** Course and package parents: whether their children exist yet. */
  expansion_status: 'pending' | 'done' | 'failed' | null;
  expansion_error: string | null;
  /** Children: the parent's component this child was made for. */
  component_key: string | null;
  /** A booking paid with a bundle credit. */
  bundle_booking_id: number | null;
  /** 1 at creation, +1 on every change (docs/api-conventions.md#booking-versions): the SEQUENCE of its calendar event. */
  version: number;
  /** The room it holds (an individual booking of a service that requires one). */
  room_id: number | null;
  /** The service's price when it was priced (null for bookings older than rooms and pricing). */
  list_price_cents: number | null;
}

/** Every column of a BookingRow (the compiler holds this list and the interface to each other, both ways). */
const BOOKING_ROW_KEYS = {
  id: true, public_uuid: true, client_id: true, practitioner_id: true, service_id: true, service_session_id: true, parent_booking_id: true,
  location_id: true, booking_type: true, title: true, description: true, client_notes: true, meeting_url: true, meeting_id: true, timezone: true,
  start_time: true, end_time: true, blocked_until: true, status: true, payment_status: true, price_charged_cents: true, discount_amount_cents: true,
  currency: true, cancellation_notice_hours: true, refund_due_cents: true, refund_baseline_cents: true, canceled_by: true, cancellation_reason: true,
  hold_expires_at: true, confirmed_at: true, started_at: true, completed_at: true, canceled_at: true, no_show_at: true, created_at: true,
  updated_at: true, expansion_status: true, expansion_error: true, component_key: true, bundle_booking_id: true, version: true, room_id: true,
  list_price_cents: true,
} satisfies Record<keyof BookingRow, true>;
export const BOOKING_ROW_COLUMNS = Object.keys(BOOKING_ROW_KEYS) as Array<keyof BookingRow>;

/** Columns a new booking may leave out: the table's defaults (empty texts, nulls) apply. */
type OptionalOnInsert =
  | 'expansion_status'
  | 'expansion_error'
  | 'component_key'
  | 'bundle_booking_id'
  | 'canceled_at'
  | 'room_id'
  | 'list_price_cents'
  | 'description'
  | 'client_notes'
  | 'meeting_url'
  | 'meeting_id';

export type NewBooking = Omit<
  BookingRow,
  'id' | 'public_uuid' | 'version' | 'created_at' | 'updated_at' | 'discount_amount_cents' | 'currency' | 'refund_due_cents' | 'refund_baseline_cents' | 'canceled_by' | 'cancellation_reason' | 'started_at' | 'completed_at' | 'no_show_at' | OptionalOnInsert
> &
  Partial<Pick<BookingRow, OptionalOnInsert>>;

export interface ComponentToExpand {
  component_key: string;
  service_id: number;
  service_session_id: number | null;
  service_name: string;
  service_location_id: number | null;
  session_start: Date | null;
  session_end: Date | null;
  child_id: number | null;
}

/** A parent's planned component, with the child made for it (if any) and the facts its refund needs. */
export interface ComponentRow {
  component_key: string;
  position: number;
  service_id: number;
  service_session_id: number | null;
  session_start: Date | null;
  child_id: number | null;
  child_status: BookingStatus | null;
  child_start: Date | null;
}

/** A booking with the people, service and location it names, as the API shows it. */
export interface BookingView extends BookingRow {
  client: { id: number; name: string; email: string };
  practitioner: { id: number; name: string; email: string };
  service: { id: number; name: string; service_type: string; duration_minutes: number; price_cents: number };
  location: { id: number; name: string; address: string; timezone: string } | null;
  /** The booking's own room, or for a workshop or course seat its session's. */
  room: { id: number; name: string } | null;
}

export interface HistoryEntry {
  from_status: BookingStatus | null;
  to_status: BookingStatus;
  actor_id: number | null;
  actor_role: ActorRole;
  reason: string;
  /** What else changed, e.g. a reschedule's old and new times. */
  details?: Record<string, unknown> | null;
  created_at: Date;
}

export interface NoteRecord {
  id: number;
  booking_id: number;
  author_id: number;
  content: string;
  is_private: boolean;
  created_at: Date;
}

export type { Ordering };

export interface BookingFilter {
  visibleTo: { id: number; role: 'client' | 'practitioner' | 'admin' };
  status?: BookingStatus[];
  paymentStatus?: PaymentStatus[];
  bookingType?: BookingType[];
  practitionerId?: number;
  serviceId?: number;
  startFrom?: Date;
  endBefore?: Date;
  /** Upcoming or not, by the domain's meaning of it (statuses still expected to happen) at `now`. */
  upcoming?: { value: boolean; now: Date; statuses: readonly BookingStatus[] };
  parentBookingId?: number;
  topLevel?: boolean;
  expansionStatus?: Array<'pending' | 'done' | 'failed'>;
  search?: string;
  ordering: Ordering;
}

const VIEW_COLUMNS = [
  'b.*',
  'c.name as client__name',
  'c.email as client__email',
  'p.name as practitioner__name',
  'p.email as practitioner__email',
  's.name as service__name',
  's.service_type as service__service_type',
  's.duration_minutes as service__duration_minutes',
  's.price_cents as service__price_cents',
  'l.name as location__name',
  'l.address as location__address',
  'l.timezone as location__timezone',
  'r.id as room__id',
  'r.name as room__name',
];

type ViewRow = BookingRow & Record<string, unknown>;

function toView(row: ViewRow): BookingView {
  const booking: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (!key.includes('__')) booking[key] = value;
  // Completed in place: an object spread of the copy cost V8 far more than the rest of the view (docs/benchmarks.md, "object spreads").
  return Object.assign(booking as unknown as BookingRow, {
    client: { id: row.client_id, name: row.client__name as string, email: row.client__email as string },
    practitioner: { id: row.practitioner_id, name: row.practitioner__name as string, email: row.practitioner__email as string },
    service: {
      id: row.service_id,
      name: row.service__name as string,
      service_type: row.service__service_type as string,
      duration_minutes: row.service__duration_minutes as number,
      price_cents: row.service__price_cents as number,
    },
    location:
      row.location_id === null
        ? null
        : { id: row.location_id, name: row.location__name as string, address: row.location__address as string, timezone: row.location__timezone as string },
    room: row.room__id === null || row.room__id === undefined ? null : { id: Number(row.room__id), name: row.room__name as string },
  });
}



export function createBookingRepository(db: Knex) {
  const viewQuery = (q: Knex | Knex.Transaction = db) =>
    q({ b: 'bookings' })
      .join({ c: 'users' }, 'c.id', 'b.client_id')
      .join({ p: 'users' }, 'p.id', 'b.practitioner_id')
      .join({ s: 'services' }, 's.id', 'b.service_id')
      .leftJoin({ l: 'locations' }, 'l.id', 'b.location_id')
      .leftJoin({ rs: 'service_sessions' }, 'rs.id', 'b.service_session_id')
      .leftJoin({ r: 'rooms' }, 'r.id', q.raw('coalesce(b.room_id, rs.room_id)'))
      .select(VIEW_COLUMNS);

  return {
    async list(filter: BookingFilter, page: PageRequest): Promise<Page<BookingSummaryRow>> {
      return listBookingsPage(db, filter, page);
    },

    /** The same page as `list`, each item as JSON pieces written by Postgres (GET /bookings/). */
    async listItems(filter: BookingFilter, page: PageRequest): Promise<Page<BookingListItemRow>> {
      return listBookingItemsPage(db, filter, page);
    },

    async findView(id: number, trx?: Knex.Transaction): Promise<BookingView | undefined> {
      const row = await viewQuery(trx).where('b.id', id).first();
      return row ? toView(row) : undefined;
    },

    /** Bookings whose timed move is due at `now` (see overdueAction), oldest first. */
    /** Bookings due for a timed move at `now` by the domain's rules (TIMED_MOVES), oldest first. */
    async findOverdue(
      now: Date,
      limit: number,
      rules: { moves: ReadonlyArray<{ status: BookingStatus; at: 'hold_expires_at' | 'start_time' | 'end_time'; ownTimesOnly: boolean }>; ownTimeTypes: readonly BookingType[] },
    ): Promise<Array<Pick<BookingRow, 'id' | 'status' | 'start_time' | 'end_time' | 'hold_expires_at'>>> {
      return db('bookings')
        .select('id', 'status', 'start_time', 'end_time', 'hold_expires_at')
        .where((q) => {
          for (const move of rules.moves) {
            q.orWhere((w) => {
              w.where({ status: move.status }).andWhere(move.at, '<=', now);
              if (move.ownTimesOnly) w.whereIn('booking_type', rules.ownTimeTypes);
            });
          }
        })
        .orderBy('id')
        .limit(limit);
    },

    async findRow(id: number, trx?: Knex.Transaction): Promise<BookingRow | undefined> {
      return (trx ?? db)('bookings').where({ id }).first();
    },

    async findChildren(parentId: number): Promise<BookingView[]> {
      // Start order; unscheduled ones last, in the order the package lists them.
      const rows = await viewQuery()
        .leftJoin({ bc: 'booking_components' }, (j) => j.on('bc.parent_booking_id', 'b.parent_booking_id').andOn('bc.component_key', 'b.component_key'))
        .where('b.parent_booking_id', parentId)
        .orderByRaw('b.start_time ASC NULLS LAST, bc.position ASC NULLS LAST, b.id ASC');
      return rows.map(toView);
    },

    /** Locks the row for the rest of the transaction: concurrent moves of one booking queue up here. */
    async lockForUpdate(trx: Knex.Transaction, id: number): Promise<BookingRow | undefined> {
      return trx('bookings').where({ id }).forUpdate().first();
    },

    /**
     * Locks a booking and, for a child, its parent first: every path that moves a child (its own
     * actions, its timed jobs) and every path that moves a parent (cancel, confirm, which then move the
     * children) takes the two in the same order, parent before child, so they cannot deadlock. A
     * parent's id is always lower than its children's, so ORDER BY id is that order. A booking paid
     * with a bundle credit locks its bundle first in the same way: the bundle's cancel (which expires
     * the credits) and the booking's cancel (which returns one) then queue up instead of deadlocking.
     */
    async lockFamily(trx: Knex.Transaction, id: number): Promise<{ booking: BookingRow | undefined; parent: BookingRow | undefined }> {
      const rows: BookingRow[] = await trx('bookings')
        .where({ id })
        .orWhere('id', trx('bookings').select('parent_booking_id').where({ id }))
        .orWhere('id', trx('bookings').select('bundle_booking_id').where({ id }))
        .orderBy('id')
        .forUpdate();
      const booking = rows.find((r) => r.id === id);
      return { booking, parent: booking?.parent_booking_id ? rows.find((r) => r.id === booking.parent_booking_id) : undefined };
    },

    /** Children of a package or course that can still be canceled, locked. */
    async lockOpenChildren(trx: Knex.Transaction, parentId: number): Promise<BookingRow[]> {
      return trx('bookings')
        .where({ parent_booking_id: parentId })
        .whereIn('status', ['draft', 'pending_payment', 'confirmed'])
        .orderBy('id')
        .forUpdate();
    },

    async insert(trx: Knex.Transaction, booking: NewBooking): Promise<BookingRow> {
      const [row] = await translateBookingWriteErrors(() => trx('bookings').insert(booking).returning('*'));
      return row;
    },

    /** Inserts a parent's child once: a second delivery of the same component finds it and returns undefined. */
    async insertChild(trx: Knex.Transaction, child: NewBooking): Promise<BookingRow | undefined> {
      const [row] = await trx('bookings').insert(child).onConflict(['parent_booking_id', 'component_key']).ignore().returning('*');
      return row;
    },

    async insertComponents(
      trx: Knex.Transaction,
      parentId: number,
      components: Array<{ key: string; position: number; serviceId: number; sessionId: number | null }>,
    ): Promise<void> {
      if (!components.length) return;
      await trx('booking_components').insert(
        components.map((c) => ({ parent_booking_id: parentId, component_key: c.key, position: c.position, service_id: c.serviceId, service_session_id: c.sessionId })),
      );
    },

    /** A parent's components in order, each with the child made for it so far. */
    async components(q: Knex | Knex.Transaction, parentId: number): Promise<ComponentRow[]> {
      return q('booking_components as c')
        .leftJoin('bookings as b', (j) => j.on('b.parent_booking_id', 'c.parent_booking_id').andOn('b.component_key', 'c.component_key'))
        .leftJoin('service_sessions as ss', 'ss.id', 'c.service_session_id')
        .where('c.parent_booking_id', parentId)
        .orderBy('c.position')
        .select(
          'c.component_key',
          'c.position',
          'c.service_id',
          'c.service_session_id',
          'ss.start_time as session_start',
          'b.id as child_id',
          'b.status as child_status',
          'b.start_time as child_start',
        );
    },

    /** One component with what its child needs (the service's name and location, the session's times), in one query. */
    async componentToExpand(trx: Knex.Transaction, parentId: number, componentKey: string): Promise<ComponentToExpand | undefined> {
      return trx('booking_components as c')
        .join('services as s', 's.id', 'c.service_id')
        .leftJoin('service_sessions as ss', 'ss.id', 'c.service_session_id')
        .leftJoin('bookings as b', (j) => j.on('b.parent_booking_id', 'c.parent_booking_id').andOn('b.component_key', 'c.component_key'))
        .where({ 'c.parent_booking_id': parentId, 'c.component_key': componentKey })
        .first(
          'c.component_key',
          'c.service_id',
          'c.service_session_id',
          's.name as service_name',
          's.location_id as service_location_id',
          'ss.start_time as session_start',
          'ss.end_time as session_end',
          'b.id as child_id',
        );
    },

    async setExpansion(q: Knex | Knex.Transaction, parentId: number, status: 'done' | 'failed', error: string | null = null): Promise<void> {
      await q('bookings')
        .where({ id: parentId })
        .update({ expansion_status: status, expansion_error: error, version: q.raw('version + 1'), updated_at: q.fn.now() });
    },

    /** Every change of a booking goes through here: it bumps `version` (a calendar's SEQUENCE) and `updated_at`. */
    async update(trx: Knex.Transaction, id: number, changes: Partial<BookingRow>): Promise<BookingRow> {
      const { version: _ignored, ...columns } = changes;
      const [row] = await translateConstraintErrors(
        () =>
          trx('bookings')
            .where({ id })
            .update({ ...columns, version: trx.raw('version + 1'), updated_at: trx.fn.now() })
            .returning('*'),
        BOOKING_WRITE_CONFLICTS,
      );
      return row;
    },

    async recordHistory(trx: Knex.Transaction, bookingId: number, entry: Omit<HistoryEntry, 'created_at'> & { created_at?: Date; details?: object }): Promise<void> {
      await trx('booking_status_history').insert({ booking_id: bookingId, ...entry, details: entry.details ? JSON.stringify(entry.details) : null });
    },

    async history(bookingId: number): Promise<HistoryEntry[]> {
      return db('booking_status_history')
        .where({ booking_id: bookingId })
        .orderBy('id')
        .select('from_status', 'to_status', 'actor_id', 'actor_role', 'reason', 'details', 'created_at');
    },

    /**
     * Queues up writers of one practitioner's calendar until the transaction ends, so that the availability
     * check and the write that follows it are atomic. The exclusion constraint alone is not enough: two
     * concurrent inserts that conflict each wait for the other while checking it, and Postgres aborts one
     * with a deadlock (40P01) instead of 23P01. NO KEY UPDATE, so booking inserts' foreign-key checks
     * (KEY SHARE) on this row are not blocked.
     */
    async lockPractitionerCalendar(trx: Knex.Transaction, practitionerId: number): Promise<void> {
      await trx('practitioners').select('user_id').where({ user_id: practitionerId }).forNoKeyUpdate();
    },

    /**
     * The client's unpaid holds with the practitioner (one per purchase: a course's children wait on the
     * course's payment), counted by unpaid_hold_count under a transaction-scoped advisory lock on the pair
     * held until the transaction ends, so that counting the holds and adding one are atomic; other clients
     * of the same practitioner are not held up. The create's single write statement calls the same
     * function (its fresh snapshot sees holds committed while it waited).
     */
    async countUnpaidHoldsLocked(trx: Knex.Transaction, clientId: number, practitionerId: number): Promise<number> {
      const { rows } = await trx.raw('SELECT unpaid_hold_count(?, ?) AS n', [clientId, practitionerId]);
      return Number(rows[0].n);
    },

    /** What the practitioner is already blocked for around [from, to), by start: see busyRangesSql. */
    async busyRanges(
      practitionerId: number,
      window: { from: Date; to: Date },
      options: BusyRangeOptions & { trx?: Knex.Transaction },
    ): Promise<Array<{ start: Date; end: Date }>> {
      return busyRanges(options.trx ?? db, practitionerId, window, options);
    },

    /** The service, schedule, busy ranges and rooms check-availability needs, in one round trip (see loadAvailabilityInputs). */
    availabilityInputs(serviceId: number, practitionerId: number, window: { from: Date; to: Date }, options: Pick<BusyRangeOptions, 'statuses'>): Promise<AvailabilityInputs> {
      return loadAvailabilityInputs(db, serviceId, practitionerId, window, options);
    },

    async notesVisibleTo(bookingId: number, userId: number): Promise<NoteRecord[]> {
      return db('booking_notes')
        .where({ booking_id: bookingId })
        .andWhere((q) => q.where({ is_private: false }).orWhere({ author_id: userId }))
        .orderBy(['created_at', 'id']);
    },

    async insertNote(note: Omit<NoteRecord, 'id' | 'created_at'>): Promise<NoteRecord> {
      const [row] = await db('booking_notes').insert(note).returning('*');
      return row;
    },
  };
}

export type BookingRepository = ReturnType<typeof createBookingRepository>;
