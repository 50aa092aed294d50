import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Job } from 'bullmq';
import { expect } from 'chai';
import type { AppContext } from '../../src/app/app-context';
import { jobIdForOutboxRow, QUEUES, type QueueName } from '../../src/jobs/job-contracts';
import { closeQueues, createQueues, type Queues } from '../../src/jobs/queues';
import type { Clock } from '../../src/platform/clock';
import { createRedis } from '../../src/platform/redis';
import { deleteRedisKeys } from './redis-keys';

export { deleteRedisKeys };
import { startWorkerProcess, type WorkerProcessOptions } from '../../src/workers/worker-process';
import type { Harness } from './harness';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Retries `fn` until it resolves (an assertion inside it passes), or rethrows its last error after
 * `timeoutMs`. For state that other processes reach in their own time: poll it, never sleep for it.
 */
export async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** The real workers (all queues unless told) and the relay, inside the test process, with the harness app and its clock. */
export function startWorkersInProcess(app: AppContext, options: Partial<WorkerProcessOptions> = {}) {
  return startWorkerProcess(app, { queues: options.queues ?? [...QUEUES], relay: options.relay ?? true });
}

/** Queues on the harness's prefix, for looking at jobs from the test. */
export function openQueues(h: Pick<Harness<Clock>, 'config'>): { queues: Queues; close: () => Promise<void> } {
  const connection = createRedis(h.config, 'client');
  const queues = createQueues(connection, h.config.queuePrefix);
  return {
    queues,
    close: async () => {
      await closeQueues(queues);
      connection.disconnect();
    },
  };
}

/** The BullMQ job relayed from an outbox row (jobId `outbox-<id>`), if Redis has it. */
export const jobOfRow = (queues: Queues, row: { id: number; queue: string }): Promise<Job | undefined> =>
  queues[row.queue as QueueName].getJob(jobIdForOutboxRow(row.id));

/**
 * Waits until the row's job has finished and returns it as read then. (A Job read earlier keeps the
 * data of that moment: its state may have moved on, its return value not.)
 */
export const completedJob = (view: { queues: Queues }, row: { id: number; queue: string; job_name?: string }, timeoutMs = 15_000): Promise<Job> =>
  eventually(async () => {
    const job = await jobOfRow(view.queues, row);
    expect(job, `job outbox-${row.id} (${row.job_name ?? row.queue})`).to.not.equal(undefined);
    expect(job!.finishedOn, `job outbox-${row.id} (${row.job_name ?? row.queue}) finished`).to.be.a('number');
    expect(await job!.getState()).to.equal('completed');
    return job!;
  }, timeoutMs);

export interface OutboxRow {
  id: number;
  queue: QueueName;
  job_name: string;
  payload: Record<string, unknown>;
  run_at: Date | null;
  dispatched_at: Date | null;
}

/** The outbox rows of one booking (by payload), oldest first. */
export const outboxRowsOf = (h: Pick<Harness<Clock>, 'app'>, bookingId: number): Promise<OutboxRow[]> =>
  h.app.db('outbox').whereRaw(`(payload->>'bookingId')::bigint = ?`, [bookingId]).orderBy('id').select('id', 'queue', 'job_name', 'payload', 'run_at', 'dispatched_at');


export interface SpawnedWorker {
  child: ChildProcess;
  /** stdout and stderr so far, for failure messages. */
  output: () => string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill: (signal: NodeJS.Signals) => void;
}

export interface SpawnOptions {
  /** `--queues` value; default all. */
  queues?: QueueName[];
  relay?: boolean;
  env?: Record<string, string>;
}

const running = new Set<SpawnedWorker>();

/**
 * `node --import tsx src/workers/main.ts` against the harness's database and queue prefix, resolved
 * once it prints "workers running". Small lock and poll intervals so crashes are noticed quickly.
 */
export async function spawnWorker(h: Pick<Harness<Clock>, 'config'>, options: SpawnOptions = {}): Promise<SpawnedWorker> {
  const args = ['--import', 'tsx', 'src/workers/main.ts'];
  if (options.queues) args.push('--queues', options.queues.join(','));
  if (options.relay === false) args.push('--no-relay');
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: h.config.databaseUrl,
      REDIS_URL: h.config.redisUrl,
      QUEUE_PREFIX: h.config.queuePrefix,
      LOG_LEVEL: 'warn',
      WORKER_LOCK_MS: '2000',
      RELAY_POLL_MS: '200',
      RECONCILE_EVERY_MS: '3600000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const worker: SpawnedWorker = { child, output: () => output, exited, kill: (signal) => child.kill(signal) };
  running.add(worker);
  void exited.then(() => running.delete(worker));

  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => child.stdout!.on('data', () => output.includes('workers running') && resolve())),
      exited.then(({ code, signal }) => Promise.reject(new Error(`worker exited (${code ?? signal}) before it was running:\n${output}`))),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`worker not running after 30 s:\n${output}`)), 30_000))),
    ]);
  } catch (error) {
    worker.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return worker;
}

/** SIGKILLs every spawned worker still running (for after() hooks) and waits for them to be gone. */
export async function killSpawnedWorkers(): Promise<void> {
  const alive = [...running];
  for (const worker of alive) worker.kill('SIGKILL');
  await Promise.all(alive.map((w) => w.exited));
}

/** The next whole minute strictly after `at`. */
export const nextWholeMinute = (at: Date): Date => new Date((Math.floor(at.getTime() / 60_000) + 1) * 60_000);

/** The last whole minute at or before `at`. */
export const lastWholeMinute = (at: Date): Date => new Date(Math.floor(at.getTime() / 60_000) * 60_000);

/**
 * An IANA zone ("Etc/GMT-5" is UTC+5) where `at` falls around local noon, so a practitioner open
 * 08:00–20:00 there can be booked at `at` whatever the real time of day.
 */
export function zoneAtNoon(at: Date): string {
  const offset = 12 - at.getUTCHours(); // -11 … +12, all valid Etc/GMT zones
  if (offset === 0) return 'Etc/GMT';
  return offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

/** The booking row as stored. */
export const bookingRow = async (h: Pick<Harness<Clock>, 'app'>, id: number) => (await h.app.db('bookings').where({ id }).first()) as Record<string, unknown> & { status: string };

/** The status history rows as stored, oldest first. */
export const historyRows = (h: Pick<Harness<Clock>, 'app'>, id: number): Promise<Array<{ from_status: string | null; to_status: string; actor_id: number | null; actor_role: string; reason: string }>> =>
  h.app.db('booking_status_history').where({ booking_id: id }).orderBy('id').select('from_status', 'to_status', 'actor_id', 'actor_role', 'reason');

/** How many sessions of the harness's database wait for a lock (a job blocked on a row the test holds). */
export async function sessionsWaitingOnLocks(h: Pick<Harness<Clock>, 'app'>): Promise<number> {
  const result = await h.app.db.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
  return result.rows[0].n;
}
