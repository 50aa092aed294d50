import { expect } from 'chai';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { localIsoFormatter } from '../../src/domain/local-time';

const DAY = 86_400_000;
// Fixed zones (luxon writes "Z" for UTC), half-hour and 45-minute offsets, a 30-minute DST (Lord Howe),
// negative DST (Dublin), and Casablanca, whose Ramadan changes come twice within about a month.
const ZONES = [
  'UTC',
  'Etc/UTC',
  'America/New_York',
  'Europe/London',
  'Europe/Dublin',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'America/St_Johns',
  'Pacific/Chatham',
  'Africa/Casablanca',
  'America/Sao_Paulo',
];
const luxon = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true });
const RUN = { numRuns: 300, seed: Number(process.env.FC_SEED ?? 20261129) };

describe('localIsoFormatter', () => {
  it('when instants cross a clock change, then each is written exactly as luxon writes it', () => {
    // New York, 2026-03-08 02:00 local (07:00Z) springs forward; 2026-11-01 02:00 local (06:00Z) falls back.
    const from = Date.parse('2026-03-07T00:00:00Z');
    const to = Date.parse('2026-11-03T00:00:00Z');
    const format = localIsoFormatter('America/New_York', from, to);
    expect(format(new Date('2026-03-08T06:59:59Z'))).to.equal('2026-03-08T01:59:59-05:00');
    expect(format(new Date('2026-03-08T07:00:00Z'))).to.equal('2026-03-08T03:00:00-04:00');
    expect(format(new Date('2026-11-01T05:30:00Z'))).to.equal('2026-11-01T01:30:00-04:00');
    expect(format(new Date('2026-11-01T06:30:00Z'))).to.equal('2026-11-01T01:30:00-05:00');
    expect(format(new Date('2026-11-01T06:30:00.250Z'))).to.equal('2026-11-01T01:30:00.250-05:00');
  });

  it('when the range does not end on a whole day or minute from its start, then a change in its last part is still found to the millisecond', () => {
    // A client's window over a DST night is 23 or 25 hours long; the change here falls in the range's short last part.
    const from = Date.parse('2026-03-07T12:34:56.789Z');
    const to = Date.parse('2026-03-08T07:01:30.500Z');
    const format = localIsoFormatter('America/New_York', from, to);
    for (let t = Date.parse('2026-03-08T06:58:00Z'); t <= to; t += 250) expect(format(new Date(t))).to.equal(luxon(t, 'America/New_York'));
  });

  it('when the zone is UTC, then the offset is written Z as luxon does, and +00:00 for Etc/UTC', () => {
    const t = Date.parse('2026-06-01T10:00:00Z');
    expect(localIsoFormatter('UTC', t - DAY, t + DAY)(new Date(t))).to.equal(luxon(t, 'UTC'));
    expect(localIsoFormatter('Etc/UTC', t - DAY, t + DAY)(new Date(t))).to.equal(luxon(t, 'Etc/UTC'));
  });

  it('when an instant lies outside the range, then luxon formats it', () => {
    const t = Date.parse('2026-06-01T10:00:00Z');
    const format = localIsoFormatter('Asia/Kolkata', t, t + DAY);
    expect(format(new Date(t - DAY))).to.equal('2026-05-31T15:30:00+05:30');
  });

  it('when any instant of a window of up to 33 days (not always whole days) in any zone is formatted, then it equals luxon', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2028-12-31T00:00:00Z') }),
        fc.integer({ min: 1, max: 33 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        fc.integer({ min: 0, max: DAY - 1 }),
        (zone, from, days, fractions, wholeMinutes, cut) => {
          const to = from + days * DAY - cut;
          const format = localIsoFormatter(zone, from, to);
          for (const f of fractions) {
            let t = Math.floor(from + f * (to - from));
            if (wholeMinutes) t = Math.floor(t / 60_000) * 60_000;
            expect(format(new Date(t)), `${zone} ${new Date(t).toISOString()}`).to.equal(luxon(t, zone));
          }
        },
      ),
      RUN,
    );
  });

  it('when every minute around each 2026 clock change of the zones is formatted, then it equals luxon', () => {
    for (const zone of ZONES) {
      const from = Date.parse('2026-01-01T00:00:00Z');
      const to = Date.parse('2027-01-01T00:00:00Z');
      const format = localIsoFormatter(zone, from, to);
      for (let day = from; day < to; day += DAY) {
        if (DateTime.fromMillis(day, { zone }).offset === DateTime.fromMillis(day + DAY, { zone }).offset) continue;
        for (let t = day; t <= day + DAY; t += 60_000) expect(format(new Date(t)), `${zone} ${new Date(t).toISOString()}`).to.equal(luxon(t, zone));
      }
    }
  });
});
