import { expect } from 'chai';
import { DateTime } from 'luxon';
import {
  assertSlotIsFree,
  checkSlot,
  findFreeSlots,
  type BusyRange,
  type Schedule,
  type WeeklyRange,
} from '../../src/domain/availability';
import { DomainError } from '../../src/domain/errors';

const NY = 'America/New_York';
const LONDON = 'Europe/London';
const WEDNESDAY = '2026-06-10';

const at = (iso: string, zone = NY): Date => DateTime.fromISO(iso, { zone }).toJSDate();
const hhmm = (d: Date, zone = NY): string => DateTime.fromJSDate(d, { zone }).toFormat('HH:mm');
const NOW = at('2026-06-01T08:00');

function schedule(over: Partial<Schedule> = {}): Schedule {
  return {
    timezone: NY,
    bufferMinutes: 0,
    minNoticeHours: 0,
    maxAdvanceDays: 365,
    slotIntervalMinutes: 30,
    weeklyHours: [{ weekday: 3, start: '09:00', end: '12:00' }],
    dateOverrides: [],
    timeOff: [],
    ...over,
  };
}

interface Ask { date?: string; days?: number; zone?: string; now?: Date; busy?: BusyRange[]; duration?: number }
function slotsOf(s: Schedule, ask: Ask = {}) {
  return findFreeSlots({
    schedule: s,
    busy: ask.busy ?? [],
    durationMinutes: ask.duration ?? 60,
    date: ask.date ?? WEDNESDAY,
    days: ask.days ?? 1,
    zone: ask.zone ?? s.timezone,
    now: ask.now ?? NOW,
  });
}
const times = (s: Schedule, ask: Ask = {}): string[] => slotsOf(s, ask).map((x) => hhmm(x.start, s.timezone));

describe('availability: findFreeSlots', () => {
  it('when a weekday has 09:00-12:00 and the service is 60 min on a 30 min grid, then it offers 09:00 to 11:00', () => {
    const slots = slotsOf(schedule());
    expect(slots.map((x) => hhmm(x.start))).to.deep.equal(['09:00', '09:30', '10:00', '10:30', '11:00']);
    for (const x of slots) expect(x.end.getTime() - x.start.getTime()).to.equal(60 * 60_000);
  });

  it('when an override has hours for the date, then they replace the weekly hours', () => {
    const dateOverrides = [
      { date: WEDNESDAY, unavailable: false, start: '13:00', end: '15:00' },
      { date: WEDNESDAY, unavailable: false, start: '16:00', end: '17:00' },
    ];
    expect(times(schedule({ dateOverrides }))).to.deep.equal(['13:00', '13:30', '14:00', '16:00']);
  });

  it('when an override marks the date unavailable, then nothing is offered that day', () => {
    const dateOverrides = [
      { date: WEDNESDAY, unavailable: false, start: '13:00', end: '15:00' },
      { date: WEDNESDAY, unavailable: true },
    ];
    expect(times(schedule({ dateOverrides }))).to.deep.equal([]);
  });

  it('when an override opens a day without weekly hours, then that day gets the override hours', () => {
    const dateOverrides = [{ date: '2026-06-14', unavailable: false, start: '10:00', end: '11:00' }];
    expect(times(schedule({ dateOverrides }), { date: '2026-06-14' })).to.deep.equal(['10:00']);
  });

  it('when time off covers 10:00-11:00, then slots touching it are dropped', () => {
    const timeOff = [{ start: at('2026-06-10T10:00'), end: at('2026-06-10T11:00') }];
    expect(times(schedule({ timeOff }))).to.deep.equal(['09:00', '11:00']);
  });

  it('when now is 08:00 and notice is 2 hours, then the first slot starts at 10:00', () => {
    const now = at('2026-06-10T08:00');
    expect(times(schedule({ minNoticeHours: 2 }), { now })).to.deep.equal(['10:00', '10:30', '11:00']);
  });

  it('when max advance ends at 10:00 of the date, then a slot starting exactly then is still offered', () => {
    const now = at('2026-05-31T10:00');
    expect(times(schedule({ maxAdvanceDays: 10 }), { now })).to.deep.equal(['09:00', '09:30', '10:00']);
  });

  it('when a booking 10:00-11:00 carries a 15 min buffer and ours is 15 too, then slots keep one 15 min gap', () => {
    const s = schedule({ bufferMinutes: 15, slotIntervalMinutes: 15, weeklyHours: [{ weekday: 3, start: '08:00', end: '13:00' }] });
    const busy = [{ start: at('2026-06-10T10:00'), end: at('2026-06-10T11:15') }];
    expect(times(s, { busy })).to.deep.equal(['08:00', '08:15', '08:30', '08:45', '11:15', '11:30', '11:45', '12:00']);
  });

  it('when the client asks in Tokyo, then its day straddles two New York dates', () => {
    const s = schedule({ weeklyHours: [3, 4].map((weekday) => ({ weekday, start: '09:00', end: '12:00' })) });
    const starts = slotsOf(s, { date: '2026-06-11', zone: 'Asia/Tokyo' }).map((x) => x.start.toISOString());
    expect(starts).to.deep.equal([
      '2026-06-10T15:00:00.000Z',
      '2026-06-11T13:00:00.000Z',
      '2026-06-11T13:30:00.000Z',
      '2026-06-11T14:00:00.000Z',
      '2026-06-11T14:30:00.000Z',
    ]);
  });

  it('when several days are asked, then slots of every day come back sorted', () => {
    const s = schedule({ weeklyHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '10:00' })) });
    const starts = slotsOf(s, { date: '2026-06-08', days: 7 }).map((x) => DateTime.fromJSDate(x.start, { zone: NY }).toISODate());
    expect(starts).to.deep.equal(['2026-06-08', '2026-06-09', '2026-06-10', '2026-06-11', '2026-06-12']);
  });

  it('when ranges overlap and busy ranges come unsorted, then the sweep finds the same slots as checking each one alone', () => {
    // The second range starts before the first one's last slot ends: the sweep's cursor must step back.
    const s = schedule({ weeklyHours: [{ weekday: 3, start: '09:00', end: '12:00' }, { weekday: 3, start: '09:30', end: '11:30' }], slotIntervalMinutes: 20 });
    const busy = [
      { start: at('2026-06-10T11:00'), end: at('2026-06-10T11:20') },
      { start: at('2026-06-10T09:40'), end: at('2026-06-10T10:00') },
      { start: at('2026-06-10T09:00'), end: at('2026-06-10T09:10') },
    ];
    expect(times(s, { busy, duration: 30 })).to.deep.equal(['10:00', '10:10', '10:20', '10:30', '11:20']);
    for (const slot of slotsOf(s, { busy, duration: 30 })) expect(checkSlot({ schedule: s, busy, start: slot.start, end: slot.end, now: NOW })).to.deep.equal({ ok: true });
  });

  it('when a room is taken at different hours on different days, then each day offers only the hours its room is free', () => {
    const s = schedule({ weeklyHours: [3, 4].map((weekday) => ({ weekday, start: '09:00', end: '11:00' })) });
    const rooms = [{ busy: [{ start: at('2026-06-11T09:00'), end: at('2026-06-11T10:00') }, { start: at('2026-06-10T10:00'), end: at('2026-06-10T11:00') }] }];
    const slots = findFreeSlots({ schedule: s, busy: [], rooms, durationMinutes: 60, date: WEDNESDAY, days: 2, zone: NY, now: NOW });
    expect(slots.map((x) => DateTime.fromJSDate(x.start, { zone: NY }).toFormat('ccc HH:mm'))).to.deep.equal(['Wed 09:00', 'Thu 10:00']);
  });

  it('when a zone is not an IANA zone, then it throws an invalid timezone error', () => {
    const attempt = (fn: () => unknown) => expect(fn).to.throw(DomainError).with.property('errors').that.has.property('timezone');
    attempt(() => slotsOf(schedule({ timezone: 'Mars/Olympus' })));
    attempt(() => slotsOf(schedule(), { zone: 'Nowhere/Town' }));
  });

  it('when the input is malformed, then it throws an invalid error naming the field', () => {
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return Object.keys((err as DomainError).errors ?? {});
      }
      return [];
    };
    expect(field(() => slotsOf(schedule(), { date: '2026-02-30' }))).to.deep.equal(['date']);
    expect(field(() => slotsOf(schedule(), { days: 32 }))).to.deep.equal(['days']);
    expect(field(() => slotsOf(schedule({ weeklyHours: [{ weekday: 3, start: '12:00', end: '09:00' }] })))).to.deep.equal(['weeklyHours']);
    expect(field(() => slotsOf(schedule({ slotIntervalMinutes: 0 })))).to.deep.equal(['slotIntervalMinutes']);
  });
});

describe('availability: checkSlot', () => {
  const s = schedule({ bufferMinutes: 15, minNoticeHours: 24, maxAdvanceDays: 90, weeklyHours: [{ weekday: 3, start: '08:00', end: '13:00' }] });
  const busy = [{ start: at('2026-06-10T10:00'), end: at('2026-06-10T11:15') }];
  const check = (start: string, end: string, over: Partial<Schedule> = {}, now = NOW) =>
    checkSlot({ schedule: { ...s, ...over }, busy, start: at(`2026-06-10T${start}`), end: at(`2026-06-10T${end}`), now });

  it('when a slot fits the hours and clears the buffer, then it is ok even off the grid', () => {
    expect(check('08:45', '09:45')).to.deep.equal({ ok: true });
    expect(check('11:15', '12:15')).to.deep.equal({ ok: true });
    expect(check('12:07', '12:52')).to.deep.equal({ ok: true });
  });

  it('when a slot ends less than one buffer before a booking or starts inside its buffer, then it overlaps', () => {
    expect(check('08:50', '09:50')).to.deep.equal({ ok: false, reason: 'overlap', detail: 'overlaps another booking' });
    expect(check('11:10', '12:10')).to.include({ ok: false, reason: 'overlap' });
  });

  it('when a slot starts before the notice period, then it is too soon', () => {
    expect(check('08:00', '09:00', {}, at('2026-06-09T09:00'))).to.deep.equal({
      ok: false,
      reason: 'too_soon',
      detail: "less than 24 hours' notice",
    });
  });

  it('when a slot starts beyond the advance window, then it is too far', () => {
    expect(check('08:00', '09:00', {}, at('2026-03-01T08:00'))).to.deep.equal({
      ok: false,
      reason: 'too_far',
      detail: 'more than 90 days ahead',
    });
  });

  it('when a slot spills past the working range, then it is outside hours', () => {
    expect(check('12:30', '13:30')).to.deep.equal({
      ok: false,
      reason: 'outside_hours',
      detail: "outside the practitioner's working hours",
    });
  });

  it('when a slot spans two working ranges, then it is outside hours because it must fit one', () => {
    const weeklyHours = [{ weekday: 3, start: '08:00', end: '09:00' }, { weekday: 3, start: '09:00', end: '10:00' }];
    expect(check('08:30', '09:30', { weeklyHours })).to.include({ reason: 'outside_hours' });
  });

  it('when a slot touches time off, then it is rejected for time off', () => {
    const timeOff = [{ start: at('2026-06-10T08:30'), end: at('2026-06-10T08:45') }];
    expect(check('08:00', '09:00', { timeOff })).to.deep.equal({
      ok: false,
      reason: 'time_off',
      detail: "during the practitioner's time off",
    });
  });

  it('when several reasons apply, then they are reported as too_soon, too_far, outside_hours, time_off, overlap', () => {
    const timeOff = [{ start: at('2026-06-10T10:00'), end: at('2026-06-10T11:00') }];
    expect(check('10:00', '11:00', { timeOff })).to.include({ reason: 'time_off' });
    expect(check('12:30', '13:30', { timeOff: [{ start: at('2026-06-10T12:00'), end: at('2026-06-10T14:00') }] })).to.include({ reason: 'outside_hours' });
    expect(check('07:00', '08:00', {}, at('2026-06-10T06:00'))).to.include({ reason: 'too_soon' });
    expect(check('07:00', '08:00', {}, at('2026-03-01T08:00'))).to.include({ reason: 'too_far' });
  });

  it('when assertSlotIsFree meets a taken slot, then it throws slot_unavailable with the contract\'s exact detail', () => {
    const input = { schedule: s, busy, start: at('2026-06-10T10:00'), end: at('2026-06-10T11:00'), now: NOW };
    expect(() => assertSlotIsFree(input))
      .to.throw(DomainError)
      .with.property('message', 'Time slot not available');
    expect(() => assertSlotIsFree(input)).to.throw(DomainError).with.property('code', 'slot_unavailable');
    expect(() => assertSlotIsFree({ ...input, start: at('2026-06-10T07:00'), end: at('2026-06-10T08:00') }))
      .to.throw(DomainError, "Time slot not available: outside the practitioner's working hours.")
      .with.property('code', 'slot_unavailable');
    expect(() => assertSlotIsFree({ ...input, start: at('2026-06-10T08:00'), end: at('2026-06-10T09:00') })).not.to.throw();
  });
});

describe('availability: daylight saving', () => {
  const everyDay = (start: string, end: string): WeeklyRange[] => [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start, end }));
  const hourly = (zone: string, date: string, start: string, end: string) =>
    slotsOf(schedule({ timezone: zone, slotIntervalMinutes: 60, weeklyHours: everyDay(start, end) }), { date, now: at('2026-01-01T00:00') });
  const transitions: Array<[string, string]> = [[NY, '2026-03-08'], [NY, '2026-11-01'], [LONDON, '2026-03-29'], [LONDON, '2026-10-25']];

  for (const [zone, date] of transitions) {
    it(`when hours are 09:00-17:00 on ${zone} ${date}, then slots stay at 09:00..16:00 local`, () => {
      const slots = hourly(zone, date, '09:00', '17:00');
      expect(slots.map((x) => hhmm(x.start, zone))).to.deep.equal(['09', '10', '11', '12', '13', '14', '15', '16'].map((h) => `${h}:00`));
    });
  }

  for (const [zone, date] of transitions.filter(([, d]) => d > '2026-06')) {
    it(`when hours are 00:00-04:00 over the fall-back night in ${zone}, then 5 distinct real hours are offered`, () => {
      const starts = hourly(zone, date, '00:00', '04:00').map((x) => x.start.getTime());
      expect(starts).to.have.length(5);
      expect(new Set(starts).size).to.equal(5);
      starts.forEach((t, i) => expect(t - (starts[0] ?? 0)).to.equal(i * 3_600_000));
    });
  }

  for (const [zone, date, expected] of [[NY, '2026-03-08', ['00:00', '01:00', '03:00']], [LONDON, '2026-03-29', ['00:00', '02:00', '03:00']]] as const) {
    it(`when hours are 00:00-04:00 over the spring-forward night in ${zone}, then 4 local hours give 3 real ones`, () => {
      expect(hourly(zone, date, '00:00', '04:00').map((x) => hhmm(x.start, zone))).to.deep.equal(expected);
    });
  }

  it('when hours are 01:00-03:00 on the New York fall-back night, then both 01:00s are offered (3 real hours)', () => {
    const slots = hourly(NY, '2026-11-01', '01:00', '03:00');
    expect(slots.map((x) => DateTime.fromJSDate(x.start, { zone: NY }).toFormat('HH:mm ZZ'))).to.deep.equal(['01:00 -04:00', '01:00 -05:00', '02:00 -05:00']);
  });

  it('when a range starts inside the spring-forward gap, then it starts at the first real instant after it', () => {
    expect(hourly(NY, '2026-03-08', '02:30', '05:00').map((x) => hhmm(x.start))).to.deep.equal(['03:00', '04:00']);
  });

  it('when a range starts or ends at a repeated time, then it keeps only instants whose wall time is in range', () => {
    const fmt = (start: string, end: string) => {
      const s = schedule({ slotIntervalMinutes: 30, weeklyHours: everyDay(start, end) });
      return slotsOf(s, { date: '2026-11-01', duration: 30, now: at('2026-01-01T00:00') }).map((x) => DateTime.fromJSDate(x.start, { zone: NY }).toFormat('HH:mm ZZ'));
    };
    expect(fmt('01:30', '03:00')).to.deep.equal(['01:30 -05:00', '02:00 -05:00', '02:30 -05:00']);
    expect(fmt('00:00', '01:30')).to.deep.equal(['00:00 -04:00', '00:30 -04:00', '01:00 -04:00']);
    expect(fmt('01:00', '01:45')).to.deep.equal(['01:00 -04:00']);
    expect(fmt('01:10', '01:50')).to.deep.equal(['01:10 -05:00']);
  });
});
