import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import pg from 'pg';
import type { AppContext } from '../src/app/app-context';
import { createAppContext } from '../src/composition';
import { loadConfig } from '../src/config';
import { systemClock } from '../src/platform/clock';
import { createDb, ensureDatabase, migrateLatest } from '../src/platform/db';
import { createLogger } from '../src/platform/logger';
import { API_APPLICATION_NAME, startNodeProcess, type BenchProcess } from './processes';
import type { RecordedQuery } from './query-profile';

/** Which ceiling a row is a fraction of: one INSERT under the exclusion constraint (pgbench), or a bare Koa + pg request. */
export type CeilingKind = 'insert' | 'http';

/** The ceilings measured at the start of the run (the `ceilings` scenario); null when not measured. */
export interface Ceilings {
  /** pgbench transactions per second, one INSERT each into a table with the bookings' exclusion constraint. */
  insert: number | null;
  /** Requests per second of a bare Koa + pg `SELECT 1` endpoint in its own process. */
  http: number | null;
}

export interface ApiUsage {
  cpuMicros: number;
  requests: number;
  /** Requests whose middleware chain has not settled yet. */
  inFlight: number;
}

/** CPU µs per request between two usage() readings. */
export const cpuPerRequest = (before: ApiUsage, after: ApiUsage): number | null =>
  after.requests > before.requests ? round((after.cpuMicros - before.cpuMicros) / (after.requests - before.requests), 0) : null;

/** The API process's probes, read over IPC (bench/api-server.ts). */
export interface ApiProbes {
  /** Every query the API runs, with its time, from now on; stop() returns those not taken yet. */
  recordQueries(): Promise<{ take(): Promise<RecordedQuery[]>; stop(): Promise<RecordedQuery[]> }>;
  /** The API process's CPU time so far (µs), the requests it has received and those in flight. */
  usage(): Promise<ApiUsage>;
  /** When the API sent COMMIT for each booking's transaction (epoch ms by booking id); `commits` is filled by stop(). */
  recordBookingCommits(): Promise<{ commits: Map<number, number>; stop(): Promise<void> }>;
}

/** What every scenario gets: the API process, an app context of its own (db, repositories) and the load settings. */
export interface BenchContext {
  /** In this (the bench) process, for setup and direct measurement; the API has its own in its process. */
  app: AppContext;
  /** The API (bench/api-server.ts: the real composition root and server) in a process of its own. */
  baseUrl: string;
  api: ApiProbes;
  /** The run's database, for processes a scenario starts (pgbench, another API). */
  databaseUrl: string;
  /** The environment the API process got (database, queue prefix, raised limits, silent logs). */
  apiEnv: Readonly<Record<string, string>>;
  /** Measured seconds per case (BENCH_SECONDS, default 10). */
  seconds: number;
  /** Unmeasured seconds before each case: JIT, pool connections, Postgres caches. */
  warmupSeconds: number;
  connections: number;
  ceilings: Ceilings;
  /** Resolves once the API has finished every request it received (autocannon stops without waiting for the answers). */
  settle(): Promise<void>;
}

/** One line of the results table. Latencies in milliseconds. */
export interface BenchRow {
  scenario: string;
  case: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  /** Socket errors and timeouts (no HTTP status at all). */
  errors: number;
  statusCodes: Record<string, number>;
  /** The ceiling this row's rps is compared with; none for rows that are not throughput under load. */
  ceiling?: CeilingKind;
  /** rps / that ceiling (set by the run once the ceilings are known). */
  ratio?: number | null;
  /** The machine's 1-minute load average when the row was measured. */
  load1?: number;
  /** Scenario-specific facts worth keeping with the figures (data sizes, the count a page reported...). */
  details?: Record<string, unknown>;
  /**
   * CPU time per answered request while the row was measured: the API process's own, and the Postgres
   * backends serving the API's connections. A busy or shared machine stretches req/s far more than these,
   * so they say where a path's cost is (absent where the row was not measured under load against ctx.api).
   */
  cpu?: { apiMicros: number | null; postgresMicros: number | null };
}

/**
 * A benchmark. setup builds its data (the database is empty when it starts); run measures and returns
 * one row per case. Each file in bench/scenarios/ exports one as `scenario`.
 */
export interface Scenario<State = unknown> {
  name: string;
  description: string;
  setup(ctx: BenchContext): Promise<State>;
  run(ctx: BenchContext, state: State): Promise<BenchRow[]>;
}

export function defineScenario<State>(scenario: Scenario<State>): Scenario<State> {
  return scenario;
}

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

const UNLIMITED = 1_000_000_000;

function withDatabaseName(databaseUrl: string, name: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface BenchEnvironment {
  ctx: BenchContext;
  /** Empties every table (keeps the schema), so each scenario starts from the same place. */
  resetDatabase(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Its own database (estuary_bench_<pid>) and queue prefix, migrated, and the API in a process of its own
 * (bench/api-server.ts) on a loopback port. close() stops the API and drops the database.
 */
export async function startBenchEnvironment(): Promise<BenchEnvironment> {
  const seconds = positiveNumber('BENCH_SECONDS', 10);
  // The server and credentials of DATABASE_URL (or its default), another database name.
  const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/estuary_bookings';
  const databaseName = `estuary_bench_${process.pid}`;
  const databaseUrl = withDatabaseName(serverUrl, databaseName);
  const adminUrl = withDatabaseName(serverUrl, 'postgres');

  const apiEnv: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: `bench_${process.pid}_${randomBytes(3).toString('hex')}`,
    LOG_LEVEL: 'silent',
    // A handful of tokens carries thousands of requests a minute: production budgets would turn the
    // figures into 429s. The limiter still runs on every request, so its cost stays in the figures.
    RATE_LIMIT_ANON_PER_MINUTE: String(UNLIMITED),
    RATE_LIMIT_USER_PER_MINUTE: String(UNLIMITED),
    LOGIN_FAILURES_PER_15_MINUTES: String(UNLIMITED),
    // A few clients hold thousands of unpaid bookings per run: the default cap (3 per practitioner)
    // turned create-booking into 409 too_many_unpaid_holds after the first 60. The check still runs.
    MAX_UNPAID_HOLDS_PER_PRACTITIONER: '1000',
    // How databaseConnectionsIdle() tells the API's connections from this process's own.
    PGAPPNAME: API_APPLICATION_NAME,
    WEB_CONCURRENCY: '1',
  };
  const config = loadConfig({ ...process.env, ...apiEnv });
  await ensureDatabase(databaseUrl);
  const db = createDb(databaseUrl);
  let api: BenchProcess | undefined;
  let settle = () => Promise.resolve();
  const close = async () => {
    if (api) {
      await settle();
      await api.close();
    }
    await db.destroy();
    // BENCH_KEEP_DATABASE=1 leaves the data behind for EXPLAIN ANALYZE; drop it by hand afterwards.
    if (process.env.BENCH_KEEP_DATABASE === '1') process.stdout.write(`kept database ${databaseName}\n`);
    else await dropDatabase(adminUrl, databaseName);
    await deleteRedisKeys(config.redisUrl, config.queuePrefix);
  };
  try {
    await migrateLatest(db);
    const app = createAppContext({ config, db, clock: systemClock, logger: createLogger(config.logLevel, 'bench') });
    api = await startNodeProcess('bench/api-server.ts', apiEnv, { ipc: true });
    const probes = apiProbes(api);
    const ctx: BenchContext = {
      app,
      baseUrl: api.baseUrl,
      api: probes,
      databaseUrl,
      apiEnv,
      seconds,
      warmupSeconds: positiveNumber('BENCH_WARMUP_SECONDS', Math.min(2, Math.ceil(seconds / 5))),
      connections: Math.round(positiveNumber('BENCH_CONNECTIONS', 10)),
      ceilings: { insert: null, http: null },
      settle: () => requestsFinished(probes),
    };
    settle = ctx.settle;
    return { ctx, resetDatabase: () => truncateAllTables(app), close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

export function apiProbes(api: BenchProcess): ApiProbes {
  const start = (probe: string) => api.ask<null>({ op: 'start', probe });
  return {
    usage: () => api.ask<ApiUsage>({ op: 'usage' }),
    async recordQueries() {
      await start('queries');
      return {
        take: () => api.ask<RecordedQuery[]>({ op: 'take', probe: 'queries' }),
        stop: () => api.ask<RecordedQuery[]>({ op: 'stop', probe: 'queries' }),
      };
    },
    async recordBookingCommits() {
      await start('commits');
      const commits = new Map<number, number>();
      return {
        commits,
        stop: async () => {
          for (const [id, at] of await api.ask<Array<[number, number]>>({ op: 'stop', probe: 'commits' })) commits.set(id, at);
        },
      };
    },
  };
}

/** Until a bench/api-server.ts process has no request in flight (at most 120 s). */
export async function requestsFinished(probes: ApiProbes): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await probes.usage()).inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * For API processes without the probes (src/api/main.ts, several with WEB_CONCURRENCY): until no
 * connection of theirs (application_name API_APPLICATION_NAME) has been busy for five looks in a row,
 * 100 ms apart. A heuristic (a request between two queries, or starved of CPU, looks idle), good enough
 * between cases of a read path. Waits at most 60 s.
 */
export async function databaseConnectionsIdle(db: Knex): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (let quiet = 0; quiet < 5 && Date.now() < deadline; ) {
    const { rows } = await db.raw<{ rows: Array<{ n: number }> }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = ? AND state <> 'idle'`,
      [API_APPLICATION_NAME],
    );
    quiet = rows[0]!.n === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function truncateAllTables(app: AppContext): Promise<void> {
  const { rows } = await app.db.raw<{ rows: Array<{ tablename: string }> }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_migrations%'`,
  );
  if (!rows.length) return;
  await app.db.raw(`TRUNCATE ${rows.map((r) => `"${r.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Whatever the service wrote to Redis under this run's prefix (queues, limits) goes with the run. */
async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // Redis is not needed by every scenario; nothing to clean if it is unreachable.
  } finally {
    redis.disconnect();
  }
}

export interface LoadCase {
  /** The line's name in the table, e.g. "client" or "admin status=confirmed". */
  label: string;
  /** Cycled through by every connection; use setupRequest to vary a request (body, token) each time. */
  requests: autocannon.Request[];
  /** Which ceiling the row is compared with (default: the bare Koa + pg request). */
  ceiling?: CeilingKind;
  details?: Record<string, unknown>;
}

function runAutocannon(options: autocannon.Options, onResponse?: (statusCode: number, ms: number) => void): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, result: autocannon.Result) => (error ? reject(error) : resolve(result)));
    if (onResponse) instance.on('response', (_client, statusCode, _bytes, ms) => onResponse(statusCode, ms));
  });
}

/** The p-th percentile of ascending `sorted` (nearest rank); NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export const round = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * Loads the API over loopback with autocannon: a warm-up, then ctx.seconds measured. Latencies are
 * collected per response (autocannon's own histogram keeps whole milliseconds, too coarse here) and
 * include every response, 2xx or not.
 */
export async function measure(ctx: BenchContext, scenario: string, load: LoadCase): Promise<BenchRow> {
  const options: autocannon.Options = { url: ctx.baseUrl, connections: ctx.connections, requests: load.requests };
  await runAutocannon({ ...options, duration: ctx.warmupSeconds });
  await ctx.settle();

  const [apiBefore, postgresBefore] = await Promise.all([ctx.api.usage(), postgresCpu(ctx.app.db)]);
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const started = performance.now();
  const result = await runAutocannon({ ...options, duration: ctx.seconds }, (statusCode, ms) => {
    latencies.push(ms);
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
  });
  const elapsedSeconds = (performance.now() - started) / 1000;
  await ctx.settle();
  const [apiAfter, postgresAfter] = await Promise.all([ctx.api.usage(), postgresCpu(ctx.app.db)]);
  latencies.sort((a, b) => a - b);
  const non2xx = Object.entries(statusCodes).reduce((sum, [code, n]) => (code.startsWith('2') ? sum : sum + n), 0);
  return {
    scenario,
    case: load.label,
    rps: round(latencies.length / elapsedSeconds, 1),
    p50: round(percentile(latencies, 50), 2),
    p99: round(percentile(latencies, 99), 2),
    requests: latencies.length,
    non2xx,
    errors: result.errors + result.timeouts,
    statusCodes,
    ceiling: load.ceiling ?? 'http',
    load1: round(os.loadavg()[0]!, 2),
    cpu: {
      apiMicros: cpuPerRequest(apiBefore, apiAfter),
      postgresMicros: latencies.length && postgresAfter.size ? round(postgresCpuBetween(postgresBefore, postgresAfter) / latencies.length, 0) : null,
    },
    ...(load.details ? { details: load.details } : {}),
  };
}

/** CPU µs so far of each Postgres backend serving the API (application_name API_APPLICATION_NAME), by pid. */
export async function postgresCpu(db: Knex): Promise<Map<number, number>> {
  const { rows } = await db.raw<{ rows: Array<{ pid: number }> }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = ?`,
    [API_APPLICATION_NAME],
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const micros = processCpuMicros(pid);
    if (micros !== null) cpu.set(pid, micros);
  }
  return cpu;
}

/** A backend that appeared in between counts from zero (it was started during the measurement). */
export const postgresCpuBetween = (before: Map<number, number>, after: Map<number, number>): number =>
  [...after].reduce((sum, [pid, micros]) => sum + micros - (before.get(pid) ?? 0), 0);

const CLOCK_TICK_MICROS = 1_000_000 / 100; // USER_HZ, 100 on Linux

/** utime + stime of a local process from /proc (Postgres runs on this machine); null where unreadable. */
function processCpuMicros(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (in parentheses, which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MICROS;
  } catch {
    return null;
  }
}

export const RESULTS_DIR = path.join(__dirname, 'results');

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: __dirname, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

/** bench/results/<scenario>.json: the rows plus what is needed to compare runs. */
export async function writeResults(ctx: BenchContext, scenario: Scenario, rows: BenchRow[]): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${scenario.name}.json`);
  const report = {
    scenario: scenario.name,
    description: scenario.description,
    finished_at: new Date().toISOString(),
    commit: gitCommit(),
    settings: { seconds: ctx.seconds, warmup_seconds: ctx.warmupSeconds, connections: ctx.connections },
    // Measured at the start of this run (the ceilings scenario); each row's ratio is its rps over one of them.
    ceilings: { pgbench_insert_tps: ctx.ceilings.insert, bare_koa_pg_rps: ctx.ceilings.http },
    // Other processes on the machine skew every figure; the load average says whether they were there.
    machine: { node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.release()}`, load_average_1m: round(os.loadavg()[0]!, 2) },
    rows,
  };
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/** Each row's ratio to its ceiling (null when that ceiling was not measured) and the load average if it has none. */
export function applyCeilings(ctx: BenchContext, rows: BenchRow[]): BenchRow[] {
  const load1 = round(os.loadavg()[0]!, 2);
  for (const row of rows) {
    row.load1 ??= load1;
    if (!row.ceiling) continue;
    const ceiling = ctx.ceilings[row.ceiling];
    row.ratio = ceiling ? round(row.rps / ceiling, 3) : null;
  }
  return rows;
}

const formatRatio = (r: BenchRow): string => {
  if (r.scenario === 'ceilings') return `= ${r.ceiling === 'insert' ? 'insert' : 'http'}`;
  if (!r.ceiling) return '';
  return r.ratio === null || r.ratio === undefined ? '?' : `${r.ratio.toFixed(3)}× ${r.ceiling}`;
};

export function formatTable(rows: BenchRow[]): string {
  const header = ['scenario', 'case', 'req/s', 'ratio', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'load', 'api µs/req', 'pg µs/req'];
  const lines = rows.map((r) => [
    r.scenario,
    r.case,
    r.rps.toFixed(1),
    formatRatio(r),
    Number.isFinite(r.p50) ? r.p50.toFixed(2) : '-',
    Number.isFinite(r.p99) ? r.p99.toFixed(2) : '-',
    String(r.requests),
    `${r.non2xx} (${r.requests ? ((100 * r.non2xx) / r.requests).toFixed(2) : '0.00'}%)${r.errors ? ` +${r.errors} errors` : ''}`,
    r.load1 === undefined ? '' : r.load1.toFixed(2),
    r.cpu?.apiMicros == null ? '' : String(r.cpu.apiMicros),
    r.cpu?.postgresMicros == null ? '' : String(r.cpu.postgresMicros),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const numeric = new Set([2, 3, 4, 5, 6, 8, 9, 10]);
  const format = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}
