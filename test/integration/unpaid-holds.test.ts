import { expect } from 'chai';
import { aBookablePractitioner, aService, aUser, slot, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';

// Issue 10, item 14: an unpaid booking holds the practitioner's time for PAYMENT_HOLD_MINUTES at no
// cost, so one client could hold a whole calendar. Active unpaid holds (pending_payment) are capped per
// client and practitioner (MAX_UNPAID_HOLDS_PER_PRACTITIONER, default 3).

const BOOKINGS = '/api/v1/drf/bookings/';
type Target = Awaited<ReturnType<typeof aBookablePractitioner>>;

const hour = (h: number, date = '2030-01-08') => `${date}T${String(h).padStart(2, '0')}:00:00.000Z`;

describe('unpaid holds are capped per client and practitioner (issue 10, item 14)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ env: { MAX_UNPAID_HOLDS_PER_PRACTITIONER: '3' } });
  });
  after(() => h.close());

  const create = (target: Target, by: TestUser, start: string, extra: Record<string, unknown> = {}) =>
    h.http
      .post(BOOKINGS)
      .set(by.auth)
      .send({ practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot(start, target.service.duration_minutes), ...extra });

  async function holdThree(target: Target, client: TestUser): Promise<number[]> {
    const ids: number[] = [];
    for (const start of [hour(9), hour(11), hour(13)]) {
      const res = await create(target, client, start);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.status).to.equal('pending_payment');
      ids.push(res.body.id);
    }
    return ids;
  }

  const rowsOf = (clientId: number) => h.app.db('bookings').where({ client_id: clientId });

  it('when a client already holds 3 unpaid bookings with a practitioner, then a 4th is 409 too_many_unpaid_holds and nothing is written', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h, 'client');
    await holdThree(target, client);
    const res = await create(target, client, hour(15));
    expect(res.status, JSON.stringify(res.body)).to.equal(409);
    expect(res.body.code).to.equal('too_many_unpaid_holds');
    expect(res.body.detail).to.be.a('string').and.match(/3/);
    expect(await rowsOf(client.id)).to.have.length(3);
  });

  it('when one of the holds is paid (confirmed) or canceled, then the client may hold another', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h, 'client');
    const [first, second] = await holdThree(target, client);
    expect((await h.http.post(`${BOOKINGS}${first}/confirm/`).set(target.practitioner.auth).send({})).status).to.equal(200);
    expect((await create(target, client, hour(15))).status).to.equal(201);
    expect((await create(target, client, hour(17))).body.code).to.equal('too_many_unpaid_holds');
    expect((await h.http.post(`${BOOKINGS}${second}/cancel/`).set(client.auth).send({})).status).to.equal(200);
    expect((await create(target, client, hour(17))).status).to.equal(201);
  });

  it('when the cap is reached with one practitioner, then other practitioners, free services, drafts and other clients are unaffected', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h, 'client');
    await holdThree(target, client);
    const elsewhere = await aBookablePractitioner(h);
    expect((await create(elsewhere, client, hour(9))).status, 'another practitioner').to.equal(201);
    const free = await aService(h, target.practitioner, { price_cents: 0 });
    const freeBooking = await create({ ...target, service: free }, client, hour(15));
    expect(freeBooking.status, 'a free booking holds nothing unpaid').to.equal(201);
    expect(freeBooking.body.status).to.equal('confirmed');
    expect((await create(target, client, hour(17), { draft: true })).status, 'a draft holds nothing').to.equal(201);
    const neighbour = await aUser(h, 'client');
    expect((await create(target, neighbour, hour(17))).status, 'another client').to.equal(201);
  });

  it('when a draft is submitted while the client holds 3 unpaid bookings, then 409 too_many_unpaid_holds and it stays a draft', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h, 'client');
    const draft = await create(target, client, hour(15), { draft: true });
    await holdThree(target, client);
    const res = await h.http.post(`${BOOKINGS}${draft.body.id}/submit/`).set(client.auth).send({});
    expect(res.status, JSON.stringify(res.body)).to.equal(409);
    expect(res.body.code).to.equal('too_many_unpaid_holds');
    expect((await h.app.db('bookings').where({ id: draft.body.id }).first()).status).to.equal('draft');
  });

  it('when paid workshop seats are booked, then they count as unpaid holds too', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h, 'client');
    const workshop = await aService(h, target.practitioner, { service_type: 'workshop', max_participants: 10, price_cents: 2000 });
    const seats: number[] = [];
    for (const start of [hour(9, '2030-01-09'), hour(11, '2030-01-09'), hour(13, '2030-01-09'), hour(15, '2030-01-09')]) {
      const session = await h.http.post(`/api/v1/drf/services/${workshop.id}/sessions/`).set(target.practitioner.auth).send({ start_time: start });
      expect(session.status, JSON.stringify(session.body)).to.equal(201);
      seats.push(session.body.id);
    }
    await create(target, client, hour(9)).then((res) => expect(res.status).to.equal(201));
    const book = (sessionId: number) =>
      h.http.post(BOOKINGS).set(client.auth).send({ practitioner_id: target.practitioner.id, service_id: workshop.id, service_session_id: sessionId });
    expect((await book(seats[0]!)).status).to.equal(201);
    expect((await book(seats[1]!)).status).to.equal(201);
    const over = await book(seats[2]!);
    expect(over.status, JSON.stringify(over.body)).to.equal(409);
    expect(over.body.code).to.equal('too_many_unpaid_holds');
    const session = await h.app.db('service_sessions').where({ id: seats[2]! }).first();
    expect(session.seats_taken ?? 0, 'no seat taken').to.equal(0);
  });

  it('when one client sends 12 paid bookings at once (sessions and workshop seats), then exactly 3 are held and the others are 409 too_many_unpaid_holds', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h, 'client');
    const workshop = await aService(h, target.practitioner, { service_type: 'workshop', max_participants: 10, price_cents: 2000 });
    const sessionIds: number[] = [];
    for (let i = 0; i < 6; i++) {
      const session = await h.http.post(`/api/v1/drf/services/${workshop.id}/sessions/`).set(target.practitioner.auth).send({ start_time: hour(8 + 2 * i, '2030-01-11') });
      expect(session.status, JSON.stringify(session.body)).to.equal(201);
      sessionIds.push(session.body.id);
    }
    const seat = (sessionId: number) =>
      h.http.post(BOOKINGS).set(client.auth).send({ practitioner_id: target.practitioner.id, service_id: workshop.id, service_session_id: sessionId });
    const responses = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => create(target, client, hour(8 + 2 * i, '2030-01-10'))),
      ...sessionIds.map((id) => seat(id)),
    ]);
    const statuses = responses.map((r) => (r.status === 201 ? '201' : `${r.status} ${r.body.code}`));
    expect(statuses.filter((s) => s === '201'), statuses.join(',')).to.have.length(3);
    expect(statuses.filter((s) => s === '409 too_many_unpaid_holds')).to.have.length(9);
    expect(await rowsOf(client.id).where({ status: 'pending_payment' })).to.have.length(3);
  });
});

describe('MAX_UNPAID_HOLDS_PER_PRACTITIONER (issue 10, item 14)', () => {
  it('when the cap is set to 1, then a second unpaid booking with the same practitioner is refused', async () => {
    const h = await startHarness({ env: { MAX_UNPAID_HOLDS_PER_PRACTITIONER: '1' } });
    try {
      const target = await aBookablePractitioner(h);
      const client = await aUser(h, 'client');
      const send = (start: string) =>
        h.http.post(BOOKINGS).set(client.auth).send({ practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot(start, 60) });
      expect((await send(hour(9))).status).to.equal(201);
      const second = await send(hour(11));
      expect(second.status).to.equal(409);
      expect(second.body.code).to.equal('too_many_unpaid_holds');
    } finally {
      await h.close();
    }
  });
});
