import http from 'node:http';
import { expect } from 'chai';
import type { Response } from 'supertest';
import { aBookablePractitioner, aService, aUser, slot, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { snapshotTables } from '../support/table-snapshot';

const BOOKINGS = '/api/v1/drf/bookings/';
const SERVICES = '/api/v1/drf/services/';
const LOCATIONS = '/api/v1/drf/locations/';
const SCHEDULE = '/api/v1/drf/practitioners/me/schedule/';
const REGISTER = '/api/v1/auth/register/';

/** Every table a request could write to. */
const TABLES = [
  'users',
  'auth_tokens',
  'practitioners',
  'weekly_hours',
  'date_overrides',
  'time_off',
  'locations',
  'services',
  'package_items',
  'bundle_services',
  'service_sessions',
  'bookings',
  'booking_notes',
  'booking_status_history',
];

/** A 4xx with `detail` (a sentence) and a snake_case `code`: never a 500. */
function expectError(res: { status: number; body: unknown }, status: number, code?: string): void {
  const body = res.body as { detail?: unknown; code?: unknown; errors?: unknown };
  expect(res.status, JSON.stringify(body)).to.equal(status);
  expect(body.detail, JSON.stringify(body)).to.be.a('string').with.length.greaterThan(0);
  expect(body.code, JSON.stringify(body)).to.be.a('string').and.match(/^[a-z]+(_[a-z]+)*$/);
  if (code) expect(body.code).to.equal(code);
  if (body.errors !== undefined) {
    expect(body.errors).to.be.an('object');
    for (const messages of Object.values(body.errors as object)) expect(messages).to.be.an('array').with.length.greaterThan(0);
  }
}

/** A raw request, for what supertest will not send (chunked bodies, no Content-Type). */
function rawRequest(baseUrl: string, options: { method: string; path: string; headers: Record<string, string>; chunks: Buffer[] }): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const url = new URL(options.path, baseUrl);
    let answered = false;
    // agent: false: a fresh connection, never a kept-alive socket the server closed after an early answer.
    const req = http.request({ method: options.method, hostname: url.hostname, port: url.port, path: url.pathname, headers: options.headers, agent: false }, (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
      });
    });
    // The server may answer (413) and close before the whole body is sent.
    req.on('error', (error: NodeJS.ErrnoException) => (answered && (error.code === 'EPIPE' || error.code === 'ECONNRESET') ? undefined : reject(error)));
    for (const chunk of options.chunks) req.write(chunk);
    req.end();
  });
}

describe('bad input', () => {
  let h: Harness;
  let target: Awaited<ReturnType<typeof aBookablePractitioner>>;
  let client: TestUser;
  let stranger: TestUser;
  let otherPractitioner: TestUser;
  let booking: { id: number };
  let strangersBooking: { id: number };
  let hiddenService: { id: number };
  let valid: Record<string, unknown>;

  before(async () => {
    h = await startHarness();
    target = await aBookablePractitioner(h);
    [client, stranger, otherPractitioner] = await Promise.all([aUser(h, 'client'), aUser(h, 'client'), aUser(h, 'practitioner')]);
    const made = await h.http
      .post(BOOKINGS)
      .set(client.auth)
      .send({ practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot('2030-01-08T10:00:00Z') });
    expect(made.status).to.equal(201);
    booking = made.body;
    const theirs = await h.http
      .post(BOOKINGS)
      .set(stranger.auth)
      .send({ practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot('2030-01-08T14:00:00Z') });
    expect(theirs.status).to.equal(201);
    strangersBooking = theirs.body;
    hiddenService = await aService(h, otherPractitioner, { is_active: false });
    valid = { practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot('2030-01-09T10:00:00Z') };
  });
  after(() => h.close());

  /** Runs the request, checks the error, and checks that no table changed. */
  async function rejects(send: () => Promise<{ status: number; body: unknown }>, status: number, code?: string): Promise<Response> {
    const before = await snapshotTables(h.app.db, { tables: TABLES });
    const res = await send();
    expectError(res, status, code);
    expect(await snapshotTables(h.app.db, { tables: TABLES }), 'nothing is written').to.deep.equal(before);
    return res as Response;
  }

  describe('malformed JSON', () => {
    const cases: Array<[string, string, () => TestUser]> = [
      ['POST', BOOKINGS, () => client],
      ['POST', SERVICES, () => target.practitioner],
      ['POST', LOCATIONS, () => target.practitioner],
      ['PUT', SCHEDULE, () => target.practitioner],
      ['PATCH', `${BOOKINGS}{id}/`, () => client],
      ['POST', REGISTER, () => client],
    ];
    for (const [method, path, who] of cases) {
      it(`when ${method} ${path} gets malformed JSON, then 400 parse_error`, async () => {
        const url = path.replace('{id}', String(booking.id));
        const request = () => (method === 'POST' ? h.http.post(url) : method === 'PUT' ? h.http.put(url) : h.http.patch(url));
        for (const text of ['{"practitioner_id": 1,', "{'a': 1}", '{"a": 1}}', 'undefined', '"just a string"', 'null', '42', '{"a": NaN}']) {
          await rejects(() => request().set(who().auth).set('Content-Type', 'application/json').send(text), 400, 'parse_error');
        }
      });
    }
  });

  describe('deeply nested JSON (found by test/integration/schema-fuzz.test.ts: a 500 from the idempotency hash)', () => {
    const deepArray = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const deepObject = `{"a":${'{"a":'.repeat(3000)}1${'}'.repeat(3001)}`;
    for (const [what, text] of [['arrays', deepArray], ['objects', deepObject]] as const) {
      for (const key of [undefined, 'deep-body-key']) {
        it(`when a POST body nests ${what} 3,000+ levels deep${key ? ' with an Idempotency-Key' : ''}, then 400 body_too_deep and no table (idempotency_keys included) changes`, async () => {
          const before = await snapshotTables(h.app.db);
          const request = h.http.post(BOOKINGS).set(client.auth).set('Content-Type', 'application/json');
          const res = await (key ? request.set('Idempotency-Key', `${key}-${what}`) : request).send(text);
          expectError(res, 400, 'body_too_deep');
          expect(await snapshotTables(h.app.db), 'nothing is written').to.deep.equal(before);
        });
      }
    }

    it('when a body nests as deep as the limit allows, then it is validated as usual', async () => {
      let nested: unknown = 1;
      for (let i = 0; i < 30; i += 1) nested = { a: nested };
      await rejects(() => h.http.post(BOOKINGS).set(client.auth).send({ ...valid, title: nested }), 400, 'invalid');
    });
  });

  describe('wrong types', () => {
    const bookingCases: Array<[string, Record<string, unknown>, string]> = [
      ['practitioner_id as a string "1"', { practitioner_id: '1' }, 'practitioner_id'],
      ['service_id as a string', { service_id: '1' }, 'service_id'],
      ['service_id as a fraction', { service_id: 1.5 }, 'service_id'],
      ['service_id as a boolean', { service_id: true }, 'service_id'],
      ['service_id as null', { service_id: null }, 'service_id'],
      ['service_id as an object', { service_id: { id: 1 } }, 'service_id'],
      ['service_id beyond 2^53', { service_id: 1e20 }, 'service_id'],
      ['start_time as a number 123', { start_time: 123 }, 'start_time'],
      ['start_time as nonsense', { start_time: 'next tuesday' }, 'start_time'],
      ['start_time as a date only', { start_time: '2030-01-09' }, 'start_time'],
      ['start_time without an offset', { start_time: '2030-01-09T10:00:00', end_time: '2030-01-09T11:00:00' }, 'start_time'],
      ['end_time as an array', { end_time: ['2030-01-09T11:00:00Z'] }, 'end_time'],
      ['draft as a string "true"', { draft: 'true' }, 'draft'],
      ['title as a number', { title: 42 }, 'title'],
      ['title too long', { title: 'x'.repeat(201) }, 'title'],
      ['client_notes as a list', { client_notes: ['a'] }, 'client_notes'],
      ['a NUL character in a string', { title: 'a\u0000b' }, 'title'],
    ];
    for (const [what, change, field] of bookingCases) {
      it(`when a booking is created with ${what}, then 400 naming ${field}`, async () => {
        const res = await rejects(() => h.http.post(BOOKINGS).set(client.auth).send({ ...valid, ...change }), 400);
        expect(res.body.errors).to.have.property(field);
      });
    }

    it('when the body is a JSON array, then 400', async () => {
      await rejects(() => h.http.post(BOOKINGS).set(client.auth).send([valid]), 400);
    });

    it('when a service is created with a price as a string, then 400 naming price_cents', async () => {
      const res = await rejects(
        () => h.http.post(SERVICES).set(target.practitioner.auth).send({ name: 'S', service_type: 'session', duration_minutes: 60, price_cents: '5000' }),
        400,
      );
      expect(res.body.errors).to.have.property('price_cents');
    });

    it('when a schedule has a weekday as a string and a buffer as a string, then 400 naming both', async () => {
      const res = await rejects(
        () =>
          h.http
            .put(SCHEDULE)
            .set(target.practitioner.auth)
            .send({ timezone: 'UTC', buffer_minutes: '15', weekly_hours: [{ weekday: '1', start: '09:00', end: '17:00' }] }),
        400,
      );
      expect(res.body.errors).to.have.property('buffer_minutes');
      expect(res.body.errors).to.have.property('weekly_hours.0.weekday');
    });

    it('when a PATCH has a NUL character, then 400', async () => {
      await rejects(() => h.http.patch(`${BOOKINGS}${booking.id}/`).set(client.auth).send({ client_notes: '\u0000' }), 400);
    });

    it('when a query string has a NUL character, then 400', async () => {
      const res = await rejects(() => h.http.get(`${BOOKINGS}?search=%00`).set(client.auth), 400);
      expect(res.body.errors).to.have.property('search');
    });
  });

  describe('unknown fields on create', () => {
    const cases: Array<[string, string, () => TestUser, () => Record<string, unknown>, string]> = [
      ['a booking', BOOKINGS, () => client, () => ({ ...valid, price_cents: 1 }), 'price_cents'],
      ['a booking', BOOKINGS, () => client, () => ({ ...valid, status: 'confirmed' }), 'status'],
      ['a booking', BOOKINGS, () => client, () => ({ ...valid, client_id: stranger.id }), 'client_id'],
      ['a booking', BOOKINGS, () => client, () => ({ ...valid, favourite_colour: 'blue' }), 'favourite_colour'],
      ['a service', SERVICES, () => target.practitioner, () => ({ name: 'S', service_type: 'session', duration_minutes: 60, price_cents: 0, rating: 5 }), 'rating'],
      ['a location', LOCATIONS, () => target.practitioner, () => ({ name: 'L', practitioner_id: otherPractitioner.id }), 'practitioner_id'],
      ['a user', REGISTER, () => client, () => ({ email: 'new-user@example.test', password: 'password123', name: 'N', is_active: false }), 'is_active'],
    ];
    for (const [what, path, who, body, field] of cases) {
      it(`when ${what} is created with the unknown field ${field}, then 400 naming it`, async () => {
        const res = await rejects(() => h.http.post(path).set(who().auth).send(body()), 400);
        expect(res.body.errors).to.have.property(field);
      });
    }

    it('when a session is created with an unknown field, then 400', async () => {
      const workshop = await aService(h, target.practitioner, { service_type: 'workshop', max_participants: 4 });
      const res = await rejects(
        () => h.http.post(`${SERVICES}${workshop.id}/sessions/`).set(target.practitioner.auth).send({ start_time: '2030-02-01T10:00:00Z', seats_taken: 3 }),
        400,
      );
      expect(res.body.errors).to.have.property('seats_taken');
    });
  });

  describe('unknown enum and ordering values', () => {
    for (const [query, field, allowed] of [
      ['status=bogus', 'status', 'pending_payment'],
      ['status=confirmed,bogus', 'status', 'pending_payment'],
      ['payment_status=owed', 'payment_status', 'not_required'],
      ['booking_type=workshop', 'booking_type', 'individual'],
      ['ordering=bogus', 'ordering', '-price_charged_cents'],
      ['ordering=price_charged', 'ordering', 'price_charged_cents'],
      ['is_upcoming=maybe', 'is_upcoming', ''],
    ]) {
      it(`when the bookings list gets ${query}, then 400 naming ${field}${allowed ? ' and the allowed values' : ''}`, async () => {
        const res = await rejects(() => h.http.get(`${BOOKINGS}?${query}`).set(client.auth), 400);
        expect(Object.keys(res.body.errors).some((key) => key.startsWith(field!))).to.equal(true);
        if (allowed) expect(res.body.detail).to.include(allowed);
      });
    }

    it('when the services list gets an unknown service_type, then 400', async () => {
      await rejects(() => h.http.get(`${SERVICES}?service_type=retreat`).set(client.auth), 400);
    });

    it('when a service is created with an unknown service_type, then 400', async () => {
      const res = await rejects(
        () => h.http.post(SERVICES).set(target.practitioner.auth).send({ name: 'S', service_type: 'retreat', duration_minutes: 60, price_cents: 0 }),
        400,
      );
      expect(res.body.errors).to.have.property('service_type');
    });

    it('when a user registers with an unknown role, then 400', async () => {
      await rejects(() => h.http.post(REGISTER).send({ email: 'role@example.test', password: 'password123', name: 'R', role: 'superuser' }), 400);
    });
  });

  describe('pagination bounds', () => {
    const lists = [BOOKINGS, SERVICES, LOCATIONS, '/api/v1/drf/practitioners/'];
    for (const list of lists) {
      for (const query of ['page=0', 'page_size=10000', 'page_size=101', 'page=-1', 'page=abc']) {
        it(`when ${list} gets ${query}, then 400`, async () => {
          await rejects(() => h.http.get(`${list}?${query}`).set(client.auth), 400);
        });
      }
    }

    it('when the sessions list gets page_size=10000, then 400', async () => {
      const workshop = await aService(h, target.practitioner, { service_type: 'workshop', max_participants: 4 });
      await rejects(() => h.http.get(`${SERVICES}${workshop.id}/sessions/?page_size=10000`).set(client.auth), 400);
    });
  });

  describe('non-numeric and out-of-range ids', () => {
    const ids = ['abc', '1.5', '-1', '0', '1e3', '0x10', '99999999999999999999', '%20', 'null'];
    for (const id of ids) {
      it(`when /bookings/${id}/ is read or patched, then 404`, async () => {
        await rejects(() => h.http.get(`${BOOKINGS}${id}/`).set(client.auth), 404, 'not_found');
        await rejects(() => h.http.patch(`${BOOKINGS}${id}/`).set(client.auth).send({ title: 'x' }), 404, 'not_found');
      });
    }

    for (const path of [`${SERVICES}abc/`, `${SERVICES}1.5/sessions/`, `${LOCATIONS}-1/`, '/api/v1/drf/practitioners/abc/']) {
      it(`when ${path} is read, then 404`, async () => {
        await rejects(() => h.http.get(path).set(client.auth), 404, 'not_found');
      });
    }

    it('when a non-numeric service is patched or deleted, then 404', async () => {
      await rejects(() => h.http.patch(`${SERVICES}abc/`).set(target.practitioner.auth).send({ name: 'x' }), 404);
      await rejects(() => h.http.delete(`${SERVICES}abc/`).set(target.practitioner.auth), 404);
    });
  });

  describe("other users' ids", () => {
    it("when a client reads another client's booking, then 404", async () => {
      await rejects(() => h.http.get(`${BOOKINGS}${strangersBooking.id}/`).set(client.auth), 404, 'not_found');
    });

    it("when a client patches another client's booking, then 404 and it is unchanged", async () => {
      await rejects(() => h.http.patch(`${BOOKINGS}${strangersBooking.id}/`).set(client.auth).send({ title: 'Hijacked' }), 404, 'not_found');
    });

    it('when a practitioner who is no party reads or patches a booking, then 404', async () => {
      await rejects(() => h.http.get(`${BOOKINGS}${booking.id}/`).set(otherPractitioner.auth), 404);
      await rejects(() => h.http.patch(`${BOOKINGS}${booking.id}/`).set(otherPractitioner.auth).send({ meeting_id: 'x' }), 404);
    });

    it("when a client reads another practitioner's inactive service, then 404", async () => {
      await rejects(() => h.http.get(`${SERVICES}${hiddenService.id}/`).set(client.auth), 404);
    });

    it("when a booking names a location that does not exist or is another practitioner's, then 400 naming location_id", async () => {
      const foreign = await h.http.post(LOCATIONS).set(otherPractitioner.auth).send({ name: 'Not yours' });
      for (const location_id of [99999999, foreign.body.id]) {
        const res = await rejects(() => h.http.post(BOOKINGS).set(client.auth).send({ ...valid, location_id }), 400);
        expect(res.body.errors).to.have.property('location_id');
        const patch = await rejects(() => h.http.patch(`${BOOKINGS}${booking.id}/`).set(target.practitioner.auth).send({ location_id }), 400);
        expect(patch.body.errors).to.have.property('location_id');
      }
    });

    it("when a client books another practitioner's inactive service, then 400 and nothing is written", async () => {
      await rejects(() => h.http.post(BOOKINGS).set(client.auth).send({ ...valid, practitioner_id: otherPractitioner.id, service_id: hiddenService.id }), 400);
    });
  });

  describe('times', () => {
    it('when end_time is before start_time, then 400 naming end_time', async () => {
      const res = await rejects(() => h.http.post(BOOKINGS).set(client.auth).send({ ...valid, start_time: '2030-01-09T11:00:00Z', end_time: '2030-01-09T10:00:00Z' }), 400);
      expect(res.body.errors).to.have.property('end_time');
    });

    it('when end_time equals start_time, then 400', async () => {
      await rejects(() => h.http.post(BOOKINGS).set(client.auth).send({ ...valid, end_time: valid.start_time }), 400);
    });

    it('when the booking lasts other than the service, then 400 duration_mismatch', async () => {
      await rejects(() => h.http.post(BOOKINGS).set(client.auth).send({ ...valid, ...slot('2030-01-09T10:00:00Z', 90) }), 400, 'duration_mismatch');
    });

    it('when the time is beyond what a date can hold, then 400', async () => {
      await rejects(() => h.http.post(BOOKINGS).set(client.auth).send({ ...valid, start_time: '+275760-09-13T00:00:00Z', end_time: '+275760-09-13T01:00:00Z' }), 400);
    });
  });

  describe('invalid time zones', () => {
    for (const timezone of ['Mars/Olympus', 'utc+2', '', 'Europe/', 'x'.repeat(100), 42]) {
      it(`when a booking is created with timezone ${JSON.stringify(timezone).slice(0, 20)}, then 400 naming timezone`, async () => {
        const res = await rejects(() => h.http.post(BOOKINGS).set(client.auth).send({ ...valid, timezone }), 400);
        expect(res.body.errors).to.have.property('timezone');
      });
    }

    it('when a booking is patched with an invalid timezone, then 400', async () => {
      const res = await rejects(() => h.http.patch(`${BOOKINGS}${booking.id}/`).set(client.auth).send({ timezone: 'Mars/Olympus' }), 400);
      expect(res.body.errors).to.have.property('timezone');
    });

    it('when a schedule is put with an invalid timezone, then 400', async () => {
      const res = await rejects(() => h.http.put(SCHEDULE).set(target.practitioner.auth).send({ timezone: 'Mars/Olympus', weekly_hours: [] }), 400);
      expect(res.body.errors).to.have.property('timezone');
    });

    it('when a location is created with an invalid timezone, then 400', async () => {
      await rejects(() => h.http.post(LOCATIONS).set(target.practitioner.auth).send({ name: 'L', timezone: 'Mars/Olympus' }), 400);
    });
  });

  describe('body size and type', () => {
    const fiveMegabytes = () => JSON.stringify({ ...valid, description: 'x'.repeat(5 * 1024 * 1024) });

    it('when a 5 MB body is sent, then 413 payload_too_large', async () => {
      await rejects(() => h.http.post(BOOKINGS).set(client.auth).set('Content-Type', 'application/json').send(fiveMegabytes()), 413, 'payload_too_large');
    });

    it('when a 5 MB body is sent chunked (no Content-Length), then 413 payload_too_large', async () => {
      const body = Buffer.from(fiveMegabytes());
      const chunks = Array.from({ length: 80 }, (_, i) => body.subarray(i * 65_536, (i + 1) * 65_536)).filter((c) => c.length);
      await rejects(
        () =>
          rawRequest(h.baseUrl, {
            method: 'POST',
            path: BOOKINGS,
            headers: { ...client.auth, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
            chunks,
          }),
        413,
        'payload_too_large',
      );
    });

    it('when a 5 MB body is sent to register without credentials, then still 413', async () => {
      await rejects(() => h.http.post(REGISTER).set('Content-Type', 'application/json').send(fiveMegabytes()), 413, 'payload_too_large');
    });

    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
      it(`when the body is ${type}, then 415 unsupported_media_type`, async () => {
        await rejects(() => h.http.post(BOOKINGS).set(client.auth).set('Content-Type', type).send(JSON.stringify(valid)), 415, 'unsupported_media_type');
      });
    }

    it('when a body comes with no Content-Type, then 415', async () => {
      await rejects(
        () => rawRequest(h.baseUrl, { method: 'POST', path: BOOKINGS, headers: { ...client.auth }, chunks: [Buffer.from(JSON.stringify(valid))] }),
        415,
        'unsupported_media_type',
      );
    });

    it('when a PATCH body is form-encoded, then 415', async () => {
      await rejects(() => h.http.patch(`${BOOKINGS}${booking.id}/`).set(client.auth).type('form').send({ title: 'x' }), 415);
    });
  });

  describe('authentication', () => {
    it('when the Authorization header is missing, then 401 not_authenticated and nothing is written', async () => {
      const res = await rejects(() => h.http.post(BOOKINGS).send(valid), 401, 'not_authenticated');
      expect(res.headers['www-authenticate']).to.equal('Token');
    });

    for (const header of ['Bearer abc', 'Token', 'Token a b', `Token ${'f'.repeat(40)}`, 'token\tabc def']) {
      it(`when the Authorization header is ${JSON.stringify(header.slice(0, 20))}, then 401 and nothing is written`, async () => {
        const res = await rejects(() => h.http.post(BOOKINGS).set('Authorization', header).send(valid), 401);
        expect(res.headers['www-authenticate']).to.equal('Token');
      });
    }
  });

  describe('methods and paths', () => {
    for (const [method, path] of [
      ['DELETE', SERVICES],
      ['PUT', BOOKINGS],
      ['DELETE', LOCATIONS],
      ['POST', '/api/v1/drf/practitioners/'],
      ['DELETE', SCHEDULE],
      ['GET', '/api/v1/auth/register/'],
    ]) {
      it(`when ${method} ${path} is sent, then 405 method_not_allowed with Allow`, async () => {
        const res = await rejects(() => h.http[method!.toLowerCase() as 'get'](path!).set(target.practitioner.auth), 405, 'method_not_allowed');
        expect(res.headers.allow).to.be.a('string').with.length.greaterThan(0);
      });
    }

    it('when an unknown method is sent, then 405 rather than a server error', async () => {
      await rejects(() => h.http.propfind(SERVICES).set(client.auth), 405, 'method_not_allowed');
    });

    it('when an unknown path is requested, then 404 not_found with a JSON body', async () => {
      await rejects(() => h.http.get('/api/v1/drf/nothing-here/').set(client.auth), 404, 'not_found');
      await rejects(() => h.http.post('/api/v1/drf/nothing-here/').set(client.auth).send({}), 404, 'not_found');
    });
  });
});
