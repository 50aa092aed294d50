import { expect } from 'chai';
import { aBookablePractitioner, aService, aUser, slot, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { aCourse, BOOKINGS, bought, buy, expanded, expectError, footprint } from '../support/parent-fixtures';
import { deleteRedisKeys, startWorkersInProcess } from '../support/workers';

describe('parent bookings through the API: list filters, aliases and bad input', () => {
  let h: Harness;
  let practitioner: TestUser;
  let client: TestUser;
  let stranger: TestUser;
  let workers: Awaited<ReturnType<typeof startWorkersInProcess>>;
  let session: { id: number };
  let course: { id: number };
  let pkg: { id: number };
  let bundle: { id: number };
  let workshop: { id: number };

  before(async () => {
    h = await startHarness({ env: { RECONCILE_EVERY_MS: '3600000' } });
    ({ practitioner, service: session } = await aBookablePractitioner(h));
    [client, stranger] = await Promise.all([aUser(h, 'client'), aUser(h, 'client')]);
    course = (await aCourse(h, practitioner, ['2030-01-10T10:00:00Z', '2030-01-17T10:00:00Z'])).service;
    pkg = await aService(h, practitioner, { service_type: 'package', price_cents: 9000, included_services: [{ service_id: session.id, quantity: 2 }] });
    bundle = await aService(h, practitioner, { service_type: 'bundle', price_cents: 20000, sessions_included: 2, bonus_sessions: 1, validity_days: 30, bundle_service_ids: [session.id] });
    workshop = await aService(h, practitioner, { service_type: 'workshop', price_cents: 2000, max_participants: 5 });
    workers = await startWorkersInProcess(h.app);
  });
  after(async () => {
    await workers?.close();
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
    await h.close();
  });

  describe('list filters', () => {
    let parents: { course: number; package: number; bundle: number };
    let children: number[];

    before(async () => {
      const buyer = await aUser(h, 'client');
      const c = await h.http.post(`${BOOKINGS}/create_course/`).set(buyer.auth).send({ service_id: course.id });
      const p = await h.http.post(`${BOOKINGS}/create_package/`).set(buyer.auth).send({ service_id: pkg.id });
      const b = await h.http.post(`${BOOKINGS}/create_bundle/`).set(buyer.auth).send({ service_id: bundle.id });
      for (const res of [c, p, b]) expect(res.status, JSON.stringify(res.body)).to.equal(201);
      parents = { course: c.body.id, package: p.body.id, bundle: b.body.id };
      children = (await expanded(h, buyer, parents.course)).child_bookings.map((x: { id: number }) => x.id).sort((a: number, b: number) => a - b);
      await expanded(h, buyer, parents.package);
      client = buyer;
    });

    const list = async (query: string, who: TestUser = client) => {
      const res = await h.http.get(`${BOOKINGS}/?${query}`).set(who.auth);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return (res.body.results as Array<{ id: number }>).map((r) => r.id).sort((a, b) => a - b);
    };

    it('when the underscore aliases create_course, create_package and create_bundle are used, then they answer 201 with the parent of the matching type', async () => {
      const types = await Promise.all(Object.values(parents).map(async (id) => (await h.http.get(`${BOOKINGS}/${id}/`).set(client.auth)).body.booking_type));
      expect(types).to.deep.equal(['course', 'package', 'bundle']);
    });

    it('when listing with booking_type=course|package|bundle, then only parents of those types are listed', async () => {
      expect(await list('booking_type=course')).to.deep.equal([parents.course]);
      expect(await list('booking_type=package')).to.deep.equal([parents.package]);
      expect(await list('booking_type=bundle')).to.deep.equal([parents.bundle]);
      expect(await list('booking_type=course,bundle')).to.deep.equal([parents.course, parents.bundle]);
      expect(await list('booking_type=course&booking_type=package')).to.deep.equal([parents.course, parents.package]);
      expect(await list('booking_type=group')).to.deep.equal(children);
      expectError(await h.http.get(`${BOOKINGS}/?booking_type=courses`).set(client.auth), 400);
    });

    it('when listing with parent_booking_id or top_level=true, then a parent’s children, or only bookings that have no parent, are listed', async () => {
      expect(await list(`parent_booking_id=${parents.course}`)).to.deep.equal(children);
      expect(await list(`parent_booking_id=${parents.package}`)).to.have.length(2);
      expect(await list(`parent_booking_id=${parents.bundle}`)).to.deep.equal([]);
      expect(await list('top_level=true')).to.deep.equal([parents.course, parents.package, parents.bundle]);
      expect(await list(`parent_booking_id=${parents.course}`, stranger)).to.deep.equal([]);
      expectError(await h.http.get(`${BOOKINGS}/?parent_booking_id=abc`).set(client.auth), 400);
      expectError(await h.http.get(`${BOOKINGS}/?top_level=maybe`).set(client.auth), 400);
    });
  });

  describe('bad input: a documented 4xx, nothing written', () => {
    let before: Awaited<ReturnType<typeof footprint>>;
    beforeEach(async () => {
      before = await footprint(h);
    });
    afterEach(async function () {
      if (this.currentTest?.state === 'passed') expect(await footprint(h), 'nothing written').to.deep.equal(before);
    });

    it('when an endpoint is given a service of another type, then 400 wrong_service_type', async () => {
      for (const [kind, service] of [
        ['course', pkg],
        ['course', workshop],
        ['package', course],
        ['package', session],
        ['bundle', pkg],
        ['bundle', session],
      ] as const) {
        expectError(await buy(h, stranger, kind, service.id), 400, 'wrong_service_type');
      }
    });

    it('when the service is inactive or unknown, then 400 service_inactive or does_not_exist', async () => {
      const inactive = await aService(h, practitioner, { service_type: 'package', price_cents: 100, included_services: [{ service_id: session.id, quantity: 1 }] });
      expect((await h.http.patch(`/api/v1/drf/services/${inactive.id}/`).set(practitioner.auth).send({ is_active: false })).status).to.equal(200);
      before = await footprint(h);
      expectError(await buy(h, stranger, 'package', inactive.id), 400, 'service_inactive');
      expectError(await buy(h, stranger, 'course', 999_999), 400, 'does_not_exist');
    });

    it('when a practitioner buys their own course, package or bundle, then 400 self_booking', async () => {
      expectError(await buy(h, practitioner, 'course', course.id), 400, 'self_booking');
      expectError(await buy(h, practitioner, 'package', pkg.id), 400, 'self_booking');
      expectError(await buy(h, practitioner, 'bundle', bundle.id), 400, 'self_booking');
    });

    it('when the body is malformed or names unknown fields, then 400', async () => {
      const post = (body: unknown) => h.http.post(`${BOOKINGS}/create-course/`).set(stranger.auth).send(body as object);
      expectError(await post({}), 400);
      expectError(await post({ service_id: 'abc' }), 400);
      expectError(await post({ service_id: -1 }), 400);
      expectError(await post({ service_id: course.id, price_cents: 0 }), 400);
      expectError(await post({ service_id: course.id, start_time: '2030-01-10T10:00:00Z' }), 400);
      expectError(await post([course.id]), 400);
      expectError(await h.http.post(`${BOOKINGS}/create-package/`).set(stranger.auth).set('Content-Type', 'application/json').send('{"service_id": '), 400);
      expectError(await h.http.post(`${BOOKINGS}/create-bundle/`).send({ service_id: bundle.id }), 401);
    });

    it('when another user’s parent or child is asked for, then 404 for reading, canceling and scheduling it', async () => {
      const parent = await bought(h, client, 'package', pkg.id);
      const child = (await expanded(h, client, parent.id)).child_bookings[0];
      before = await footprint(h);
      expectError(await h.http.get(`${BOOKINGS}/${parent.id}/`).set(stranger.auth), 404);
      expectError(await h.http.get(`${BOOKINGS}/${child.id}/`).set(stranger.auth), 404);
      expectError(await h.http.post(`${BOOKINGS}/${parent.id}/cancel/`).set(stranger.auth).send({}), 404);
      expectError(await h.http.post(`${BOOKINGS}/${child.id}/reschedule/`).set(stranger.auth).send(slot('2030-01-09T10:00:00Z')), 404);
    });

    it('when a package item is scheduled before the package is paid, or a client cancels an item alone, then 409 parent_not_confirmed / cancel_the_parent', async () => {
      const buyer = await aUser(h, 'client');
      const parent = await bought(h, buyer, 'package', pkg.id);
      const child = (await expanded(h, buyer, parent.id)).child_bookings[0];
      before = await footprint(h);
      expectError(await h.http.post(`${BOOKINGS}/${child.id}/reschedule/`).set(buyer.auth).send(slot('2030-01-09T10:00:00Z')), 409, 'parent_not_confirmed');
      expectError(await h.http.post(`${BOOKINGS}/${child.id}/cancel/`).set(buyer.auth).send({}), 409, 'cancel_the_parent');
      expectError(await h.http.delete(`${BOOKINGS}/${child.id}/`).set(buyer.auth), 409, 'cancel_the_parent');
    });

    it('when a course, package or bundle is booked through POST bookings/, then a 400 (they have their own endpoints)', async () => {
      for (const service of [course, pkg, bundle]) {
        const res = await h.http.post(`${BOOKINGS}/`).set(stranger.auth).send({ practitioner_id: practitioner.id, service_id: service.id, ...slot('2030-01-09T10:00:00Z') });
        expectError(res, 400);
      }
    });
  });
});
