import { expect } from 'chai';
import { DateTime } from 'luxon';
import { aBookablePractitioner, aBooking, aUser, slot, type TestUser } from '../support/builders';
import { DEFAULT_NOW, startHarness, type Harness } from '../support/harness';

// Issue 4 through HTTP: check-availability, and create deciding with the same engine.
// DEFAULT_NOW is Monday 2030-01-07T08:00Z; "the next day" below is Tuesday 2030-01-08.

const CHECK = '/api/v1/drf/bookings/check-availability/';
const BOOKINGS = '/api/v1/drf/bookings/';
const DAY = '2030-01-08';

type Target = Awaited<ReturnType<typeof aBookablePractitioner>>;
interface SlotBody {
  start_time: string;
  end_time: string;
  local_start_time: string;
  local_end_time: string;
}

const iso = (value: string | Date) => new Date(value).toISOString();
/** "10:00" on DAY (or another date) in UTC. */
const at = (hhmm: string, date = DAY) => `${date}T${hhmm}:00.000Z`;
const hoursEveryDay = (start: string, end: string) => [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start, end }));

function expectError(res: { status: number; body: Record<string, unknown> }, status: number, code?: string) {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.body.detail, JSON.stringify(res.body)).to.be.a('string').and.match(/\S/);
  if (code) expect(res.body.code, JSON.stringify(res.body)).to.equal(code);
}

function expectValidationError(res: { status: number; body: Record<string, unknown> }, field: string) {
  expectError(res, 400);
  expect(res.body.errors, JSON.stringify(res.body)).to.be.an('object').that.has.property(field);
}

/** An overlap with another booking is the contract's plain detail; the other refusals say which rule refused. */
const OVERLAP = /^Time slot not available$/;

function expectSlotUnavailable(res: { status: number; body: Record<string, unknown> }, why: RegExp) {
  expectError(res, 409, 'slot_unavailable');
  expect(res.body.detail).to.match(/^Time slot not available/);
  expect(res.body.detail).to.match(why);
}

describe('availability through HTTP (issue 4)', () => {
  let h: Harness;
  let client: TestUser;
  let otherClient: TestUser;

  before(async () => {
    h = await startHarness();
    [client, otherClient] = await Promise.all([aUser(h, 'client'), aUser(h, 'client')]);
  });
  afterEach(() => h.clock.set(DEFAULT_NOW));
  after(() => h.close());

  const check = (target: Target, body: Record<string, unknown> = {}, path = CHECK) =>
    h.http
      .post(path)
      .set(client.auth)
      .send({ practitioner_id: target.practitioner.id, service_id: target.service.id, date: DAY, timezone: 'UTC', ...body });

  async function slotsOf(target: Target, body: Record<string, unknown> = {}): Promise<SlotBody[]> {
    const res = await check(target, body);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.slots;
  }

  const startsOf = async (target: Target, body: Record<string, unknown> = {}) => (await slotsOf(target, body)).map((s) => iso(s.start_time));

  const create = (target: Target, start: string, by: TestUser = client, extra: Record<string, unknown> = {}) =>
    h.http
      .post(BOOKINGS)
      .set(by.auth)
      .send({ practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot(start, target.service.duration_minutes), ...extra });

  describe('check-availability', () => {
    it('when a client asks for one day, then the answer names practitioner, service, date and zone, and lists UTC and local slots', async () => {
      const target = await aBookablePractitioner(h, {}, { weekly_hours: hoursEveryDay('09:00', '12:00') });
      const res = await check(target, { timezone: 'America/New_York' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ practitioner_id: target.practitioner.id, service_id: target.service.id, date: DAY, timezone: 'America/New_York' });
      // The client's 2030-01-08 in New York runs from 05:00Z to 05:00Z the next day: it holds the practitioner's 09:00–12:00 UTC.
      expect(res.body.slots).to.deep.equal([
        { start_time: at('09:00'), end_time: at('10:00'), local_start_time: '2030-01-08T04:00:00-05:00', local_end_time: '2030-01-08T05:00:00-05:00' },
        { start_time: at('09:30'), end_time: at('10:30'), local_start_time: '2030-01-08T04:30:00-05:00', local_end_time: '2030-01-08T05:30:00-05:00' },
        { start_time: at('10:00'), end_time: at('11:00'), local_start_time: '2030-01-08T05:00:00-05:00', local_end_time: '2030-01-08T06:00:00-05:00' },
        { start_time: at('10:30'), end_time: at('11:30'), local_start_time: '2030-01-08T05:30:00-05:00', local_end_time: '2030-01-08T06:30:00-05:00' },
        { start_time: at('11:00'), end_time: at('12:00'), local_start_time: '2030-01-08T06:00:00-05:00', local_end_time: '2030-01-08T07:00:00-05:00' },
      ]);
      for (const s of res.body.slots as SlotBody[]) expect(s.start_time).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
    });

    it('when availability is answered, refused or not, then Server-Timing gives the server\'s own milliseconds as app;dur', async () => {
      const target = await aBookablePractitioner(h, {}, { weekly_hours: hoursEveryDay('09:00', '12:00') });
      const started = performance.now();
      const ok = await check(target, { days: 31 });
      const observed = performance.now() - started;
      const refused = await check(target, { service_id: 99999999 });
      expectError(refused, 400, 'does_not_exist');
      for (const res of [ok, refused]) expect(res.headers['server-timing'], JSON.stringify(res.headers)).to.match(/^app;dur=\d+\.\d{2}$/);
      const serverMs = Number(/dur=([\d.]+)/.exec(String(ok.headers['server-timing']))![1]);
      expect(serverMs).to.be.greaterThan(0).and.at.most(observed);
    });

    it('when a client uses the underscore alias, then the answer is the same', async () => {
      const target = await aBookablePractitioner(h, {}, { weekly_hours: hoursEveryDay('09:00', '12:00') });
      const [hyphen, underscore] = await Promise.all([check(target), check(target, {}, '/api/v1/drf/bookings/check_availability/')]);
      expect(underscore.status, JSON.stringify(underscore.body)).to.equal(200);
      expect(underscore.body).to.deep.equal(hyphen.body);
      expect(hyphen.body.slots).to.have.length(5);
    });

    it('when no zone is given, then dates and local times are read in UTC', async () => {
      const target = await aBookablePractitioner(h, {}, { weekly_hours: hoursEveryDay('09:00', '10:00') });
      const res = await h.http
        .post(CHECK)
        .set(client.auth)
        .send({ practitioner_id: target.practitioner.id, service_id: target.service.id, date: DAY });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.timezone).to.equal('UTC');
      expect(res.body.slots).to.have.length(1);
      expect(iso(res.body.slots[0].start_time)).to.equal(at('09:00'));
      expect(DateTime.fromISO(res.body.slots[0].local_start_time, { setZone: true }).offset).to.equal(0);
    });

    it('when days is 3, then slots of three days come back in order; days 0 and 32 are a 400', async () => {
      const target = await aBookablePractitioner(h, {}, { weekly_hours: hoursEveryDay('09:00', '10:00') });
      expect(await startsOf(target, { days: 3 })).to.deep.equal([at('09:00', '2030-01-08'), at('09:00', '2030-01-09'), at('09:00', '2030-01-10')]);
      expect(await startsOf(target, { days: 31 })).to.have.length(31);
      for (const days of [0, 32, -1, 1.5, '2']) expectValidationError(await check(target, { days }), 'days');
    });

    it('when a booking exists and the buffer is 15 minutes, then the slots keep one 15-minute gap on each side of it', async () => {
      const target = await aBookablePractitioner(h, {}, { weekly_hours: hoursEveryDay('08:00', '13:00'), buffer_minutes: 15, slot_interval_minutes: 15 });
      await aBooking(h, otherClient, target, at('10:00'));
      // A slot before must end by 09:45 (15 min before 10:00); a slot after may start at 11:15 (15 min after 11:00).
      expect(await startsOf(target)).to.deep.equal(['08:00', '08:15', '08:30', '08:45', '11:15', '11:30', '11:45', '12:00'].map((t) => at(t)));
    });

    it("when the practitioner has time off, then no slot touches it", async () => {
      const target = await aBookablePractitioner(
        h,
        {},
        { weekly_hours: hoursEveryDay('09:00', '13:00'), time_off: [{ start_time: at('10:00'), end_time: at('11:30'), reason: 'dentist' }] },
      );
      expect(await startsOf(target)).to.deep.equal(['09:00', '11:30', '12:00'].map((t) => at(t)));
    });

    it('when a date override closes the day, then it has no slots; when one changes the hours, then only those hours are offered', async () => {
      const target = await aBookablePractitioner(
        h,
        {},
        {
          weekly_hours: hoursEveryDay('09:00', '17:00'),
          date_overrides: [
            { date: '2030-01-08', unavailable: true },
            { date: '2030-01-09', start: '14:00', end: '16:00' },
          ],
        },
      );
      expect(await startsOf(target)).to.deep.equal([]);
      expect(await startsOf(target, { date: '2030-01-09' })).to.deep.equal(['14:00', '14:30', '15:00'].map((t) => at(t, '2030-01-09')));
      expect(await startsOf(target, { date: '2030-01-10' })).to.have.length(15);
    });

    it('when the practitioner needs 3 hours notice, then the first slot is the first grid time 3 hours after now', async () => {
      const target = await aBookablePractitioner(h, {}, { min_notice_hours: 3 });
      const today = '2030-01-07';
      expect((await startsOf(target, { date: today }))[0]).to.equal(at('11:00', today));
      h.clock.set(new Date('2030-01-07T08:10:00Z'));
      expect((await startsOf(target, { date: today }))[0]).to.equal(at('11:30', today));
    });

    it('when the practitioner takes bookings 2 days ahead, then nothing after now + 2 days is offered', async () => {
      const target = await aBookablePractitioner(h, {}, { max_advance_days: 2 });
      // now + 2 days is 2030-01-09T08:00Z, the first working minute of that day.
      expect(await startsOf(target, { date: '2030-01-09' })).to.deep.equal([at('08:00', '2030-01-09')]);
      expect(await startsOf(target, { date: '2030-01-10' })).to.deep.equal([]);
      expect(await startsOf(target, { date: '2030-01-08' })).to.have.length(23);
    });

    it("when a client holds only a draft of a slot, then that slot is still offered; when it is submitted, then it is not", async () => {
      const target = await aBookablePractitioner(h, {}, { weekly_hours: hoursEveryDay('09:00', '12:00') });
      const draft = await aBooking(h, otherClient, target, at('10:00'), { draft: true });
      expect(draft.status).to.equal('draft');
      expect(await startsOf(target)).to.include(at('10:00'));
      const submitted = await h.http.post(`${BOOKINGS}${draft.id}/submit/`).set(otherClient.auth).send({});
      expect(submitted.status, JSON.stringify(submitted.body)).to.equal(200);
      expect(await startsOf(target)).to.deep.equal(['09:00', '11:00'].map((t) => at(t)));
    });

    it("when the practitioner runs a workshop session, then its time is not offered for individual sessions", async () => {
      const target = await aBookablePractitioner(h, {}, { weekly_hours: hoursEveryDay('09:00', '13:00') });
      const workshop = await h.http
        .post('/api/v1/drf/services/')
        .set(target.practitioner.auth)
        .send({ name: 'Group class', service_type: 'workshop', duration_minutes: 90, price_cents: 1000, max_participants: 8 });
      expect(workshop.status, JSON.stringify(workshop.body)).to.equal(201);
      const session = await h.http.post(`/api/v1/drf/services/${workshop.body.id}/sessions/`).set(target.practitioner.auth).send({ start_time: at('10:00') });
      expect(session.status, JSON.stringify(session.body)).to.equal(201);
      expect(await startsOf(target)).to.deep.equal(['09:00', '11:30', '12:00'].map((t) => at(t)));
      expectSlotUnavailable(await create(target, at('10:30')), OVERLAP);
    });

    it('when a booking is canceled, then its slot is offered again', async () => {
      const target = await aBookablePractitioner(h, {}, { weekly_hours: hoursEveryDay('09:00', '12:00') });
      const booking = await aBooking(h, otherClient, target, at('10:00'));
      expect(await startsOf(target)).to.deep.equal(['09:00', '11:00'].map((t) => at(t)));
      const canceled = await h.http.delete(`${BOOKINGS}${booking.id}/`).set(otherClient.auth);
      expect(canceled.status, JSON.stringify(canceled.body)).to.equal(204);
      expect(await startsOf(target)).to.deep.equal(['09:00', '09:30', '10:00', '10:30', '11:00'].map((t) => at(t)));
    });

    it('when a practitioner in New York is asked about a London day, then the slots are the New York hours that fall in that day, with London offsets', async () => {
      const target = await aBookablePractitioner(h, {}, { timezone: 'America/New_York', weekly_hours: hoursEveryDay('09:00', '17:00') });
      const slots = await slotsOf(target, { timezone: 'Europe/London' });
      // 09:00–17:00 EST is 14:00–22:00 UTC, which is London time in January.
      expect(slots.map((s) => iso(s.start_time))).to.deep.equal(
        ['14:00', '14:30', '15:00', '15:30', '16:00', '16:30', '17:00', '17:30', '18:00', '18:30', '19:00', '19:30', '20:00', '20:30', '21:00'].map((t) => at(t)),
      );
      expect(slots[0]).to.include({ local_start_time: '2030-01-08T14:00:00+00:00', local_end_time: '2030-01-08T15:00:00+00:00' });
    });

    it("when a New York evening falls after midnight in London, then the London day shows the previous New York date's evening", async () => {
      const target = await aBookablePractitioner(h, {}, { timezone: 'America/New_York', weekly_hours: hoursEveryDay('20:00', '23:00') });
      // New York 2030-01-07 20:00–23:00 is London 2030-01-08 01:00–04:00; New York's 2030-01-08 evening is London's 2030-01-09.
      const slots = await slotsOf(target, { timezone: 'Europe/London' });
      expect(slots.map((s) => iso(s.start_time))).to.deep.equal(['01:00', '01:30', '02:00', '02:30', '03:00'].map((t) => at(t)));
      expect(slots.map((s) => s.local_start_time)).to.deep.equal(['01:00', '01:30', '02:00', '02:30', '03:00'].map((t) => `${DAY}T${t}:00+00:00`));
    });

    describe('on the days clocks change', () => {
      // Sundays; verified with luxon's zone data rather than assumed.
      const cases = [
        { zone: 'America/New_York', date: '2030-03-10', change: 'spring forward', before: -300, after: -240, offset: '-04:00', firstUtc: '13:00' },
        { zone: 'America/New_York', date: '2030-11-03', change: 'fall back', before: -240, after: -300, offset: '-05:00', firstUtc: '14:00' },
        { zone: 'Europe/London', date: '2030-03-31', change: 'spring forward', before: 0, after: 60, offset: '+01:00', firstUtc: '08:00' },
        { zone: 'Europe/London', date: '2030-10-27', change: 'fall back', before: 60, after: 0, offset: '+00:00', firstUtc: '09:00' },
      ];
      const halfHours = (from: number, to: number) =>
        Array.from({ length: (to - from) * 2 + 1 }, (_, i) => `${String(from + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`);

      it('when the test dates are used, then they really are the days the clocks change', () => {
        for (const { zone, date, before, after } of cases) {
          expect(DateTime.fromISO(`${date}T00:00`, { zone }).offset, `${zone} ${date} start`).to.equal(before);
          expect(DateTime.fromISO(`${date}T23:59`, { zone }).offset, `${zone} ${date} end`).to.equal(after);
        }
      });

      for (const { zone, date, change, offset, firstUtc } of cases) {
        it(`when a practitioner in ${zone} works 09:00–17:00 on ${date} (${change}), then the slots run from local 09:00 to 16:00, none lost or repeated`, async () => {
          const target = await aBookablePractitioner(h, {}, { timezone: zone, weekly_hours: hoursEveryDay('09:00', '17:00') });
          const slots = await slotsOf(target, { date, timezone: zone });
          expect(slots.map((s) => s.local_start_time)).to.deep.equal(halfHours(9, 16).map((t) => `${date}T${t}:00${offset}`));
          expect(slots.map((s) => s.local_end_time)).to.deep.equal(halfHours(10, 17).map((t) => `${date}T${t}:00${offset}`));
          expect(iso(slots[0]!.start_time)).to.equal(at(firstUtc, date));
          for (const s of slots) expect(new Date(s.end_time).getTime() - new Date(s.start_time).getTime()).to.equal(3_600_000);
        });
      }

      it('when a New York practitioner works 01:00–04:00 on the spring-forward night, then the skipped hour yields no slot and none is repeated', async () => {
        const target = await aBookablePractitioner(h, {}, { timezone: 'America/New_York', weekly_hours: hoursEveryDay('01:00', '04:00') });
        const slots = await slotsOf(target, { date: '2030-03-10', timezone: 'America/New_York' });
        // 01:00 EST is 06:00Z; 04:00 EDT is 08:00Z: two real hours, stepped in real time.
        expect(slots.map((s) => iso(s.start_time))).to.deep.equal(['06:00', '06:30', '07:00'].map((t) => at(t, '2030-03-10')));
        expect(slots.map((s) => s.local_start_time)).to.deep.equal(['2030-03-10T01:00:00-05:00', '2030-03-10T01:30:00-05:00', '2030-03-10T03:00:00-04:00']);
      });
    });

    describe('validation', () => {
      let target: Target;
      let other: Target;
      before(async () => {
        [target, other] = await Promise.all([aBookablePractitioner(h), aBookablePractitioner(h)]);
      });

      it('when the service does not exist, then 400 naming service_id', async () => {
        expectValidationError(await check(target, { service_id: 99_999_999 }), 'service_id');
      });

      it('when the practitioner does not exist, then 400 with errors', async () => {
        const res = await check(target, { practitioner_id: 99_999_999 });
        expectError(res, 400);
        expect(res.body.errors).to.be.an('object').and.satisfy((e: object) => Object.keys(e).length > 0);
      });

      it("when the service is another practitioner's, then 400 naming service_id", async () => {
        expectValidationError(await check(target, { service_id: other.service.id }), 'service_id');
      });

      it('when the service is inactive, then 400 naming service_id', async () => {
        const inactive = await aBookablePractitioner(h);
        const res = await h.http.patch(`/api/v1/drf/services/${inactive.service.id}/`).set(inactive.practitioner.auth).send({ is_active: false });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expectValidationError(await check(inactive), 'service_id');
      });

      it('when the time zone is not an IANA zone, then 400 naming timezone', async () => {
        for (const timezone of ['Mars/Olympus_Mons', 'not a zone', '', 42]) expectValidationError(await check(target, { timezone }), 'timezone');
      });

      it('when the date is malformed or not on the calendar, then 400 naming date', async () => {
        for (const date of ['2030-02-30', '08/01/2030', '2030-1-8', '2030-01-08T00:00:00Z', '', null]) expectValidationError(await check(target, { date }), 'date');
      });

      it('when required fields are missing or of the wrong type, then 400 naming each', async () => {
        const res = await h.http.post(CHECK).set(client.auth).send({ practitioner_id: '1' });
        expectError(res, 400);
        expect(res.body.errors).to.include.keys('practitioner_id', 'service_id', 'date');
      });

      it('when the service is a workshop, then 400: workshops are booked by their sessions', async () => {
        const workshop = await h.http
          .post('/api/v1/drf/services/')
          .set(target.practitioner.auth)
          .send({ name: 'Group breathwork', service_type: 'workshop', duration_minutes: 60, price_cents: 1000, max_participants: 5 });
        expect(workshop.status, JSON.stringify(workshop.body)).to.equal(201);
        expectValidationError(await check(target, { service_id: workshop.body.id }), 'service_id');
      });

      it('when nobody is signed in, then 401 with WWW-Authenticate: Token', async () => {
        const res = await h.http.post(CHECK).send({ practitioner_id: target.practitioner.id, service_id: target.service.id, date: DAY });
        expectError(res, 401);
        expect(res.headers['www-authenticate']).to.match(/^Token/);
      });
    });
  });

  describe('create decides with the same engine', () => {
    it('when a client books a slot check-availability offered, then 201, and the slot is offered no more', async () => {
      const target = await aBookablePractitioner(h, {}, { weekly_hours: hoursEveryDay('09:00', '12:00') });
      const offered = await slotsOf(target);
      const chosen = offered[2]!;
      const res = await h.http
        .post(BOOKINGS)
        .set(client.auth)
        .send({ practitioner_id: target.practitioner.id, service_id: target.service.id, start_time: chosen.start_time, end_time: chosen.end_time });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(iso(res.body.start_time)).to.equal(iso(chosen.start_time));
      expect(await startsOf(target)).to.deep.equal(['09:00', '11:00'].map((t) => at(t)));
    });

    it('when every grid time of a busy day is tried, then create accepts exactly the ones check-availability offers', async () => {
      const target = await aBookablePractitioner(
        h,
        {},
        {
          weekly_hours: hoursEveryDay('08:00', '12:30'),
          buffer_minutes: 15,
          slot_interval_minutes: 15,
          time_off: [{ start_time: at('11:45'), end_time: at('12:30') }],
        },
      );
      await aBooking(h, otherClient, target, at('09:30'));
      const offered = new Set(await startsOf(target));
      // Before the booking: end 15 min before 09:30. After it: from 10:45, and end before the 11:45 time off.
      expect([...offered]).to.deep.equal(['08:00', '08:15', '10:45'].map((t) => at(t)));
      const verdicts: string[] = [];
      for (let minutes = 7 * 60; minutes <= 13 * 60; minutes += 15) {
        const start = `${DAY}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00.000Z`;
        const res = await create(target, start);
        verdicts.push(`${start} ${res.status}`);
        expect(res.status, `${start}: offered=${offered.has(start)} ${JSON.stringify(res.body)}`).to.equal(offered.has(start) ? 201 : 409);
        if (res.status === 201) {
          const canceled = await h.http.delete(`${BOOKINGS}${res.body.id}/`).set(client.auth);
          expect(canceled.status).to.equal(204);
        } else {
          expect(res.body.code).to.equal('slot_unavailable');
        }
      }
      expect(verdicts.filter((v) => v.endsWith('201'))).to.have.length(offered.size);
    });

    it('when a start is off the grid but inside the hours (10:07), then 201; with seconds (10:07:30), then 400', async () => {
      const target = await aBookablePractitioner(h);
      const ok = await create(target, at('10:07'));
      expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
      expect(iso(ok.body.start_time)).to.equal(at('10:07'));
      const seconds = await create(target, `${DAY}T13:07:30.000Z`);
      expectValidationError(seconds, 'start_time');
      const millis = await create(target, `${DAY}T14:07:00.500Z`);
      expectValidationError(millis, 'start_time');
    });

    it('when a start is outside the working hours, then 409 slot_unavailable saying so', async () => {
      const target = await aBookablePractitioner(h, {}, { weekly_hours: hoursEveryDay('09:00', '12:00') });
      expectSlotUnavailable(await create(target, at('08:00')), /working hours/);
      expectSlotUnavailable(await create(target, at('11:30')), /working hours/); // would end 12:30
      expectSlotUnavailable(await create(target, at('12:00')), /working hours/);
    });

    it('when the day is closed by a date override, then 409 slot_unavailable', async () => {
      const target = await aBookablePractitioner(h, {}, { date_overrides: [{ date: DAY, unavailable: true }] });
      expectSlotUnavailable(await create(target, at('10:00')), /working hours/);
    });

    it('when a start is in time off, then 409 slot_unavailable saying so', async () => {
      const target = await aBookablePractitioner(h, {}, { time_off: [{ start_time: at('10:30'), end_time: at('11:00') }] });
      expectSlotUnavailable(await create(target, at('10:00')), /time off/);
      expectSlotUnavailable(await create(target, at('10:45')), /time off/);
      expect((await create(target, at('11:00'))).status).to.equal(201);
    });

    it('when a start is sooner than the minimum notice, then 409 slot_unavailable saying so', async () => {
      const target = await aBookablePractitioner(h, {}, { min_notice_hours: 24 });
      // now is 2030-01-07T08:00Z: 2030-01-08T07:59Z is one minute short of 24 hours.
      expectSlotUnavailable(await create(target, '2030-01-07T20:00:00Z'), /notice/);
      const atTheLimit = await create(target, at('08:00'));
      expect(atTheLimit.status, JSON.stringify(atTheLimit.body)).to.equal(201);
    });

    it('when a start is further ahead than the maximum advance, then 409 slot_unavailable saying so', async () => {
      const target = await aBookablePractitioner(h, {}, { max_advance_days: 2 });
      expectSlotUnavailable(await create(target, at('10:00', '2030-01-10')), /ahead/);
      expectSlotUnavailable(await create(target, '2030-01-09T08:01:00Z'), /ahead/);
      expect((await create(target, '2030-01-09T08:00:00Z')).status).to.equal(201);
    });

    it('when a start is within the buffer of another booking, then 409 slot_unavailable; one buffer away, then 201', async () => {
      const target = await aBookablePractitioner(h, {}, { buffer_minutes: 15 });
      await aBooking(h, otherClient, target, at('10:00'));
      expectSlotUnavailable(await create(target, at('11:10')), OVERLAP);
      expectSlotUnavailable(await create(target, at('08:50')), OVERLAP);
      expectSlotUnavailable(await create(target, at('10:30')), OVERLAP);
      expect((await create(target, at('11:15'))).status).to.equal(201);
      expect((await create(target, at('08:45'))).status).to.equal(201);
    });

    it('when the start has passed, then 400 naming start_time', async () => {
      const target = await aBookablePractitioner(h);
      expectValidationError(await create(target, '2030-01-07T07:00:00Z'), 'start_time');
    });

    it('when a draft is stored in a taken slot, then it holds nothing; submitting it is a 409 slot_unavailable', async () => {
      const target = await aBookablePractitioner(h);
      const draft = await aBooking(h, client, target, at('10:00'), { draft: true });
      await aBooking(h, otherClient, target, at('10:00'));
      const submitted = await h.http.post(`${BOOKINGS}${draft.id}/submit/`).set(client.auth).send({});
      expectSlotUnavailable(submitted, OVERLAP);
      const after = await h.http.get(`${BOOKINGS}${draft.id}/`).set(client.auth);
      expect(after.body.status).to.equal('draft');
    });
  });
});
