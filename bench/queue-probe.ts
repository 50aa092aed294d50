import { performance } from 'node:perf_hooks';
import type { Queue } from 'bullmq';
import knexFactory, { type Knex } from 'knex';
import { knexConfig } from '../db/knexfile';
import { createAppContext } from '../src/composition';
import { jobIdForOutboxRow, QUEUES } from '../src/jobs/job-contracts';
import type { OutboxRelay } from '../src/jobs/outbox-relay';
import { closeQueues, createQueues, type Queues } from '../src/jobs/queues';
import { systemClock } from '../src/platform/clock';
import { createRedis } from '../src/platform/redis';
import { startWorkerProcess } from '../src/workers/worker-process';
import type { BenchContext } from './support';

export interface InProcessWorkers {
  relay: OutboxRelay;
  /** The workers' own pool, as a separate worker process would have (the API keeps its own). */
  db: Knex;
  /** Queues on the run's prefix, for reading jobs back. */
  queues: Queues;
  close(): Promise<void>;
}

/**
 * The real worker process (relay, every queue's workers, the reconciler's schedule) inside the bench
 * process, on the run's queue prefix. It shares the event loop with the API and the load: figures are
 * an upper bound of what separate processes would show.
 */
export async function startInProcessWorkers(ctx: BenchContext): Promise<InProcessWorkers> {
  const { config, logger } = ctx.app;
  // knex directly, not createDb: that one also rebinds Objection's global Model.knex to this pool.
  const db = knexFactory(knexConfig(config.databaseUrl));
  const app = createAppContext({ config, db, clock: systemClock, logger });
  const reader = createRedis(config.redisUrl, 'client');
  reader.on('error', () => undefined);
  const queues = createQueues(reader, config.queuePrefix);
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  const close = async () => {
    await worker?.close();
    await closeQueues(queues);
    reader.disconnect();
    await db.destroy();
  };
  try {
    worker = await startWorkerProcess(app, { queues: [...QUEUES], relay: true });
    if (!worker.relay) throw new Error('startWorkerProcess started no relay');
    return { relay: worker.relay, db, queues, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

export interface JobTimes {
  /** When the relay created the job (BullMQ's `timestamp`, the relay's clock). */
  addedAt: number;
  /** When a worker took it (BullMQ's `processedOn`). */
  startedAt: number;
  finishedAt: number;
}

/** BullMQ's timestamps of the jobs relayed from these outbox rows; rows whose job is gone are left out. */
export async function readJobTimes(queue: Queue, outboxIds: number[]): Promise<Map<number, JobTimes>> {
  const times = new Map<number, JobTimes>();
  for (let i = 0; i < outboxIds.length; i += 500) {
    const chunk = outboxIds.slice(i, i + 500);
    const jobs = await Promise.all(chunk.map((id) => queue.getJob(jobIdForOutboxRow(id))));
    jobs.forEach((job, j) => {
      if (job?.processedOn) times.set(chunk[j]!, { addedAt: job.timestamp, startedAt: job.processedOn, finishedAt: job.finishedOn ?? NaN });
    });
  }
  return times;
}

/** Polls `check` until it returns true; throws with `what` after timeoutMs. Returns the milliseconds it took. */
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 50): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

interface TxQueryEvent {
  __knexTxId?: string;
  sql: string;
}

/**
 * When the API sent COMMIT for the transaction that inserted each booking (epoch ms, by booking id),
 * from knex's query events, or got the answer of the create's single write statement (its own commit). knex reports no response to COMMIT, so this is the moment it was sent: the
 * commit itself follows within a round trip (plus the WAL flush).
 */
export function recordBookingCommits(db: Knex): { commits: Map<number, number>; stop(): void } {
  const bookingOfTx = new Map<string, number>();
  const commits = new Map<number, number>();
  const onResponse = (response: unknown, query: TxQueryEvent) => {
    // The create's one write statement (src/data/new-booking-repository.ts) commits on its own: its answer is the commit.
    if (!query.__knexTxId && /^WITH "?cal"? AS/.test(query.sql)) {
      const id = (response as { rows?: Array<{ id?: unknown }> } | undefined)?.rows?.[0]?.id;
      if (typeof id === 'number') commits.set(id, Date.now());
      return;
    }
    if (!query.__knexTxId || !/^insert into "bookings"/.test(query.sql) || !Array.isArray(response)) return;
    const id = (response[0] as { id?: unknown } | undefined)?.id;
    if (typeof id === 'number') bookingOfTx.set(query.__knexTxId, id);
  };
  const onQuery = (query: TxQueryEvent) => {
    if (!query.__knexTxId || !/^COMMIT/i.test(query.sql)) return;
    const id = bookingOfTx.get(query.__knexTxId);
    if (id === undefined) return;
    bookingOfTx.delete(query.__knexTxId);
    commits.set(id, Date.now());
  };
  db.on('query', onQuery);
  db.on('query-response', onResponse);
  return {
    commits,
    stop: () => {
      db.off('query', onQuery);
      db.off('query-response', onResponse);
    },
  };
}
