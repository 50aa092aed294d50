import type { Knex } from 'knex';
import { runStatement, statement, type Statement } from './sql';
import type { Schedule } from '../domain/availability';
import type { BookingStatus } from '../domain/types';
import type { EventType } from '../domain/booking-events';
import { BOOKING_ROW_COLUMNS, translateBookingWriteErrors, type BookingRow, type NewBooking } from './booking-repository';
import { STATEMENT_WINDOW, busyArrays, busyOfRow, byStatuses, rangeArrays, scheduleColumns, scheduleOfRow, toRanges, type BusyColumns, type ScheduleColumns } from './availability-inputs';
import type { ServiceRecord } from './catalog-repository';
import type { RoomCalendar } from '../domain/rooms';
import { isRoomOverlap } from './pg-errors';

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
  /**
   * For a service that requires a room: each live room of its location with what it holds in the window
   * (room_blocks), by id; undefined for any other service.
   */
  rooms?: RoomCalendar[];
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
  /** The channel that wakes the relay, notified once the write has committed (wakeAfterCommit). */
  notifyChannel: string;
  /** The request's Idempotency-Key claim, tied to the booking by the same statement. */
  idempotencyClaimId: number | null;
}

export type NewBookingOutcome =
  /** room: the room the write took (a service that requires one), else null. */
  | { outcome: 'created'; booking: BookingRow; room: { id: number; name: string } | null }
  | { outcome: 'schedule_changed' }
  | { outcome: 'too_many_unpaid_holds'; held: number }
  | { outcome: 'no_practitioner' }
  /** No room of the location was free any more under its lock (or the booking's room was taken since): nothing was written. */
  | { outcome: 'room_taken' };

/** $1 the service, $2 the practitioner, $3 and $4 the window, $5 the client, $6 the event type; one statement per list of statuses that block. */
const WINDOW = STATEMENT_WINDOW;
const readStatement = byStatuses((statuses) => `
SELECT
  json_build_object('id', s.id, 'practitioner_id', s.practitioner_id, 'name', s.name, 'service_type', s.service_type,
    'duration_minutes', s.duration_minutes, 'price_cents', s.price_cents, 'location_id', s.location_id,
    'requires_room', s.requires_room, 'is_active', s.is_active, 'cancellation_notice_hours', s.cancellation_notice_hours) AS service,
  ${scheduleColumns(WINDOW)},
  busy.starts AS busy_starts, busy.ends AS busy_ends,
  json_build_object('id', c.id, 'name', c.name, 'email', c.email) AS client,
  json_build_object('id', p.id, 'name', p.name, 'email', p.email) AS practitioner,
  CASE WHEN l.id IS NULL THEN NULL ELSE json_build_object('id', l.id, 'name', l.name, 'address', l.address, 'timezone', l.timezone) END AS location,
  CASE WHEN s.requires_room THEN
    (SELECT coalesce(json_agg(json_build_array(r.id, r.name, r.capacity, blocks.starts, blocks.ends) ORDER BY r.id), '[]')
       FROM rooms r, LATERAL (SELECT ${rangeArrays('lower(rb.during)', 'upper(rb.during)')} FROM room_blocks rb
                              WHERE rb.room_id = r.id AND rb.during && tstzrange(${WINDOW.from}, ${WINDOW.to})) blocks
      WHERE r.location_id = s.location_id AND r.deleted_at IS NULL) END AS rooms,
  ARRAY(SELECT we.id FROM webhook_endpoints we
         WHERE we.is_active AND $6::text = ANY(we.events) AND (we.practitioner_id IS NULL OR we.practitioner_id = s.practitioner_id)
         ORDER BY we.id) AS webhook_endpoint_ids,
  nextval(pg_get_serial_sequence('bookings', 'id')) AS booking_id,
  nextval(pg_get_serial_sequence('booking_events', 'id')) AS event_id
FROM services s
JOIN users p ON p.id = s.practitioner_id
JOIN users c ON c.id = $5::bigint
LEFT JOIN locations l ON l.id = s.location_id
CROSS JOIN ${busyArrays({ ...WINDOW, statuses })}
WHERE s.id = $1::bigint`);

/** The read's one row, as pg parses it (JSON columns already objects). */
interface ReadRow extends ScheduleColumns, BusyColumns {
  service: NewBookingContext['service'];
  client: NewBookingContext['client'];
  practitioner: NewBookingContext['practitioner'];
  location: NewBookingContext['location'];
  /** [id, name, capacity, starts, ends] per room, for a service that requires one. */
  rooms: Array<[number, string, number, number[] | null, number[] | null]> | null;
  webhook_endpoint_ids: Array<number | string>;
  booking_id: number | string;
  event_id: number | string;
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** `INSERT INTO table (cols) SELECT r.cols FROM jsonb_populate_recordset(NULL::table, json) r CROSS JOIN b`, for the JSON array in `param` (`instead`: an expression for a column). */
function insertFromJson(table: string, columns: string[], param: string, { overriding = false, after = ' CROSS JOIN b', instead = {} as Record<string, string> } = {}): string {
  const list = columns.map(quoted).join(', ');
  const selected = columns.map((c) => instead[c] ?? `r.${quoted(c)}`).join(', ');
  return `INSERT INTO ${quoted(table)} (${list}) ${overriding ? 'OVERRIDING SYSTEM VALUE ' : ''}SELECT ${selected} FROM jsonb_populate_recordset(NULL::${quoted(table)}, ${param}::jsonb) r${after}`;
}

/**
 * The columns the database decides for a new booking: the id (the other CTEs join on it), those the insert
 * leaves to their defaults (public_uuid, version, timestamps…) and those computed in the statement (the room
 * free_room chose). The rest of the row is what was sent: stored as sent (no trigger or default rewrites a
 * value given), so it is not sent back, and pg parses some twenty columns per create instead of 45.
 */
const decidedColumns = (inserted: readonly string[], instead: Record<string, string>): string[] =>
  BOOKING_ROW_COLUMNS.filter((column) => column === 'id' || !inserted.includes(column) || column in instead);

/** A write statement and how to take its parameters from a write. */
interface WriteStatement {
  statement: Statement;
  values(w: NewBookingWrite): unknown[];
}

/**
 * The write for rows with these columns. Parameters are numbered as the parts that need them are included
 * (an unused parameter would have no type): the practitioner, the client, the most unpaid holds (NULL: no
 * hold to count), the booking, the schedule version, the history row; then the location, the room's range,
 * the idempotency claim, the event and the outbox jobs, each only when there is one. It returns the booking's
 * decidedColumns only, and does not notify the relay (wakeAfterCommit does, once it has committed).
 */
function writeStatement(columns: { booking: string[]; history: string[]; event: string[] | null; jobs: string[] | null; idempotency: boolean; room: boolean }): WriteStatement {
  const pickers: Array<(w: NewBookingWrite) => unknown> = [];
  const param = (pick: (w: NewBookingWrite) => unknown, type: string) => `$${pickers.push(pick)}::${type}`;
  const practitioner = param((w) => w.booking.practitioner_id, 'bigint');
  const client = param((w) => w.booking.client_id, 'bigint');
  const maxHolds = param((w) => w.maxUnpaidHolds, 'int');
  const booking = param((w) => JSON.stringify([w.booking]), 'jsonb');
  const version = param((w) => w.scheduleVersion, 'int');
  const ctes = [
    `cal AS (SELECT user_id, schedule_version FROM practitioners WHERE user_id = ${practitioner} FOR NO KEY UPDATE)`,
    `holds AS (SELECT CASE WHEN ${maxHolds} IS NULL THEN 0::bigint ELSE unpaid_hold_count(${client}, cal.user_id) END AS held FROM cal)`,
  ];
  // A booking with a room: the location's room lock (after the calendar's, as every room writer takes them),
  // then the room chosen under it by free_room (db/migrations/20261208000100_free_room_function.ts), whose
  // own snapshot sees what earlier holders of the lock committed: the room the read suggested is only a hint.
  if (columns.room) {
    ctes.push(
      `loc AS (SELECT l.id FROM cal, locations l WHERE l.id = ${param((w) => w.booking.location_id, 'bigint')} FOR NO KEY UPDATE OF l)`,
      `room AS (SELECT f.id, f.name FROM loc CROSS JOIN LATERAL free_room(loc.id, ${param((w) => w.booking.start_time, 'timestamptz')}, ${param((w) => w.booking.blocked_until, 'timestamptz')}, 1) f)`,
    );
  }
  const roomJoin = columns.room ? ' CROSS JOIN room' : '';
  const instead: Record<string, string> = columns.room ? { room_id: 'room.id' } : {};
  ctes.push(
    `b AS (${insertFromJson('bookings', columns.booking, booking, {
      overriding: true,
      after: ` CROSS JOIN cal CROSS JOIN holds${roomJoin} WHERE cal.schedule_version = ${version} AND holds.held < coalesce(${maxHolds}, 1) RETURNING ${decidedColumns(columns.booking, instead).map(quoted).join(', ')}`,
      instead,
    })})`,
  );
  ctes.push(
    `history AS (${insertFromJson('booking_status_history', columns.history, param((w) => JSON.stringify([w.history]), 'jsonb'))})`,
  );
  if (columns.idempotency) ctes.push(`idempotency AS (UPDATE idempotency_keys k SET booking_id = b.id FROM b WHERE k.id = ${param((w) => w.idempotencyClaimId, 'bigint')})`);
  if (columns.event) ctes.push(`event AS (${insertFromJson('booking_events', columns.event, param((w) => JSON.stringify([w.event]), 'jsonb'), { overriding: true })})`);
  if (columns.jobs) ctes.push(`jobs AS (${insertFromJson('outbox', columns.jobs, param((w) => JSON.stringify(w.jobs), 'jsonb'), { after: ' CROSS JOIN b RETURNING 1' })})`);
  return {
    statement: statement(`WITH ${ctes.join(',\n')}
SELECT cal.schedule_version AS _schedule_version, holds.held AS _held, ${columns.room ? 'EXISTS (SELECT FROM room) AS _room_live, (SELECT name FROM room) AS _room_name' : 'true AS _room_live, NULL AS _room_name'}, b.* FROM cal CROSS JOIN holds LEFT JOIN b ON true`),
    values: (w) => pickers.map((pick) => pick(w)),
  };
}

const WAKE = statement(`SELECT pg_notify($1::text, '')`);

/**
 * Wakes the relay once a booking has committed, by a statement of its own outside the write's transaction:
 * at most one in flight per process, the wakes asked meanwhile folded into one more. A pg_notify inside the
 * write made its commit take Postgres's single notify lock and hold it through the commit's WAL flush, so the
 * creates of every process committed one after another, each with its own flush (docs/benchmarks.md). The
 * relay sees the rows when it wakes, since they committed first; a wake lost (a crash, an error) is made up by
 * the relay's polling.
 */
function wakeAfterCommit(db: Knex): (channel: string) => void {
  let sending = false;
  let next: string | null = null;
  const send = (channel: string): void => {
    sending = true;
    runStatement(db, WAKE, [channel])
      .catch(() => undefined)
      .finally(() => {
        sending = false;
        const queued = next;
        next = null;
        if (queued !== null) send(queued);
      });
  };
  return (channel) => {
    if (sending) next = channel;
    else send(channel);
  };
}

/** One write statement per set of columns the rows have (in practice one or two), built on first use. */
const writeStatements = new Map<string, WriteStatement>();

function writeStatementFor(w: NewBookingWrite): WriteStatement {
  const columns = {
    booking: Object.keys(w.booking),
    history: Object.keys(w.history),
    event: w.event ? Object.keys(w.event) : null,
    jobs: w.jobs.length ? Object.keys(w.jobs[0]!) : null,
    idempotency: w.idempotencyClaimId !== null,
    room: w.booking.room_id !== null && w.booking.room_id !== undefined,
  };
  const key = JSON.stringify(columns);
  let found = writeStatements.get(key);
  if (!found) writeStatements.set(key, (found = writeStatement(columns)));
  return found;
}

/**
 * The create path's two statements after authentication: one read of everything the decision needs, and
 * one write that takes the practitioner's calendar lock, checks the schedule version and (for an unpaid
 * hold) the client's hold count under their locks, and inserts the booking, its history, its event and its
 * outbox jobs, then (once committed) wakes the relay. The exclusion constraints are still the last word on time and rooms.
 */
export function createNewBookingRepository(db: Knex) {
  const wakeRelay = wakeAfterCommit(db);
  return {
    async read(req: NewBookingRead): Promise<NewBookingContext | undefined> {
      const { rows } = await runStatement<ReadRow>(db, readStatement(req.activeStatuses), [req.serviceId, req.practitionerId, req.window.from, req.window.to, req.clientId, req.eventType]);
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
        ...(row.rooms ? { rooms: row.rooms.map(([id, name, capacity, starts, ends]) => ({ id, name, capacity, busy: toRanges(starts, ends) })) } : {}),
        bookingId: Number(row.booking_id),
        eventId: Number(row.event_id),
      };
    },

    async write(w: NewBookingWrite): Promise<NewBookingOutcome> {
      const write = writeStatementFor(w);
      // The booking's decidedColumns (all null when nothing was inserted), and what the statement checked.
      type WriteRow = Partial<BookingRow> & { _schedule_version: number; _held: string | number; _room_live: boolean; _room_name: string | null };
      const result = await translateBookingWriteErrors(async () => {
        try {
          return await runStatement<WriteRow>(db, write.statement, write.values(w));
        } catch (error) {
          // room_blocks_no_overlap: another booking took the room since the read (the caller reads again).
          if (isRoomOverlap(error)) return null;
          throw error;
        }
      });
      if (result === null) return { outcome: 'room_taken' };
      const row = result.rows[0];
      if (!row) return { outcome: 'no_practitioner' };
      const { _schedule_version: version, _held: held, _room_live: roomLive, _room_name: roomName, ...decided } = row;
      if (decided.id !== null) {
        // What was sent, then what the database decided (BookingRow's columns; the row carries event_sequence too).
        const booking = Object.assign({}, w.booking, decided) as BookingRow;
        const room = booking.room_id === null ? null : { id: Number(booking.room_id), name: roomName! };
        if (w.jobs.length) wakeRelay(w.notifyChannel);
        return { outcome: 'created', booking, room };
      }
      if (version !== w.scheduleVersion) return { outcome: 'schedule_changed' };
      if (!roomLive) return { outcome: 'room_taken' };
      return { outcome: 'too_many_unpaid_holds', held: Number(held) };
    },
  };
}

export type NewBookingRepository = ReturnType<typeof createNewBookingRepository>;
