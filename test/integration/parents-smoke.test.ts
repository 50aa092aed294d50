import { expect } from 'chai';
import { aSchedule, aService, aUser, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { deleteRedisKeys, eventually, startWorkersInProcess } from '../support/workers';

const BOOKINGS = '/api/v1/drf/bookings/';

describe('smoke: course, package, bundle end to end', () => {
  let h: Harness;
  let practitioner: TestUser;
  let client: TestUser;
  let workers: Awaited<ReturnType<typeof startWorkersInProcess>>;

  before(async () => {
    h = await startHarness();
    practitioner = await aUser(h, 'practitioner');
    client = await aUser(h, 'client');
    await aSchedule(h, practitioner);
    workers = await startWorkersInProcess(h.app);
  });
  after(async () => {
    await workers.close();
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
    await h.close();
  });

  it('course', async () => {
    const course = await aService(h, practitioner, { service_type: 'course', price_cents: 30000, max_participants: 2 });
    for (const day of ['2030-01-10', '2030-01-17', '2030-01-24']) {
      const res = await h.http.post(`/api/v1/drf/services/${course.id}/sessions/`).set(practitioner.auth).send({ start_time: `${day}T10:00:00Z` });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
    const res = await h.http.post(`${BOOKINGS}create-course/`).set(client.auth).send({ service_id: course.id });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body).to.include({ booking_type: 'course', status: 'pending_payment', expansion_status: 'pending' });
    const id = res.body.id;
    const detail = await eventually(async () => {
      const d = await h.http.get(`${BOOKINGS}${id}/`).set(client.auth);
      expect(d.body.expansion_status).to.equal('done');
      return d.body;
    });
    expect(detail.child_bookings).to.have.length(3);
    const confirm = await h.http.post(`${BOOKINGS}${id}/confirm/`).set(practitioner.auth).send({});
    expect(confirm.status, JSON.stringify(confirm.body)).to.equal(200);
    expect(confirm.body.child_bookings.map((c: { status: string }) => c.status)).to.deep.equal(['confirmed', 'confirmed', 'confirmed']);
    const cancel = await h.http.post(`${BOOKINGS}${id}/cancel/`).set(client.auth).send({});
    expect(cancel.status, JSON.stringify(cancel.body)).to.equal(200);
    expect(cancel.body.refund_due_cents).to.equal(30000);
    expect(cancel.body.child_bookings.map((c: { status: string }) => c.status)).to.deep.equal(['canceled', 'canceled', 'canceled']);
    const seats = await h.app.db('service_sessions').where({ service_id: course.id }).pluck('seats_taken');
    expect(seats).to.deep.equal([0, 0, 0]);
  });

  it('package', async () => {
    const a = await aService(h, practitioner, { price_cents: 5000 });
    const pkg = await aService(h, practitioner, { service_type: 'package', price_cents: 9000, included_services: [{ service_id: a.id, quantity: 2 }] });
    const res = await h.http.post(`${BOOKINGS}create-package/`).set(client.auth).send({ service_id: pkg.id });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const id = res.body.id;
    const detail = await eventually(async () => {
      const d = await h.http.get(`${BOOKINGS}${id}/`).set(client.auth);
      expect(d.body.expansion_status).to.equal('done');
      return d.body;
    });
    const child = detail.child_bookings[0];
    const early = await h.http.post(`${BOOKINGS}${child.id}/reschedule/`).set(client.auth).send({ start_time: '2030-01-09T10:00:00Z', end_time: '2030-01-09T11:00:00Z' });
    expect(early.status, JSON.stringify(early.body)).to.equal(409);
    expect(early.body.code).to.equal('parent_not_confirmed');
    await h.http.post(`${BOOKINGS}${id}/confirm/`).set(practitioner.auth).send({}).expect(200);
    const ok = await h.http.post(`${BOOKINGS}${child.id}/reschedule/`).set(client.auth).send({ start_time: '2030-01-09T10:00:00Z', end_time: '2030-01-09T11:00:00Z' });
    expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
    expect(ok.body.status).to.equal('confirmed');
    const alone = await h.http.post(`${BOOKINGS}${child.id}/cancel/`).set(client.auth).send({});
    expect(alone.status).to.equal(409);
    expect(alone.body.code).to.equal('cancel_the_parent');
  });

  it('bundle', async () => {
    const a = await aService(h, practitioner, { price_cents: 5000 });
    const bundle = await aService(h, practitioner, { service_type: 'bundle', price_cents: 20000, sessions_included: 2, bonus_sessions: 1, validity_days: 30, bundle_service_ids: [a.id] });
    const res = await h.http.post(`${BOOKINGS}create-bundle/`).set(client.auth).send({ service_id: bundle.id });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const id = res.body.id;
    const confirmed = await h.http.post(`${BOOKINGS}${id}/confirm/`).set(practitioner.auth).send({});
    expect(confirmed.body.credits).to.include({ total: 3, used: 0, remaining: 3 });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        h.http
          .post(BOOKINGS)
          .set(client.auth)
          .send({ practitioner_id: practitioner.id, service_id: a.id, start_time: `2030-01-1${i}T10:00:00Z`, end_time: `2030-01-1${i}T11:00:00Z`, bundle_booking_id: id }),
      ),
    );
    const codes = results.map((r) => r.status).sort();
    expect(codes, JSON.stringify(results.map((r) => r.body))).to.deep.equal([201, 201, 201, 409, 409, 409]);
    const after = await h.http.get(`${BOOKINGS}${id}/`).set(client.auth);
    expect(after.body.credits).to.include({ used: 3, remaining: 0 });
  });
});
