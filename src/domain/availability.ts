/**
 * Pure availability engine: which slots a practitioner can offer, and whether one given slot is bookable.
 * No I/O and no clock: `now` is always an argument, so results are reproducible.
 *
 * Wall-time decisions (a range is "HH:MM"-"HH:MM" local to the practitioner on one local date):
 * - A local time skipped by a spring-forward gap resolves to the first real instant after it (the
 *   transition instant), for range starts and ends alike; a range wholly inside the gap is empty.
 * - A local time repeated by a fall-back fold: a range START takes the later occurrence, unless it is
 *   exactly where the repeated hour begins, then the earlier; a range END takes its first occurrence after
 *   the start. So every instant of a range shows a local wall time inside the range (01:30-03:00 on New
 *   York's fall-back night starts at the second 01:30), and 01:00-03:00 that night is 3 real hours.
 * - Slots step in real time from the range's start instant, so a fold neither duplicates nor loses one.
 * - Dates near a clock change resolve wall times with luxon's DateTime.fromObject; other dates use the
 *   zone's one offset directly, which gives the same instants without the Intl cost.
 * - "24:00" is accepted as a range end (local midnight that ends the date).
 * - maxAdvanceDays counts 24-hour days of real time.
 */
import { DateTime, IANAZone } from 'luxon';
import { isKnownZone, zoneOffset } from './time-zones';
import { invalidField, slotUnavailable } from './errors';

export interface WeeklyRange { weekday: number; start: string; end: string }
export interface DateOverride { date: string; unavailable: boolean; start?: string | null; end?: string | null }
export interface Interval { start: Date; end: Date }
export interface Schedule {
  timezone: string;
  bufferMinutes: number;
  minNoticeHours: number;
  maxAdvanceDays: number;
  slotIntervalMinutes: number;
  weeklyHours: WeeklyRange[];
  dateOverrides: DateOverride[];
  timeOff: Interval[];
}
/** A range the practitioner is already blocked for, ALREADY including that booking's own trailing buffer: [booking.start, booking.end + its buffer). */
export type BusyRange = Interval;

export type SlotRejection = 'outside_hours' | 'time_off' | 'too_soon' | 'too_far' | 'overlap';
export type SlotCheck = { ok: true } | { ok: false; reason: SlotRejection; detail: string };
export interface SlotCheckInput { schedule: Schedule; busy: BusyRange[]; start: Date; end: Date; now: Date }
/**
 * `date` ("YYYY-MM-DD") and `days` (1..31) are read in `zone`, the client's zone; a slot is kept when its start is in that window.
 * `rooms`, for a service that requires a room: each room's busy ranges (with their holders' buffers); a slot is
 * offered only when at least one of them is free for the slot plus the practitioner's buffer. An empty list offers nothing.
 */
export interface FreeSlotsInput {
  schedule: Schedule;
  busy: BusyRange[];
  durationMinutes: number;
  date: string;
  days: number;
  zone: string;
  now: Date;
  rooms?: Array<{ busy: BusyRange[] }>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Minutes-of-day pairs; an empty list means "no hours". */
type MinuteRange = readonly [number, number];
interface Compiled {
  zone: string;
  weekly: Map<number, MinuteRange[]>;
  overrides: Map<string, MinuteRange[]>;
}
/** Epoch-millisecond half-open range. */
interface Span { start: number; end: number }

function assertZone(zone: string): void {
  if (!isKnownZone(zone)) throw invalidField('timezone', `"${String(zone)}" is not a valid IANA time zone`);
}

function parseTime(value: string, field: string, isEnd: boolean): number {
  const m = /^(\d{2}):(\d{2})$/.exec(value);
  const h = Number(m?.[1]);
  const min = Number(m?.[2]);
  if (!m || min > 59 || h > 24 || (h === 24 && (!isEnd || min !== 0))) {
    throw invalidField(field, `"${value}" is not a valid HH:MM time`);
  }
  return h * 60 + min;
}

function parseRange(start: string, end: string, field: string): MinuteRange {
  const s = parseTime(start, field, false);
  const e = parseTime(end, field, true);
  if (e <= s) throw invalidField(field, `start ${start} must be before end ${end}`);
  return [s, e];
}

/** Calendar dates are handled as UTC day numbers: exact, and no luxon object per day. */
function parseDate(date: string, field: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw invalidField(field, `"${date}" is not a valid YYYY-MM-DD date`);
  }
  return ms / DAY;
}

const isoDate = (dayNum: number): string => new Date(dayNum * DAY).toISOString().slice(0, 10);
const isoWeekday = (dayNum: number): number => ((new Date(dayNum * DAY).getUTCDay() + 6) % 7) + 1;

/** The local date (as a day number) of an instant in a zone: luxon's DateTime.fromMillis(ms, { zone }) date, by its offset. */
function localDayNumber(ms: number, zone: string): number {
  return Math.floor((ms + zoneOffset(zone, ms) * MINUTE) / DAY);
}

function compile(schedule: Schedule): Compiled {
  assertZone(schedule.timezone);
  if (!Number.isInteger(schedule.slotIntervalMinutes) || schedule.slotIntervalMinutes <= 0) {
    throw invalidField('slotIntervalMinutes', 'must be a positive whole number of minutes');
  }
  if (!(schedule.bufferMinutes >= 0)) throw invalidField('bufferMinutes', 'must not be negative');
  const weekly = new Map<number, MinuteRange[]>();
  for (const row of schedule.weeklyHours) {
    if (!Number.isInteger(row.weekday) || row.weekday < 1 || row.weekday > 7) {
      throw invalidField('weeklyHours', `weekday ${row.weekday} must be 1 (Monday) to 7 (Sunday)`);
    }
    const list = weekly.get(row.weekday) ?? [];
    list.push(parseRange(row.start, row.end, 'weeklyHours'));
    weekly.set(row.weekday, list);
  }
  const overrides = new Map<string, MinuteRange[]>();
  const closed = new Set<string>();
  for (const row of schedule.dateOverrides) {
    parseDate(row.date, 'dateOverrides');
    const list = overrides.get(row.date) ?? [];
    overrides.set(row.date, list);
    if (row.unavailable) closed.add(row.date);
    // A row that is neither closed nor timed still claims the date, so weekly hours do not leak back in.
    else if (row.start && row.end) list.push(parseRange(row.start, row.end, 'dateOverrides'));
  }
  for (const date of closed) overrides.set(date, []);
  return { zone: schedule.timezone, weekly, overrides };
}

/** Offset change inside (shifted - 1 day, shifted]: the first real instant after a skipped wall time. */
function transitionBefore(zone: IANAZone, shifted: number): number {
  const after = zone.offset(shifted);
  let lo = shifted - DAY;
  let hi = shifted;
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (zone.offset(mid) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Every instant showing this local wall time: two inside a fold; a skipped time gives the first real instant after it. */
function instantsOf(zoneName: string, dayNum: number, minutes: number): number[] {
  if (minutes === 24 * 60) return instantsOf(zoneName, dayNum + 1, 0);
  const day = new Date(dayNum * DAY);
  const hour = Math.floor(minutes / 60);
  const minute = minutes % 60;
  const dt = DateTime.fromObject(
    { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour, minute },
    { zone: zoneName },
  );
  // luxon moves a skipped time forward by the length of the gap; we want the gap's end instead.
  if (dt.hour !== hour || dt.minute !== minute) return [transitionBefore(IANAZone.create(zoneName), dt.toMillis())];
  return dt.getPossibleOffsets().map((o) => o.toMillis()).sort((a, b) => a - b);
}

/** A local range as real instants, or null when it has none (e.g. wholly inside a spring-forward gap). */
function rangeInstants(zoneName: string, dayNum: number, [from, to]: MinuteRange): Span | null {
  const starts = instantsOf(zoneName, dayNum, from);
  const earlier = starts[0] as number;
  const later = starts[starts.length - 1] as number;
  // Starting at the later occurrence keeps the repeated wall times before `from` out of the range; when `from`
  // is exactly where the repetition begins, the earlier occurrence keeps nothing out of range and loses nothing.
  const zone = IANAZone.create(zoneName);
  const start = zone.offset(later - 1) !== zone.offset(later) ? earlier : later;
  const end = instantsOf(zoneName, dayNum, to).find((t) => t > start);
  return end === undefined ? null : { start, end };
}

/**
 * The zone's offset (minutes) when it is the same from a day before to two days after the local date, so every
 * wall time of the date maps to exactly one instant by plain arithmetic; null near a clock change.
 * Each luxon resolution costs several Intl calls; most dates need none of them.
 */
function steadyOffset(zoneName: string, dayNum: number): number | null {
  const before = zoneOffset(zoneName, (dayNum - 1) * DAY);
  return before === zoneOffset(zoneName, (dayNum + 2) * DAY) ? before : null;
}

function spansForDay(c: Compiled, dayNum: number): Span[] {
  const rows = c.overrides.get(isoDate(dayNum)) ?? c.weekly.get(isoWeekday(dayNum)) ?? [];
  if (rows.length === 0) return [];
  const offset = steadyOffset(c.zone, dayNum);
  const spans: Span[] = [];
  for (const row of rows) {
    const span =
      offset === null
        ? rangeInstants(c.zone, dayNum, row)
        : { start: dayNum * DAY + (row[0] - offset) * MINUTE, end: dayNum * DAY + (row[1] - offset) * MINUTE };
    if (span) spans.push(span);
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** The practitioner's working ranges on a practitioner-local date, as real instants. */
export function workingRanges(schedule: Schedule, date: string): Interval[] {
  return spansForDay(compile(schedule), parseDate(date, 'date')).map(toInterval);
}

const toInterval = (s: Span): Interval => ({ start: new Date(s.start), end: new Date(s.end) });

function toSpans(list: Interval[], field: string): Span[] {
  const out: Span[] = [];
  for (const i of list) {
    const start = i.start.getTime();
    const end = i.end.getTime();
    if (Number.isNaN(start) || Number.isNaN(end)) throw invalidField(field, 'contains an invalid date');
    if (end > start) out.push({ start, end }); // an empty range blocks nothing, like an empty tstzrange
  }
  return out;
}

/**
 * Answers "does any range overlap [s, e)?" for a run of queries: the ranges sorted by start once, with
 * the running maximum of ends, so only the last range starting before e needs to be looked at. A cursor
 * finds that range: the slots come in time order, so it only moves forward and passes each range once
 * over the whole window (linear in slots + ranges); when e goes back (a day's first range may start
 * before the previous day's last slot ended), a binary search puts it back.
 */
function overlapSweep(spans: Span[]): (s: number, e: number) => boolean {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const n = sorted.length;
  const starts = new Float64Array(n);
  const maxEnd = new Float64Array(n);
  let running = -Infinity;
  for (let i = 0; i < n; i++) {
    starts[i] = sorted[i]!.start;
    maxEnd[i] = running = Math.max(running, sorted[i]!.end);
  }
  // below = how many ranges start before lastEnd.
  let below = 0;
  let lastEnd = -Infinity;
  return (s, e) => {
    if (e < lastEnd) {
      let lo = 0;
      let hi = below;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (starts[mid]! < e) lo = mid + 1;
        else hi = mid;
      }
      below = lo;
    } else {
      while (below < n && starts[below]! < e) below++;
    }
    lastEnd = e;
    return below > 0 && maxEnd[below - 1]! > s;
  };
}

export function findFreeSlots(input: FreeSlotsInput): Interval[] {
  const { schedule, durationMinutes, days, zone, now } = input;
  const c = compile(schedule);
  assertZone(zone);
  if (!Number.isInteger(durationMinutes) || durationMinutes <= 0) {
    throw invalidField('durationMinutes', 'must be a positive whole number of minutes');
  }
  if (!Number.isInteger(days) || days < 1 || days > 31) throw invalidField('days', 'must be between 1 and 31');
  const firstDate = parseDate(input.date, 'date');

  const windowStart = instantsOf(zone, firstDate, 0)[0] as number;
  const windowEnd = instantsOf(zone, firstDate + days, 0)[0] as number;
  const earliest = Math.max(windowStart, now.getTime() + schedule.minNoticeHours * HOUR);
  const latest = Math.min(windowEnd - 1, now.getTime() + schedule.maxAdvanceDays * DAY);
  if (earliest > latest) return [];

  const duration = durationMinutes * MINUTE;
  const step = schedule.slotIntervalMinutes * MINUTE;
  const buffer = schedule.bufferMinutes * MINUTE;
  const inTimeOff = overlapSweep(toSpans(schedule.timeOff, 'timeOff'));
  // Each busy range already carries its own trailing buffer; the new slot adds ours after its end.
  const inBusy = overlapSweep(toSpans(input.busy, 'busy'));
  const roomTaken = input.rooms?.map((room) => overlapSweep(toSpans(room.busy, 'rooms')));
  const someRoomFree = (s: number, e: number) => roomTaken === undefined || roomTaken.some((taken) => !taken(s, e));

  const starts: number[] = [];
  // One practitioner-local day either side: a client's day can straddle two practitioner dates.
  const lastDay = localDayNumber(latest, c.zone) + 1;
  for (let day = localDayNumber(earliest, c.zone) - 1; day <= lastDay; day++) {
    for (const span of spansForDay(c, day)) {
      const skip = span.start < earliest ? Math.ceil((earliest - span.start) / step) : 0;
      for (let s = span.start + skip * step; s + duration <= span.end && s <= latest; s += step) {
        const e = s + duration;
        if (!inTimeOff(s, e) && !inBusy(s, e + buffer) && someRoomFree(s, e + buffer)) starts.push(s);
      }
    }
  }
  starts.sort((a, b) => a - b);
  const out: Interval[] = [];
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i] as number;
    if (i === 0 || s !== starts[i - 1]) out.push({ start: new Date(s), end: new Date(s + duration) });
  }
  return out;
}

const overlapsAny = (spans: Span[], s: number, e: number): boolean => spans.some((x) => x.start < e && s < x.end);

export function checkSlot(input: SlotCheckInput): SlotCheck {
  const { schedule, now } = input;
  const c = compile(schedule);
  const s = input.start.getTime();
  const e = input.end.getTime();
  if (Number.isNaN(s)) throw invalidField('start', 'is not a valid date');
  if (Number.isNaN(e) || e <= s) throw invalidField('end', 'must be a valid date after start');

  if (s < now.getTime() + schedule.minNoticeHours * HOUR) {
    const notice = schedule.minNoticeHours === 1 ? "1 hour's" : `${schedule.minNoticeHours} hours'`;
    return { ok: false, reason: 'too_soon', detail: `less than ${notice} notice` };
  }
  if (s > now.getTime() + schedule.maxAdvanceDays * DAY) {
    return { ok: false, reason: 'too_far', detail: `more than ${schedule.maxAdvanceDays} day${schedule.maxAdvanceDays === 1 ? '' : 's'} ahead` };
  }
  const spans = spansForDay(c, localDayNumber(s, c.zone));
  if (!spans.some((x) => x.start <= s && e <= x.end)) {
    return { ok: false, reason: 'outside_hours', detail: "outside the practitioner's working hours" };
  }
  if (overlapsAny(toSpans(schedule.timeOff, 'timeOff'), s, e)) {
    return { ok: false, reason: 'time_off', detail: "during the practitioner's time off" };
  }
  if (overlapsAny(toSpans(input.busy, 'busy'), s, e + schedule.bufferMinutes * MINUTE)) {
    return { ok: false, reason: 'overlap', detail: 'overlaps another booking' };
  }
  return { ok: true };
}

/** Throws slotUnavailable (409 slot_unavailable) with the human reason when the slot cannot be booked. */
export function assertSlotIsFree(input: SlotCheckInput): void {
  const result = checkSlot(input);
  // An overlap is the contract's plain "Time slot not available"; the other reasons say which rule refused.
  if (!result.ok) throw slotUnavailable(result.reason === 'overlap' ? undefined : result.detail);
}
