import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createApi } from '../src/api/app';
import type { AppContext } from '../src/app/app-context';
import { createAppContext } from '../src/composition';
import { loadConfig } from '../src/config';
import { systemClock } from '../src/platform/clock';
import { createDb, ensureDatabase, migrateLatest } from '../src/platform/db';
import { createLogger } from '../src/platform/logger';

/** What every scenario gets: the running API, its app context (db, repositories) and the load settings. */
export interface BenchContext {
  app: AppContext;
  baseUrl: string;
  /** Measured seconds per case (BENCH_SECONDS, default 10). */
  seconds: number;
  /** Unmeasured seconds before each case: JIT, pool connections, Postgres caches. */
  warmupSeconds: number;
  connections: number;
  /** Resolves once the server has answered every request it has received (autocannon stops without waiting). */
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
  /** Scenario-specific facts worth keeping with the figures (data sizes, the count a page reported...). */
  details?: Record<string, unknown>;
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
 * Its own database (estuary_bench_<pid>) and queue prefix, migrated, with the real API listening on an
 * ephemeral loopback port in this process. close() stops the server and drops the database.
 */
export async function startBenchEnvironment(): Promise<BenchEnvironment> {
  const seconds = positiveNumber('BENCH_SECONDS', 10);
  // The server and credentials of DATABASE_URL (or its default), another database name.
  const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/estuary_bookings';
  const databaseName = `estuary_bench_${process.pid}`;
  const databaseUrl = withDatabaseName(serverUrl, databaseName);
  const adminUrl = withDatabaseName(serverUrl, 'postgres');

  const config = loadConfig({
    ...process.env,
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
  });
  await ensureDatabase(databaseUrl);
  const db = createDb(databaseUrl);
  let server: http.Server | undefined;
  let settle = () => Promise.resolve();
  const close = async () => {
    if (server) {
      await settle();
      server.closeAllConnections();
      await new Promise((resolve) => server!.close(resolve));
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
    const api = createApi({ app, readiness: [{ name: 'postgres', check: () => db.raw('SELECT 1') }] });
    const handle = api.callback();
    let inFlight = 0;
    const idle: Array<() => void> = [];
    // Counted until Koa's middleware chain settles, not until the socket closes: autocannon destroys its
    // sockets when time is up, and the handlers behind them go on using the database.
    server = http.createServer((req, res) => {
      inFlight++;
      void Promise.resolve(handle(req, res)).finally(() => {
        if (--inFlight === 0) for (const resolve of idle.splice(0)) resolve();
      });
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const ctx: BenchContext = {
      app,
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      seconds,
      warmupSeconds: positiveNumber('BENCH_WARMUP_SECONDS', Math.min(2, Math.ceil(seconds / 5))),
      connections: Math.round(positiveNumber('BENCH_CONNECTIONS', 10)),
      settle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve))),
    };
    settle = ctx.settle;
    return { ctx, resetDatabase: () => truncateAllTables(app), close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
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

  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const started = performance.now();
  const result = await runAutocannon({ ...options, duration: ctx.seconds }, (statusCode, ms) => {
    latencies.push(ms);
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
  });
  const elapsedSeconds = (performance.now() - started) / 1000;
  await ctx.settle();
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
    ...(load.details ? { details: load.details } : {}),
  };
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
    // Other processes on the machine skew every figure; the load average says whether they were there.
    machine: { node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.release()}`, load_average_1m: round(os.loadavg()[0]!, 2) },
    rows,
  };
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

export function formatTable(rows: BenchRow[]): string {
  const header = ['scenario', 'case', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx'];
  const lines = rows.map((r) => [
    r.scenario,
    r.case,
    r.rps.toFixed(1),
    Number.isFinite(r.p50) ? r.p50.toFixed(2) : '-',
    Number.isFinite(r.p99) ? r.p99.toFixed(2) : '-',
    String(r.requests),
    `${r.non2xx} (${r.requests ? ((100 * r.non2xx) / r.requests).toFixed(2) : '0.00'}%)${r.errors ? ` +${r.errors} errors` : ''}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const numeric = new Set([2, 3, 4, 5]);
  const format = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}
