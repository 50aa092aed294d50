import { expect } from 'chai';
import { aSchedule, aService, aUser, slot, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { BOOKINGS, bought, expanded, expectError, footprint } from '../support/parent-fixtures';
import { eventually, startWorkersInProcess } from '../support/workers';

// docs/api-conventions.md#rooms-and-pricing / issue 16: the detail's pricing breakdown for sessions, workshops, courses, packages and
// bundle redemptions (refunds from the payments ledger), and rooms taken by package items and course
// sessions. HTTP and real in-process workers against real Postgres and Redis.

const LOCATIONS = '/api/v1/drf/locations';
const at = (hhmm: string, date = '2030-01-08') => `${date}T${hhmm}:00.000Z`;
const USD = { currency: 'USD' };

describe('pricing breakdown and rooms of parents (docs/api-conventions.md#rooms-and-pricing)', () => {
  let h: Harness;
  let workers: Awaited<ReturnType<typeof startWorkersInProcess>>;
  let practitioner: TestUser;
  let client: TestUser;
  let admin: TestUser;
  let location: { id: number };
  let rooms: Array<{ id: number; name: string }>;

  before(async () => {
    h = await startHarness({ env: { RECONCILE_EVERY_MS: '3600000' } });
    workers = await startWorkersInProcess(h.app);
    practitioner = await aUser(h, 'practitioner');
    client = await aUser(h, 'client');
    admin = await aUser(h, 'admin');
    await aSchedule(h, practitioner);
    location = (await h.http.post(`${LOCATIONS}/`).set(practitioner.auth).send({ name: 'Studio', address: '2 Mill Lane', timezone: 'UTC' })).body;
    rooms = [];
    for (const [name, capacity] of [['Small', 1], ['Big', 12]] as const) {
      rooms.push((await h.http.post(`${LOCATIONS}/${location.id}/rooms/`).set(practitioner.auth).send({ name, capacity })).body);
    }
  });
  after(async () => {
    await workers?.close();
    await h.close();
  });

  const detail = async (id: number, who: TestUser = client) => {
    const res = await h.http.get(`${BOOKINGS}/${id}/`).set(who.auth);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  };
  const post = (path: string, who: TestUser, body: Record<string, unknown> = {}) => h.http.post(`${BOOKINGS}/${path}`).set(who.auth).send(body);

  it('when a paid session is confirmed offline, canceled by the practitioner and its refund settled, then pricing shows list, charged and refunded_cents from the ledger', async function () {
    this.timeout(30_000);
    const service = await aService(h, practitioner, { price_cents: 7000 });
    const res = await post('', client, { practitioner_id: practitioner.id, service_id: service.id, ...slot(at('09:00')) });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.pricing).to.deep.equal({ list_price_cents: 7000, discount_cents: 0, credits_used: 0, charged_cents: 7000, refunded_cents: 0, ...USD });
    expect(res.body.room).to.equal(null);
    expect((await post(`${res.body.id}/confirm/`, practitioner)).status).to.equal(200);
    expect((await post(`${res.body.id}/cancel/`, practitioner)).status).to.equal(200);
    const refund = await eventually(async () => {
      const row = await h.app.db('payments').where({ booking_id: res.body.id, kind: 'refund', state: 'awaiting_operator' }).first();
      expect(row, 'refund awaiting an operator').to.not.equal(undefined);
      return row;
    });
    expect((await detail(res.body.id)).pricing.refunded_cents).to.equal(0);
    expect((await h.http.post(`/api/v1/admin/refunds/${refund.id}/settle/`).set(admin.auth).send({})).status).to.equal(200);
    expect((await detail(res.body.id)).pricing).to.deep.equal({ list_price_cents: 7000, discount_cents: 0, credits_used: 0, charged_cents: 7000, refunded_cents: 7000, ...USD });
  });

  it('when a session is paid with a bundle credit, then pricing shows the list price, credits_used 1 and charged 0; canceled early, the credit comes back (credits_used 0)', async () => {
    const session = await aService(h, practitioner, { price_cents: 4000 });
    const bundleService = await aService(h, practitioner, { service_type: 'bundle', price_cents: 10000, sessions_included: 3, validity_days: 30, bundle_service_ids: [session.id] });
    const bundle = await bought(h, client, 'bundle', bundleService.id);
    expect((await detail(bundle.id)).pricing).to.deep.equal({ list_price_cents: 10000, discount_cents: 0, credits_used: 0, charged_cents: 10000, refunded_cents: 0, ...USD });
    expect((await post(`${bundle.id}/confirm/`, practitioner)).status).to.equal(200);
    const redeemed = await post('', client, { practitioner_id: practitioner.id, service_id: session.id, bundle_booking_id: bundle.id, ...slot(at('11:00')) });
    expect(redeemed.status, JSON.stringify(redeemed.body)).to.equal(201);
    expect(redeemed.body.pricing).to.deep.equal({ list_price_cents: 4000, discount_cents: 0, credits_used: 1, charged_cents: 0, refunded_cents: 0, ...USD });
    expect((await post(`${redeemed.body.id}/cancel/`, client)).status).to.equal(200);
    expect((await detail(redeemed.body.id)).pricing.credits_used).to.equal(0);
  });

  it('when a course of sessions that require a room is bought, then each session holds the smallest room seating it, the children show it, and pricing is on the parent', async function () {
    this.timeout(30_000);
    const course = await aService(h, practitioner, { service_type: 'course', price_cents: 24000, max_participants: 6, location_id: location.id, requires_room: true });
    for (const day of ['2030-01-09', '2030-01-10']) {
      const res = await h.http.post(`/api/v1/drf/services/${course.id}/sessions/`).set(practitioner.auth).send({ start_time: at('10:00', day) });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.room_id).to.equal(rooms[1]!.id);
    }
    const parent = await bought(h, client, 'course', course.id);
    expect(parent.pricing).to.deep.equal({ list_price_cents: 24000, discount_cents: 0, credits_used: 0, charged_cents: 24000, refunded_cents: 0, ...USD });
    expect(parent.location).to.deep.include({ id: location.id, name: 'Studio', address: '2 Mill Lane', timezone: 'UTC' });
    expect(parent.room).to.equal(null);
    const done = await expanded(h, client, parent.id);
    expect(done.child_bookings).to.have.length(2);
    const child = await detail(done.child_bookings[0].id);
    expect(child.room).to.deep.equal({ id: rooms[1]!.id, name: 'Big' });
    expect(child.pricing).to.deep.include({ list_price_cents: 0, charged_cents: 0 });
  });

  it('when a workshop seat is booked with room_id, then 400 room_not_used and nothing is written (the session holds the room)', async () => {
    const workshop = await aService(h, practitioner, { service_type: 'workshop', price_cents: 1500, max_participants: 4, location_id: location.id, requires_room: true });
    const session = await h.http.post(`/api/v1/drf/services/${workshop.id}/sessions/`).set(practitioner.auth).send({ start_time: at('16:00') });
    expect(session.status, JSON.stringify(session.body)).to.equal(201);
    const before = await footprint(h);
    expectError(await post('', client, { practitioner_id: practitioner.id, service_id: workshop.id, service_session_id: session.body.id, room_id: rooms[1]!.id }), 400, 'room_not_used');
    expect(await footprint(h)).to.deep.equal(before);
    const seat = await post('', client, { practitioner_id: practitioner.id, service_id: workshop.id, service_session_id: session.body.id });
    expect(seat.status, JSON.stringify(seat.body)).to.equal(201);
    expect(seat.body.pricing).to.deep.equal({ list_price_cents: 1500, discount_cents: 0, credits_used: 0, charged_cents: 1500, refunded_cents: 0, ...USD });
    expect(seat.body.room).to.deep.equal({ id: rooms[1]!.id, name: 'Big' });
  });

  it('when a package item of a service that requires a room is scheduled, then it takes a room (the chosen one, or the smallest free one; an unknown room 404, nothing written)', async function () {
    this.timeout(30_000);
    const massage = await aService(h, practitioner, { price_cents: 6000, location_id: location.id, requires_room: true });
    const pkg = await aService(h, practitioner, { service_type: 'package', price_cents: 10000, included_services: [{ service_id: massage.id, quantity: 2 }] });
    const parent = await bought(h, client, 'package', pkg.id);
    expect((await post(`${parent.id}/confirm/`, practitioner)).status).to.equal(200);
    const done = await expanded(h, client, parent.id);
    const [first, second] = done.child_bookings as Array<{ id: number }>;
    const scheduled = await post(`${first!.id}/reschedule/`, client, { ...slot(at('13:00', '2030-01-11')), room_id: rooms[0]!.id });
    expect(scheduled.status, JSON.stringify(scheduled.body)).to.equal(200);
    expect(scheduled.body).to.deep.include({ status: 'confirmed', room: { id: rooms[0]!.id, name: 'Small' } });
    expect(scheduled.body.pricing).to.deep.include({ list_price_cents: 0, charged_cents: 0 });
    const before = await footprint(h);
    expectError(await post(`${second!.id}/reschedule/`, client, { ...slot(at('15:00', '2030-01-11')), room_id: 99_999_999 }), 404);
    expect(await footprint(h)).to.deep.equal(before);
    const next = await post(`${second!.id}/reschedule/`, client, slot(at('15:00', '2030-01-11')));
    expect(next.status, JSON.stringify(next.body)).to.equal(200);
    expect(next.body.room.id).to.equal(rooms[0]!.id);
  });
});
