/**
 * npm run bench [-- scenario ...]
 *
 * Runs the scenarios of bench/scenarios/ (all, or those named), the `ceilings` one always first, against
 * the real API in a process of its own on a loopback port, with its own database and queue prefix, and
 * prints one table: each row's req/s, its ratio to the ceiling that applies, p50/p99 and the load average.
 * Environment: BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (min(2, seconds/5)), BENCH_CONNECTIONS (10),
 * BENCH_KEEP_DATABASE=1 (keep estuary_bench_<pid> for EXPLAIN ANALYZE instead of dropping it).
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyCeilings, formatTable, startBenchEnvironment, writeResults, type BenchEnvironment, type BenchRow, type Scenario } from './support';

const SCENARIOS_DIR = path.join(__dirname, 'scenarios');

class UsageError extends Error {}

async function loadScenarios(): Promise<Scenario[]> {
  const files = readdirSync(SCENARIOS_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort();
  const scenarios: Scenario[] = [];
  for (const file of files) {
    const loaded = (await import(path.join(SCENARIOS_DIR, file))) as { scenario?: Scenario };
    if (!loaded.scenario) throw new Error(`bench/scenarios/${file} does not export a \`scenario\``);
    scenarios.push(loaded.scenario);
  }
  return scenarios;
}

/** The ceilings first, whatever was asked: every other row is read as a fraction of them. */
function select(all: Scenario[], names: string[]): Scenario[] {
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length) throw new UsageError(`unknown scenario ${unknown.join(', ')}; available: ${all.map((s) => s.name).join(', ')}`);
  const chosen = names.length ? all.filter((s) => names.includes(s.name)) : all;
  const ceilings = all.find((s) => s.name === 'ceilings');
  return ceilings ? [ceilings, ...chosen.filter((s) => s !== ceilings)] : chosen;
}

async function main(): Promise<void> {
  const scenarios = select(await loadScenarios(), process.argv.slice(2));
  const env: BenchEnvironment = await startBenchEnvironment();
  // Ctrl-C still drops the database.
  const interrupt = () => void env.close().finally(() => process.exit(130));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const { ctx } = env;
  const rows: BenchRow[] = [];
  try {
    process.stdout.write(`bench: ${ctx.connections} connections, ${ctx.warmupSeconds} s warm-up + ${ctx.seconds} s per case, API at ${ctx.baseUrl}\n`);
    const [load] = os.loadavg();
    if (load! > 0.5) process.stdout.write(`bench: warning: load average ${load!.toFixed(2)} before starting; other processes will skew the figures\n`);
    for (const scenario of scenarios) {
      await env.resetDatabase();
      const setupStarted = Date.now();
      process.stdout.write(`\n${scenario.name}: setting up…\n`);
      const state = await scenario.setup(ctx);
      process.stdout.write(`${scenario.name}: set up in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s, measuring…\n`);
      const scenarioRows = applyCeilings(ctx, await scenario.run(ctx, state));
      const file = await writeResults(ctx, scenario, scenarioRows);
      process.stdout.write(`${formatTable(scenarioRows)}\n→ ${path.relative(process.cwd(), file)}\n`);
      rows.push(...scenarioRows);
    }
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await env.close();
  }
  const [load1, load5] = os.loadavg();
  const { insert, http } = ctx.ceilings;
  process.stdout.write(
    `\n${formatTable(rows)}\n\nceilings of this run: pgbench INSERT ${insert === null ? 'not measured' : `${insert.toFixed(0)} tps`} (create rows), bare Koa + pg ${http === null ? 'not measured' : `${http.toFixed(0)} req/s`} (other HTTP rows); load average now ${load1!.toFixed(2)} / ${load5!.toFixed(2)}\n`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
