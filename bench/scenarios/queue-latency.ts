import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { OutboxJob } from '../../src/jobs/job-contracts';
import { recordJobs } from '../../src/jobs/outbox-writer';
import type { HttpResponse } from '../http-client';
import { formatStages, jobLatencies, stats, waitForDoneRows } from '../job-latency';
import { atRate } from '../open-loop';
import { readJobTimes, startInProcessWorkers, waitUntil, type InProcessWorkers } from '../queue-probe';
import { recordQueries, type RecordedQuery } from '../query-profile';
import { defineScenario, percentile, round, type BenchContext, type BenchRow } from '../support';
import { setUpBookingTargets, slotBooker } from '../slot-booker';
import { timingRow } from '../timing-row';

const NAME = 'queue-latency';
const PATH = '/api/v1/drf/bookings/';
const PRACTITIONERS = 10;
const CLIENTS = 20;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Target bookings (or outbox commits) per second (BENCH_QUEUE_RATE). */
const RATE = Number(process.env.BENCH_QUEUE_RATE) > 0 ? Number(process.env.BENCH_QUEUE_RATE) : 200;
const RELAY_ROWS = 10_000;
const DRAIN_TIMEOUT_MS = 120_000;

type State = Awaited<ReturnType<typeof setUpBookingTargets>>;

type Probe = { workers: InProcessWorkers; relayPasses: () => Record<string, number> };

/**
 * From a commit to a worker starting the job, with the real relay and workers running in this process
 * (startWorkerProcess, the run's queue prefix), measured on the `notify` job that every new booking
 * records to run at once (besides its delayed lifecycle jobs and reminders). Three cases:
 * - API: bookings of free sessions (confirmed at once) through HTTP at BENCH_QUEUE_RATE per second, open
 *   loop; the commit is the moment the API sent COMMIT (knex's query event).
 * - Outbox: the same five jobs a booking records, committed straight into the outbox at the same rate,
 *   without HTTP: the queue backbone alone, whatever the API can sustain on this machine.
 * - Relay throughput: 10,000 rows committed in one transaction, timed until the relay has dispatched
 *   them all (and until the workers have run them).
 */
export const scenario = defineScenario({
  name: NAME,
  description: `commit → worker start of the notify job at ${RATE}/s through the API and straight into the outbox, relay + workers in-process; relay throughput on ${RELAY_ROWS} rows`,

  setup: (ctx): Promise<State> => setUpBookingTargets(ctx, PRACTITIONERS, CLIENTS),

  async run(ctx, state) {
    const workers = await startInProcessWorkers(ctx);
    const relayQueries = recordQueries(workers.db);
    const probe: Probe = { workers, relayPasses: () => relayPasses(relayQueries.take()) };
    try {
      return [...(await apiCase(ctx, state, probe)), await outboxCase(ctx, probe), await relayThroughput(ctx, probe)];
    } finally {
      relayQueries.stop();
      await workers.close();
    }
  },
});

/** Waits until the relay has nothing left, then forgets the relay's passes so far. */
async function quiesce(ctx: BenchContext, probe: Probe): Promise<void> {
  await waitUntil('the outbox to be relayed', async () => Number((await ctx.app.db('outbox').whereNull('dispatched_at').count({ n: '*' }))[0]!.n) === 0, DRAIN_TIMEOUT_MS);
  probe.relayPasses();
}

async function apiCase(ctx: BenchContext, state: State, probe: Probe): Promise<BenchRow[]> {
  const { book } = slotBooker(ctx, state, RATE);
  await book(ctx.warmupSeconds);
  await quiesce(ctx, probe);
  const commits = await ctx.api.recordBookingCommits();
  const load = watchProcess();
  const { results, elapsedSeconds } = await book(ctx.seconds).finally(() => commits.stop());
  const processLoad = load.stop();

  const responses = results.flatMap((r) => (r.value ? [r.value] : []));
  const receivedAt = new Map(responses.filter((r) => r.status === 201).map((r) => [String((JSON.parse(r.body) as { id: number }).id), r.receivedAt]));
  const rows = await waitForDoneRows(
    ctx.app.db,
    `payload->>'bookingId'`,
    `job_name = 'notify' AND run_at IS NULL AND payload->>'kind' = 'booking_created' AND payload->>'bookingId' = ANY(?::text[])`,
    [[...receivedAt.keys()]],
    receivedAt.size,
    DRAIN_TIMEOUT_MS,
  );
  const relay = probe.relayPasses();
  const latency = await jobLatencies(probe.workers.queues.notifications, rows, (bookingId) => commits.commits.get(Number(bookingId)));
  const jobs = await readJobTimes(probe.workers.queues.notifications, rows.map((r) => r.id));
  // Negative when a worker started before the client had read its 201: the response waits behind the load.
  const from201 = rows.map((r) => jobs.get(r.id)!.startedAt - receivedAt.get(r.key)!);
  process.stdout.write(`${NAME}: API at ${RATE}/s: bench process (relay, workers, client) during the load ${JSON.stringify(processLoad)}\n`);
  process.stdout.write(formatStages(`${NAME}: API at ${RATE}/s: stages of the notify job (ms)`, latency.stages, relay));

  const statusCodes: Record<string, number> = {};
  for (const r of responses) statusCodes[r.status] = (statusCodes[r.status] ?? 0) + 1;
  const errors = results.filter((r) => r.error).length;
  const late = results.map((r) => r.lateMs).sort((a, b) => a - b);
  const achieved = round(rows.length / elapsedSeconds, 1);
  const details = { target_rate: RATE, achieved_bookings_per_second: achieved, stages_ms: latency.stages, relay_passes: relay, process: processLoad };
  return [
    timingRow(NAME, `API: POST ${PATH} at ${RATE}/s (free session)`, responses.map((r: HttpResponse) => r.ms), {
      elapsedSeconds,
      statusCodes,
      errors,
      details: { ...details, client_started_late_p99_ms: round(percentile(late, 99), 2) },
    }),
    timingRow(NAME, `API: commit → worker start (notify)`, latency.fromCommit, {
      elapsedSeconds,
      details: { ...details, from_commit_ms: stats(latency.fromCommit), from_tx_start_ms: stats(latency.fromTxStart), from_201_ms: { ...stats(from201), negative: from201.filter((x) => x < 0).length } },
    }),
  ];
}

/** The jobs createBooking records for a confirmed booking: notify now, start/finish and two reminders later. */
function jobsOfABooking(bookingId: number, occasion: string, now: number): OutboxJob[] {
  const start = new Date(now + 2 * DAY_MS);
  const end = new Date(start.getTime() + HOUR_MS);
  return [
    { queue: 'lifecycle', name: 'start-booking', payload: { bookingId, startTime: start.toISOString() }, runAt: start },
    { queue: 'lifecycle', name: 'finish-booking', payload: { bookingId, endTime: end.toISOString() }, runAt: end },
    { queue: 'notifications', name: 'notify', payload: { bookingId, kind: 'reminder_24h', occasion }, runAt: new Date(start.getTime() - DAY_MS) },
    { queue: 'notifications', name: 'notify', payload: { bookingId, kind: 'reminder_1h', occasion }, runAt: new Date(start.getTime() - HOUR_MS) },
    { queue: 'notifications', name: 'notify', payload: { bookingId, kind: 'booking_created', occasion } },
  ];
}

async function outboxCase(ctx: BenchContext, probe: Probe): Promise<BenchRow> {
  const { rows: bookings } = await ctx.app.db.raw<{ rows: Array<{ id: number }> }>(`SELECT id FROM bookings ORDER BY id LIMIT 100`);
  await quiesce(ctx, probe);
  const load = watchProcess();
  // Distinct occasions: every notify job does the whole work, none is a dedupe no-op.
  const { results, elapsedSeconds } = await atRate(RATE, ctx.seconds, async (i) => {
    await ctx.app.db.transaction((trx) => recordJobs(trx, jobsOfABooking(bookings[i % bookings.length]!.id, `bench-direct-${i}`, Date.now())));
    return Date.now();
  });
  const processLoad = load.stop();
  const failed = results.filter((r) => r.error);
  if (failed.length) throw new Error(`${failed.length} outbox transactions failed: ${String(failed[0]!.error)}`);
  const committedAt = new Map(results.map((r) => [String(r.index), r.value!]));
  const rows = await waitForDoneRows(
    ctx.app.db,
    `substr(payload->>'occasion', 14)`,
    `job_name = 'notify' AND run_at IS NULL AND payload->>'occasion' LIKE 'bench-direct-%'`,
    [],
    results.length,
    DRAIN_TIMEOUT_MS,
  );
  const relay = probe.relayPasses();
  const latency = await jobLatencies(probe.workers.queues.notifications, rows, (i) => committedAt.get(i));
  process.stdout.write(`${NAME}: outbox at ${RATE}/s: bench process (relay, workers, client) during the load ${JSON.stringify(processLoad)}\n`);
  process.stdout.write(formatStages(`${NAME}: outbox at ${RATE}/s (commit = transaction resolved): stages of the notify job (ms)`, latency.stages, relay));
  return timingRow(NAME, `outbox, no HTTP: ${RATE} commits/s → worker start (notify)`, latency.fromCommit, {
    elapsedSeconds,
    details: { target_rate: RATE, achieved_commits_per_second: round(results.length / elapsedSeconds, 1), from_commit_ms: stats(latency.fromCommit), stages_ms: latency.stages, relay_passes: relay, process: processLoad },
  });
}

/** 10,000 notify rows committed at once: until the relay has dispatched them, and until the workers have run them. */
async function relayThroughput(ctx: BenchContext, probe: Probe): Promise<BenchRow> {
  const { rows: bookings } = await ctx.app.db.raw<{ rows: Array<{ id: number }> }>(`SELECT id FROM bookings ORDER BY id LIMIT 100`);
  const jobs: OutboxJob[] = Array.from({ length: RELAY_ROWS }, (_, i) => ({
    queue: 'notifications',
    name: 'notify',
    payload: { bookingId: bookings[i % bookings.length]!.id, kind: 'booking_created', occasion: `bench-relay-${i}` },
  }));
  await quiesce(ctx, probe);
  const { relay } = probe.workers;
  const before = relay.dispatched;
  await ctx.app.db.transaction((trx) => recordJobs(trx, jobs));
  const committed = performance.now();
  const committedAt = Date.now();
  const dispatchMs = await waitUntil(`${RELAY_ROWS} rows to be dispatched`, () => relay.dispatched - before >= RELAY_ROWS, DRAIN_TIMEOUT_MS, 5);
  const passes = probe.relayPasses();
  const rows = await waitForDoneRows(ctx.app.db, `payload->>'occasion'`, `payload->>'occasion' LIKE 'bench-relay-%'`, [], RELAY_ROWS, DRAIN_TIMEOUT_MS);
  const doneMs = performance.now() - committed;
  const times = [...(await readJobTimes(probe.workers.queues.notifications, rows.map((r) => r.id))).values()];
  const added = times.map((t) => t.addedAt - committedAt);
  const details = {
    rows: RELAY_ROWS,
    dispatch_seconds: round(dispatchMs / 1000, 3),
    dispatched_per_second: round(RELAY_ROWS / (dispatchMs / 1000), 1),
    all_done_seconds: round(doneMs / 1000, 3),
    worker_jobs_per_second: round(RELAY_ROWS / (doneMs / 1000), 1),
    commit_to_job_added_ms: stats(added),
    commit_to_worker_start_ms: stats(times.map((t) => t.startedAt - committedAt)),
    relay_passes: passes,
  };
  process.stdout.write(`${NAME}: relay throughput ${JSON.stringify(details)}\n`);
  // p50/p99: from the commit until the relay had added each job to BullMQ.
  return { ...timingRow(NAME, `relay: ${RELAY_ROWS} rows in one transaction (jobs/s dispatched)`, added, { details }), rps: details.dispatched_per_second };
}

/** The relay's claim queries (FOR UPDATE SKIP LOCKED): how often it looked, and how much it found each time. */
function relayPasses(queries: RecordedQuery[]): Record<string, number> {
  const claims = queries.filter((q) => /skip locked/i.test(q.sql));
  const found = claims.map((q) => q.rows).sort((a, b) => a - b);
  return {
    passes: claims.length,
    empty_passes: found.filter((n) => n === 0).length,
    rows_per_pass_p50: percentile(found, 50),
    rows_per_pass_max: found[found.length - 1] ?? 0,
    claim_query_p50_ms: round(percentile(claims.map((q) => q.ms).sort((a, b) => a - b), 50), 3),
  };
}

/**
 * The bench process (relay, workers and the client; the API has a process of its own) during a load: a
 * busy event loop delays every callback, so each stage waits its turn. cpu_cores: CPU time of the process per wall-clock second.
 */
function watchProcess(): { stop(): Record<string, number> } {
  const resolutionMs = 5;
  const delay = monitorEventLoopDelay({ resolution: resolutionMs });
  delay.enable();
  const utilization = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const started = performance.now();
  return {
    stop: () => {
      delay.disable();
      const used = process.cpuUsage(cpu);
      return {
        event_loop_utilization: round(performance.eventLoopUtilization(utilization).utilization, 3),
        // The histogram holds whole timer intervals: the resolution is not delay.
        event_loop_delay_p50_ms: round(Math.max(0, delay.percentile(50) / 1e6 - resolutionMs), 2),
        event_loop_delay_p99_ms: round(Math.max(0, delay.percentile(99) / 1e6 - resolutionMs), 2),
        cpu_cores: round((used.user + used.system) / 1e6 / ((performance.now() - started) / 1000), 2),
      };
    },
  };
}
