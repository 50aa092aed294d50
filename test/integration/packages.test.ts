import { expect } from 'chai';
import { aBookablePractitioner, aBooking, aService, aUser, slot, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { BOOKINGS, bought, childRows, expanded, expectError, footprint, seatsOf } from '../support/parent-fixtures';
import { deleteRedisKeys, outboxRowsOf, startWorkersInProcess } from '../support/workers';

/** Package items as the detail lists them. */
interface Child {
  id: number;
  status: string;
  booking_type: string;
  service: { id: number };
  start_time: string | null;
  end_time: string | null;
  [key: string]: unknown;
}

describe('packages: items, scheduling them, canceling (HTTP, in-process workers)', () => {
  let h: Harness;
  let client: TestUser;
  let workers: Awaited<ReturnType<typeof startWorkersInProcess>>;

  const act = (who: TestUser, id: number, action: string, body: Record<string, unknown> = {}) => h.http.post(`${BOOKINGS}/${id}/${action}/`).set(who.auth).send(body);
  const schedule = (who: TestUser, childId: number, body: Record<string, unknown>) => act(who, childId, 'reschedule', body);

  before(async () => {
    h = await startHarness({ env: { RECONCILE_EVERY_MS: '3600000' } });
    client = await aUser(h, 'client');
    workers = await startWorkersInProcess(h.app);
  });
  after(async () => {
    await workers?.close();
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
    await h.close();
  });

  /**
   * A practitioner open every day 08:00–20:00 UTC with a 60-minute session (×2) and a 30-minute one
   * (×1) in a $90 package (and, with `workshop`, a workshop ×1 with one session on 2030-01-12).
   */
  async function aPackage(options: { workshop?: boolean; price_cents?: number } = {}) {
    const { practitioner, service: long } = await aBookablePractitioner(h, { price_cents: 5000 });
    const short = await aService(h, practitioner, { duration_minutes: 30, price_cents: 3000 });
    const included = [
      { service_id: long.id, quantity: 2 },
      { service_id: short.id, quantity: 1 },
    ];
    let workshop: { id: number; sessionId: number } | undefined;
    if (options.workshop) {
      const w = await aService(h, practitioner, { service_type: 'workshop', duration_minutes: 120, price_cents: 4000, max_participants: 1 });
      const res = await h.http.post(`/api/v1/drf/services/${w.id}/sessions/`).set(practitioner.auth).send({ start_time: '2030-01-12T14:00:00Z' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      workshop = { id: w.id, sessionId: res.body.id };
      included.push({ service_id: w.id, quantity: 1 });
    }
    const pkg = await aService(h, practitioner, { service_type: 'package', price_cents: options.price_cents ?? 9000, included_services: included });
    return { practitioner, long, short, workshop, pkg };
  }

  /** A package bought by the client, expanded, and (unless `confirm: false`) confirmed by its practitioner. */
  async function aBoughtPackage(options: { workshop?: boolean; confirm?: boolean; price_cents?: number } = {}) {
    const setup = await aPackage(options);
    const parent = await bought(h, client, 'package', setup.pkg.id);
    const detail = await expanded(h, client, parent.id);
    if (options.confirm !== false) {
      const res = await act(setup.practitioner, parent.id, 'confirm');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    const children = detail.child_bookings as Child[];
    const itemsOf = (serviceId: number) => children.filter((c) => c.service.id === serviceId);
    return { ...setup, parent, children, itemsOf };
  }

  it('when a client buys a package, then its items are expanded per included service × quantity: individual drafts with no times, priced 0', async () => {
    const { pkg, long, short } = await aPackage();
    const res = await h.http.post(`${BOOKINGS}/create-package/`).set(client.auth).send({ service_id: pkg.id });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body).to.include({ booking_type: 'package', status: 'pending_payment', expansion_status: 'pending', start_time: null, end_time: null, price_charged_cents: 9000 });
    const detail = await expanded(h, client, res.body.id);
    const children = detail.child_bookings as Child[];
    // Unscheduled items have no start to order them by: compare as sets.
    expect(children.map((c) => c.service.id)).to.have.members([long.id, long.id, short.id]);
    for (const child of children) {
      expect(child).to.include({
        booking_type: 'individual',
        status: 'draft',
        start_time: null,
        end_time: null,
        parent_booking_id: res.body.id,
        service_session_id: null,
        price_charged_cents: 0,
        payment_status: 'not_required',
      });
    }
    expect((await childRows(h, res.body.id)).map((c) => c.component_key)).to.have.members([`service-${long.id}-1`, `service-${long.id}-2`, `service-${short.id}-1`]);
  });

  it('when an item is scheduled before the package is confirmed (paid), then 409 parent_not_confirmed and nothing is written', async () => {
    const { children } = await aBoughtPackage({ confirm: false });
    const before = await footprint(h);
    expectError(await schedule(client, children[0]!.id, slot('2030-01-09T10:00:00Z')), 409, 'parent_not_confirmed');
    expect(await footprint(h)).to.deep.equal(before);
  });

  it('when the package is confirmed, then its items stay unscheduled drafts; the client schedules one with start_time/end_time and it becomes confirmed, with its own lifecycle jobs', async () => {
    const { parent, itemsOf, long } = await aBoughtPackage();
    const after = (await h.http.get(`${BOOKINGS}/${parent.id}/`).set(client.auth)).body;
    expect(after).to.include({ status: 'confirmed', payment_status: 'paid' });
    expect(after.child_bookings.map((c: Child) => c.status)).to.deep.equal(['draft', 'draft', 'draft']);

    const item = itemsOf(long.id)[0]!;
    const res = await schedule(client, item.id, slot('2030-01-09T10:00:00Z'));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ status: 'confirmed', payment_status: 'not_required', price_charged_cents: 0 });
    expect(new Date(res.body.start_time).toISOString()).to.equal('2030-01-09T10:00:00.000Z');
    expect((await outboxRowsOf(h, item.id)).map((r) => r.job_name)).to.include.members(['start-booking', 'finish-booking']);
    // The detail lists the scheduled item first (start order, unscheduled last).
    const listed = (await h.http.get(`${BOOKINGS}/${parent.id}/`).set(client.auth)).body.child_bookings as Child[];
    expect(listed[0]!.id).to.equal(item.id);
    expect(listed.slice(1).map((c) => c.start_time)).to.deep.equal([null, null]);
    expect((await h.http.get(`${BOOKINGS}/${parent.id}/`).set(client.auth)).body.status, 'the parent follows its children, not the schedule').to.equal('confirmed');
  });

  it('when an item is scheduled outside the practitioner’s hours, over another booking or with the wrong duration, then 409 slot_unavailable / 400, and nothing is written', async () => {
    const { practitioner, long, short, itemsOf } = await aBoughtPackage();
    // Someone else's booking at 2030-01-09 12:00, and one item of the package already at 10:00.
    const other = await aUser(h, 'client');
    await aBooking(h, other, { practitioner, service: long }, '2030-01-09T12:00:00Z');
    const [first, second] = itemsOf(long.id);
    expect((await schedule(client, first!.id, slot('2030-01-09T10:00:00Z'))).status).to.equal(200);

    const before = await footprint(h);
    expectError(await schedule(client, second!.id, slot('2030-01-09T06:00:00Z')), 409, 'slot_unavailable');
    expectError(await schedule(client, second!.id, slot('2030-01-09T12:30:00Z')), 409, 'slot_unavailable');
    expectError(await schedule(client, second!.id, slot('2030-01-09T10:00:00Z')), 409, 'slot_unavailable');
    expectError(await schedule(client, itemsOf(short.id)[0]!.id, slot('2030-01-09T15:00:00Z', 60)), 400, 'duration_mismatch');
    expectError(await schedule(client, second!.id, {}), 400);
    expectError(await schedule(client, second!.id, { ...slot('2030-01-09T15:00:00Z'), colour: 'blue' }), 400);
    expect(await footprint(h)).to.deep.equal(before);

    // A free hour, by its practitioner this time.
    const ok = await schedule(practitioner, second!.id, slot('2030-01-09T15:00:00Z'));
    expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
    expect(ok.body.status).to.equal('confirmed');
  });

  it('when concurrent clients schedule items of their packages into the same hour, then exactly one gets it', async () => {
    const setup = await aPackage();
    const buyers = await Promise.all(Array.from({ length: 5 }, () => aUser(h, 'client')));
    const items: Array<{ buyer: TestUser; id: number }> = [];
    for (const buyer of buyers) {
      const parent = await bought(h, buyer, 'package', setup.pkg.id);
      const detail = await expanded(h, buyer, parent.id);
      expect((await act(setup.practitioner, parent.id, 'confirm')).status).to.equal(200);
      items.push({ buyer, id: (detail.child_bookings as Child[]).find((c) => c.service.id === setup.long.id)!.id });
    }
    const answers = await Promise.all(items.map((i) => schedule(i.buyer, i.id, slot('2030-01-10T10:00:00Z'))));
    expect(answers.map((r) => r.status).sort(), JSON.stringify(answers.map((r) => r.body))).to.deep.equal([200, 409, 409, 409, 409]);
    for (const r of answers.filter((a) => a.status === 409)) expect(r.body.code).to.equal('slot_unavailable');
  });

  it('when a package includes a workshop, then that item is scheduled with {service_session_id}, takes its seat and the session’s times', async () => {
    const { workshop, itemsOf, long } = await aBoughtPackage({ workshop: true });
    const item = itemsOf(workshop!.id)[0]!;
    expectError(await schedule(client, item.id, slot('2030-01-12T14:00:00Z', 120)), 400);
    expectError(await schedule(client, itemsOf(long.id)[0]!.id, { service_session_id: workshop!.sessionId }), 400);

    const res = await schedule(client, item.id, { service_session_id: workshop!.sessionId });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ status: 'confirmed', service_session_id: workshop!.sessionId });
    expect(new Date(res.body.start_time).toISOString()).to.equal('2030-01-12T14:00:00.000Z');
    expect(new Date(res.body.end_time).toISOString()).to.equal('2030-01-12T16:00:00.000Z');
    expect(await seatsOf(h, workshop!.id)).to.deep.equal([1]);
  });

  it('when the workshop session of a package item is full, then 409 session_full and nothing is written', async () => {
    const { workshop, itemsOf, practitioner } = await aBoughtPackage({ workshop: true });
    const other = await aUser(h, 'client');
    const taken = await h.http.post(`${BOOKINGS}/`).set(other.auth).send({ practitioner_id: practitioner.id, service_id: workshop!.id, service_session_id: workshop!.sessionId });
    expect(taken.status, JSON.stringify(taken.body)).to.equal(201);
    const before = await footprint(h);
    expectError(await schedule(client, itemsOf(workshop!.id)[0]!.id, { service_session_id: workshop!.sessionId }), 409, 'session_full');
    expect(await footprint(h)).to.deep.equal(before);
  });

  it('when the client cancels one item alone, then 409 cancel_the_parent; the practitioner can, and the paid parent owes back that item’s share', async () => {
    const { practitioner, parent, children } = await aBoughtPackage();
    const before = await footprint(h);
    expectError(await act(client, children[0]!.id, 'cancel'), 409, 'cancel_the_parent');
    expect(await footprint(h)).to.deep.equal(before);

    const res = await act(practitioner, children[0]!.id, 'cancel');
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ status: 'canceled', canceled_by: 'practitioner' });
    const after = (await h.http.get(`${BOOKINGS}/${parent.id}/`).set(client.auth)).body;
    expect(after).to.include({ status: 'confirmed', refund_due_cents: 3000 });
  });

  it('when the client cancels a paid package, then its items (scheduled or not) are canceled in the same request, an item inside the notice is not refunded, and a workshop seat is given back', async () => {
    const { parent, itemsOf, long, workshop } = await aBoughtPackage({ workshop: true, price_cents: 10001 });
    // One item this afternoon (inside the 24-hour notice), the workshop on the 12th.
    expect((await schedule(client, itemsOf(long.id)[0]!.id, slot('2030-01-07T15:00:00Z'))).status).to.equal(200);
    expect((await schedule(client, itemsOf(workshop!.id)[0]!.id, { service_session_id: workshop!.sessionId })).status).to.equal(200);
    expect(await seatsOf(h, workshop!.id)).to.deep.equal([1]);

    const res = await act(client, parent.id, 'cancel');
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.status).to.equal('canceled');
    expect(res.body.child_bookings.map((c: Child) => c.status)).to.deep.equal(['canceled', 'canceled', 'canceled', 'canceled']);
    // Four items, three refundable: 10001 × 3 / 4 = 7500.75 → 7500.
    expect(res.body.refund_due_cents).to.equal(7500);
    expect(await seatsOf(h, workshop!.id)).to.deep.equal([0]);
  });
});
