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
