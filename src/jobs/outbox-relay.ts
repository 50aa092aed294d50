import { FlowProducer, type FlowJob } from 'bullmq';
import type { Knex } from 'knex';
import pg from 'pg';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import { jobIdForFlowChild, jobIdForOutboxRow, type FlowChild, type QueueName } from './job-contracts';
import { OUTBOX_CHANNEL } from './outbox-writer';
import { DEFAULT_JOB_OPTIONS, type JobOptionsFor, type Queues } from './queues';

interface OutboxRow {
  id: number;
  queue: QueueName;
  job_name: string;
  payload: Record<string, unknown>;
  run_at: Date | null;
  flow_children: FlowChild[] | null;
}

/**
 * A flow from its outbox row. Every id is derived from the row's, so a row relayed twice (a relay that
 * died between Redis and its commit, a restore after Redis lost data) adds nothing twice. A FlowProducer
 * does not apply a queue's default job options: they are given here. A child that fails for good is
 * ignored by its parent, which then runs and records what is missing.
 */
function flowOf(row: OutboxRow, queuePrefix: string | undefined): FlowJob {
  return {
    name: row.job_name,
    queueName: row.queue,
    prefix: queuePrefix,
    data: row.payload,
    opts: { ...DEFAULT_JOB_OPTIONS, jobId: jobIdForOutboxRow(row.id) },
    children: (row.flow_children ?? []).map((child, index) => ({
      name: child.name,
      queueName: row.queue,
      prefix: queuePrefix,
      data: child.payload,
      opts: { ...DEFAULT_JOB_OPTIONS, jobId: jobIdForFlowChild(row.id, index), ignoreDependencyOnFailure: true },
    })),
  };
}

export interface RelayOptions {
  db: Knex;
  databaseUrl: string;
  queues: Queues;
  logger: Logger;
  clock: Clock;
  batchSize?: number;
  pollIntervalMs?: number;
  /** How often to look for relayed jobs Redis lost (restoreLostJobs); default a minute. */
  restoreEveryMs?: number;
  /** Options of particular jobs (e-mail retries); default: every job takes its queue's defaults. */
  jobOptions?: JobOptionsFor;
}

const RESTORE_BATCH = 1000;

/**
 * Moves outbox rows to BullMQ. Rows are claimed with FOR UPDATE SKIP LOCKED inside a transaction
 * that stays open until BullMQ has them, so several relays can run, and a row whose add failed
 * (Redis down) is simply tried again. The outbox id is the job id: a row added twice is one job.
 * Wakes on NOTIFY; polls too, because a notification can be missed while reconnecting. At start and
 * then periodically it relays again the rows whose jobs Redis lost.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private listener: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private restoreTimer: NodeJS.Timeout | undefined;
  private restoring: Promise<unknown> | undefined;
  private draining: Promise<void> | undefined;
  private wakeAgain = false;
  private stopped = false;
  private failures = 0;
  private readonly flows: FlowProducer;
  dispatched = 0;

  constructor(private readonly options: RelayOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    // Shares the queues' connection (a connection passed in is never closed by BullMQ).
    const { connection, prefix } = options.queues.expansion.opts;
    this.flows = new FlowProducer({ connection, prefix });
    this.flows.on('error', () => undefined);
  }

  async start(): Promise<void> {
    await this.listen();
    this.timer = setInterval(() => this.wake(), this.pollIntervalMs);
    this.wake();
    const restore = () => {
      this.restoring ??= this.restoreLostJobs()
        .catch((error) => this.options.logger.warn({ err: error }, 'outbox relay: cannot check for lost jobs yet'))
        .finally(() => (this.restoring = undefined));
    };
    this.restoreTimer = setInterval(restore, this.options.restoreEveryMs ?? 60_000);
    restore();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.restoreTimer);
    await this.restoring;
    await this.draining;
    await this.listener?.end().catch(() => undefined);
    await this.flows.close();
  }

  /** Drains now; concurrent wake-ups coalesce into one more pass. */
  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.wakeAgain = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.wakeAgain && !this.stopped) {
        this.wakeAgain = false;
        this.wake();
      }
    });
  }

  /** Relays until the outbox is empty or Redis fails; resolves either way. */
  async drain(): Promise<void> {
    try {
      while (!this.stopped && (await this.relayBatch()) === this.batchSize);
      this.failures = 0;
    } catch (error) {
      this.failures++;
      // Log the first failure and then every 30th, so a long Redis outage does not flood the logs.
      if (this.failures === 1 || this.failures % 30 === 0) this.options.logger.warn({ err: error, failures: this.failures }, 'outbox relay: cannot dispatch yet');
    }
  }

  /** One claimed batch, added to BullMQ and marked dispatched in the same transaction. */
  async relayBatch(): Promise<number> {
    const { db, queues, clock } = this.options;
    return db.transaction(async (trx) => {
      const rows: OutboxRow[] = await trx('outbox')
        .select('id', 'queue', 'job_name', 'payload', 'run_at', 'flow_children')
        .whereNull('dispatched_at')
        .orderBy('id')
        .limit(this.batchSize)
        .forUpdate()
        .skipLocked();
      if (!rows.length) return 0;
      const now = clock.now().getTime();
      const byQueue = new Map<QueueName, OutboxRow[]>();
      const flowRows = rows.filter((row) => row.flow_children);
      for (const row of rows) if (!row.flow_children) byQueue.set(row.queue, [...(byQueue.get(row.queue) ?? []), row]);
      const prefix = queues.expansion.opts.prefix;
      await Promise.all([
        ...(flowRows.length ? [this.flows.addBulk(flowRows.map((row) => flowOf(row, prefix)))] : []),
        ...[...byQueue].map(([queue, group]) =>
          queues[queue].addBulk(
            group.map((row) => ({
              name: row.job_name,
              data: row.payload,
              opts: { ...this.options.jobOptions?.(queue, row.job_name), jobId: jobIdForOutboxRow(row.id), delay: row.run_at ? Math.max(0, row.run_at.getTime() - now) : 0 },
            })),
          ),
        ),
      ]);
      await trx('outbox')
        .whereIn('id', rows.map((r) => r.id))
        .update({ dispatched_at: trx.fn.now() });
      this.dispatched += rows.length;
      return rows.length;
    });
  }

  /**
   * Relayed rows that are not done must have their job in Redis (in any state). Those whose job is
   * gone — Redis was flushed, failed over or lost writes — go back to the work list and are relayed
   * again under the same job id. (A job removed by hand from the dashboard comes back too; stamp its
   * row's done_at to drop it for good.) Returns how many rows were put back.
   */
  async restoreLostJobs(): Promise<number> {
    const { db, queues } = this.options;
    let restored = 0;
    let afterId = 0;
    while (!this.stopped) {
      const rows: Array<Pick<OutboxRow, 'id' | 'queue'>> = await db('outbox')
        .select('id', 'queue')
        .whereNotNull('dispatched_at')
        .whereNull('done_at')
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(RESTORE_BATCH);
      if (!rows.length) break;
      afterId = rows[rows.length - 1]!.id;
      const lost = await Promise.all(
        rows.map(async (row) => {
          const state = await queues[row.queue].getJobState(jobIdForOutboxRow(row.id));
          return state === 'unknown' ? [row.id] : [];
        }),
      );
      const ids = lost.flat();
      if (ids.length) {
        restored += await db('outbox').whereIn('id', ids).whereNotNull('dispatched_at').whereNull('done_at').update({ dispatched_at: null });
      }
      if (rows.length < RESTORE_BATCH) break;
    }
    if (restored) {
      this.options.logger.warn({ restored }, 'outbox relay: jobs missing from Redis are relayed again');
      this.wake();
    }
    return restored;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl });
    client.on('notification', () => this.wake());
    client.on('error', (error) => {
      this.options.logger.warn({ err: error }, 'outbox relay: LISTEN connection lost; polling until it is back');
      this.listener = undefined;
      if (!this.stopped) setTimeout(() => this.listen().catch(() => undefined), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    this.listener = client;
  }
}

/** Seconds since the oldest row still waiting for the relay (0 when none): the outbox lag. */
export async function outboxLagSeconds(db: Knex, now: Date): Promise<number> {
  const row = await db('outbox').whereNull('dispatched_at').min<{ oldest: Date | null }>({ oldest: 'created_at' }).first();
  return row?.oldest ? Math.max(0, (now.getTime() - new Date(row.oldest).getTime()) / 1000) : 0;
}

/**
 * Rows whose job is done are history; keep a week for tracing, then drop them. A row relayed but not
 * done stays however old (a start job months ahead): it is what restoreLostJobs relays again if Redis
 * loses the job.
 */
export async function purgeDispatchedOutbox(db: Knex, before: Date, limit = 10_000): Promise<number> {
  return db('outbox')
    .whereIn('id', db('outbox').select('id').where('done_at', '<', before).orderBy('done_at').limit(limit))
    .delete();
}
