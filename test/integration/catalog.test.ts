import { expect } from 'chai';
import { aBookablePractitioner, aBooking, aSchedule, aService, aUser, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';

const SERVICES = '/api/v1/drf/services/';
const LOCATIONS = '/api/v1/drf/locations/';
const PRACTITIONERS = '/api/v1/drf/practitioners/';
const SCHEDULE = '/api/v1/drf/practitioners/me/schedule/';

function expectErrorBody(body: { detail?: unknown; code?: unknown }, code?: string): void {
  expect(body.detail, JSON.stringify(body)).to.be.a('string').with.length.greaterThan(0);
  expect(body.code, JSON.stringify(body)).to.match(/^[a-z]+(_[a-z]+)*$/);
  if (code) expect(body.code).to.equal(code);
}

const countRows = async (h: Harness, table: string) => Number((await h.app.db(table).count({ n: '*' }).first())!.n);

describe('catalog', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  describe('services', () => {
    let practitioner: TestUser;
    let other: TestUser;
    let client: TestUser;
    let admin: TestUser;
    before(async () => {
      [practitioner, other, client, admin] = await Promise.all([aUser(h, 'practitioner'), aUser(h, 'practitioner'), aUser(h, 'client'), aUser(h, 'admin')]);
    });

    it('when a practitioner creates a session service, then 201 with every field and the defaults', async () => {
      const res = await h.http
        .post(SERVICES)
        .set(practitioner.auth)
        .send({ name: 'Deep tissue', description: 'One hour', service_type: 'session', duration_minutes: 60, price_cents: 5000 });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({
        practitioner_id: practitioner.id,
        name: 'Deep tissue',
        description: 'One hour',
        service_type: 'session',
        duration_minutes: 60,
        price_cents: 5000,
        price: '50.00',
        currency: 'USD',
        max_participants: 1,
        location_id: null,
        is_active: true,
        cancellation_notice_hours: 24,
      });
      expect(res.body.id).to.be.a('number');
      const got = await h.http.get(`${SERVICES}${res.body.id}/`).set(client.auth);
      expect(got.status).to.equal(200);
      expect(got.body).to.deep.equal(res.body);
    });

    it('when a practitioner creates a workshop and a course, then each keeps its capacity', async () => {
      for (const service_type of ['workshop', 'course']) {
        const res = await h.http
          .post(SERVICES)
          .set(practitioner.auth)
          .send({ name: `A ${service_type}`, service_type, duration_minutes: 120, price_cents: 2000, max_participants: 12, cancellation_notice_hours: 48 });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body).to.include({ service_type, max_participants: 12, cancellation_notice_hours: 48 });
      }
    });

    it('when a practitioner creates a package of their own session services, then its included services are listed', async () => {
      const a = await aService(h, practitioner);
      const b = await aService(h, practitioner, { duration_minutes: 30, price_cents: 3000 });
      const res = await h.http
        .post(SERVICES)
        .set(practitioner.auth)
        .send({
          name: 'Starter package',
          service_type: 'package',
          duration_minutes: 90,
          price_cents: 7000,
          included_services: [{ service_id: b.id, quantity: 2 }, { service_id: a.id }],
        });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.included_services).to.have.deep.members([
        { service_id: a.id, quantity: 1 },
        { service_id: b.id, quantity: 2 },
      ]);
    });

    it('when a package includes another practitioner\'s service, then 400 naming included_services and nothing is written', async () => {
      const foreign = await aService(h, other);
      const before = await countRows(h, 'services');
      const res = await h.http
        .post(SERVICES)
        .set(practitioner.auth)
        .send({ name: 'Bad package', service_type: 'package', duration_minutes: 60, price_cents: 1000, included_services: [{ service_id: foreign.id, quantity: 1 }] });
      expect(res.status).to.equal(400);
      expectErrorBody(res.body);
      expect(res.body.errors).to.have.property('included_services');
      expect(await countRows(h, 'services')).to.equal(before);
    });

    it('when a package includes no service, a missing one, or one twice, then 400', async () => {
      const own = await aService(h, practitioner);
      for (const included_services of [[], [{ service_id: 999999, quantity: 1 }], [{ service_id: own.id }, { service_id: own.id }]]) {
        const res = await h.http
          .post(SERVICES)
          .set(practitioner.auth)
          .send({ name: 'Package', service_type: 'package', duration_minutes: 60, price_cents: 1000, included_services });
        expect(res.status, JSON.stringify(included_services)).to.equal(400);
        expect(res.body.errors).to.have.property('included_services');
      }
    });

    it('when a non-package names included services, then 400', async () => {
      const own = await aService(h, practitioner);
      const res = await h.http
        .post(SERVICES)
        .set(practitioner.auth)
        .send({ name: 'Session', service_type: 'session', duration_minutes: 60, price_cents: 1000, included_services: [{ service_id: own.id, quantity: 1 }] });
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.have.property('included_services');
    });

    it('when a practitioner creates a bundle with sessions_included and validity_days, then 201 with its bundle fields', async () => {
      const target = await aService(h, practitioner);
      const res = await h.http
        .post(SERVICES)
        .set(practitioner.auth)
        .send({
          name: 'Ten sessions',
          service_type: 'bundle',
          duration_minutes: 60,
          price_cents: 45000,
          sessions_included: 10,
          bonus_sessions: 1,
          validity_days: 180,
          bundle_service_ids: [target.id],
        });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ service_type: 'bundle', sessions_included: 10, bonus_sessions: 1, validity_days: 180 });
      expect(res.body.bundle_service_ids).to.deep.equal([target.id]);
    });

    it('when a bundle lacks sessions_included or validity_days, then 400 naming both and nothing is written', async () => {
      const before = await countRows(h, 'services');
      for (const extra of [{}, { sessions_included: 5 }, { validity_days: 30 }]) {
        const res = await h.http
          .post(SERVICES)
          .set(practitioner.auth)
          .send({ name: 'Bundle', service_type: 'bundle', duration_minutes: 60, price_cents: 1000, ...extra });
        expect(res.status, JSON.stringify(extra)).to.equal(400);
        expectErrorBody(res.body);
        expect(res.body.errors).to.have.any.keys('sessions_included', 'validity_days');
      }
      expect(await countRows(h, 'services')).to.equal(before);
    });

    it('when a bundle names another practitioner\'s service, then 400 naming bundle_service_ids', async () => {
      const foreign = await aService(h, other);
      const res = await h.http
        .post(SERVICES)
        .set(practitioner.auth)
        .send({ name: 'Bundle', service_type: 'bundle', duration_minutes: 60, price_cents: 1000, sessions_included: 3, validity_days: 30, bundle_service_ids: [foreign.id] });
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.have.property('bundle_service_ids');
    });

    for (const [what, body, field] of [
      ['an unknown service_type', { service_type: 'retreat' }, 'service_type'],
      ['a duration of 0', { duration_minutes: 0 }, 'duration_minutes'],
      ['a duration over a day', { duration_minutes: 1441 }, 'duration_minutes'],
      ['a negative price', { price_cents: -1 }, 'price_cents'],
      ['a fractional price', { price_cents: 10.5 }, 'price_cents'],
      ['a price as a string', { price_cents: '5000' }, 'price_cents'],
      ['no name', { name: undefined }, 'name'],
      ['an unknown field', { color: 'blue' }, 'color'],
    ] as Array<[string, Record<string, unknown>, string]>) {
      it(`when a service is created with ${what}, then 400 naming ${field}`, async () => {
        const res = await h.http
          .post(SERVICES)
          .set(practitioner.auth)
          .send({ name: 'Svc', service_type: 'session', duration_minutes: 60, price_cents: 1000, ...body });
        expect(res.status, JSON.stringify(res.body)).to.equal(400);
        expectErrorBody(res.body);
        expect(res.body.errors).to.have.property(field);
      });
    }

    it('when a client creates a service, then 403 and nothing is written', async () => {
      const before = await countRows(h, 'services');
      const res = await h.http.post(SERVICES).set(client.auth).send({ name: 'Nope', service_type: 'session', duration_minutes: 60, price_cents: 0 });
      expect(res.status).to.equal(403);
      expectErrorBody(res.body, 'permission_denied');
      expect(await countRows(h, 'services')).to.equal(before);
    });

    it('when a practitioner names another practitioner_id on create, then the service is still their own', async () => {
      const res = await h.http
        .post(SERVICES)
        .set(practitioner.auth)
        .send({ name: 'Mine', service_type: 'session', duration_minutes: 60, price_cents: 0, practitioner_id: other.id });
      if (res.status === 201) expect(res.body.practitioner_id).to.equal(practitioner.id);
      else expect(res.status).to.equal(400);
    });

    it('when an admin creates a service for a practitioner, then it belongs to that practitioner', async () => {
      const res = await h.http
        .post(SERVICES)
        .set(admin.auth)
        .send({ name: 'Admin made', service_type: 'session', duration_minutes: 60, price_cents: 0, practitioner_id: other.id });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.practitioner_id).to.equal(other.id);
    });

    it('when the owner updates a service (PATCH and PUT), then the changes show', async () => {
      const service = await aService(h, practitioner);
      const patched = await h.http.patch(`${SERVICES}${service.id}/`).set(practitioner.auth).send({ name: 'Renamed', price_cents: 6500 });
      expect(patched.status, JSON.stringify(patched.body)).to.equal(200);
      expect(patched.body).to.include({ name: 'Renamed', price_cents: 6500, price: '65.00' });
      const put = await h.http.put(`${SERVICES}${service.id}/`).set(practitioner.auth).send({ description: 'Now with oils' });
      expect(put.status).to.equal(200);
      expect(put.body).to.include({ name: 'Renamed', description: 'Now with oils' });
    });

    it('when another practitioner or a client updates or deletes a service, then 403 and nothing changes', async () => {
      const service = await aService(h, practitioner);
      for (const caller of [other, client]) {
        const patch = await h.http.patch(`${SERVICES}${service.id}/`).set(caller.auth).send({ name: 'Hijacked' });
        expect(patch.status, caller.role).to.equal(403);
        expectErrorBody(patch.body, 'permission_denied');
        const del = await h.http.delete(`${SERVICES}${service.id}/`).set(caller.auth);
        expect(del.status, caller.role).to.equal(403);
      }
      const row = await h.app.db('services').where({ id: service.id }).first();
      expect(row.name).to.equal(service.name);
    });

    it('when an admin updates any service, then it is changed', async () => {
      const service = await aService(h, practitioner);
      const res = await h.http.patch(`${SERVICES}${service.id}/`).set(admin.auth).send({ name: 'Admin renamed' });
      expect(res.status).to.equal(200);
      expect(res.body.name).to.equal('Admin renamed');
    });

    it('when the service type is changed, then 400', async () => {
      const service = await aService(h, practitioner);
      const res = await h.http.patch(`${SERVICES}${service.id}/`).set(practitioner.auth).send({ service_type: 'workshop' });
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.have.property('service_type');
    });

    it('when an update is empty, then 400', async () => {
      const service = await aService(h, practitioner);
      const res = await h.http.patch(`${SERVICES}${service.id}/`).set(practitioner.auth).send({});
      expect(res.status).to.equal(400);
      expectErrorBody(res.body);
    });

    it('when a package\'s included services are replaced, then the new list shows', async () => {
      const a = await aService(h, practitioner);
      const b = await aService(h, practitioner);
      const pkg = await aService(h, practitioner, { service_type: 'package', included_services: [{ service_id: a.id, quantity: 1 }] });
      const res = await h.http.patch(`${SERVICES}${pkg.id}/`).set(practitioner.auth).send({ included_services: [{ service_id: b.id, quantity: 3 }] });
      expect(res.status).to.equal(200);
      expect(res.body.included_services).to.deep.equal([{ service_id: b.id, quantity: 3 }]);
      const empty = await h.http.patch(`${SERVICES}${pkg.id}/`).set(practitioner.auth).send({ included_services: [] });
      expect(empty.status).to.equal(400);
    });

    it('when the owner deletes an unbooked service, then 204 and it is gone', async () => {
      const service = await aService(h, practitioner);
      const res = await h.http.delete(`${SERVICES}${service.id}/`).set(practitioner.auth);
      expect(res.status).to.equal(204);
      expect((await h.http.get(`${SERVICES}${service.id}/`).set(practitioner.auth)).status).to.equal(404);
    });

    it('when a booked service is deleted, then 409 service_in_use and it stays', async () => {
      const target = await aBookablePractitioner(h);
      await aBooking(h, client, target, '2030-01-09T10:00:00Z');
      const res = await h.http.delete(`${SERVICES}${target.service.id}/`).set(target.practitioner.auth);
      expect(res.status).to.equal(409);
      expectErrorBody(res.body, 'service_in_use');
      expect((await h.http.get(`${SERVICES}${target.service.id}/`).set(target.practitioner.auth)).status).to.equal(200);
    });

    it('when a service is inactive, then others get 404 and the owner and admins still see it', async () => {
      const service = await aService(h, practitioner, { is_active: false });
      for (const caller of [other, client]) {
        const res = await h.http.get(`${SERVICES}${service.id}/`).set(caller.auth);
        expect(res.status, caller.role).to.equal(404);
        expectErrorBody(res.body, 'not_found');
      }
      for (const caller of [practitioner, admin]) {
        const res = await h.http.get(`${SERVICES}${service.id}/`).set(caller.auth);
        expect(res.status, caller.role).to.equal(200);
        expect(res.body.is_active).to.equal(false);
      }
    });

    it('when an unknown service id is requested, then 404', async () => {
      const res = await h.http.get(`${SERVICES}99999999/`).set(client.auth);
      expect(res.status).to.equal(404);
      expectErrorBody(res.body, 'not_found');
    });

    describe('list', () => {
      let owner: TestUser;
      const ids: Record<string, number> = {};
      before(async () => {
        owner = await aUser(h, 'practitioner');
        ids.s1 = (await aService(h, owner, { name: 'S1' })).id;
        ids.s2 = (await aService(h, owner, { name: 'S2' })).id;
        ids.w = (await aService(h, owner, { name: 'W', service_type: 'workshop', max_participants: 5 })).id;
        ids.off = (await aService(h, owner, { name: 'Off', is_active: false })).id;
      });

      const listIds = async (caller: TestUser, query: string) => {
        const res = await h.http.get(`${SERVICES}?${query}`).set(caller.auth);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        return (res.body.results as Array<{ id: number }>).map((s) => s.id);
      };

      it('when filtered by practitioner_id, then only that practitioner\'s active services show to others', async () => {
        expect(await listIds(client, `practitioner_id=${owner.id}`)).to.deep.equal([ids.s1, ids.s2, ids.w]);
      });

      it('when the owner lists, then their inactive services are included', async () => {
        expect(await listIds(owner, `practitioner_id=${owner.id}`)).to.deep.equal([ids.s1, ids.s2, ids.w, ids.off]);
        expect(await listIds(owner, `practitioner_id=${owner.id}&is_active=false`)).to.deep.equal([ids.off]);
      });

      it('when an admin lists with is_active=false, then inactive services show', async () => {
        expect(await listIds(admin, `practitioner_id=${owner.id}&is_active=false`)).to.deep.equal([ids.off]);
      });

      it('when another caller lists with is_active=false, then nothing of someone else shows', async () => {
        expect(await listIds(client, `practitioner_id=${owner.id}&is_active=false`)).to.deep.equal([]);
      });

      it('when filtered by service_type, then only that type shows', async () => {
        expect(await listIds(client, `practitioner_id=${owner.id}&service_type=workshop`)).to.deep.equal([ids.w]);
        expect(await listIds(client, `practitioner_id=${owner.id}&service_type=session&is_active=true`)).to.deep.equal([ids.s1, ids.s2]);
      });

      it('when paginated, then count, next and previous describe the pages', async () => {
        const first = await h.http.get(`${SERVICES}?practitioner_id=${owner.id}&page_size=2`).set(client.auth);
        expect(first.body.count).to.equal(3);
        expect(first.body.results).to.have.length(2);
        expect(first.body.previous).to.equal(null);
        expect(first.body.next).to.be.a('string');
        const next = new URL(first.body.next);
        expect(next.searchParams.get('page')).to.equal('2');
        const second = await h.http.get(`${next.pathname}${next.search}`).set(client.auth);
        expect(second.body.results.map((s: { id: number }) => s.id)).to.deep.equal([ids.w]);
        expect(second.body.next).to.equal(null);
        expect(second.body.previous).to.be.a('string');
      });

      it('when a filter value is unknown or malformed, then 400', async () => {
        for (const query of ['service_type=retreat', 'is_active=maybe', 'practitioner_id=abc', 'page=0', 'page_size=101']) {
          const res = await h.http.get(`${SERVICES}?${query}`).set(client.auth);
          expect(res.status, query).to.equal(400);
          expectErrorBody(res.body);
        }
      });
    });
  });

  describe('service sessions', () => {
    let practitioner: TestUser;
    let client: TestUser;
    let workshop: { id: number };
    before(async () => {
      practitioner = await aUser(h, 'practitioner');
      client = await aUser(h, 'client');
      workshop = await aService(h, practitioner, { service_type: 'workshop', duration_minutes: 120, max_participants: 8 });
    });

    it('when the owner adds a future session to a workshop, then 201 and it is listed with its seats', async () => {
      const res = await h.http
        .post(`${SERVICES}${workshop.id}/sessions/`)
        .set(practitioner.auth)
        .send({ start_time: '2030-02-01T10:00:00Z', end_time: '2030-02-01T12:00:00Z', max_participants: 5 });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ service_id: workshop.id, start_time: '2030-02-01T10:00:00.000Z', end_time: '2030-02-01T12:00:00.000Z', max_participants: 5, seats_taken: 0, seats_available: 5 });
      const list = await h.http.get(`${SERVICES}${workshop.id}/sessions/`).set(client.auth);
      expect(list.status).to.equal(200);
      expect(list.body.results.map((s: { id: number }) => s.id)).to.include(res.body.id);
    });

    it('when a session would overlap another session or an active booking of the practitioner, then 409 slot_unavailable', async () => {
      const overlapping = await h.http.post(`${SERVICES}${workshop.id}/sessions/`).set(practitioner.auth).send({ start_time: '2030-02-01T11:00:00Z' });
      expect(overlapping.status, JSON.stringify(overlapping.body)).to.equal(409);
      expect(overlapping.body.code).to.equal('slot_unavailable');
      await aSchedule(h, practitioner);
      const session = await aService(h, practitioner, { duration_minutes: 60 });
      await aBooking(h, client, { practitioner, service: session }, '2030-02-10T10:00:00Z');
      const overBooking = await h.http.post(`${SERVICES}${workshop.id}/sessions/`).set(practitioner.auth).send({ start_time: '2030-02-10T09:30:00Z' });
      expect(overBooking.status).to.equal(409);
      expect(overBooking.body.code).to.equal('slot_unavailable');
    });

    it('when a session gives no end or capacity, then they come from the service', async () => {
      const res = await h.http.post(`${SERVICES}${workshop.id}/sessions/`).set(practitioner.auth).send({ start_time: '2030-02-02T10:00:00Z' });
      expect(res.status).to.equal(201);
      expect(res.body).to.include({ end_time: '2030-02-02T12:00:00.000Z', max_participants: 8 });
    });

    it('when a course gets a session, then 201', async () => {
      const course = await aService(h, practitioner, { service_type: 'course', max_participants: 4 });
      const res = await h.http.post(`${SERVICES}${course.id}/sessions/`).set(practitioner.auth).send({ start_time: '2030-02-03T10:00:00Z' });
      expect(res.status).to.equal(201);
    });

    it('when a session is added to a session-type service, then 400', async () => {
      const session = await aService(h, practitioner);
      const res = await h.http.post(`${SERVICES}${session.id}/sessions/`).set(practitioner.auth).send({ start_time: '2030-02-03T10:00:00Z' });
      expect(res.status).to.equal(400);
      expectErrorBody(res.body);
    });

    it('when a session starts in the past or ends before it starts, then 400 and nothing is written', async () => {
      const before = await countRows(h, 'service_sessions');
      const past = await h.http.post(`${SERVICES}${workshop.id}/sessions/`).set(practitioner.auth).send({ start_time: '2030-01-06T10:00:00Z' });
      expect(past.status).to.equal(400);
      expect(past.body.errors).to.have.property('start_time');
      const backwards = await h.http
        .post(`${SERVICES}${workshop.id}/sessions/`)
        .set(practitioner.auth)
        .send({ start_time: '2030-02-01T10:00:00Z', end_time: '2030-02-01T09:00:00Z' });
      expect(backwards.status).to.equal(400);
      expect(backwards.body.errors).to.have.property('end_time');
      expect(await countRows(h, 'service_sessions')).to.equal(before);
    });

    it('when a client or another practitioner adds a session, then 403', async () => {
      const other = await aUser(h, 'practitioner');
      for (const caller of [client, other]) {
        const res = await h.http.post(`${SERVICES}${workshop.id}/sessions/`).set(caller.auth).send({ start_time: '2030-02-05T10:00:00Z' });
        expect(res.status, caller.role).to.equal(403);
      }
    });
  });

  describe('locations', () => {
    let practitioner: TestUser;
    let other: TestUser;
    let client: TestUser;
    before(async () => {
      [practitioner, other, client] = await Promise.all([aUser(h, 'practitioner'), aUser(h, 'practitioner'), aUser(h, 'client')]);
    });

    const aLocation = async (owner: TestUser, body: Record<string, unknown> = {}) => {
      const res = await h.http.post(LOCATIONS).set(owner.auth).send({ name: 'Studio', address: '1 Main St', timezone: 'Europe/London', ...body });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return res.body as { id: number; [key: string]: unknown };
    };

    it('when a practitioner creates a location, then 201 and anyone signed in can read it', async () => {
      const location = await aLocation(practitioner);
      expect(location).to.include({ practitioner_id: practitioner.id, name: 'Studio', address: '1 Main St', timezone: 'Europe/London' });
      const got = await h.http.get(`${LOCATIONS}${location.id}/`).set(client.auth);
      expect(got.status).to.equal(200);
      expect(got.body).to.deep.equal(location);
    });

    it('when a location has no time zone, then it is UTC', async () => {
      const res = await h.http.post(LOCATIONS).set(practitioner.auth).send({ name: 'Online' });
      expect(res.status).to.equal(201);
      expect(res.body.timezone).to.equal('UTC');
    });

    it('when a location has an invalid time zone, then 400 naming timezone and nothing is written', async () => {
      const before = await countRows(h, 'locations');
      for (const timezone of ['Mars/Olympus', 'not a zone', '']) {
        const res = await h.http.post(LOCATIONS).set(practitioner.auth).send({ name: 'Bad', timezone });
        expect(res.status, timezone).to.equal(400);
        expect(res.body.errors).to.have.property('timezone');
      }
      expect(await countRows(h, 'locations')).to.equal(before);
    });

    it('when a client creates a location, then 403', async () => {
      const res = await h.http.post(LOCATIONS).set(client.auth).send({ name: 'Home' });
      expect(res.status).to.equal(403);
    });

    it('when the owner updates and deletes a location, then the change shows and then it is gone', async () => {
      const location = await aLocation(practitioner);
      const patch = await h.http.patch(`${LOCATIONS}${location.id}/`).set(practitioner.auth).send({ name: 'Studio B' });
      expect(patch.status).to.equal(200);
      expect(patch.body.name).to.equal('Studio B');
      const del = await h.http.delete(`${LOCATIONS}${location.id}/`).set(practitioner.auth);
      expect(del.status).to.equal(204);
      expect((await h.http.get(`${LOCATIONS}${location.id}/`).set(practitioner.auth)).status).to.equal(404);
    });

    it('when someone else updates or deletes a location, then 403 and it is unchanged', async () => {
      const location = await aLocation(practitioner);
      for (const caller of [other, client]) {
        expect((await h.http.patch(`${LOCATIONS}${location.id}/`).set(caller.auth).send({ name: 'Mine now' })).status, caller.role).to.equal(403);
        expect((await h.http.delete(`${LOCATIONS}${location.id}/`).set(caller.auth)).status, caller.role).to.equal(403);
      }
      const row = await h.app.db('locations').where({ id: location.id }).first();
      expect(row.name).to.equal('Studio');
    });

    it('when locations are listed by practitioner_id, then only theirs show', async () => {
      const mine = await aLocation(other, { name: 'Other studio' });
      const res = await h.http.get(`${LOCATIONS}?practitioner_id=${other.id}`).set(client.auth);
      expect(res.status).to.equal(200);
      expect(res.body.results.map((l: { id: number }) => l.id)).to.deep.equal([mine.id]);
    });

    // docs/api-conventions.md#rooms-and-pricing: another practitioner's location that is not shared with them is a 403 (was 400 before locations had members).
    it('when a service names another practitioner\'s location, then 403 naming location_id', async () => {
      const foreign = await aLocation(other);
      const res = await h.http
        .post(SERVICES)
        .set(practitioner.auth)
        .send({ name: 'Svc', service_type: 'session', duration_minutes: 60, price_cents: 0, location_id: foreign.id });
      expect(res.status).to.equal(403);
      expect(res.body.code).to.equal('not_a_member');
      expect(res.body.errors).to.have.property('location_id');
    });

    it('when a service names its owner\'s location, then it is kept', async () => {
      const own = await aLocation(practitioner);
      const service = await aService(h, practitioner, { location_id: own.id });
      expect(service.location_id).to.equal(own.id);
    });
  });

  describe('practitioners', () => {
    it('when practitioners are listed, then public profiles show without email', async () => {
      const { practitioner } = await aBookablePractitioner(h);
      const client = await aUser(h, 'client');
      const res = await h.http.get(`${PRACTITIONERS}?page_size=100`).set(client.auth);
      expect(res.status).to.equal(200);
      const found = res.body.results.find((p: { id: number }) => p.id === practitioner.id);
      expect(found).to.include({ id: practitioner.id, timezone: 'UTC' });
      expect(found.name).to.be.a('string');
      for (const profile of res.body.results) expect(profile).to.not.have.property('email');
      expect(res.body.results.map((p: { id: number }) => p.id)).to.not.include(client.id);
    });

    it('when a practitioner profile is read, then it shows id, name, timezone and active services, without email', async () => {
      const { practitioner, service } = await aBookablePractitioner(h, {}, { timezone: 'America/New_York' });
      const hidden = await aService(h, practitioner, { is_active: false });
      const client = await aUser(h, 'client');
      const res = await h.http.get(`${PRACTITIONERS}${practitioner.id}/`).set(client.auth);
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ id: practitioner.id, timezone: 'America/New_York' });
      expect(res.body).to.not.have.property('email');
      expect(JSON.stringify(res.body)).to.not.include(practitioner.email);
      const serviceIds = res.body.services.map((s: { id: number }) => s.id);
      expect(serviceIds).to.include(service.id);
      expect(serviceIds).to.not.include(hidden.id);
    });

    it('when practitioners are searched by name, then matches are case-insensitive and wildcards are literal', async () => {
      const named = await aUser(h, 'practitioner', 'Zephyrine Okonkwo');
      const client = await aUser(h, 'client');
      const search = async (term: string) => {
        const res = await h.http.get(`${PRACTITIONERS}?page_size=100&search=${encodeURIComponent(term)}`).set(client.auth);
        expect(res.status, term).to.equal(200);
        return res.body.results.map((p: { id: number }) => p.id);
      };
      expect(await search('zephyrine')).to.deep.equal([named.id]);
      expect(await search('%')).to.deep.equal([]);
      expect(await search('_')).to.deep.equal([]);
      expect((await search('')).length).to.be.greaterThan(1);
    });

    it('when the id is a client\'s or unknown, then 404', async () => {
      const client = await aUser(h, 'client');
      for (const id of [client.id, 99999999]) {
        const res = await h.http.get(`${PRACTITIONERS}${id}/`).set(client.auth);
        expect(res.status, String(id)).to.equal(404);
        expectErrorBody(res.body, 'not_found');
      }
    });
  });

  describe('schedule', () => {
    let practitioner: TestUser;
    before(async () => {
      practitioner = await aUser(h, 'practitioner');
    });

    const put = (body: Record<string, unknown>, who: TestUser = practitioner) => h.http.put(SCHEDULE).set(who.auth).send(body);
    const valid = { timezone: 'Europe/Berlin', weekly_hours: [{ weekday: 1, start: '09:00', end: '17:00' }] };

    it('when a new practitioner reads their schedule, then the defaults show', async () => {
      const fresh = await aUser(h, 'practitioner');
      const res = await h.http.get(SCHEDULE).set(fresh.auth);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({
        timezone: 'UTC',
        buffer_minutes: 0,
        min_notice_hours: 0,
        max_advance_days: 90,
        slot_interval_minutes: 30,
        weekly_hours: [],
        date_overrides: [],
        time_off: [],
      });
    });

    it('when a full schedule is put, then it is read back as sent', async () => {
      const body = {
        timezone: 'America/New_York',
        buffer_minutes: 15,
        min_notice_hours: 2,
        max_advance_days: 60,
        slot_interval_minutes: 15,
        weekly_hours: [
          { weekday: 1, start: '09:00', end: '12:00' },
          { weekday: 1, start: '12:00', end: '17:00' },
          { weekday: 7, start: '10:00', end: '14:00' },
        ],
        date_overrides: [
          { date: '2030-02-14', unavailable: true },
          { date: '2030-02-15', start: '10:00', end: '13:00' },
        ],
        time_off: [{ start_time: '2030-03-01T00:00:00.000Z', end_time: '2030-03-08T00:00:00.000Z', reason: 'Holiday' }],
      };
      const res = await put(body);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.deep.equal(body);
      const got = await h.http.get(SCHEDULE).set(practitioner.auth);
      expect(got.body).to.deep.equal(body);
    });

    it('when a schedule is put again, then it replaces the old one wholly', async () => {
      await put({ timezone: 'UTC', weekly_hours: [{ weekday: 2, start: '08:00', end: '09:00' }], date_overrides: [{ date: '2030-02-14', unavailable: true }] });
      const res = await put(valid);
      expect(res.status).to.equal(200);
      expect(res.body.weekly_hours).to.deep.equal(valid.weekly_hours);
      expect(res.body.date_overrides).to.deep.equal([]);
      expect(res.body.time_off).to.deep.equal([]);
      expect(res.body.buffer_minutes).to.equal(0);
    });

    const invalid: Array<[string, Record<string, unknown>, string]> = [
      ['an invalid IANA zone', { timezone: 'Mars/Olympus' }, 'timezone'],
      ['a UTC offset instead of a zone', { timezone: '+02:00' }, 'timezone'],
      ['no time zone', { timezone: undefined }, 'timezone'],
      ['25:00', { weekly_hours: [{ weekday: 1, start: '09:00', end: '25:00' }] }, 'weekly_hours.0.end'],
      ['a time without a leading zero', { weekly_hours: [{ weekday: 1, start: '9:00', end: '17:00' }] }, 'weekly_hours.0.start'],
      ['09:60', { weekly_hours: [{ weekday: 1, start: '09:60', end: '17:00' }] }, 'weekly_hours.0.start'],
      ['start after end', { weekly_hours: [{ weekday: 1, start: '17:00', end: '09:00' }] }, 'weekly_hours.0'],
      ['start equal to end', { weekly_hours: [{ weekday: 1, start: '09:00', end: '09:00' }] }, 'weekly_hours.0'],
      ['weekday 0', { weekly_hours: [{ weekday: 0, start: '09:00', end: '17:00' }] }, 'weekly_hours.0.weekday'],
      ['weekday 8', { weekly_hours: [{ weekday: 8, start: '09:00', end: '17:00' }] }, 'weekly_hours.0.weekday'],
      ['weekday as a string', { weekly_hours: [{ weekday: '1', start: '09:00', end: '17:00' }] }, 'weekly_hours.0.weekday'],
      [
        'overlapping ranges on one weekday',
        { weekly_hours: [{ weekday: 3, start: '09:00', end: '13:00' }, { weekday: 3, start: '12:00', end: '17:00' }] },
        'weekly_hours',
      ],
      [
        'a range inside another on one weekday',
        { weekly_hours: [{ weekday: 3, start: '09:00', end: '17:00' }, { weekday: 3, start: '10:00', end: '11:00' }] },
        'weekly_hours',
      ],
      [
        'the same range twice',
        { weekly_hours: [{ weekday: 3, start: '09:00', end: '17:00' }, { weekday: 3, start: '09:00', end: '17:00' }] },
        'weekly_hours',
      ],
      ['an override on an impossible date', { date_overrides: [{ date: '2030-02-30', unavailable: true }] }, 'date_overrides.0'],
      ['an override with hours out of order', { date_overrides: [{ date: '2030-02-14', start: '13:00', end: '10:00' }] }, 'date_overrides.0'],
      ['an override that is neither closed nor timed', { date_overrides: [{ date: '2030-02-14' }] }, 'date_overrides.0'],
      ['an override closed and timed at once', { date_overrides: [{ date: '2030-02-14', unavailable: true, start: '10:00', end: '12:00' }] }, 'date_overrides.0'],
      [
        'two overlapping overrides on one date',
        { date_overrides: [{ date: '2030-02-14', start: '09:00', end: '12:00' }, { date: '2030-02-14', start: '11:00', end: '13:00' }] },
        'date_overrides',
      ],
      [
        'a closed and an open override on one date',
        { date_overrides: [{ date: '2030-02-14', unavailable: true }, { date: '2030-02-14', start: '11:00', end: '13:00' }] },
        'date_overrides',
      ],
      ['time off ending before it starts', { time_off: [{ start_time: '2030-03-08T00:00:00Z', end_time: '2030-03-01T00:00:00Z' }] }, 'time_off.0'],
      ['time off of no length', { time_off: [{ start_time: '2030-03-08T00:00:00Z', end_time: '2030-03-08T00:00:00Z' }] }, 'time_off.0'],
      ['a negative buffer', { buffer_minutes: -5 }, 'buffer_minutes'],
      ['a slot interval of 0', { slot_interval_minutes: 0 }, 'slot_interval_minutes'],
      ['max_advance_days of 0', { max_advance_days: 0 }, 'max_advance_days'],
      ['an unknown field', { lunch_break: true }, 'lunch_break'],
    ];
    for (const [what, change, field] of invalid) {
      it(`when a schedule has ${what}, then 400 naming ${field} and the old schedule stays`, async () => {
        const before = await put(valid);
        expect(before.status).to.equal(200);
        const res = await put({ ...valid, ...change });
        expect(res.status, JSON.stringify(res.body)).to.equal(400);
        expectErrorBody(res.body);
        expect(Object.keys(res.body.errors ?? {}), JSON.stringify(res.body)).to.include(field);
        const after = await h.http.get(SCHEDULE).set(practitioner.auth);
        expect(after.body).to.deep.equal(before.body);
      });
    }

    it('when weekly ranges touch (09:00–12:00, 12:00–13:00) or share only a different weekday, then they are accepted', async () => {
      const res = await put({
        timezone: 'UTC',
        weekly_hours: [
          { weekday: 2, start: '09:00', end: '12:00' },
          { weekday: 2, start: '12:00', end: '13:00' },
          { weekday: 3, start: '10:00', end: '11:00' },
        ],
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.weekly_hours).to.have.length(3);
    });

    it('when overrides close one date and open another with hours, then both are kept', async () => {
      const res = await put({
        timezone: 'UTC',
        date_overrides: [
          { date: '2030-04-01', unavailable: true },
          { date: '2030-04-02', start: '08:00', end: '10:00' },
          { date: '2030-04-02', start: '10:00', end: '12:00' },
          { date: '2030-04-03', unavailable: false, start: '13:00', end: '14:00' },
        ],
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.date_overrides).to.deep.equal([
        { date: '2030-04-01', unavailable: true },
        { date: '2030-04-02', start: '08:00', end: '10:00' },
        { date: '2030-04-02', start: '10:00', end: '12:00' },
        { date: '2030-04-03', start: '13:00', end: '14:00' },
      ]);
    });

    it('when a client or an admin reads or puts a schedule, then 403', async () => {
      const client = await aUser(h, 'client');
      const admin = await aUser(h, 'admin');
      for (const caller of [client, admin]) {
        const get = await h.http.get(SCHEDULE).set(caller.auth);
        expect(get.status, caller.role).to.equal(403);
        expectErrorBody(get.body, 'permission_denied');
        expect((await put(valid, caller)).status, caller.role).to.equal(403);
      }
    });

    it('when the schedule is read without credentials, then 401', async () => {
      const res = await h.http.get(SCHEDULE);
      expect(res.status).to.equal(401);
    });

    it('when the builder schedule is used, then it is accepted as-is', async () => {
      const fresh = await aUser(h, 'practitioner');
      const body = await aSchedule(h, fresh);
      expect(body.weekly_hours).to.have.length(7);
    });
  });
});
