import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startNodeProcess } from '../processes';
import { defineScenario, measure, percentile, round, type BenchContext, type BenchRow } from '../support';

const NAME = 'ceilings';
const PGBENCH = ['/usr/bin/pgbench', '/usr/local/bin/pgbench'].find((p) => existsSync(p)) ?? 'pgbench';
const PRACTITIONERS = 40;
const run = promisify(execFile);

/**
 * What this machine can do at best in this run, so that every other row reads as a fraction of it:
 * pgbench inserting one non-overlapping range per transaction into a table with the bookings' kind of
 * exclusion constraint (40 "practitioners", an hour each from a sequence), and a bare Koa + pg endpoint
 * (`SELECT 1`, bench/bare-koa-pg.ts) in its own process under autocannon. Both at BENCH_CONNECTIONS.
 * run.ts always runs this first; create rows are compared with the first, other HTTP rows with the second.
 */
export const scenario = defineScenario({
  name: NAME,
  description: `ceilings of this run: pgbench INSERT under an exclusion constraint (gist, ${PRACTITIONERS} keys) and a bare Koa + pg SELECT 1 endpoint, both at BENCH_CONNECTIONS`,

  async setup(ctx) {
    await ctx.app.db.raw(`
      CREATE EXTENSION IF NOT EXISTS btree_gist;
      DROP TABLE IF EXISTS bench_ceiling;
      CREATE TABLE bench_ceiling (p int NOT NULL, r tstzrange NOT NULL, EXCLUDE USING gist (p WITH =, r WITH &&));
      DROP SEQUENCE IF EXISTS bench_ceiling_hours;
      CREATE SEQUENCE bench_ceiling_hours;`);
    return {};
  },

  async run(ctx) {
    const rows: BenchRow[] = [];
    try {
      const insert = await pgbenchInsert(ctx);
      if (insert) {
        ctx.ceilings.insert = insert.rps;
        rows.push(insert);
      }
    } finally {
      await ctx.app.db.raw(`DROP TABLE IF EXISTS bench_ceiling; DROP SEQUENCE IF EXISTS bench_ceiling_hours`);
    }
    const bare = await startNodeProcess('bench/bare-koa-pg.ts', { DATABASE_URL: ctx.databaseUrl });
    try {
      const row = await measure({ ...ctx, baseUrl: bare.baseUrl }, NAME, { label: 'bare Koa + pg SELECT 1 (separate process)', requests: [{ method: 'GET', path: '/' }] });
      ctx.ceilings.http = row.rps;
      rows.push(row);
    } finally {
      await bare.close();
    }
    return rows;
  },
});

/** pgbench's tps and per-transaction latencies (its -l log), or null with a hint when pgbench is missing. */
async function pgbenchInsert(ctx: BenchContext): Promise<BenchRow | null> {
  try {
    await run(PGBENCH, ['--version']);
  } catch {
    process.stdout.write(`${NAME}: pgbench not found: install the PostgreSQL client tools (Debian/Ubuntu: apt-get install postgresql-client) for the insert ceiling; create rows get no ratio\n`);
    return null;
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-pgbench-'));
  try {
    const script = path.join(dir, 'insert.sql');
    await writeFile(
      script,
      `\\set p random(1, ${PRACTITIONERS})\n` +
        `INSERT INTO bench_ceiling (p, r) SELECT :p, tstzrange(t, t + interval '1 hour') FROM (SELECT timestamptz '2030-01-01' + nextval('bench_ceiling_hours') * interval '1 hour' AS t) AS s;\n`,
    );
    const url = new URL(ctx.databaseUrl);
    const env = { ...process.env, ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}) };
    const clients = ctx.connections;
    const common = ['-n', '-f', script, '-c', String(clients), '-j', String(Math.min(clients, os.cpus().length)), '-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres'), url.pathname.slice(1)];
    await run(PGBENCH, [...common, '-T', String(ctx.warmupSeconds)], { env });
    const { stdout } = await run(PGBENCH, [...common, '-T', String(ctx.seconds), '-l', '--log-prefix', path.join(dir, 'tx')], { env });
    const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1]);
    if (!Number.isFinite(tps)) throw new Error(`pgbench printed no tps:\n${stdout}`);
    // Per-transaction log lines: client_id transaction_no latency_us script_no epoch_s epoch_us.
    const latencies: number[] = [];
    for (const file of (await readdir(dir)).filter((f) => f.startsWith('tx'))) {
      for (const line of (await readFile(path.join(dir, file), 'utf8')).split('\n')) {
        const us = Number(line.split(' ')[2]);
        if (line && Number.isFinite(us)) latencies.push(us / 1000);
      }
    }
    latencies.sort((a, b) => a - b);
    const { rows } = await ctx.app.db.raw<{ rows: Array<{ n: number }> }>('SELECT count(*)::int AS n FROM bench_ceiling');
    return {
      scenario: NAME,
      case: `pgbench INSERT, exclusion constraint (${clients} clients)`,
      rps: round(tps, 1),
      p50: round(percentile(latencies, 50), 2),
      p99: round(percentile(latencies, 99), 2),
      requests: latencies.length,
      non2xx: 0,
      errors: 0,
      statusCodes: {},
      ceiling: 'insert',
      load1: round(os.loadavg()[0]!, 2),
      details: { pgbench: PGBENCH, clients, rows_in_table_incl_warmup: rows[0]!.n },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
