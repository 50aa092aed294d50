import { expect } from 'chai';
import { runScheduledTransition } from '../../src/app/bookings/scheduled-transitions';
import { aBookablePractitioner, aService, aUser, type TestUser } from '../support/builders';
import { DEFAULT_NOW, startHarness, type Harness } from '../support/harness';
import { expectError } from '../support/lifecycle-fixtures';
import { deleteRedisKeys, eventually, startWorkersInProcess } from '../support/workers';

const BOOKINGS = '/api/v1/drf/bookings/';
const MINUTE_MS = 60_000;

describe('Waitlists for full workshop sessions (docs/api-conventions.md#waitlists)', () => {
  let h: Harness;
  let workers: Awaited<ReturnType<typeof startWorkersInProcess>>;
  let target: Awaited<ReturnType<typeof aBookablePractitioner>>;
  before(async () => {
    h = await startHarness({ env: { WAITLIST_OFFER_MINUTES: '45' } });
    workers = await startWorkersInProcess(h.app);
    target = await aBookablePractitioner(h);
  });
  after(async () => {
    await workers.close();
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
    await h.close();
  });

  let day = 0;
  // Sessions take the practitioner's time: one a day.
  const nextStart = () => new Date(Date.parse('2030-02-01T10:00:00Z') + day++ * 86_400_000).toISOString();
  const aWorkshopSession = async (seats: number, overrides: Record<string, unknown> = {}, start = nextStart()) => {
    const service = await aService(h, target.practitioner, { name: 'Breathwork', service_type: 'workshop', max_participants: seats, price_cents: 3000, ...overrides });
    const res = await h.http.post(`/api/v1/drf/services/${service.id}/sessions/`).set(target.practitioner.auth).send({ start_time: start });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return { service, session: res.body as { id: number }, waitlist: `/api/v1/drf/services/${service.id}/sessions/${res.body.id}/waitlist/` };
  };
  const takeSeat = async (who: TestUser, w: { service: { id: number }; session: { id: number } }, expected = 201) => {
    const res = await h.http.post(BOOKINGS).set(who.auth).send({ practitioner_id: target.practitioner.id, service_id: w.service.id, service_session_id: w.session.id });
    expect(res.status, JSON.stringify(res.body)).to.equal(expected);
    return res.body;
  };
  const join = async (who: TestUser, path: string) => {
    const res = await h.http.post(path).set(who.auth).send({});
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.position as number;
  };
  const offeredBookingOf = (sessionId: number, clientId: number) =>
    eventually(async () => {
      const row = await h.app.db('bookings').where({ service_session_id: sessionId, client_id: clientId }).whereIn('status', ['pending_payment', 'confirmed']).first();
      expect(row, `an offer for client ${clientId}`).to.not.equal(undefined);
      return row as { id: number; status: string; hold_expires_at: Date | null; payment_status: string };
    });

  it('when a client joins, reads and leaves the queue, then positions follow the order and bad requests are 4xx with nothing written', async () => {
    const w = await aWorkshopSession(1);
    const [holder, first, second, third] = await Promise.all([aUser(h), aUser(h), aUser(h), aUser(h)]);
    await takeSeat(holder, w);

    expect(await join(first, w.waitlist)).to.equal(1);
    expect(await join(second, w.waitlist)).to.equal(2);
    expectError(await h.http.post(w.waitlist).set(first.auth).send({}), 409, 'already_waiting');
    expectError(await h.http.post(w.waitlist).set(holder.auth).send({}), 409, 'already_booked');
    expectError(await h.http.post(w.waitlist).set(target.practitioner.auth).send({}), 400, 'self_booking');
    expect((await h.http.get(w.waitlist).set(second.auth)).body).to.deep.equal({ position: 2 });
    expectError(await h.http.get(w.waitlist).set(third.auth), 404, 'not_found');

    // Leaving moves the next one up; leaving twice is a 404.
    expect((await h.http.delete(w.waitlist).set(first.auth)).status).to.equal(204);
    expectError(await h.http.delete(w.waitlist).set(first.auth), 404, 'not_found');
    expect((await h.http.get(w.waitlist).set(second.auth)).body).to.deep.equal({ position: 1 });

    // A session with a free seat, a course session, another service's session id, unknown ids.
    const open = await aWorkshopSession(5);
    expectError(await h.http.post(open.waitlist).set(third.auth).send({}), 409, 'session_has_seats');
    const course = await aService(h, target.practitioner, { service_type: 'course', max_participants: 1, price_cents: 0 });
    const courseSession = await h.http.post(`/api/v1/drf/services/${course.id}/sessions/`).set(target.practitioner.auth).send({ start_time: nextStart() });
    expectError(await h.http.post(`/api/v1/drf/services/${course.id}/sessions/${courseSession.body.id}/waitlist/`).set(third.auth).send({}), 400, 'waitlist_workshops_only');
    expectError(await h.http.post(`/api/v1/drf/services/${open.service.id}/sessions/${w.session.id}/waitlist/`).set(third.auth).send({}), 404, 'not_found');
    expectError(await h.http.post(`/api/v1/drf/services/${w.service.id}/sessions/999999/waitlist/`).set(third.auth).send({}), 404, 'not_found');
    expectError(await h.http.post(`/api/v1/drf/services/${w.service.id}/sessions/abc/waitlist/`).set(third.auth).send({}), 404, 'not_found');
    expect((await h.http.post(w.waitlist).send({})).status).to.equal(401);
    const entries = await h.app.db('waitlist_entries').where({ client_id: third.id });
    expect(entries, 'nothing written for the refused joins').to.deep.equal([]);
  });

  it('when a seat frees, then the first in line gets a pending_payment booking held WAITLIST_OFFER_MINUTES and is told; a lapsed offer passes to the next; nobody jumps the queue', async () => {
    const w = await aWorkshopSession(1);
    const [holder, first, second, walkIn] = await Promise.all([aUser(h), aUser(h), aUser(h), aUser(h)]);
    const held = await takeSeat(holder, w);
    await join(first, w.waitlist);
    await join(second, w.waitlist);

    const cancel = await h.http.post(`${BOOKINGS}${held.id}/cancel/`).set(holder.auth).send({});
    expect(cancel.status, JSON.stringify(cancel.body)).to.equal(200);
    // The freed seat belongs to the queue: a direct booking cannot take it.
    await takeSeat(walkIn, w, 409);

    const offer = await offeredBookingOf(w.session.id, first.id);
    expect(offer.status).to.equal('pending_payment');
    expect(new Date(offer.hold_expires_at!).getTime()).to.equal(DEFAULT_NOW.getTime() + 45 * MINUTE_MS);
    const detail = await h.http.get(`${BOOKINGS}${offer.id}/`).set(first.auth);
    expect(detail.body.status_history[0]).to.include({ actor_role: 'system', reason: 'waitlist offer', to_status: 'pending_payment' });
    await eventually(async () => {
      const inbox = await h.http.get('/api/v1/drf/notifications/').set(first.auth);
      expect(inbox.body.results.map((n: { booking_id: number }) => n.booking_id)).to.include(offer.id);
    });
    expectError(await h.http.get(w.waitlist).set(first.auth), 404, 'not_found');
    expect((await h.http.get(w.waitlist).set(second.auth)).body).to.deep.equal({ position: 1 });

    // The offer lapses: the hold's expiry cancels it and the seat goes to the next in line.
    h.clock.set(new Date(DEFAULT_NOW.getTime() + 46 * MINUTE_MS));
    expect(await runScheduledTransition(h.app, offer.id, 'expire_hold', new Date(offer.hold_expires_at!), { status: ['pending_payment'] })).to.deep.equal({ outcome: 'applied' });
    const next = await offeredBookingOf(w.session.id, second.id);
    expect(next.status).to.equal('pending_payment');
    const session = await h.app.db('service_sessions').where({ id: w.session.id }).first();
    expect(session.seats_taken).to.equal(1);
    h.clock.set(DEFAULT_NOW);
  });

  it('when a free workshop gains seats (max_participants raised), then the waiting get confirmed bookings; a count below the seats taken is a 409', async () => {
    const w = await aWorkshopSession(1, { price_cents: 0 });
    const [holder, first, second, third] = await Promise.all([aUser(h), aUser(h), aUser(h), aUser(h)]);
    await takeSeat(holder, w);
    for (const who of [first, second, third]) await join(who, w.waitlist);
    const patchPath = `/api/v1/drf/services/${w.service.id}/sessions/${w.session.id}/`;
    expectError(await h.http.patch(patchPath).set(first.auth).send({ max_participants: 5 }), 403, 'permission_denied');
    expectError(await h.http.patch(patchPath).set(target.practitioner.auth).send({ max_participants: 'x' }), 400, 'invalid');
    const raised = await h.http.patch(patchPath).set(target.practitioner.auth).send({ max_participants: 3 });
    expect(raised.status, JSON.stringify(raised.body)).to.equal(200);
    expect(raised.body.max_participants).to.equal(3);
    for (const who of [first, second]) expect((await offeredBookingOf(w.session.id, who.id)).status).to.equal('confirmed');
    expect((await h.http.get(w.waitlist).set(third.auth)).body).to.deep.equal({ position: 1 });
    expectError(await h.http.patch(patchPath).set(target.practitioner.auth).send({ max_participants: 2 }), 409, 'below_seats_taken');
  });
});
