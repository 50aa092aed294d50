import { expect } from 'chai';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  checkSlot,
  findFreeSlots,
  workingRanges,
  type DateOverride,
  type FreeSlotsInput,
  type Interval,
  type Schedule,
  } from '../../src/domain/availability';

const MINUTE = 60_000;
const ZONES = ['America/New_York', 'Europe/London', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC'] as const;
/** Each zone's 2026 clock changes (all Sundays) plus a quiet summer day; zones without DST get them all. */
const ALL_PIVOTS = ['2026-03-08', '2026-11-01', '2026-03-29', '2026-10-25', '2026-04-05', '2026-10-04', '2026-06-15'];
const PIVOTS: Record<string, string[]> = {
  'America/New_York': ['2026-03-08', '2026-11-01', '2026-06-15'],
  'Europe/London': ['2026-03-29', '2026-10-25', '2026-06-15'],
  'Australia/Lord_Howe': ['2026-04-05', '2026-10-04', '2026-06-15'],
};
// Reproducible by default; FC_SEED=<n> explores other cases.
const RUN = { numRuns: 200, seed: Number(process.env.FC_SEED ?? 20260308) };

/** A call of freeSlots without rooms. */
type Scenario = Omit<FreeSlotsInput, 'rooms'>;

const pad = (n: number): string => String(n).padStart(2, '0');
const hhmm = (minutes: number): string => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
const shiftDate = (date: string, days: number): string => DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() ?? date;

/** Ranges on a 5-minute grid; `startMax`/`lengthMax` in 5-minute steps; "24:00" ends are allowed. */
const localRange = (startMax: number, lengthMax: number) =>
  fc
    .tuple(fc.integer({ min: 0, max: startMax }), fc.integer({ min: 1, max: lengthMax }))
    .map(([from, length]) => ({ start: hhmm(from * 5), end: hhmm(Math.min(288, from + length) * 5) }));
/** Any time of day, but often short and in the small hours where clocks change. */
const anyRange = fc.oneof(localRange(36, 36), localRange(287, 288));
/** Inside 00:00-04:00 only: with a clock-change Sunday as the date, every range meets the gap or the fold. */
const nightRange = localRange(47, 36);

/** Instants relative to the pivot's UTC midnight, on a 5-minute grid so they meet slots edge to edge. */
const span = (maxLength: number) =>
  fc
    .tuple(fc.integer({ min: -576, max: 1440 }), fc.integer({ min: 1, max: maxLength }))
    .map(([at, length]) => ({ at: at * 5 * MINUTE, length: length * 5 * MINUTE }));

const scenarioOf = (night: boolean): fc.Arbitrary<Scenario> =>
  fc
    .record({
      zone: night ? fc.constantFrom(...Object.keys(PIVOTS)) : fc.constantFrom(...ZONES),
      clientZone: fc.constantFrom(...ZONES),
      pivotPick: night ? fc.integer({ min: 0, max: 1 }) : fc.nat(),
      dateShift: night ? fc.constant(0) : fc.integer({ min: -1, max: 0 }),
      days: night ? fc.constant(1) : fc.integer({ min: 1, max: 3 }),
      weekly: fc.array(
        night
          ? nightRange.map((r) => ({ weekday: 7, ...r }))
          : fc.tuple(fc.oneof(fc.constant(7), fc.integer({ min: 1, max: 7 })), anyRange).map(([weekday, r]) => ({ weekday, ...r })),
        { minLength: 2, maxLength: night ? 4 : 10 },
      ),
      overrides: fc.array(fc.tuple(fc.integer({ min: -1, max: 3 }), fc.boolean(), night ? nightRange : anyRange), { maxLength: 2 }),
      busy: fc.array(span(48), { maxLength: night ? 5 : 20 }),
      timeOff: fc.array(span(120), { maxLength: night ? 1 : 3 }),
      buffer: fc.integer({ min: 0, max: 12 }).map((n) => n * 5),
      interval: fc.constantFrom(5, 10, 15, 20, 30, 45, 60),
      duration: fc.integer({ min: 3, max: night ? 12 : 24 }).map((n) => n * 5),
      notice: fc.integer({ min: 0, max: 24 }),
      advance: fc.integer({ min: 1, max: 14 }),
      nowShift: fc.integer({ min: -72 * 60, max: night ? -36 * 60 : 0 }),
    })
    .map((r) => {
      const pivots = PIVOTS[r.zone] ?? ALL_PIVOTS;
      const pivot = pivots[r.pivotPick % pivots.length] ?? '2026-06-15';
      const anchor = Date.parse(`${pivot}T00:00:00Z`);
      const toInterval = (x: { at: number; length: number }): Interval => ({ start: new Date(anchor + x.at), end: new Date(anchor + x.at + x.length) });
      const dateOverrides: DateOverride[] = r.overrides.map(([shift, unavailable, range]) => ({ date: shiftDate(pivot, shift), unavailable, ...range }));
      return {
        schedule: {
          timezone: r.zone,
          bufferMinutes: r.buffer,
          minNoticeHours: r.notice,
          maxAdvanceDays: r.advance,
          slotIntervalMinutes: r.interval,
          weeklyHours: r.weekly,
          dateOverrides,
          timeOff: r.timeOff.map(toInterval),
        },
        busy: r.busy.map(toInterval),
        durationMinutes: r.duration,
        date: shiftDate(pivot, r.dateShift),
        days: r.days,
        zone: r.clientZone,
        now: new Date(anchor + r.nowShift * MINUTE),
      };
    });
/** Half the runs are whole-week scenarios, half zoom in on a spring-forward or fall-back night. */
const scenario = fc.oneof(scenarioOf(false), scenarioOf(true));

const ms = (d: Date): number => d.getTime();
const overlaps = (a: Interval, s: number, e: number): boolean => ms(a.start) < e && s < ms(a.end);

/** The brute-force reading of "free": every busy range and time off checked one by one. */
function isFree(sc: Scenario, s: number, e: number): boolean {
  const { schedule: sch, now } = sc;
  return (
    s >= ms(now) + sch.minNoticeHours * 60 * MINUTE &&
    s <= ms(now) + sch.maxAdvanceDays * 24 * 60 * MINUTE &&
    !sch.timeOff.some((t) => overlaps(t, s, e)) &&
    !sc.busy.some((b) => overlaps(b, s, e + sch.bufferMinutes * MINUTE))
  );
}

/** Local minutes-of-day as a fraction, so 23:59:59.999 stays below 24:00. */
const wallMinutes = (t: DateTime): number => t.hour * 60 + t.minute + t.second / 60 + t.millisecond / MINUTE;
const toMinutes = (v: string): number => Number(v.slice(0, 2)) * 60 + Number(v.slice(3, 5));

/** The schedule's local ranges for one local date, read straight from the rows. */
function rowsFor(sch: Schedule, date: string, weekday: number): Array<[number, number]> {
  const overrides = sch.dateOverrides.filter((o) => o.date === date);
  if (overrides.some((o) => o.unavailable)) return [];
  const rows = overrides.length > 0 ? overrides : sch.weeklyHours.filter((w) => w.weekday === weekday);
  return rows.map((r) => [toMinutes(r.start ?? ''), toMinutes(r.end ?? '')]);
}

const emptySchedule = (timezone: string): Schedule => ({
  timezone,
  bufferMinutes: 0,
  minNoticeHours: 0,
  maxAdvanceDays: 365,
  slotIntervalMinutes: 15,
  weeklyHours: [],
  dateOverrides: [],
  timeOff: [],
});

const slotsOf = (sc: Scenario): Interval[] => findFreeSlots(sc);
const property = (check: (sc: Scenario, slots: Interval[]) => void) =>
  fc.assert(
    fc.property(scenario, (sc) => check(sc, slotsOf(sc))),
    RUN,
  );

describe('availability: properties', () => {
  it('when slots are found, then none overlaps a busy range widened by the buffer, nor time off', () => {
    property((sc, slots) => {
      for (const x of slots) expect(isFree(sc, ms(x.start), ms(x.end)), x.start.toISOString()).to.equal(true);
    });
  });

  it('when slots are found, then each lies in one working range in the practitioner wall time of one date', () => {
    property((sc, slots) => {
      const zone = sc.schedule.timezone;
      for (const x of slots) {
        const first = DateTime.fromJSDate(x.start, { zone });
        const last = DateTime.fromMillis(ms(x.end) - 1, { zone });
        expect(last.toISODate()).to.equal(first.toISODate());
        const rows = rowsFor(sc.schedule, first.toISODate() ?? '', first.weekday);
        const inside = rows.some(([from, to]) => from <= wallMinutes(first) && wallMinutes(last) < to);
        expect(inside, `${first.toISO()} - ${last.toISO()}`).to.equal(true);
      }
    });
  });

  it('when slots are found, then each sits on the interval grid of its range', () => {
    property((sc, slots) => {
      const step = sc.schedule.slotIntervalMinutes * MINUTE;
      for (const x of slots) {
        const date = DateTime.fromJSDate(x.start, { zone: sc.schedule.timezone }).toISODate() ?? '';
        const aligned = workingRanges(sc.schedule, date).some(
          (r) => ms(r.start) <= ms(x.start) && ms(x.end) <= ms(r.end) && (ms(x.start) - ms(r.start)) % step === 0,
        );
        expect(aligned, x.start.toISOString()).to.equal(true);
      }
    });
  });

  it('when slots are found, then they are sorted, distinct, of the service length and start in the window', () => {
    property((sc, slots) => {
      const windowStart = DateTime.fromISO(sc.date, { zone: sc.zone }).startOf('day');
      const windowEnd = windowStart.plus({ days: sc.days }).startOf('day');
      slots.forEach((x, i) => {
        expect(ms(x.end) - ms(x.start)).to.equal(sc.durationMinutes * MINUTE);
        expect(ms(x.start)).to.be.at.least(windowStart.toMillis()).and.below(windowEnd.toMillis());
        if (i > 0) expect(ms(x.start)).to.be.above(ms(slots[i - 1]?.start ?? new Date(0)));
      });
    });
  });

  it('when slots are found, then checkSlot accepts every one of them', () => {
    property((sc, slots) => {
      for (const x of slots) {
        const verdict = checkSlot({ schedule: sc.schedule, busy: sc.busy, start: x.start, end: x.end, now: sc.now });
        expect(verdict, x.start.toISOString()).to.deep.equal({ ok: true });
      }
    });
  });

  it('when every grid start is filtered by brute force, then findFreeSlots returns exactly those', () => {
    property((sc, slots) => {
      const windowStart = DateTime.fromISO(sc.date, { zone: sc.zone }).toMillis();
      const windowEnd = DateTime.fromISO(shiftDate(sc.date, sc.days), { zone: sc.zone }).toMillis();
      const step = sc.schedule.slotIntervalMinutes * MINUTE;
      const duration = sc.durationMinutes * MINUTE;
      const expected = new Set<number>();
      for (let d = -2; d <= sc.days + 2; d++) {
        for (const r of workingRanges(sc.schedule, shiftDate(sc.date, d))) {
          for (let s = ms(r.start); s + duration <= ms(r.end); s += step) {
            if (s >= windowStart && s < windowEnd && isFree(sc, s, s + duration)) expected.add(s);
          }
        }
      }
      expect(slots.map((x) => ms(x.start))).to.deep.equal([...expected].sort((a, b) => a - b));
    });
  });

  it('when a date is far from any clock change, then working ranges are exactly what luxon fromObject gives', () => {
    const quietDay = fc.record({
      zone: fc.constantFrom(...ZONES, 'America/Sao_Paulo', 'Pacific/Chatham', 'Asia/Kathmandu'),
      date: fc.integer({ min: 0, max: 729 }).map((n) => shiftDate('2026-01-01', n)),
      range: localRange(287, 288),
    });
    fc.assert(
      fc.property(quietDay, ({ zone, date, range }) => {
        const instant = (hhmmValue: string) => {
          const [y, m, d] = (hhmmValue === '24:00' ? shiftDate(date, 1) : date).split('-').map(Number);
          const t = hhmmValue === '24:00' ? 0 : toMinutes(hhmmValue);
          return DateTime.fromObject({ year: y, month: m, day: d, hour: Math.floor(t / 60), minute: t % 60 }, { zone });
        };
        const [from, to] = [instant(range.start), instant(range.end)];
        fc.pre([from, to].every((t) => t.getPossibleOffsets().length === 1 && t.offset === t.minus({ days: 1 }).offset && t.offset === t.plus({ days: 1 }).offset));
        const schedule = { ...emptySchedule(zone), weeklyHours: [{ weekday: DateTime.fromISO(date).weekday, ...range }] };
        expect(workingRanges(schedule, date).map((r) => [ms(r.start), ms(r.end)])).to.deep.equal([[from.toMillis(), to.toMillis()]]);
      }),
      RUN,
    );
  });

  it('when scenarios are sampled, then most offer slots and many offer them on a clock-change night (the generator is not vacuous)', () => {
    const samples = fc.sample(scenario, { numRuns: 200, seed: RUN.seed }).map((sc) => ({ sc, slots: slotsOf(sc) }));
    const atNight = samples.filter(({ sc, slots }) =>
      slots.some((x) => {
        const t = DateTime.fromJSDate(x.start, { zone: sc.schedule.timezone });
        return t.hour < 4 && (PIVOTS[sc.schedule.timezone] ?? []).slice(0, 2).includes(t.toISODate() ?? '');
      }),
    );
    expect(samples.filter((x) => x.slots.length > 0).length).to.be.above(70);
    expect(atNight.length, 'on a clock-change night').to.be.above(30);
  });
});
