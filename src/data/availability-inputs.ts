import type { Knex } from 'knex';
import { runStatement, statementsBy } from './sql';
import type { BusyRange, Schedule } from '../domain/availability';
import type { BookingStatus } from '../domain/types';
import { scheduleFromRecords, type ScheduleSettings } from './practitioner-repository';

/** The service's facts check-availability decides on. */
export interface AvailabilityService {
  id: number;
  practitioner_id: number;
  is_active: boolean;
  service_type: string;
  duration_minutes: number;
  requires_room: boolean;
  location_id: number | null;
}

/** Everything the availability engine needs for one practitioner and window. */
export interface AvailabilityInputs {
  service: AvailabilityService | null;
  /** null when the user is not a practitioner. */
  schedule: Schedule | null;
  busy: BusyRange[];
  /** For a service that requires a room: each room of its location with its busy ranges (none without a location); else undefined. */
  rooms: Array<{ id: number; busy: BusyRange[] }> | undefined;
}

export interface BusyRangeOptions {
  statuses: readonly BookingStatus[];
  excludeBookingId?: number;
}

/**
 * Where a fragment's parameters come from: SQL expressions, `$1`-style for a Statement or `:name` for knex's
 * named bindings. The practitioner and the window [from, to).
 */
export interface WindowParams {
  practitionerId: string;
  from: string;
  to: string;
}

/** `('a', 'b')`: statuses are written into the text, so that the planner can match the partial indexes they define. */
const sqlList = (values: readonly string[]) => `(${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')})`;

/**
 * What the practitioner is already blocked for around [from, to): active individual bookings and the
 * sessions of their workshops and courses, each with its trailing buffer as stored (always the
 * practitioner's current buffer: a buffer change rewrites them). Columns `start` and `end`, unordered.
 * The bookings are found as the exclusion constraint `bookings_no_overlap` finds a conflict: by the
 * practitioner and an overlap of the same range expression, which its GiST index answers without reading
 * the practitioner's other bookings (a condition on start_time alone read every booking before the window).
 */
export const busyRangesSql = (p: WindowParams & { statuses: readonly BookingStatus[]; excludeBookingId?: string }): string => `
  SELECT start_time AS "start", blocked_until AS "end" FROM bookings
   WHERE practitioner_id = ${p.practitionerId} AND status IN ${sqlList(p.statuses)} AND service_session_id IS NULL
     AND start_time IS NOT NULL AND booking_type = 'individual'
     AND tstzrange(start_time, blocked_until, '[)') && tstzrange(${p.from}, ${p.to}, '[)')${p.excludeBookingId === undefined ? '' : ` AND id <> ${p.excludeBookingId}`}
  UNION ALL
  SELECT ss.start_time, ss.blocked_until FROM service_sessions ss JOIN services s ON s.id = ss.service_id
   WHERE s.practitioner_id = ${p.practitionerId} AND ss.start_time < ${p.to} AND ss.blocked_until > ${p.from}`;

/** busyRangesSql through knex (in a transaction or not), by start. */
export async function busyRanges(q: Knex | Knex.Transaction, practitionerId: number, window: { from: Date; to: Date }, options: BusyRangeOptions): Promise<BusyRange[]> {
  const sql = busyRangesSql({ practitionerId: ':practitionerId', from: ':from', to: ':to', statuses: options.statuses, ...(options.excludeBookingId === undefined ? {} : { excludeBookingId: ':excludeBookingId' }) });
  const { rows } = await q.raw<{ rows: BusyRange[] }>(`${sql} ORDER BY 1`, {
    practitionerId,
    from: window.from,
    to: window.to,
    ...(options.excludeBookingId === undefined ? {} : { excludeBookingId: options.excludeBookingId }),
  });
  return rows;
}

/** Epoch milliseconds as float8: date_part is a float8 already (extract() is numeric, several times slower). */
const ms = (column: string) => `floor(date_part('epoch', ${column}) * 1000)`;
/**
 * Ranges as two float8 arrays, starts and ends in start order: a JSON value per range costs a few
 * microseconds in Postgres (8 ms for 1,000 ranges on a busy machine), an array element almost nothing.
 */
export const rangeArrays = (start: string, end: string) => `array_agg(${ms(start)} ORDER BY ${start}) AS starts, array_agg(${ms(end)} ORDER BY ${start}) AS ends`;

export const toRanges = (starts: number[] | null, ends: number[] | null): BusyRange[] => (starts ?? []).map((start, i) => ({ start: new Date(start), end: new Date(ends![i]!) }));

/**
 * The practitioner's schedule as the columns `settings` (with its `schedule_version`), `weekly`, `overrides`
 * and `time_off` (in the window). Read with scheduleOfRow. check-availability and the create's read
 * (new-booking-repository.ts) both select them.
 */
export const scheduleColumns = (p: WindowParams): string => `
       (SELECT row_to_json(p) FROM (SELECT timezone, buffer_minutes, min_notice_hours, max_advance_days, slot_interval_minutes, schedule_version
          FROM practitioners WHERE user_id = ${p.practitionerId}) p) AS settings,
       (SELECT json_agg(w ORDER BY w.weekday, w.start_time) FROM (SELECT weekday, start_time, end_time
          FROM weekly_hours WHERE practitioner_id = ${p.practitionerId}) w) AS weekly,
       (SELECT json_agg(o ORDER BY o.date, o.start_time) FROM (SELECT to_char(date, 'YYYY-MM-DD') AS date, unavailable, start_time, end_time
          FROM date_overrides WHERE practitioner_id = ${p.practitionerId}) o) AS overrides,
       (SELECT json_agg(json_build_object('start_time', start_time, 'end_time', end_time, 'reason', reason) ORDER BY start_time)
          FROM time_off WHERE practitioner_id = ${p.practitionerId} AND start_time < ${p.to} AND end_time > ${p.from}) AS time_off`;

export interface ScheduleColumns {
  settings: (ScheduleSettings & { schedule_version: number }) | null;
  weekly: Parameters<typeof scheduleFromRecords>[1] | null;
  overrides: Parameters<typeof scheduleFromRecords>[2] | null;
  time_off: Parameters<typeof scheduleFromRecords>[3] | null;
}

/** The schedule scheduleColumns selected (null: not a practitioner). */
export const scheduleOfRow = (row: ScheduleColumns): Schedule | null =>
  row.settings && scheduleFromRecords(row.settings, row.weekly ?? [], row.overrides ?? [], row.time_off ?? []);

/**
 * A FROM item `busy` with the columns `starts` and `ends`: the practitioner's busy ranges (busyRangesSql) as
 * epoch-millisecond arrays. Read with busyOfRow after selecting them as busy_starts and busy_ends.
 */
export const busyArrays = (p: WindowParams & { statuses: readonly BookingStatus[] }): string => `(SELECT ${rangeArrays('b.start', 'b.end')} FROM (${busyRangesSql(p)}) AS b) busy`;

export interface BusyColumns {
  busy_starts: number[] | null;
  busy_ends: number[] | null;
}

export const busyOfRow = (row: BusyColumns): BusyRange[] => toRanges(row.busy_starts, row.busy_ends);

interface InputsRow extends ScheduleColumns, BusyColumns {
  service: AvailabilityService | null;
  rooms: Array<[number, number[] | null, number[] | null]> | null;
}

/** Where a Statement that reads a practitioner's window has them: the practitioner $2, the window $3 to $4 ($1 is the service). */
export const STATEMENT_WINDOW: WindowParams = { practitionerId: '$2::bigint', from: '$3::timestamptz', to: '$4::timestamptz' };
const WINDOW = STATEMENT_WINDOW;

/** A Statement per list of statuses that block (written into its text: see busyRangesSql). */
export const byStatuses = (text: (statuses: readonly BookingStatus[]) => string) => statementsBy((statuses: readonly BookingStatus[]) => statuses.join(','), text);

/** $1 the service, $2 the practitioner, $3 and $4 the window; one statement per list of statuses that block. */
const availabilityInputs = byStatuses((statuses) => `SELECT
       (SELECT row_to_json(s) FROM (SELECT id, practitioner_id, is_active, service_type, duration_minutes, requires_room, location_id
          FROM services WHERE id = $1) s) AS service,
       ${scheduleColumns(WINDOW)},
       busy.starts AS busy_starts, busy.ends AS busy_ends,
       (SELECT json_agg(json_build_array(r.id, blocks.starts, blocks.ends) ORDER BY r.id)
          FROM services s JOIN rooms r ON r.location_id = s.location_id AND r.deleted_at IS NULL,
          LATERAL (SELECT ${rangeArrays('lower(rb.during)', 'upper(rb.during)')} FROM room_blocks rb
                   WHERE rb.room_id = r.id AND rb.during && tstzrange(${WINDOW.from}, ${WINDOW.to})) blocks
          WHERE s.id = $1 AND s.requires_room) AS rooms
     FROM ${busyArrays({ ...WINDOW, statuses })}`);

/**
 * The service, the practitioner's schedule, their busy ranges in the window and, for a service that
 * requires a room, its location's rooms with theirs: one statement, one round trip (each part an
 * aggregate in a subquery). Time off and room blocks are limited to the window as busy ranges
 * are. Busy ranges and room blocks travel as epoch milliseconds.
 */
export async function loadAvailabilityInputs(
  db: Knex,
  serviceId: number,
  practitionerId: number,
  window: { from: Date; to: Date },
  options: Pick<BusyRangeOptions, 'statuses'>,
): Promise<AvailabilityInputs> {
  const { rows } = await runStatement<InputsRow>(db, availabilityInputs(options.statuses), [serviceId, practitionerId, window.from, window.to]);
  const row = rows[0]!;
  return {
    service: row.service,
    schedule: scheduleOfRow(row),
    busy: busyOfRow(row),
    rooms: row.service?.requires_room ? (row.rooms ?? []).map(([id, starts, ends]) => ({ id, busy: toRanges(starts, ends) })) : undefined,
  };
}
