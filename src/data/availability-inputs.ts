import type { Knex } from 'knex';
import { runPrepared } from './sql';
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
 * What the practitioner is already blocked for around [from, to): active individual bookings and the
 * sessions of their workshops and courses, each with its trailing buffer as stored (always the
 * practitioner's current buffer: a buffer change rewrites them). Columns `start` and `end`, by start.
 */
export function busyRangesQuery(q: Knex | Knex.Transaction, practitionerId: number, window: { from: Date; to: Date }, options: BusyRangeOptions): Knex.QueryBuilder {
  const bookings = q('bookings')
    .select({ start: 'start_time', end: 'blocked_until' })
    .where({ practitioner_id: practitionerId })
    .whereIn('status', options.statuses)
    .whereNull('service_session_id')
    .where({ booking_type: 'individual' })
    .where('start_time', '<', window.to)
    .where('blocked_until', '>', window.from);
  if (options.excludeBookingId !== undefined) bookings.whereNot({ id: options.excludeBookingId });
  const sessions = q('service_sessions as ss')
    .join('services as s', 's.id', 'ss.service_id')
    .select({ start: 'ss.start_time', end: 'ss.blocked_until' })
    .where('s.practitioner_id', practitionerId)
    .where('ss.start_time', '<', window.to)
    .where('ss.blocked_until', '>', window.from);
  return bookings.unionAll(sessions, true).orderBy('start');
}

/** Epoch milliseconds as float8: date_part is a float8 already (extract() is numeric, several times slower). */
const ms = (column: string) => `floor(date_part('epoch', ${column}) * 1000)`;
/**
 * Ranges as two float8 arrays, starts and ends in start order: a JSON value per range costs a few
 * microseconds in Postgres (8 ms for 1,000 ranges on a busy machine), an array element almost nothing.
 */
const rangeArrays = (start: string, end: string) => `array_agg(${ms(start)} ORDER BY ${start}) AS starts, array_agg(${ms(end)} ORDER BY ${start}) AS ends`;

const toRanges = (starts: number[] | null, ends: number[] | null): BusyRange[] => (starts ?? []).map((start, i) => ({ start: new Date(start), end: new Date(ends![i]!) }));

/**
 * The practitioner's schedule as the columns `settings` (with its `schedule_version`), `weekly`, `overrides`
 * and `time_off` (in the window), for the named bindings :practitionerId, :from and :to. Read with
 * scheduleOfRow. check-availability and the create's read (new-booking-repository.ts) both select them.
 */
export const SCHEDULE_COLUMNS = `
       (SELECT row_to_json(p) FROM (SELECT timezone, buffer_minutes, min_notice_hours, max_advance_days, slot_interval_minutes, schedule_version
          FROM practitioners WHERE user_id = :practitionerId) p) AS settings,
       (SELECT json_agg(w ORDER BY w.weekday, w.start_time) FROM (SELECT weekday, start_time, end_time
          FROM weekly_hours WHERE practitioner_id = :practitionerId) w) AS weekly,
       (SELECT json_agg(o ORDER BY o.date, o.start_time) FROM (SELECT to_char(date, 'YYYY-MM-DD') AS date, unavailable, start_time, end_time
          FROM date_overrides WHERE practitioner_id = :practitionerId) o) AS overrides,
       (SELECT json_agg(json_build_object('start_time', start_time, 'end_time', end_time, 'reason', reason) ORDER BY start_time)
          FROM time_off WHERE practitioner_id = :practitionerId AND start_time < :to AND end_time > :from) AS time_off`;

export interface ScheduleColumns {
  settings: (ScheduleSettings & { schedule_version: number }) | null;
  weekly: Parameters<typeof scheduleFromRecords>[1] | null;
  overrides: Parameters<typeof scheduleFromRecords>[2] | null;
  time_off: Parameters<typeof scheduleFromRecords>[3] | null;
}

/** The schedule SCHEDULE_COLUMNS selected (null: not a practitioner). */
export const scheduleOfRow = (row: ScheduleColumns): Schedule | null =>
  row.settings && scheduleFromRecords(row.settings, row.weekly ?? [], row.overrides ?? [], row.time_off ?? []);

/**
 * A FROM item `busy` with the columns `starts` and `ends`: the ranges of the :busy binding (a
 * busyRangesQuery) as epoch-millisecond arrays. Read with busyOfRow after selecting them as busy_starts and busy_ends.
 */
export const BUSY_ARRAYS = `(SELECT ${rangeArrays('b.start', 'b.end')} FROM :busy AS b) busy`;

export interface BusyColumns {
  busy_starts: number[] | null;
  busy_ends: number[] | null;
}

export const busyOfRow = (row: BusyColumns): BusyRange[] => toRanges(row.busy_starts, row.busy_ends);

interface InputsRow extends ScheduleColumns, BusyColumns {
  service: AvailabilityService | null;
  rooms: Array<[number, number[] | null, number[] | null]> | null;
}

/**
 * The service, the practitioner's schedule, their busy ranges in the window and, for a service that
 * requires a room, its location's rooms with theirs: one statement, one round trip (each part an
 * aggregate in a subquery). Time off and room blocks are limited to the window as busy ranges
 * are. Busy ranges and room blocks travel as epoch milliseconds.
 */
export async function loadAvailabilityInputs(
  db: Knex | Knex.Transaction,
  serviceId: number,
  practitionerId: number,
  window: { from: Date; to: Date },
  options: BusyRangeOptions,
): Promise<AvailabilityInputs> {
  const { from, to } = window;
  const { rows } = await runPrepared<{ rows: InputsRow[] }>(() => db.raw(
    `SELECT
       (SELECT row_to_json(s) FROM (SELECT id, practitioner_id, is_active, service_type, duration_minutes, requires_room, location_id
          FROM services WHERE id = :serviceId) s) AS service,
       ${SCHEDULE_COLUMNS},
       busy.starts AS busy_starts, busy.ends AS busy_ends,
       (SELECT json_agg(json_build_array(r.id, blocks.starts, blocks.ends) ORDER BY r.id)
          FROM services s JOIN rooms r ON r.location_id = s.location_id AND r.deleted_at IS NULL,
          LATERAL (SELECT ${rangeArrays('lower(rb.during)', 'upper(rb.during)')} FROM room_blocks rb
                   WHERE rb.room_id = r.id AND rb.during && tstzrange(:from, :to)) blocks
          WHERE s.id = :serviceId AND s.requires_room) AS rooms
     FROM ${BUSY_ARRAYS}`,
    { serviceId, practitionerId, from, to, busy: busyRangesQuery(db, practitionerId, window, options) },
  ));
  const row = rows[0]!;
  return {
    service: row.service,
    schedule: scheduleOfRow(row),
    busy: busyOfRow(row),
    rooms: row.service?.requires_room ? (row.rooms ?? []).map(([id, starts, ends]) => ({ id, busy: toRanges(starts, ends) })) : undefined,
  };
}
