import { expect } from 'chai';
import fc from 'fast-check';
import { buildOpenApiDocument } from '../../src/api/openapi/openapi-document';
import { obtainToken } from '../../src/app/auth/auth-service';
import { aBooking, aBookablePractitioner, aService, aUser, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { bodyCases, GARBAGE_IDS, queryValues, validValue, type BodyCase, type JsonSchema, type SchemaContext } from '../support/openapi-arbitraries';
import { changedTables, everyTable, snapshotTables, type TableSnapshot } from '../support/table-snapshot';

/** Fixed, so a failure is reproduced by running the file again; FUZZ_SEED explores other runs. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const REQUESTS_PER_OPERATION = Number(process.env.FUZZ_REQUESTS_PER_OPERATION ?? 22);
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** What a read may write (to the minute), and the answer an Idempotency-Key keeps: not "a table change on a 4xx". */
const IGNORED_COLUMNS = { auth_tokens: ['last_used_at'] };
/** These end the token they are sent with: each gets a token of its own. */
const REVOKING = new Set(['revokeToken', 'logout', 'revokeTokenById']);

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: JsonSchema;
}
interface Operation {
  id: string;
  method: string;
  path: string;
  open: boolean;
  parameters: Parameter[];
  body?: JsonSchema;
}
type ActorName = 'client' | 'practitioner' | 'admin' | 'anonymous';
interface FuzzRequest {
  actor: ActorName;
  path: Record<string, string>;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body?: BodyCase;
}

function operationsOf(document: ReturnType<typeof buildOpenApiDocument>): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Record<string, unknown>>>)) {
    for (const method of METHODS) {
      const op = item[method] as { operationId: string; security?: unknown[]; parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } } | undefined;
      if (!op) continue;
      operations.push({ id: op.operationId, method, path, open: op.security?.length === 0, parameters: op.parameters ?? [], body: op.requestBody?.content['application/json']?.schema });
    }
  }
  // Deletes last, so the rows they remove were there for every other operation.
  return [...operations.filter((op) => op.method !== 'delete'), ...operations.filter((op) => op.method === 'delete')];
}

/** The table a path parameter names a row of. */
function tableOfParameter(path: string, name: string): string {
  if (name === 'sid') return 'service_sessions';
  if (name === 'room_id') return 'rooms';
  if (name === 'delivery_id') return 'webhook_deliveries';
  const resource = /\/(tokens|services|locations|practitioners|bookings|notifications|webhook-endpoints|refunds)\/\{id\}/.exec(path)?.[1];
  const tables: Record<string, string> = { tokens: 'auth_tokens', practitioners: 'users', 'webhook-endpoints': 'webhook_endpoints', refunds: 'payments' };
  return resource ? (tables[resource] ?? resource) : 'users';
}

/** The table a body or query field names a row of (`service_id`, `practitioner_ids`, `parent_booking_id` …). */
function tableOfField(field: string): string | undefined {
  const name = field.replace(/_ids?$/, '');
  if (/practitioner|client|user/.test(name)) return 'users';
  if (/booking/.test(name)) return 'bookings';
  if (/session/.test(name)) return 'service_sessions';
  if (/service/.test(name)) return 'services';
  if (name === 'location') return 'locations';
  if (name === 'room') return 'rooms';
  return undefined;
}

/** A lone surrogate has no UTF-8: it goes as the bytes a careless encoder would send, an invalid UTF-8 sequence. */
function encodeQueryValue(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

const urlOf = (op: Operation, request: FuzzRequest): string =>
  op.path.replace(/\{(\w+)\}/g, (_match, name: string) => request.path[name]!) +
  (request.query.length > 0 ? `?${request.query.map(([name, value]) => `${name}=${encodeQueryValue(value)}`).join('&')}` : '');

describe('fuzzing every operation of the OpenAPI document', () => {
  let h: Harness;
  const document = buildOpenApiDocument();
  const operations = operationsOf(document);
  const actors: Partial<Record<ActorName, TestUser>> = {};
  const calendarTokens: string[] = [];
  let ids: Record<string, number[]> = {};
  /** `{practitioner_id, service_id}` of existing services: a booking or an availability query that can succeed. */
  let services: Array<{ practitioner_id: number; service_id: number }> = [];
  /** The actors' own tokens: revokeTokenById never gets them, or the run would lose its users. */
  let mainTokenIds = new Set<number>();

  const context: SchemaContext = {
    resolve: (schema) => {
      if (!schema.$ref) return schema;
      const name = schema.$ref.replace('#/components/schemas/', '');
      return (document.components as { schemas: Record<string, JsonSchema> }).schemas[name]!;
    },
    idsFor: (field) => {
      const table = tableOfField(field);
      return table ? (ids[table] ?? []) : [];
    },
    related: (properties) => (properties.includes('practitioner_id') && properties.includes('service_id') ? services : []),
  };

  async function refreshIds(): Promise<void> {
    const tables = ['users', 'auth_tokens', 'services', 'service_sessions', 'locations', 'rooms', 'bookings', 'notifications', 'webhook_endpoints', 'webhook_deliveries', 'payments'];
    ids = {};
    calendarTokens.length = 0;
    for (const user of [actors.client!, actors.practitioner!]) {
      const feed = await h.http.get('/api/v1/drf/calendar/feed/').set(user.auth).expect(200);
      calendarTokens.push(/calendar\/([^/]+)\.ics$/.exec(feed.body.url)![1]!);
    }
    services = await h.app.db('services').select('practitioner_id', 'id as service_id').orderBy('id').limit(30);
    for (const table of tables) ids[table] = (await h.app.db(table).select('id').orderBy('id').limit(30)).map((row: { id: number }) => row.id);
  }

  before(async function () {
    this.timeout(60_000);
    h = await startHarness({ queues: true });
    const target = await aBookablePractitioner(h);
    const [client, otherClient, otherPractitioner, admin] = await Promise.all([aUser(h, 'client'), aUser(h, 'client'), aUser(h, 'practitioner'), aUser(h, 'admin')]);
    Object.assign(actors, { client, practitioner: target.practitioner, admin });
    await aService(h, otherPractitioner);
    await aBooking(h, client, target, '2030-01-08T10:00:00Z');
    await aBooking(h, client, target, '2030-01-09T10:00:00Z');
    await aBooking(h, otherClient, target, '2030-01-08T12:00:00Z');
    mainTokenIds = new Set((await h.app.db('auth_tokens').whereIn('user_id', [client.id, target.practitioner.id, admin.id]).select('id')).map((row: { id: number }) => row.id));
    // A row of every kind the paths name, so that ids of the caller's (and of others') exist from the start.
    const location = await h.http.post('/api/v1/drf/locations/').set(target.practitioner.auth).send({ name: 'Studio', timezone: 'UTC' }).expect(201);
    await h.http.post(`/api/v1/drf/locations/${location.body.id}/rooms/`).set(target.practitioner.auth).send({ name: 'Room 1', capacity: 10 }).expect(201);
    const workshop = await aService(h, target.practitioner, { service_type: 'workshop', max_participants: 5 });
    await h.http.post(`/api/v1/drf/services/${workshop.id}/sessions/`).set(target.practitioner.auth).send({ start_time: '2030-01-10T10:00:00Z', end_time: '2030-01-10T11:00:00Z' }).expect(201);
    await h.http.post('/api/v1/drf/webhook-endpoints/').set(target.practitioner.auth).send({ url: 'https://example.com/hooks/estuary', events: ['booking.created'] });
  });
  after(() => h.close());

  function requestsFor(op: Operation): fc.Arbitrary<FuzzRequest> {
    const actor = fc.constantFrom<ActorName>(...(op.open ? (['anonymous', 'anonymous', 'client', 'practitioner', 'admin'] as const) : (['client', 'practitioner', 'admin', 'anonymous'] as const)));
    const path: Record<string, fc.Arbitrary<string>> = {};
    for (const parameter of op.parameters.filter((p) => p.in === 'path')) {
      const known = parameter.name === 'token' ? calendarTokens : (ids[tableOfParameter(op.path, parameter.name)] ?? []).filter((id) => !(op.id === 'revokeTokenById' && mainTokenIds.has(id))).map(String);
      const garbage = fc.constantFrom(...GARBAGE_IDS, ...(parameter.name === 'token' ? ['A'.repeat(43)] : []));
      path[parameter.name] = known.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: garbage }) : garbage;
    }
    const query = op.parameters
      .filter((p) => p.in === 'query')
      .map((p) => fc.option(queryValues(p.schema ?? {}, context, p.name).map((values) => values.map((value): [string, string] => [p.name, value])), { freq: 3 }));
    const unknownParameter = fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant<[string, string]>(['unknown_parameter', '1']) });
    const headers: Record<string, fc.Arbitrary<string | null>> = {};
    for (const parameter of op.parameters.filter((p) => p.in === 'header')) {
      const values: Record<string, fc.Arbitrary<string>> = {
        'Idempotency-Key': fc.oneof({ weight: 3, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.constantFrom('', ' ', 'k'.repeat(300)) }),
        'If-Match': fc.constantFrom('"1"', '"2"', '"999"', 'W/"1"', '*', 'garbage', '"1", "2"', '""'),
        'If-None-Match': fc.constantFrom('"1"', '*', 'garbage'),
        'Stripe-Signature': fc.constantFrom('t=1,v1=00', 'garbage', ''),
      };
      headers[parameter.name] = fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: values[parameter.name] ?? fc.constant('garbage') });
    }
    return fc.record({
      actor,
      path: fc.record(path),
      query: fc.tuple(fc.tuple(...query), unknownParameter).map(([values, extra]) => [...values.flatMap((v) => v ?? []), ...(extra ? [extra] : [])]),
      headers: fc.record(headers).map((all) => Object.fromEntries(Object.entries(all).filter(([, value]) => value !== null)) as Record<string, string>),
      body: op.body ? bodyCases(validValue(op.body, context)) : fc.constant(undefined),
    });
  }

  it('when ≥ 2,000 requests derived from the document are sent, then no answer is a 5xx, every 4xx has detail and code, and no 4xx writes', async function () {
    this.timeout(240_000);
    const histogram = new Map<number, number>();
    const kinds = new Map<string, number>();
    const byOperation = new Map<string, Map<number, number>>();
    const failures: string[] = [];
    let sent = 0;
    const tables = await everyTable(h.app.db);
    let before: TableSnapshot;
    const started = Date.now();

    for (const [index, op] of operations.entries()) {
      await refreshIds();
      // Reading the fixtures' calendar URLs may create a feed: the next request is judged from here.
      before = await snapshotTables(h.app.db, { tables, ignoreColumns: IGNORED_COLUMNS });
      const requests = fc.sample(requestsFor(op), { seed: SEED + index, numRuns: REQUESTS_PER_OPERATION });
      for (const request of requests) {
        const user = request.actor === 'anonymous' ? undefined : actors[request.actor]!;
        // A revoking call gets a token of its own, so the actor's stays valid for the rest of the run.
        const token = user && REVOKING.has(op.id) ? await obtainToken(h.app, user.email, 'password123') : user?.token;
        if (user && REVOKING.has(op.id)) before = await snapshotTables(h.app.db, { tables, ignoreColumns: IGNORED_COLUMNS });
        const url = urlOf(op, request);
        const headers: Record<string, string> = { ...request.headers, ...(token ? { Authorization: `Token ${token}` } : {}) };
        if (request.body) headers['Content-Type'] = 'application/json';
        const res = await fetch(h.baseUrl + url, { method: op.method.toUpperCase(), headers, body: request.body?.text, redirect: 'manual' });
        const text = await res.text();
        sent += 1;
        histogram.set(res.status, (histogram.get(res.status) ?? 0) + 1);
        const ofOperation = byOperation.get(op.id) ?? new Map<number, number>();
        byOperation.set(op.id, ofOperation.set(res.status, (ofOperation.get(res.status) ?? 0) + 1));
        const kind = request.body?.kind ?? 'no_body';
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        const after = await snapshotTables(h.app.db, { tables, ignoreColumns: IGNORED_COLUMNS });
        const described = () => `${op.id} ${op.method.toUpperCase()} ${url.slice(0, 200)} as ${request.actor} (${kind}, ${Object.keys(request.headers).join(' ') || 'no headers'}) → ${res.status} ${text.slice(0, 200)}`;
        if (process.env.FUZZ_VERBOSE && kind === 'valid' && res.status >= 400) console.log(`      valid body refused: ${described()} ${request.body?.text.slice(0, 300)}`);
        if (res.status >= 500) failures.push(`5xx: ${described()}`);
        if (res.status >= 400 && res.status < 500) {
          let body: { detail?: unknown; code?: unknown } = {};
          try {
            body = JSON.parse(text);
          } catch {
            failures.push(`4xx without JSON: ${described()}`);
          }
          if (typeof body.detail !== 'string' || typeof body.code !== 'string') failures.push(`4xx without detail and code: ${described()}`);
          const changed = changedTables(before, after).filter((table) => !(table === 'idempotency_keys' && 'Idempotency-Key' in request.headers));
          if (changed.length > 0) failures.push(`4xx that wrote ${changed.join(', ')}: ${described()}`);
        }
        before = after;
      }
    }

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const statuses = [...histogram.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}: ${count}`);
    console.log(`      schema fuzz: ${sent} requests over ${operations.length} operations in ${seconds} s, seed ${SEED}`);
    console.log(`      statuses: ${statuses.join(', ')}`);
    console.log(`      bodies: ${[...kinds.entries()].map(([kind, count]) => `${kind} ${count}`).join(', ')}`);
    if (process.env.FUZZ_VERBOSE) {
      for (const [id, statuses] of byOperation) console.log(`      ${id}: ${[...statuses.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ')}`);
    }
    expect(failures, failures.slice(0, 30).join('\n')).to.deep.equal([]);
    expect(sent).to.be.at.least(2000);
  });
});
