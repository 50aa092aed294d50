import type { Knex } from 'knex';
import { runPrepared } from './sql';
import type { Schedule } from '../domain/availability';
import type { BookingStatus } from '../domain/types';
import type { EventType } from '../domain/booking-events';
import { translateBookingWriteErrors, type BookingRow, type NewBooking } from './booking-repository';
import { BUSY_ARRAYS, SCHEDULE_COLUMNS, busyOfRow, busyRangesQuery, scheduleOfRow, type BusyColumns, type ScheduleColumns } from './availability-inputs';
import type { ServiceRecord } from './catalog-repository';

/** What the create path reads before deciding, in one round trip (docs/benchmarks.md#create-in-two-statements). */
export interface NewBookingContext {
  service: Pick<
    ServiceRecord,
    'id' | 'practitioner_id' | 'name' | 'service_type' | 'duration_minutes' | 'price_cents' | 'location_id' | 'requires_room' | 'is_active' | 'cancellation_notice_hours'
  >;
  /** The practitioner's schedule, with the version the write checks; undefined when they have none. */
  schedule?: { value: Schedule; version: number };
  /** Their active bookings and sessions around the requested window, each with its trailing buffer. */
  busy: Array<{ start: Date; end: Date }>;
  client: { id: number; name: string; email: string };
  practitioner: { id: number; name: string; email: string };
  location: { id: number; name: string; address: string; timezone: string } | null;
  /** Active webhook endpoints that hear the practitioner's `booking.created` (theirs and admins'). */
  webhookEndpointIds: number[];
  /** Ids the write will use (taken from the tables' sequences), so every row and job is built beforehand. */
  bookingId: number;
  eventId: number;
}

export interface NewBookingRead {
  serviceId: number;
  practitionerId: number;
  clientId: number;
  /** Busy ranges are read for this window. */
  window: { from: Date; to: Date };
  activeStatuses: readonly BookingStatus[];
  eventType: EventType;
}

/** The rows one new booking brings, all written by one statement. */
export interface NewBookingWrite {
  booking: NewBooking & { id: number; event_sequence: number };
  history: object;
  event: { id: number; booking_id: number; sequence: number; type: EventType; occurred_at: Date; details: Record<string, unknown> | null } | null;
  jobs: Array<{ queue: string; job_name: string; payload: unknown; run_at: Date | null; flow_children: unknown }>;
  /** The schedule version the booking was planned against: the write inserts nothing if it changed. */
  scheduleVersion: number;
  /** For an unpaid hold: the most the client may hold with the practitioner (counted under the write's locks). */
  maxUnpaidHolds: number | null;
  notifyChannel: string;
  /** The request's Idempotency-Key claim, tied to the booking by the same statement. */
  idempotencyClaimId: number | null;
}

export type NewBookingOutcome =
  | { outcome: 'created'; booking: BookingRow }
  | { outcome: 'schedule_changed' }
  | { outcome: 'too_many_unpaid_holds'; held: number }
  | { outcome: 'no_practitioner' };

/** Named bindings: :serviceId, :practitionerId, :clientId, :from, :to, :eventType, and :busy (a busyRangesQuery). */
const READ_SQL = `
SELECT
  json_build_object('id', s.id, 'practitioner_id', s.practitioner_id, 'name', s.name, 'service_type', s.service_type,
    'duration_minutes', s.duration_minutes, 'price_cents', s.price_cents, 'location_id', s.location_id,
    'requires_room', s.requires_room, 'is_active', s.is_active, 'cancellation_notice_hours', s.cancellation_notice_hours) AS service,
  ${SCHEDULE_COLUMNS},
  busy.starts AS busy_starts, busy.ends AS busy_ends,
  json_build_object('id', c.id, 'name', c.name, 'email', c.email) AS client,
  json_build_object('id', p.id, 'name', p.name, 'email', p.email) AS practitioner,
  CASE WHEN l.id IS NULL THEN NULL ELSE json_build_object('id', l.id, 'name', l.name, 'address', l.address, 'timezone', l.timezone) END AS location,
  ARRAY(SELECT we.id FROM webhook_endpoints we
         WHERE we.is_active AND :eventType = ANY(we.events) AND (we.practitioner_id IS NULL OR we.practitioner_id = s.practitioner_id)
         ORDER BY we.id) AS webhook_endpoint_ids,
  nextval(pg_get_serial_sequence('bookings', 'id')) AS booking_id,
  nextval(pg_get_serial_sequence('booking_events', 'id')) AS event_id
FROM services s
JOIN users p ON p.id = s.practitioner_id
JOIN users c ON c.id = :clientId
LEFT JOIN locations l ON l.id = s.location_id
CROSS JOIN ${BUSY_ARRAYS}
WHERE s.id = :serviceId`;

/** The read's one row, as pg parses it (JSON columns already objects). */
interface ReadRow extends ScheduleColumns, BusyColumns {
  service: NewBookingContext['service'];
  client: NewBookingContext['client'];
  practitioner: NewBookingContext['practitioner'];
  location: NewBookingContext['location'];
  webhook_endpoint_ids: Array<number | string>;
  booking_id: number | string;
  event_id: number | string;
}

const columnsOf = (row: object) => Object.keys(row);

/** `INSERT INTO table (cols) SELECT r.cols FROM jsonb_populate_recordset(NULL::table, json) r <joined>`. */
function insertRows(knex: Knex, table: string, rows: object[], from: string, overriding = false): Knex.Raw {
  const cols = columnsOf(rows[0]!);
  const list = cols.map(() => '??').join(', ');
  const selected = cols.map(() => 'r.??').join(', ');
  return knex.raw(
    `INSERT INTO ?? (${list}) ${overriding ? 'OVERRIDING SYSTEM VALUE ' : ''}SELECT ${selected} FROM jsonb_populate_recordset(NULL::??, ?::jsonb) r${from}`,
    [table, ...cols, ...cols, table, JSON.stringify(rows)],
  );
}

/**
 * The create path's two statements after authentication: one read of everything the decision needs, and
 * one write that takes the practitioner's calendar lock, checks the schedule version and (for an unpaid
 * hold) the client's hold count under their locks, and inserts the booking, its history, its event and its
 * outbox jobs, then wakes the relay. The exclusion constraints are still the last word on time and rooms.
 */
export function createNewBookingRepository(db: Knex) {
  return {
    async read(req: NewBookingRead): Promise<NewBookingContext | undefined> {
      const { rows } = await runPrepared<{ rows: ReadRow[] }>(() => db.raw(READ_SQL, {
        serviceId: req.serviceId,
        practitionerId: req.practitionerId,
        clientId: req.clientId,
        from: req.window.from,
        to: req.window.to,
        eventType: req.eventType,
        busy: busyRangesQuery(db, req.practitionerId, req.window, { statuses: req.activeStatuses }),
      }));
      const row = rows[0];
      if (!row) return undefined;
      return {
        service: row.service,
        schedule: row.settings ? { value: scheduleOfRow(row)!, version: row.settings.schedule_version } : undefined,
        busy: busyOfRow(row),
        client: row.client,
        practitioner: row.practitioner,
        location: row.location,
        webhookEndpointIds: row.webhook_endpoint_ids.map(Number),
        bookingId: Number(row.booking_id),
        eventId: Number(row.event_id),
      };
    },

    async write(w: NewBookingWrite): Promise<NewBookingOutcome> {
      const fromBooking = ' CROSS JOIN b';
      const ctes: Array<[string, Knex.Raw]> = [
        ['cal', db.raw('SELECT user_id, schedule_version FROM practitioners WHERE user_id = ? FOR NO KEY UPDATE', [w.booking.practitioner_id])],
        [
          'holds',
          w.maxUnpaidHolds === null
            ? db.raw('SELECT 0::bigint AS held FROM cal')
            : db.raw('SELECT unpaid_hold_count(?, cal.user_id) AS held FROM cal', [w.booking.client_id]),
        ],
        [
          'b',
          db.raw(`? CROSS JOIN cal CROSS JOIN holds WHERE cal.schedule_version = ? AND holds.held < ? RETURNING *`, [
            insertRows(db, 'bookings', [w.booking], '', true),
            w.scheduleVersion,
            w.maxUnpaidHolds ?? 1,
          ]),
        ],
        ['history', insertRows(db, 'booking_status_history', [w.history], fromBooking)],
      ];
      if (w.idempotencyClaimId !== null) ctes.push(['idempotency', db.raw('UPDATE idempotency_keys k SET booking_id = b.id FROM b WHERE k.id = ?', [w.idempotencyClaimId])]);
      if (w.event) ctes.push(['event', insertRows(db, 'booking_events', [w.event], fromBooking, true)]);
      if (w.jobs.length) ctes.push(['jobs', db.raw('? RETURNING 1', [insertRows(db, 'outbox', w.jobs, fromBooking)])]);
      const wake = w.jobs.length ? db.raw('(SELECT pg_notify(?, ?) FROM jobs LIMIT 1)', [w.notifyChannel, '']) : db.raw('NULL');
      const sql = db.raw(`WITH ${ctes.map(() => '?? AS (?)').join(', ')} SELECT cal.schedule_version AS _schedule_version, holds.held AS _held, ? AS _woke, b.* FROM cal CROSS JOIN holds LEFT JOIN b ON true`, [
        ...ctes.flat(),
        wake,
      ]);
      const { rows } = await translateBookingWriteErrors(() => runPrepared<{ rows: unknown[] }>(() => sql));
      const row = rows[0] as (BookingRow & { _schedule_version: number; _held: string | number; _woke: unknown }) | undefined;
      if (!row) return { outcome: 'no_practitioner' };
      const { _schedule_version: version, _held: held, _woke: _unused, ...booking } = row;
      if (booking.id !== null) return { outcome: 'created', booking: booking as BookingRow };
      if (version !== w.scheduleVersion) return { outcome: 'schedule_changed' };
      return { outcome: 'too_many_unpaid_holds', held: Number(held) };
    },
  };
}

export type NewBookingRepository = ReturnType<typeof createNewBookingRepository>;
