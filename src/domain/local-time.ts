/**
 * Local wall times of many instants in one zone, as luxon's `toISO({ suppressMilliseconds: true })` writes
 * them ("2026-03-08T03:00:00-04:00", or "…Z" for the UTC zone). A luxon DateTime per instant costs about
 * 10 µs (several Intl calls); a month of slots has a thousand instants. Luxon is asked only for the zone's
 * offset once per day of the range and, where two days differ, for the instant of the change; each
 * instant is then plain arithmetic. Like the availability engine, this assumes a zone changes its offset
 * at most once a day.
 */
import { DateTime, IANAZone } from 'luxon';

const DAY = 86_400_000;
const MINUTE = 60_000;

const luxonIso = (ms: number, zone: string): string => DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true }) ?? '';

/** The first instant in (lo, hi] whose offset is not the one at lo: to the minute (where every modern change falls), then to the millisecond if need be. */
function changeBetween(lo: number, hi: number, offsetAt: (ms: number) => number): number {
  const before = offsetAt(lo);
  // Halves (lo, hi] in whole steps from lo while it is wider than one step; lo keeps `before`, hi does not.
  const search = (step: number) => {
    while (hi - lo > step) {
      const mid = lo + Math.max(1, Math.floor((hi - lo) / 2 / step)) * step;
      if (offsetAt(mid) === before) lo = mid;
      else hi = mid;
    }
  };
  search(MINUTE);
  if (offsetAt(hi - 1) !== before) search(1);
  return hi;
}

/**
 * A formatter for instants of [from, to] in `zone` (a valid zone: the caller validates it); instants
 * outside the range, or outside years 0000-9999, are formatted by luxon itself.
 */
export function localIsoFormatter(zone: string, from: number, to: number): (instant: Date) => string {
  // Segments of constant offset: starts[i] .. starts[i + 1], offset offsets[i] minutes, suffix as luxon writes it.
  // IANAZone#offset: the same minutes as a DateTime's offset, without building one.
  const iana = IANAZone.create(zone);
  const offsetAt = (ms: number) => iana.offset(ms);
  const starts = [from];
  let previous = offsetAt(from);
  const offsets = [previous];
  for (let t = from; t < to; ) {
    const next = Math.min(t + DAY, to);
    const offset = offsetAt(next);
    if (offset !== previous) {
      starts.push(changeBetween(t, next, offsetAt));
      offsets.push(offset);
      previous = offset;
    }
    t = next;
  }
  // The suffix of a whole second inside each segment: "Z" or "+05:30", whichever luxon writes for this zone.
  const suffixes = starts.map((start) => luxonIso(Math.ceil(start / 1000) * 1000, zone).slice(19));
  return (instant) => {
    const t = instant.getTime();
    if (!(t >= from && t <= to)) return luxonIso(t, zone);
    let i = starts.length - 1;
    while (t < starts[i]!) i--;
    const wall = new Date(t + offsets[i]! * MINUTE).toISOString();
    if (wall.length !== 24) return luxonIso(t, zone);
    return (t % 1000 === 0 ? wall.slice(0, 19) : wall.slice(0, 23)) + suffixes[i]!;
  };
}
