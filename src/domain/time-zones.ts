import { IANAZone } from 'luxon';

/**
 * Valid IANA zone names seen so far. Checking a name builds an Intl formatter (about 0.2 ms on a small
 * machine, on every check-availability request and every schedule write); only valid names are
 * remembered, so junk input cannot grow this beyond the zone database.
 */
const knownZones = new Set<string>();

export function isKnownZone(zone: unknown): zone is string {
  if (typeof zone !== 'string') return false;
  if (knownZones.has(zone)) return true;
  if (!IANAZone.isValidZone(zone)) return false;
  knownZones.add(zone);
  return true;
}

const HOUR_MS = 3_600_000;
/** Hours remembered per zone before its memo starts afresh (a few years of hours; far more than a busy process meets). */
const MAX_HOURS_PER_ZONE = 50_000;
const offsetsByZone = new Map<string, Map<number, number>>();

/**
 * luxon's IANAZone#offset (minutes east of UTC at `ms`) for a valid zone, remembered per UTC hour: each
 * call of luxon's costs an Intl formatToParts, and the availability engine and every create ask the same
 * zones about the same days again and again. An hour is remembered only when the offset is the same at
 * both its ends (no zone changes its offset twice within an hour), so the answer is luxon's exactly.
 */
export function zoneOffset(zoneName: string, ms: number): number {
  const hour = Math.floor(ms / HOUR_MS);
  let hours = offsetsByZone.get(zoneName);
  const known = hours?.get(hour);
  if (known !== undefined) return known;
  const zone = IANAZone.create(zoneName);
  const offset = zone.offset(ms);
  if (zone.offset(hour * HOUR_MS) === offset && zone.offset(hour * HOUR_MS + HOUR_MS - 1) === offset) {
    if (!hours || hours.size >= MAX_HOURS_PER_ZONE) offsetsByZone.set(zoneName, (hours = new Map()));
    hours.set(hour, offset);
  }
  return offset;
}
