import { expect } from 'chai';
import { aBookablePractitioner, aBooking, aSchedule, aService, aUser, directBookingColumns, EVERY_DAY_8_TO_20, manyUsers, slot, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';

// Issue 10 item 9: the gap after every active booking and workshop/course session is the practitioner's
// CURRENT buffer_minutes, whichever way it last changed, and the database holds that line itself.

const BOOKINGS = '/api/v1/drf/bookings/';
const SCHEDULE = '/api/v1/drf/practitioners/me/schedule/';
const DAY = '2030-01-08';
const ACTIVE = ['pending_payment', 'confirmed', 'in_progress'];

type Target = Awaited<ReturnType<typeof aBookablePractitioner>>;
type Response = { status: number; body: Record<string, unknown> };

const at = (hhmm: string, date = DAY) => `${date}T${hhmm}:00.000Z`;
const iso = (value: unknown) => new Date(value as string).toISOString();

describe('buffers follow the practitioner (issue 10 item 9)', () => {
  let h: Harness;
  let client: TestUser;

  before(async () => {
    h = await startHarness();
    client = await aUser(h, 'client');
  });
  after(() => h.close());

  const setBuffer = (practitioner: TestUser, bufferMinutes: number, extra: Record<string, unknown> = {}) =>
    h.http
      .put(SCHEDULE)
      .set(practitioner.auth)
      .send({ timezone: 'UTC', max_advance_days: 365, weekly_hours: EVERY_DAY_8_TO_20, buffer_minutes: bufferMinutes, ...extra });
  const book = (target: Target, start: string, by: TestUser = client, extra: Record<string, unknown> = {}) =>
    h.http
      .post(BOOKINGS)
      .set(by.auth)
      .send({ practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot(start, target.service.duration_minutes), ...extra });
  const aWorkshop = (practitioner: TestUser) => aService(h, practitioner, { service_type: 'workshop', max_participants: 5, duration_minutes: 60, price_cents: 0 });
  const addSession = (practitioner: TestUser, workshopId: number, start: string, minutes = 60) =>
    h.http.post(`/api/v1/drf/services/${workshopId}/sessions/`).set(practitioner.auth).send(slot(start, minutes));
  const blockedUntil = async (table: 'bookings' | 'service_sessions', id: unknown) => iso((await h.app.db(table).where({ id }).first()).blocked_until);

  describe('bookings next to bookings', () => {
    it('when the buffer is raised, then a booking right after an existing one with the old gap is a 409 slot_unavailable, and one with the new gap is a 201', async () => {
      const target = await aBookablePractitioner(h, {}, { buffer_minutes: 0 });
      const existing = await aBooking(h, client, target, at('10:00'));
      expect((await setBuffer(target.practitioner, 30)).status).to.equal(200);

      expect(await blockedUntil('bookings', existing.id)).to.equal(at('11:30'));
      const tooClose = await book(target, at('11:00'));
      expect(tooClose.status, JSON.stringify(tooClose.body)).to.equal(409);
      expect(tooClose.body.code).to.equal('slot_unavailable');
      expect((await book(target, at('08:45'))).status, 'before it, the new booking keeps the buffer too').to.equal(409);
      expect((await book(target, at('11:30'))).status).to.equal(201);
    });

    it('when the buffer is lowered, then a booking with the new, smaller gap after an existing one is a 201', async () => {
      const target = await aBookablePractitioner(h, {}, { buffer_minutes: 60 });
      const existing = await aBooking(h, client, target, at('10:00'));
      expect((await book(target, at('11:15'))).status).to.equal(409);
      expect((await setBuffer(target.practitioner, 15)).status).to.equal(200);

      expect(await blockedUntil('bookings', existing.id)).to.equal(at('11:15'));
      const after = await book(target, at('11:15'));
      expect(after.status, JSON.stringify(after.body)).to.equal(201);
      expect(iso(after.body.start_time)).to.equal(at('11:15'));
      expect((await book(target, at('08:45'))).status, 'and before it').to.equal(201);
    });

    it('when the buffer is raised, then a reschedule or a submitted draft right after an existing booking with the old gap is a 409 slot_unavailable', async () => {
      const target = await aBookablePractitioner(h, {}, { buffer_minutes: 0 });
      await aBooking(h, client, target, at('10:00'));
      const other = await aBooking(h, client, target, at('15:00'));
      const draft = await book(target, at('11:00'), client, { draft: true });
      expect(draft.status).to.equal(201);
      expect((await setBuffer(target.practitioner, 20)).status).to.equal(200);

      const moved = await h.http.post(`${BOOKINGS}${other.id}/reschedule/`).set(client.auth).send(slot(at('11:10')));
      expect(moved.status, JSON.stringify(moved.body)).to.equal(409);
      expect(moved.body.code).to.equal('slot_unavailable');
      const submitted = await h.http.post(`${BOOKINGS}${draft.body.id}/submit/`).set(client.auth).send({});
      expect(submitted.status, JSON.stringify(submitted.body)).to.equal(409);
      expect(submitted.body.code).to.equal('slot_unavailable');
      expect((await h.http.post(`${BOOKINGS}${other.id}/reschedule/`).set(client.auth).send(slot(at('11:20')))).status).to.equal(200);
    });
  });

  describe('workshop sessions and bookings', () => {
    it('when the buffer is raised, then a workshop session right after a booking with the old gap is a 409 slot_unavailable', async () => {
      const target = await aBookablePractitioner(h, {}, { buffer_minutes: 0 });
      await aBooking(h, client, target, at('10:00'));
      const workshop = await aWorkshop(target.practitioner);
      expect((await setBuffer(target.practitioner, 30)).status).to.equal(200);

      const tooClose = await addSession(target.practitioner, workshop.id, at('11:00'));
      expect(tooClose.status, JSON.stringify(tooClose.body)).to.equal(409);
      expect(tooClose.body.code).to.equal('slot_unavailable');
      const created = await addSession(target.practitioner, workshop.id, at('11:30'));
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect(await blockedUntil('service_sessions', created.body.id)).to.equal(at('13:00'));
    });

    it('when a workshop session would end less than the buffer before a booking, then it is a 409 slot_unavailable; with the buffer lowered it is a 201', async () => {
      const target = await aBookablePractitioner(h, {}, { buffer_minutes: 30 });
      await aBooking(h, client, target, at('12:00'));
      const workshop = await aWorkshop(target.practitioner);

      const tooClose = await addSession(target.practitioner, workshop.id, at('10:45'), 60);
      expect(tooClose.status, JSON.stringify(tooClose.body)).to.equal(409);
      expect(tooClose.body.code).to.equal('slot_unavailable');
      expect((await setBuffer(target.practitioner, 15)).status).to.equal(200);
      expect((await addSession(target.practitioner, workshop.id, at('10:45'), 60)).status).to.equal(201);
    });

    it('when the buffer is raised, then a booking right after a workshop session with the old gap is a 409, and lowering it lets a closer one in', async () => {
      const target = await aBookablePractitioner(h, {}, { buffer_minutes: 0 });
      const workshop = await aWorkshop(target.practitioner);
      const session = await addSession(target.practitioner, workshop.id, at('14:00'));
      expect(session.status).to.equal(201);
      expect((await setBuffer(target.practitioner, 45)).status).to.equal(200);
      expect(await blockedUntil('service_sessions', session.body.id)).to.equal(at('15:45'));

      expect((await book(target, at('15:00'))).status).to.equal(409);
      expect((await book(target, at('12:30'))).status, 'a booking ending 13:30 is 30 minutes before the session').to.equal(409);
      expect((await setBuffer(target.practitioner, 30)).status).to.equal(200);
      expect((await book(target, at('15:30'))).status).to.equal(201);
      expect((await book(target, at('12:30'))).status).to.equal(201);
    });
  });

  describe('a raise that existing bookings cannot keep', () => {
    it('when raising the buffer would leave two active bookings or sessions closer than it, then it is a 409 buffer_conflicts naming them, and nothing is written', async () => {
      const target = await aBookablePractitioner(h, {}, { buffer_minutes: 0 });
      const first = await aBooking(h, client, target, at('10:00'));
      const second = await aBooking(h, client, target, at('11:00'));
      const workshop = await aWorkshop(target.practitioner);
      const session = await addSession(target.practitioner, workshop.id, at('12:10'));
      expect(session.status).to.equal(201);
      const before = await h.http.get(SCHEDULE).set(target.practitioner.auth);

      const refused = await setBuffer(target.practitioner, 30, { min_notice_hours: 5, weekly_hours: [{ weekday: 2, start: '09:00', end: '10:00' }] });
      expect(refused.status, JSON.stringify(refused.body)).to.equal(409);
      expect(refused.body.code).to.equal('buffer_conflicts');
      expect(refused.body.detail).to.contain(`booking ${first.id}`).and.contain(`booking ${second.id}`).and.contain(`session ${session.body.id}`);
      expect((refused.body.errors as Record<string, string[]>).buffer_minutes).to.have.length(2);

      const afterwards = await h.http.get(SCHEDULE).set(target.practitioner.auth);
      expect(afterwards.body).to.deep.equal(before.body);
      expect(await blockedUntil('bookings', first.id)).to.equal(at('11:00'));
      expect(await blockedUntil('service_sessions', session.body.id)).to.equal(at('13:10'));

      // Moving one of them out of the way lets the raise through.
      expect((await h.http.post(`${BOOKINGS}${second.id}/cancel/`).set(client.auth).send({ reason: 'make room' })).status).to.equal(200);
      expect((await setBuffer(target.practitioner, 10)).status).to.equal(200);
      expect(await blockedUntil('bookings', first.id)).to.equal(at('11:10'));
    });

    it('when the buffer is given as bad input, then it is a 400 and nothing is written', async () => {
      const target = await aBookablePractitioner(h, {}, { buffer_minutes: 10 });
      const existing = await aBooking(h, client, target, at('10:00'));
      for (const bad of [-5, 1441, '30', 2.5]) {
        const res = await setBuffer(target.practitioner, bad as number);
        expect(res.status, `buffer_minutes ${JSON.stringify(bad)}`).to.equal(400);
        expect(res.body.errors).to.have.property('buffer_minutes');
      }
      expect((await h.http.get(SCHEDULE).set(target.practitioner.auth)).body.buffer_minutes).to.equal(10);
      expect(await blockedUntil('bookings', existing.id)).to.equal(at('11:10'));
    });
    it('when the API document is read, then the schedule PUT documents 409 buffer_conflicts and says the buffer applies to existing bookings', async () => {
      const schema = (await h.http.get('/api/v1/schema/').expect(200)).body as { paths: Record<string, Record<string, { description: string; responses: Record<string, unknown> }>> };
      const put = schema.paths['/api/v1/drf/practitioners/me/schedule/']!.put!;
      expect(JSON.stringify(put.responses['409'])).to.contain('buffer_conflicts');
      expect(put.description).to.contain('CURRENT buffer');
    });
  });

  describe('the database as the last word', () => {
    it('when a session is written directly inside a booking’s blocked range, or a booking inside a session’s, then Postgres refuses it (23P01)', async () => {
      const target = await aBookablePractitioner(h, {}, { buffer_minutes: 15 });
      const existing = await aBooking(h, client, target, at('10:00'));
      const workshop = await aWorkshop(target.practitioner);
      const refusal = async (write: Promise<unknown>) => write.then(() => null, (e: { code?: string; constraint?: string }) => e);

      const sessionOnBooking = await refusal(
        h.app.db('service_sessions').insert({ service_id: workshop.id, start_time: at('11:05'), end_time: at('12:05'), blocked_until: at('12:20'), max_participants: 5 }),
      );
      expect(sessionOnBooking, 'a session inside the booking’s buffer').to.include({ code: '23P01', constraint: 'calendar_blocks_no_overlap' });

      const [session] = await h.app.db('service_sessions')
        .insert({ service_id: workshop.id, start_time: at('14:00'), end_time: at('15:00'), blocked_until: at('15:15'), max_participants: 5 })
        .returning('id');
      const bookingOnSession = await refusal(
        h.app.db('bookings').insert({
          ...(await directBookingColumns(h, client, existing.id)),
          start_time: at('15:10'),
          end_time: at('16:10'),
          blocked_until: at('16:25'),
        }),
      );
      expect(bookingOnSession, 'a booking inside the session’s buffer').to.include({ code: '23P01', constraint: 'calendar_blocks_no_overlap' });
      const moved = await refusal(h.app.db('service_sessions').where({ id: session.id }).update({ start_time: at('10:30'), end_time: at('11:00'), blocked_until: at('11:15') }));
      expect(moved, 'a session moved onto the booking').to.include({ code: '23P01', constraint: 'calendar_blocks_no_overlap' });

      // A canceled booking frees its range at once.
      await h.http.post(`${BOOKINGS}${existing.id}/cancel/`).set(client.auth).send({});
      await h.app.db('service_sessions').insert({ service_id: workshop.id, start_time: at('10:00'), end_time: at('11:00'), blocked_until: at('11:15'), max_participants: 5 });
    });
  });

  describe('buffer changes racing bookings', () => {
    it('when clients book adjacent slots while the practitioner changes the buffer, then no two active bookings end up closer than the buffer in force, and every stored range is end + that buffer', async function () {
      this.timeout(90_000);
      const target = await aBookablePractitioner(h, { duration_minutes: 30, price_cents: 0 }, { buffer_minutes: 0 });
      const clients = await manyUsers(h, 24, 'client', 8);
      // 24 slots of 30 minutes, back to back from 08:00: with no buffer all fit, with 30 minutes every other one.
      // Six rounds; in each, four clients book slots next to the earlier rounds' while the buffer changes.
      const starts = clients.map((_, i) => new Date(Date.parse(at('08:00')) + i * 30 * 60_000).toISOString());
      const buffers = [0, 30, 0, 15, 30, 0];
      const bookings: Response[] = [];
      const changes: Response[] = [];
      // Meanwhile, bookings of the next day are moved back and forth: a move locks its booking, then the calendar.
      const movers = await Promise.all([0, 1, 2].map((i) => aBooking(h, clients[i]!, target, at(`${10 + i}:00`, '2030-01-09'))));
      const moves: Response[] = [];
      for (let round = 0; round < buffers.length; round++) {
        const mine = [0, 6, 12, 18].map((offset) => offset + round);
        const [booked, changed, moved] = await Promise.all([
          Promise.all(mine.map((i) => book(target, starts[i]!, clients[i]!) as unknown as Promise<Response>)),
          setBuffer(target.practitioner, buffers[round]!) as unknown as Promise<Response>,
          Promise.all(
            movers.map((m, i) => h.http.post(`${BOOKINGS}${m.id}/reschedule/`).set(clients[i]!.auth).send(slot(at(`${10 + i + (round % 2) * 3}:00`, '2030-01-09'), 30)) as unknown as Promise<Response>),
          ),
        ]);
        bookings.push(...booked);
        changes.push(changed);
        moves.push(...moved);
      }
      for (const r of moves) expect(r.status, JSON.stringify(r.body)).to.equal(200);

      for (const r of bookings) expect([201, 409], JSON.stringify(r.body)).to.include(r.status);
      for (const r of changes) expect(r.status === 200 || (r.status === 409 && r.body.code === 'buffer_conflicts'), JSON.stringify(r.body)).to.equal(true);
      const buffer = (await h.http.get(SCHEDULE).set(target.practitioner.auth)).body.buffer_minutes as number;
      const rows = await h.app.db('bookings').where({ practitioner_id: target.practitioner.id }).whereIn('status', ACTIVE).orderBy('start_time');
      expect(rows.length).to.be.greaterThan(0);
      for (const row of rows) expect(iso(row.blocked_until)).to.equal(new Date(row.end_time.getTime() + buffer * 60_000).toISOString());
      for (let i = 1; i < rows.length; i++) {
        const gap = (rows[i].start_time.getTime() - rows[i - 1].end_time.getTime()) / 60_000;
        expect(gap, `between bookings ${rows[i - 1].id} and ${rows[i].id}`).to.be.at.least(buffer);
      }
      // The practitioner still reaches a state where every change applies: a buffer of 0 always fits.
      expect((await setBuffer(target.practitioner, 0)).status).to.equal(200);
    });
  });

  it('when another practitioner changes their buffer, then this practitioner’s bookings keep their ranges', async () => {
    const mine = await aBookablePractitioner(h, {}, { buffer_minutes: 10 });
    const theirs = await aBookablePractitioner(h, {}, { buffer_minutes: 10 });
    const booking = await aBooking(h, client, mine, at('10:00'));
    await aSchedule(h, theirs.practitioner, { buffer_minutes: 60 });
    expect(await blockedUntil('bookings', booking.id)).to.equal(at('11:10'));
  });
});
