import { expect } from 'chai';
import { startHarness, type Harness } from '../support/harness';

type Json = Record<string, unknown>;

/** Every `$ref` in the document, with where it was found. */
function collectRefs(node: unknown, at: string, found: Array<[string, string]> = []): Array<[string, string]> {
  if (Array.isArray(node)) node.forEach((item, i) => collectRefs(item, `${at}/${i}`, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push([at, value]);
      else collectRefs(value, `${at}/${key}`, found);
    }
  }
  return found;
}

function resolvePointer(document: Json, pointer: string): unknown {
  return pointer
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Json)[part] : undefined), document);
}

describe('OpenAPI document and docs UI', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  describe('GET /api/v1/schema/', () => {
    let doc: Json;
    before(async () => {
      const res = await h.http.get('/api/v1/schema/').expect(200).expect('Content-Type', /application\/json/);
      doc = res.body;
    });

    it('when fetched anonymously, then it is an OpenAPI 3 document', () => {
      expect(doc.openapi).to.match(/^3\.\d+\.\d+$/);
      expect(doc.info).to.include({ title: 'Estuary Bookings API' });
      expect(doc.paths).to.be.an('object');
      expect((doc.components as Json).securitySchemes).to.have.keys('tokenAuth', 'sessionCookie', 'csrfToken');
    });

    it('when read, then every current and announced endpoint is documented with its methods', () => {
      const paths = doc.paths as Record<string, Json>;
      const expected: Record<string, string[]> = {
        '/api/v1/auth/register/': ['post'],
        '/api/v1/auth/token/': ['post', 'delete'],
        '/api/v1/auth/tokens/': ['get'],
        '/api/v1/auth/tokens/{id}/': ['delete'],
        '/api/v1/auth/login/': ['post'],
        '/api/v1/auth/logout/': ['post'],
        '/api/v1/auth/me/': ['get'],
        '/api/v1/drf/services/': ['get', 'post'],
        '/api/v1/drf/services/{id}/': ['get', 'patch', 'put', 'delete'],
        '/api/v1/drf/services/{id}/sessions/': ['get', 'post'],
        '/api/v1/drf/services/{id}/sessions/{sid}/': ['patch'],
        '/api/v1/drf/services/{id}/sessions/{sid}/waitlist/': ['post', 'get', 'delete'],
        '/api/v1/drf/calendar/feed/': ['get'],
        '/api/v1/drf/calendar/feed/rotate/': ['post'],
        '/api/v1/calendar/{token}.ics': ['get'],
        '/api/v1/drf/locations/': ['get', 'post'],
        '/api/v1/drf/locations/{id}/': ['get', 'patch', 'put', 'delete'],
        '/api/v1/drf/locations/{id}/rooms/': ['get', 'post'],
        '/api/v1/drf/locations/{id}/rooms/{room_id}/': ['get', 'patch', 'put', 'delete'],
        '/api/v1/drf/locations/{id}/members/': ['get', 'put'],
        '/api/v1/drf/practitioners/': ['get'],
        '/api/v1/drf/practitioners/{id}/': ['get'],
        '/api/v1/drf/practitioners/me/schedule/': ['get', 'put'],
        '/api/v1/drf/bookings/': ['get', 'post'],
        '/api/v1/drf/bookings/{id}/': ['get', 'patch', 'delete'],
        '/api/v1/drf/bookings/{id}/confirm/': ['post'],
        '/api/v1/drf/bookings/{id}/complete/': ['post'],
        '/api/v1/drf/bookings/{id}/no-show/': ['post'],
        '/api/v1/drf/bookings/{id}/no_show/': ['post'],
        '/api/v1/drf/bookings/{id}/cancel/': ['post'],
        '/api/v1/drf/bookings/{id}/reschedule/': ['post'],
        '/api/v1/drf/bookings/{id}/submit/': ['post'],
        '/api/v1/drf/bookings/{id}/notes/': ['get', 'post'],
        '/api/v1/drf/bookings/check-availability/': ['post'],
        '/api/v1/drf/bookings/check_availability/': ['post'],
        '/api/v1/webhooks/payments/': ['post'],
        '/api/v1/drf/webhook-endpoints/': ['get', 'post'],
        '/api/v1/drf/webhook-endpoints/{id}/': ['get', 'patch', 'delete'],
        '/api/v1/drf/webhook-endpoints/{id}/rotate-secret/': ['post'],
        '/api/v1/drf/webhook-endpoints/{id}/deliveries/': ['get'],
        '/api/v1/drf/webhook-endpoints/{id}/deliveries/{delivery_id}/redeliver/': ['post'],
        '/api/v1/admin/payment-events/flagged/': ['get'],
        '/api/v1/admin/refunds/': ['get'],
        '/api/v1/admin/refunds/{id}/settle/': ['post'],
        '/healthz': ['get'],
        '/readyz': ['get'],
        '/metrics': ['get'],
        '/admin/queues': ['get'],
      };
      for (const [path, methods] of Object.entries(expected)) {
        expect(paths, path).to.have.property(path);
        for (const method of methods) expect(paths[path], `${method.toUpperCase()} ${path}`).to.have.property(method);
      }
    });

    it('when read, then rooms, the detail\'s room and pricing, and the room conflicts are documented (docs/api-conventions.md#rooms-and-pricing)', () => {
      const components = doc.components as { schemas: Record<string, Json> };
      expect(components.schemas).to.include.keys('Room', 'RoomList', 'LocationMembers');
      const detail = JSON.stringify(components.schemas.BookingDetail);
      for (const field of ['"room"', '"pricing"', 'list_price_cents', 'discount_cents', 'credits_used', 'charged_cents', 'refunded_cents']) expect(detail).to.include(field);
      const paths = doc.paths as Record<string, Record<string, Json>>;
      expect(JSON.stringify(paths['/api/v1/drf/bookings/']!.post!.responses)).to.include('no_room_available');
      expect(JSON.stringify(paths['/api/v1/drf/locations/{id}/rooms/{room_id}/']!.delete!.responses)).to.include('room_in_use');
      expect(JSON.stringify(components.schemas.Service)).to.include('requires_room');
    });

    it('when read, then every operation has a unique operationId and a success response', () => {
      const ids = new Set<string>();
      for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
        for (const [method, op] of Object.entries(methods)) {
          const id = op.operationId as string;
          expect(id, `${method} ${path}`).to.be.a('string');
          expect(ids.has(id), `duplicate operationId ${id}`).to.equal(false);
          ids.add(id);
          expect(Object.keys(op.responses as Json).some((status) => /^2\d\d$/.test(status)), `${method} ${path}`).to.equal(true);
          if (path.includes('{id}')) expect((op.parameters as Json[]).map((p) => p.name)).to.include('id');
        }
      }
    });

    it('when read, then every $ref points at something in the document', () => {
      for (const [at, pointer] of collectRefs(doc, '#')) {
        expect(pointer, at).to.match(/^#\/components\//);
        expect(resolvePointer(doc, pointer), `${at} → ${pointer}`).to.not.equal(undefined);
      }
    });

    it('when read, then request bodies come from the Joi schemas that validate them', () => {
      const paths = doc.paths as Record<string, Record<string, Json>>;
      const bodyOf = (path: string, method = 'post') =>
        ((paths[path]![method]!.requestBody as Json).content as Record<string, Json>)['application/json']!.schema as Json;
      const create = bodyOf('/api/v1/drf/bookings/');
      expect(create.required).to.have.members(['practitioner_id', 'service_id']);
      expect(create.additionalProperties).to.equal(false);
      expect((create.properties as Json).start_time).to.deep.include({ type: 'string', format: 'date-time' });
      const cancel = bodyOf('/api/v1/drf/bookings/{id}/cancel/');
      expect(((cancel.properties as Record<string, Json>).canceled_by!.enum as string[]).filter(Boolean)).to.have.members(['client', 'practitioner', 'admin', 'system']);
      expect((cancel.properties as Record<string, Json>).reason).to.include({ maxLength: 500 });
      const note = bodyOf('/api/v1/drf/bookings/{id}/notes/');
      expect((note.properties as Record<string, Json>).content).to.include({ minLength: 1, maxLength: 5000 });
      const availability = bodyOf('/api/v1/drf/bookings/check-availability/');
      expect((availability.properties as Record<string, Json>).days).to.include({ minimum: 1, maximum: 31 });
      // joi-to-swagger drops falsy defaults; the document puts them back.
      expect((bodyOf('/api/v1/drf/practitioners/me/schedule/', 'put').properties as Record<string, Json>).buffer_minutes).to.include({ default: 0 });
    });

    it('when read, then errors, pagination and the booking responses are described', () => {
      const components = doc.components as Record<string, Record<string, Json>>;
      expect(components.schemas!.Error!.required).to.have.members(['detail', 'code']);
      expect((components.schemas!.BookingPage!.properties as Json)).to.have.keys('count', 'next', 'previous', 'results');
      expect(components.schemas).to.include.keys('BookingSummary', 'BookingDetail', 'Service', 'Availability', 'StatusHistoryEntry');
      expect(components.responses).to.include.keys('BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'MethodNotAllowed', 'PayloadTooLarge', 'UnsupportedMediaType');
      const create = (doc.paths as Record<string, Record<string, Json>>)['/api/v1/drf/bookings/']!.post!;
      const conflict = (create.responses as Record<string, Json>)['409']!;
      expect(JSON.stringify(conflict)).to.contain('Time slot not available');
    });

    it('when read, then the payment webhook is documented as signed, open, exempt from rate limits and answering {received, duplicate}', () => {
      const webhook = (doc.paths as Record<string, Record<string, Json>>)['/api/v1/webhooks/payments/']!.post!;
      const components = doc.components as Record<string, Record<string, Json>>;
      expect(webhook.security).to.deep.equal([]);
      expect((webhook.parameters as Json[]).find((p) => p.name === 'Stripe-Signature')).to.include({ in: 'header', required: true });
      const bodyRef = (((webhook.requestBody as Json).content as Record<string, Json>)['application/json']!.schema as Json).$ref as string;
      const body = resolvePointer(doc, bodyRef) as Json;
      expect(body.required).to.have.members(['id', 'type', 'data']);
      const object = ((body.properties as Record<string, Json>).data!.properties as Record<string, Json>).object!;
      expect(object.properties).to.include.keys('id', 'amount_received', 'metadata');
      const responses = webhook.responses as Record<string, Json>;
      expect(responses).to.not.have.any.keys('401', '429');
      expect(JSON.stringify(resolvePointer(doc, responses['400']!.$ref as string))).to.contain('invalid_signature');
      expect(components.schemas!.WebhookReceipt!.required).to.have.members(['received', 'duplicate']);
    });

    it('when read, then rate-limited operations may answer 429 throttled with Retry-After, and webhooks and probes may not', () => {
      const paths = doc.paths as Record<string, Record<string, Json>>;
      const unlimited = new Set(['/api/v1/webhooks/payments/', '/healthz', '/readyz', '/metrics']);
      for (const [path, methods] of Object.entries(paths)) {
        for (const [method, op] of Object.entries(methods)) {
          expect('429' in (op.responses as Json), `429 on ${method} ${path}`).to.equal(!unlimited.has(path));
        }
      }
      const throttled = (doc.components as Record<string, Record<string, Json>>).responses!.Throttled!;
      expect(throttled.headers).to.have.key('Retry-After');
      expect(JSON.stringify(throttled)).to.contain('throttled');
      expect((paths['/api/v1/auth/token/']!.post!.responses as Record<string, Json>)['429']).to.deep.equal({ $ref: '#/components/responses/LoginThrottled' });
    });

    it('when read, then create and submit answer with `payment`, and the detail shows `payments` and history `details`', () => {
      const paths = doc.paths as Record<string, Record<string, Json>>;
      const schemas = (doc.components as Record<string, Record<string, Json>>).schemas!;
      const okSchema = (op: Json, status: string) => (((op.responses as Record<string, Json>)[status]!.content as Record<string, Json>)['application/json']!.schema as Json).$ref;
      expect(okSchema(paths['/api/v1/drf/bookings/']!.post!, '201')).to.equal('#/components/schemas/BookingWithPayment');
      expect(okSchema(paths['/api/v1/drf/bookings/{id}/submit/']!.post!, '200')).to.equal('#/components/schemas/BookingWithPayment');
      expect(JSON.stringify(schemas.BookingWithPayment)).to.contain('"payment"');
      expect(schemas.PaymentStart!.properties).to.include.keys('provider', 'client_secret', 'instructions');
      expect(schemas.BookingDetail!.properties).to.include.keys('payments', 'status_history');
      expect(schemas.StatusHistoryEntry!.properties).to.include.keys('details');
      expect(okSchema(paths['/api/v1/admin/refunds/']!.get!, '200')).to.equal('#/components/schemas/RefundPage');
      expect(okSchema(paths['/api/v1/admin/refunds/{id}/settle/']!.post!, '200')).to.equal('#/components/schemas/Refund');
    });

    it('when read, then it announces nothing that has shipped as missing', () => {
      const description = (doc.info as Json).description as string;
      const heading = description.indexOf('## Not in this version yet');
      // Without the heading nothing is announced as missing; with it, only what has not shipped.
      const notYet = heading === -1 ? '' : description.slice(heading);
      expect(notYet).to.not.match(/webhook|rate limit|throttled|notification|package|course|bundle|inbox/i);
    });

    it('when asked without the trailing slash, then the same document is served', async () => {
      const res = await h.http.get('/api/v1/schema').expect(200);
      expect(res.body.openapi).to.equal(doc.openapi);
    });
  });

  describe('GET /api/v1/docs/', () => {
    it('when fetched, then it is an HTML page whose local assets all load', async () => {
      const res = await h.http.get('/api/v1/docs/').expect(200).expect('Content-Type', /text\/html/);
      const assets = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(assets).to.include.members(['/api/v1/docs/swagger-ui-bundle.js', '/api/v1/docs/swagger-ui.css', '/api/v1/docs/swagger-initializer.js']);
      for (const asset of assets) {
        expect(asset, 'served locally, not from a CDN').to.match(/^\/api\/v1\/docs\//);
        const file = await h.http.get(asset).buffer(true).parse((r, done) => {
          r.on('data', () => undefined).on('end', () => done(null, null));
        });
        expect(file.status, asset).to.equal(200);
      }
      const initializer = await h.http.get('/api/v1/docs/swagger-initializer.js').expect(200).expect('Content-Type', /javascript/);
      expect(initializer.text).to.contain('"/api/v1/schema/"');
    });

    it('when asked without the trailing slash, then the page is served too', async () => {
      await h.http.get('/api/v1/docs').expect(200).expect('Content-Type', /text\/html/);
    });

    it('when an unknown or traversing asset is asked for, then it is a JSON 404', async () => {
      for (const path of ['/api/v1/docs/package.json', '/api/v1/docs/..%2F..%2Fpackage.json', '/api/v1/docs/absolute-path.js']) {
        const res = await h.http.get(path).expect(404);
        expect(res.body).to.include({ code: 'not_found' });
      }
    });
  });
});

describe('OpenAPI: retries, versions and the cancellation quote (docs/retries-and-concurrency.md)', () => {
  let h: Harness;
  let paths: Record<string, Record<string, Json>>;
  before(async () => {
    h = await startHarness();
    paths = (await h.http.get('/api/v1/schema/').expect(200)).body.paths;
  });
  after(() => h.close());
  const parameterNames = (op: Json) => ((op.parameters as Json[] | undefined) ?? []).map((p) => p.name);

  it('when read, then every POST but session login takes an Idempotency-Key and documents 409 idempotency_key_in_use, 422 and Idempotent-Replayed', () => {
    for (const [path, methods] of Object.entries(paths)) {
      if (!methods.post) continue;
      const op = methods.post;
      const responses = op.responses as Record<string, Json>;
      if (path === '/api/v1/auth/login/') {
        expect(parameterNames(op), path).to.not.include('Idempotency-Key');
        continue;
      }
      expect(parameterNames(op), path).to.include('Idempotency-Key');
      expect(responses['422'], path).to.deep.equal({ $ref: '#/components/responses/IdempotencyKeyReused' });
      expect(JSON.stringify(responses['409']), path).to.contain('idempotency_key_in_use');
      const ok = Object.entries(responses).find(([status]) => status.startsWith('2'))![1];
      expect(Object.keys((ok.headers as Json | undefined) ?? {}), path).to.include('Idempotent-Replayed');
    }
  });

  it('when read, then PATCH, DELETE and every action on a booking take If-Match and document 412, and the detail documents its ETag', () => {
    const booking = '/api/v1/drf/bookings/{id}/';
    const writes: Array<[string, string]> = [[booking, 'patch'], [booking, 'delete'], ...['confirm', 'complete', 'no-show', 'no_show', 'cancel', 'reschedule', 'submit'].map((a): [string, string] => [`${booking}${a}/`, 'post'])];
    for (const [path, method] of writes) {
      const op = paths[path]![method]!;
      expect(parameterNames(op), `${method} ${path}`).to.include('If-Match');
      expect((op.responses as Record<string, Json>)['412'], `${method} ${path}`).to.deep.equal({ $ref: '#/components/responses/PreconditionFailed' });
    }
    expect(((paths[booking]!.get!.responses as Record<string, Json>)['200']!.headers as Json)).to.have.property('ETag');
  });

  it('when read, then the cancellation quote is documented with its schema', () => {
    const quote = paths['/api/v1/drf/bookings/{id}/cancellation-quote/']!.get!;
    expect(JSON.stringify(quote.responses)).to.contain('#/components/schemas/CancellationQuote');
  });
});
