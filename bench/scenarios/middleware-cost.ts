import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { OptionalMiddleware } from '../../src/api/app';
import { createBookingSchema } from '../../src/api/routes/bookings.schemas';
import { validate } from '../../src/api/validation';
import { registerUsers, tokenRotation } from '../fixtures';
import { startNodeProcess } from '../processes';
import { apiProbes, cpuPerRequest, defineScenario, measure, requestsFinished, round, type BenchContext, type BenchRow, type LoadCase } from '../support';
import { timingRow } from '../timing-row';

const NAME = 'middleware-cost';
const ME = '/api/v1/auth/me/';
const READ_ALL = '/api/v1/drf/notifications/read-all/';
const VALIDATIONS = 20_000;
/** What a GET runs through; body parsing and idempotency do nothing on a GET and are measured on the POST. */
const ON_GET: OptionalMiddleware[] = ['security-headers', 'logging', 'metrics', 'trailing-slash', 'session', 'rate-limit'];

/**
 * What each middleware costs a request: a trivial authenticated route (GET /auth/me/, no query) through
 * the full stack, then through an API process started without one middleware (bench/api-server.ts,
 * BENCH_WITHOUT_MIDDLEWARE) at a time. Authentication (passport's token strategy and the token lookup)
 * shows as the full stack's anonymous GET / beside it. On a cheap POST (notifications/read-all/, an UPDATE
 * of nothing): without and with a fresh Idempotency-Key each (the key's claim and record), and without
 * body parsing. Validation: the create-booking body through its Joi schema, in this process.
 */
export const scenario = defineScenario({
  name: NAME,
  description: `GET ${ME} (token) through the full middleware stack and without each one; POST ${READ_ALL} with and without Idempotency-Key and body parsing; Joi validation of a create-booking body`,

  setup: async (ctx) => ({ clients: await registerUsers(ctx, 'client', 8) }),

  async run(ctx, { clients }) {
    const nextToken = tokenRotation(clients);
    const get = (label: string): LoadCase => ({ label, requests: [{ method: 'GET', path: ME, setupRequest: (r) => ({ ...r, headers: { authorization: nextToken() } }) }] });
    const post = (label: string, idempotent: boolean): LoadCase => ({
      label,
      requests: [
        {
          method: 'POST',
          path: READ_ALL,
          body: '{}',
          setupRequest: (r) => ({ ...r, headers: { 'content-type': 'application/json', authorization: nextToken(), ...(idempotent ? { 'idempotency-key': randomUUID() } : {}) } }),
        },
      ],
    });

    const rows: BenchRow[] = [];
    const full = await withApi(ctx, [], async (at) => {
      const me = await at(get('GET /auth/me/, full stack'));
      await at({ label: 'GET / anonymous (no authentication), full stack', requests: [{ method: 'GET', path: '/', headers: { accept: 'application/json' } }] });
      const plain = await at(post('POST read-all/, full stack, no Idempotency-Key', false));
      const keyed = await at(post('POST read-all/, full stack, a new Idempotency-Key each', true));
      keyed.details = { ...keyed.details, ...compare(plain, keyed) };
      return { me, plain };
    });
    rows.push(...full.rows);
    const anonymous = full.rows[1]!;
    anonymous.details = { ...anonymous.details, ...compare(full.value.me, anonymous) };

    for (const name of ON_GET) {
      const { rows: measured } = await withApi(ctx, [name], (at) => at(get(`GET /auth/me/, without ${name}`)));
      measured[0]!.details = { ...measured[0]!.details, without: name, ...compare(full.value.me, measured[0]!) };
      rows.push(...measured);
    }
    const { rows: noBody } = await withApi(ctx, ['body'], (at) => at(post('POST read-all/, without body parsing, no Idempotency-Key', false)));
    noBody[0]!.details = { ...noBody[0]!.details, without: 'body', ...compare(full.value.plain, noBody[0]!) };
    rows.push(...noBody);
    rows.push(validationRow());
    printCosts(rows);
    return rows;
  },
});

const cpuOf = (row: BenchRow) => row.details?.api_cpu_us_per_request as number | null | undefined;

/** The difference a row makes to `base`: rps ratio, and the p50 and API CPU per request it adds (negative: it saves). */
const compare = (base: BenchRow, row: BenchRow) => ({
  rps_vs_reference: base.rps ? round(row.rps / base.rps, 3) : null,
  p50_ms_vs_reference: round(row.p50 - base.p50, 2),
  cpu_us_vs_reference: cpuOf(base) != null && cpuOf(row) != null ? cpuOf(row)! - cpuOf(base)! : null,
});

/** An API process started without `without`, the cases `body` measures on it, and its rows. */
async function withApi<T>(ctx: BenchContext, without: OptionalMiddleware[], body: (at: (load: LoadCase) => Promise<BenchRow>) => Promise<T>): Promise<{ rows: BenchRow[]; value: T }> {
  const api = await startNodeProcess('bench/api-server.ts', { ...ctx.apiEnv, BENCH_WITHOUT_MIDDLEWARE: without.join(',') }, { ipc: true });
  const probes = apiProbes(api);
  const rows: BenchRow[] = [];
  try {
    const value = await body(async (load) => {
      // CPU per request (warm-up included) holds up on a busy machine far better than req/s.
      const before = await probes.usage();
      const row = await measure({ ...ctx, baseUrl: api.baseUrl, settle: () => requestsFinished(probes) }, NAME, load);
      row.details = { ...row.details, api_cpu_us_per_request: cpuPerRequest(before, await probes.usage()) };
      rows.push(row);
      return row;
    });
    return { rows, value };
  } finally {
    await api.close();
  }
}

/** Per row: the API's CPU per request and what leaving the middleware out changed. */
function printCosts(rows: BenchRow[]): void {
  const lines = rows
    .filter((r) => cpuOf(r) !== undefined)
    .map((r) => {
      const d = r.details ?? {};
      const delta = d.cpu_us_vs_reference == null ? '' : `  Δ ${String(d.cpu_us_vs_reference).padStart(5)} µs, Δp50 ${String(d.p50_ms_vs_reference).padStart(6)} ms, × ${String(d.rps_vs_reference)} req/s`;
      return `  ${String(cpuOf(r) ?? '-').padStart(6)} µs CPU/request${delta}  ${r.case}`;
    });
  process.stdout.write(`${NAME}: API CPU per request (Δ: against the full stack's same request)\n${lines.join('\n')}\n`);
}

/** The create-booking body through its Joi schema (what validate() adds to each create), one call after another. */
function validationRow(): BenchRow {
  const body = { practitioner_id: 12, service_id: 34, start_time: '2030-01-08T10:00:00Z', end_time: '2030-01-08T11:00:00Z', client_notes: 'first visit', timezone: 'Europe/Paris' };
  for (let i = 0; i < VALIDATIONS / 10; i++) validate(createBookingSchema, body);
  const ms: number[] = [];
  for (let i = 0; i < VALIDATIONS; i++) {
    const started = performance.now();
    validate(createBookingSchema, body);
    ms.push(performance.now() - started);
  }
  return timingRow(NAME, 'Joi validation of a create-booking body (in-process, one after another)', ms, { details: { calls: VALIDATIONS } });
}
