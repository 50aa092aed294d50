import { expect } from 'chai';
import { aBookablePractitioner, aBooking, aService, aUser, directBookingColumns, manyUsers, slot, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';

// Issue 4: no double booking, proven through HTTP under real concurrency (the harness listens on a real
// port, so Promise.all of requests really races), and by the database itself when the app is bypassed.

const BOOKINGS = '/api/v1/drf/bookings/';
const DAY = '2030-01-08';
const ACTIVE = ['pending_payment', 'confirmed', 'in_progress'];

type Target = Awaited<ReturnType<typeof aBookablePractitioner>>;
type Response = { status: number; body: Record<string, unknown> };

const at = (hhmm: string, date = DAY) => `${date}T${hhmm}:00.000Z`;
const iso = (value: unknown) => new Date(value as string).toISOString();
const hoursEveryDay = (start: string, end: string) => [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start, end }));
const countBy = (responses: Response[]) =>
  responses.reduce<Record<string, number>>((acc, r) => {
    const key = r.status === 201 || r.status === 200 ? String(r.status) : `${r.status} ${String(r.body.code)}`;
    acc[key] = (acc[key] ?? 0) + 1;
    return acc;
  }, {});

describe('no double booking (issue 4)', () => {
  let h: Harness;
  let clients: TestUser[];

  before(async function () {
    this.timeout(60_000);
    h = await startHarness();
    clients = await manyUsers(h, 50, 'client');
  });
  after(() => h.close());

  const create = (target: Target, start: string, by: TestUser, extra: Record<string, unknown> = {}) =>
    h.http
      .post(BOOKINGS)
      .set(by.auth)
      .send({ practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot(start, target.service.duration_minutes), ...extra });

  const activeRows = (practitionerId: number) => h.app.db('bookings').where({ practitioner_id: practitionerId }).whereIn('status', ACTIVE);

  describe('individual sessions under contention', () => {
    it('when 50 clients book one slot at once, then exactly one gets 201, 49 get 409 slot_unavailable, and one row exists', async function () {
      this.timeout(60_000);
      const target = await aBookablePractitioner(h);
      const responses: Response[] = await Promise.all(clients.map((c) => create(target, at('10:00'), c)));

      expect(countBy(responses), JSON.stringify(responses.filter((r) => r.status !== 201 && r.status !== 409).map((r) => r.body))).to.deep.equal({
        '201': 1,
        '409 slot_unavailable': 49,
      });
      for (const r of responses.filter((x) => x.status === 409)) expect(r.body.detail).to.match(/^Time slot not available/);

      const rows = await h.app.db('bookings').where({ practitioner_id: target.practitioner.id });
      expect(rows).to.have.length(1);
      const winner = responses.find((r) => r.status === 201)!;
      expect(rows[0]).to.include({ id: winner.body.id, status: 'pending_payment' });
      expect(iso(rows[0].start_time)).to.equal(at('10:00'));
      // Nothing half-written by the 49 losers: one history row, and no job in the outbox names a booking that does not exist.
      expect(await h.app.db('booking_status_history').where({ booking_id: rows[0].id })).to.have.length(1);
      const { rows: orphans } = await h.app.db.raw(
        `SELECT o.id FROM outbox o WHERE o.payload \\? 'bookingId' AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.id = (o.payload->>'bookingId')::bigint)`,
      );
      expect(orphans).to.deep.equal([]);
      expect(Number((await h.app.db('outbox').whereRaw(`(payload->>'bookingId')::bigint = ?`, [rows[0].id]).count({ n: '*' }).first())!.n)).to.be.greaterThan(0);
    });

    it('when 50 clients book 50 overlapping starts 15 minutes apart at once, then the accepted bookings never overlap, and every refusal overlaps an accepted one', async function () {
      this.timeout(90_000);
      const target = await aBookablePractitioner(h, {}, { weekly_hours: hoursEveryDay('06:00', '21:00'), buffer_minutes: 10, slot_interval_minutes: 15 });
      // Five rounds (one per day): interleavings differ from run to run, and one round may happen to be benign.
      for (const day of ['2030-01-08', '2030-01-09', '2030-01-10', '2030-01-11', '2030-01-12']) {
        const starts = clients.map((_, i) => new Date(Date.parse(at('07:00', day)) + i * 15 * 60_000).toISOString());
        const responses: Response[] = await Promise.all(clients.map((c, i) => create(target, starts[i]!, c)));

        const counts = countBy(responses);
        expect(Object.keys(counts).sort(), `${day}: ${JSON.stringify(counts)}`).to.deep.equal(['201', '409 slot_unavailable']);
        const accepted = responses.filter((r) => r.status === 201).map((r) => r.body.id as number);
        const rows = await activeRows(target.practitioner.id).where('start_time', '>=', at('00:00', day)).where('start_time', '<', at('23:59', day));
        expect(rows.map((r) => r.id).sort((a, b) => a - b)).to.deep.equal([...accepted].sort((a, b) => a - b));
        for (const row of rows) expect(row.blocked_until.getTime() - row.end_time.getTime()).to.equal(10 * 60_000);

        // A refusal is only ever caused by a booking that was really accepted: each refused start, with its
        // own buffer, overlaps some accepted booking's blocked range.
        const blocked = rows.map((r) => ({ start: r.start_time.getTime(), end: r.blocked_until.getTime() }));
        responses.forEach((r, i) => {
          if (r.status !== 409) return;
          const s = Date.parse(starts[i]!);
          const e = s + 70 * 60_000;
          expect(blocked.some((b) => b.start < e && s < b.end), `${starts[i]} was refused without a conflicting booking`).to.equal(true);
        });
      }

      const { rows: overlaps } = await h.app.db.raw(
        `SELECT a.id AS a, b.id AS b
           FROM bookings a JOIN bookings b ON a.practitioner_id = b.practitioner_id AND a.id < b.id
          WHERE a.practitioner_id = ? AND a.status = ANY(?) AND b.status = ANY(?)
            AND tstzrange(a.start_time, a.blocked_until, '[)') && tstzrange(b.start_time, b.blocked_until, '[)')`,
        [target.practitioner.id, ACTIVE, ACTIVE],
      );
      expect(overlaps).to.deep.equal([]);
    });
  });

  describe('workshop seats', () => {
    let practitioner: TestUser;
    let workshop: { id: number; duration_minutes: number };

    before(async () => {
      practitioner = await aUser(h, 'practitioner');
      workshop = await aService(h, practitioner, { service_type: 'workshop', max_participants: 3, duration_minutes: 90, price_cents: 2500 });
    });

    async function aSession(start = at('15:00')): Promise<{ id: number; start_time: string; end_time: string; max_participants: number }> {
      const res = await h.http.post(`/api/v1/drf/services/${workshop.id}/sessions/`).set(practitioner.auth).send({ start_time: start });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ max_participants: 3, seats_taken: 0 });
      return res.body;
    }

    const bookSeat = (sessionId: number, by: TestUser, extra: Record<string, unknown> = {}) =>
      h.http.post(BOOKINGS).set(by.auth).send({ practitioner_id: practitioner.id, service_id: workshop.id, service_session_id: sessionId, ...extra });

    const seatsTaken = async (sessionId: number) => (await h.app.db('service_sessions').where({ id: sessionId }).first()).seats_taken as number;

    it('when 10 clients book a 3-seat session at once, then exactly 3 get 201, 7 get 409 session_full, and 3 seats are taken', async () => {
      const session = await aSession();
      const responses: Response[] = await Promise.all(clients.slice(0, 10).map((c) => bookSeat(session.id, c)));
      expect(countBy(responses)).to.deep.equal({ '201': 3, '409 session_full': 7 });
      for (const r of responses.filter((x) => x.status === 201)) {
        expect(r.body).to.include({ booking_type: 'group', service_session_id: session.id, status: 'pending_payment' });
        expect(iso(r.body.start_time)).to.equal(iso(session.start_time));
        expect(iso(r.body.end_time)).to.equal(iso(session.end_time));
      }
      expect(await seatsTaken(session.id)).to.equal(3);
      expect(await h.app.db('bookings').where({ service_session_id: session.id })).to.have.length(3);
    });

    it('when one client books the same session twice, then the second is a 409 and only one seat is taken', async () => {
      const session = await aSession(at('17:00'));
      const client = clients[10]!;
      expect((await bookSeat(session.id, client)).status).to.equal(201);
      const again = await bookSeat(session.id, client);
      expect(again.status, JSON.stringify(again.body)).to.equal(409);
      expect(again.body.detail).to.be.a('string').and.match(/\S/);
      expect(await seatsTaken(session.id)).to.equal(1);
    });

    it('when one client books the same session twice at once, then one succeeds and one seat is taken', async () => {
      const session = await aSession(at('19:00'));
      const client = clients[11]!;
      const responses: Response[] = await Promise.all([bookSeat(session.id, client), bookSeat(session.id, client), bookSeat(session.id, client)]);
      expect(responses.filter((r) => r.status === 201)).to.have.length(1);
      expect(responses.filter((r) => r.status === 409)).to.have.length(2);
      expect(await seatsTaken(session.id)).to.equal(1);
    });

    it('when a workshop booking names no session, then 400 naming service_session_id', async () => {
      const res = await h.http.post(BOOKINGS).set(clients[12]!.auth).send({ practitioner_id: practitioner.id, service_id: workshop.id, ...slot(at('15:00'), 90) });
      expect(res.status, JSON.stringify(res.body)).to.equal(400);
      expect(res.body.errors).to.have.property('service_session_id');
    });

    it("when a workshop booking sends times other than the session's, then 400; the session's own times are accepted", async () => {
      const session = await aSession(at('10:00', '2030-01-09'));
      const other = await bookSeat(session.id, clients[12]!, slot(at('10:30', '2030-01-09'), 90));
      expect(other.status, JSON.stringify(other.body)).to.equal(400);
      expect(other.body.errors).to.have.property('start_time');
      const endOnly = await bookSeat(session.id, clients[12]!, { end_time: at('12:00', '2030-01-09') });
      expect(endOnly.status, JSON.stringify(endOnly.body)).to.equal(400);
      expect(await seatsTaken(session.id)).to.equal(0);
      const same = await bookSeat(session.id, clients[12]!, { start_time: session.start_time, end_time: session.end_time });
      expect(same.status, JSON.stringify(same.body)).to.equal(201);
    });

    it("when the session belongs to another workshop, then 400 naming service_session_id", async () => {
      const session = await aSession(at('12:00', '2030-01-09'));
      const otherWorkshop = await aService(h, practitioner, { service_type: 'workshop', max_participants: 3, duration_minutes: 90, price_cents: 2500 });
      const res = await h.http
        .post(BOOKINGS)
        .set(clients[13]!.auth)
        .send({ practitioner_id: practitioner.id, service_id: otherWorkshop.id, service_session_id: session.id });
      expect(res.status, JSON.stringify(res.body)).to.equal(400);
      expect(res.body.errors).to.have.property('service_session_id');
    });

    it('when a seat of a full session is canceled, then it is free again: its former holder or another client can take it', async () => {
      const session = await aSession(at('15:00', '2030-01-10'));
      const holders: Response[] = [];
      for (const c of clients.slice(20, 23)) holders.push(await bookSeat(session.id, c));
      expect(holders.map((r) => r.status)).to.deep.equal([201, 201, 201]);
      const full = await bookSeat(session.id, clients[23]!);
      expect(full.status).to.equal(409);
      expect(full.body.code).to.equal('session_full');

      const cancel = async (index: number) => {
        const res = await h.http.delete(`${BOOKINGS}${String(holders[index]!.body.id)}/`).set(clients[20 + index]!.auth);
        expect(res.status, JSON.stringify(res.body)).to.equal(204);
      };
      await cancel(0);
      expect(await seatsTaken(session.id)).to.equal(2);
      // Only active seats count as a client's: the one who canceled may book the session again.
      const back = await bookSeat(session.id, clients[20]!);
      expect(back.status, JSON.stringify(back.body)).to.equal(201);
      expect(await seatsTaken(session.id)).to.equal(3);

      await cancel(1);
      const freed = await bookSeat(session.id, clients[23]!);
      expect(freed.status, JSON.stringify(freed.body)).to.equal(201);
      expect(await seatsTaken(session.id)).to.equal(3);
      expect(await h.app.db('bookings').where({ service_session_id: session.id }).whereIn('status', ACTIVE)).to.have.length(3);
    });
  });

  describe('reschedule', () => {
    const reschedule = (id: number, by: TestUser, start: string, minutes = 60) =>
      h.http.post(`${BOOKINGS}${id}/reschedule/`).set(by.auth).send(slot(start, minutes));
    const rowOf = (id: number) => h.app.db('bookings').where({ id }).first();

    it('when a booking is moved into an occupied slot, then 409 slot_unavailable and the booking is unchanged', async () => {
      const target = await aBookablePractitioner(h, {}, { buffer_minutes: 15 });
      const [a, b] = [clients[30]!, clients[31]!];
      const first = await aBooking(h, a, target, at('10:00'));
      const second = await aBooking(h, b, target, at('13:00'));
      const before = await rowOf(second.id);
      const historyBefore = await h.app.db('booking_status_history').where({ booking_id: second.id });

      for (const start of [at('10:30'), at('09:00'), at('11:10'), at('08:50')]) {
        const res = await reschedule(second.id, b, start);
        expect(res.status, `${start} ${JSON.stringify(res.body)}`).to.equal(409);
        expect(res.body.code).to.equal('slot_unavailable');
        expect(res.body.detail).to.match(/^Time slot not available/);
      }
      const after = await rowOf(second.id);
      expect(after).to.deep.equal(before);
      expect(await h.app.db('booking_status_history').where({ booking_id: second.id })).to.deep.equal(historyBefore);
      expect(await rowOf(first.id)).to.include({ status: 'pending_payment' });
    });

    it('when a booking is moved 30 minutes later where it overlaps only itself, then 200 with the new times and buffer', async () => {
      const target = await aBookablePractitioner(h, {}, { buffer_minutes: 15 });
      const client = clients[32]!;
      const booking = await aBooking(h, client, target, at('10:00'));
      await aBooking(h, clients[33]!, target, at('12:00'));
      const res = await reschedule(booking.id, client, at('10:30'));
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(iso(res.body.start_time)).to.equal(at('10:30'));
      expect(iso(res.body.end_time)).to.equal(at('11:30'));
      const row = await rowOf(booking.id);
      expect(iso(row.blocked_until)).to.equal(at('11:45'));
      expect(row.status).to.equal('pending_payment');
      // 11:30 + 15 min would run into the 12:00 booking: the buffer is still enforced after the move.
      const tooClose = await reschedule(booking.id, client, at('10:50'));
      expect(tooClose.status, JSON.stringify(tooClose.body)).to.equal(409);
      expect(tooClose.body.code).to.equal('slot_unavailable');
    });

    it('when two bookings are moved into the same free slot at once, then exactly one move succeeds', async () => {
      const target = await aBookablePractitioner(h);
      const [a, b] = [clients[34]!, clients[35]!];
      const first = await aBooking(h, a, target, at('09:00'));
      const second = await aBooking(h, b, target, at('15:00'));
      const responses: Response[] = await Promise.all([reschedule(first.id, a, at('12:00')), reschedule(second.id, b, at('12:30'))]);
      expect(countBy(responses), JSON.stringify(responses.map((r) => r.body))).to.deep.equal({ '200': 1, '409 slot_unavailable': 1 });
      const rows = await activeRows(target.practitioner.id).orderBy('start_time');
      const movedStarts = rows.map((r) => r.start_time.toISOString());
      expect(movedStarts.filter((s) => s === at('12:00') || s === at('12:30'))).to.have.length(1);
    });

    it('when a client books a slot while another booking is moved into it, then exactly one of them gets it', async () => {
      const target = await aBookablePractitioner(h);
      const [a, b] = [clients[36]!, clients[37]!];
      const moving = await aBooking(h, a, target, at('09:00'));
      const responses: Response[] = await Promise.all([reschedule(moving.id, a, at('14:00')), create(target, at('14:30'), b)]);
      const ok = responses.filter((r) => r.status === 200 || r.status === 201);
      expect(ok, JSON.stringify(responses.map((r) => r.body))).to.have.length(1);
      expect(responses.find((r) => r.status === 409)?.body.code).to.equal('slot_unavailable');
    });
  });

  describe('the database is the last word', () => {
    let target: Target;
    let existing: { id: number };
    let template: Record<string, unknown>;

    before(async () => {
      target = await aBookablePractitioner(h, {}, { buffer_minutes: 15 });
      existing = await aBooking(h, clients[40]!, target, at('10:00'));
      template = await directBookingColumns(h, clients[41]!, existing.id);
    });

    const insertRaw = (fields: Record<string, unknown>) => h.app.db('bookings').insert({ ...template, ...fields }).returning('id');
    /** Awaits a write Postgres must refuse, and returns the definition of the constraint it names. */
    async function expectPgError(write: Promise<unknown>, code: string, constraint?: string): Promise<string> {
      const error = await write.then(
        () => null,
        (e: unknown) => e as { code?: string; constraint?: string },
      );
      expect(error, 'the write should have been refused').to.not.equal(null);
      expect(error!.code, String(error)).to.equal(code);
      if (constraint) expect(error!.constraint).to.equal(constraint);
      const { rows } = await h.app.db.raw('SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = ?', [error!.constraint ?? '']);
      return rows.map((r: { def: string }) => r.def).join('\n');
    }

    it('when a second active booking overlapping an existing one is inserted directly, then Postgres refuses it (23P01)', async () => {
      for (const status of ACTIVE) {
        await expectPgError(
          insertRaw({ status, start_time: at('10:30'), end_time: at('11:30'), blocked_until: at('11:45') }),
          '23P01',
          'bookings_no_overlap',
        );
      }
    });

    it("when a booking is inserted directly inside another's buffer, then Postgres refuses it (23P01)", async () => {
      // 10:00–11:00 blocks until 11:15: a booking starting 11:05 overlaps the buffer only.
      await expectPgError(insertRaw({ start_time: at('11:05'), end_time: at('12:05'), blocked_until: at('12:20') }), '23P01', 'bookings_no_overlap');
    });

    it('when an existing booking is moved directly onto another, then Postgres refuses the update (23P01)', async () => {
      const [other] = await insertRaw({ start_time: at('14:00'), end_time: at('15:00'), blocked_until: at('15:15') });
      await expectPgError(
        h.app.db('bookings').where({ id: other.id }).update({ start_time: at('10:15'), end_time: at('11:15'), blocked_until: at('11:30') }),
        '23P01',
        'bookings_no_overlap',
      );
    });

    it('when overlapping drafts, canceled bookings or other practitioners are inserted directly, then Postgres accepts them: only active ones collide', async () => {
      const other = await aBookablePractitioner(h);
      await insertRaw({ status: 'draft', payment_status: 'unpaid', start_time: at('10:00'), end_time: at('11:00'), blocked_until: at('11:15') });
      await insertRaw({ status: 'canceled', canceled_at: at('08:00'), start_time: at('10:00'), end_time: at('11:00'), blocked_until: at('11:15') });
      await insertRaw({
        practitioner_id: other.practitioner.id,
        service_id: other.service.id,
        start_time: at('10:00'),
        end_time: at('11:00'),
        blocked_until: at('11:00'),
      });
      // Back-to-back with the buffer respected is not an overlap: ranges are half-open.
      await insertRaw({ start_time: at('11:15'), end_time: at('12:15'), blocked_until: at('12:30') });
    });

    it('when seats beyond capacity or a second seat for one client are written directly, then Postgres refuses them', async () => {
      const practitioner = target.practitioner;
      const workshop = await aService(h, practitioner, { service_type: 'workshop', max_participants: 2, duration_minutes: 60, price_cents: 0 });
      const session = await h.http.post(`/api/v1/drf/services/${workshop.id}/sessions/`).set(practitioner.auth).send({ start_time: at('16:00', '2030-01-09') });
      expect(session.status).to.equal(201);
      const check = await expectPgError(h.app.db('service_sessions').where({ id: session.body.id }).update({ seats_taken: 3 }), '23514');
      expect(check).to.contain('seats_taken <= max_participants');

      const seat = {
        service_id: workshop.id,
        service_session_id: session.body.id,
        booking_type: 'group',
        price_charged_cents: 0,
        payment_status: 'not_required',
        start_time: at('16:00', '2030-01-09'),
        end_time: at('17:00', '2030-01-09'),
        blocked_until: at('17:00', '2030-01-09'),
      };
      await insertRaw(seat);
      await expectPgError(insertRaw(seat), '23505', 'bookings_one_seat_per_client');
    });
  });
});
