import { parseArgs } from 'node:util';
import type { AppContext } from '../app/app-context';
import { QUEUES, type QueueName } from '../jobs/job-contracts';
import { OutboxRelay } from '../jobs/outbox-relay';
import { closeQueues, createQueues, jobOptionsFor, type Queues } from '../jobs/queues';
import { createRedis } from '../platform/redis';
import { startWorkerPool } from './worker-pool';

export interface WorkerProcessOptions {
  queues: QueueName[];
  relay: boolean;
}

export const RECONCILE_SCHEDULER_ID = 'reconcile-overdue';

/**
 * Registers the reconciler's job scheduler. Upserting is idempotent, and it is repeated, because a
 * Redis that lost its data lost the scheduler too.
 */
async function ensureReconcileScheduler(queues: Queues, everyMs: number): Promise<void> {
  await queues.lifecycle.upsertJobScheduler(RECONCILE_SCHEDULER_ID, { every: everyMs }, { name: 'reconcile', data: {} });
}

/** Workers for the chosen queues, the outbox relay (unless disabled) and the reconciler's schedule. */
export async function startWorkerProcess(app: AppContext, options: WorkerProcessOptions): Promise<{ close: () => Promise<void>; relay?: OutboxRelay }> {
  const producer = createRedis(app.config, 'client');
  producer.on('error', (error) => app.logger.debug({ err: error }, 'redis (producer) unavailable'));
  const queues = createQueues(producer, app.config.queuePrefix, app.config.jobRetry);
  const pool = startWorkerPool(app, { queues: options.queues, concurrency: app.config.workerConcurrency });
  const relay = options.relay
    ? new OutboxRelay({ db: app.db, databaseUrl: app.config.databaseUrl, queues, logger: app.logger, clock: app.clock, pollIntervalMs: app.config.relayPollMs, restoreEveryMs: app.config.reconcileEveryMs, jobOptions: jobOptionsFor(app.config) })
    : undefined;
  await relay?.start();

  let scheduler: NodeJS.Timeout | undefined;
  if (options.queues.includes('lifecycle')) {
    const ensure = () => ensureReconcileScheduler(queues, app.config.reconcileEveryMs).catch((error) => app.logger.warn({ err: error }, 'cannot register the reconciler yet'));
    await ensure();
    scheduler = setInterval(ensure, Math.min(app.config.reconcileEveryMs, 30_000));
  }
  app.logger.info({ queues: options.queues, relay: options.relay, concurrency: app.config.workerConcurrency }, 'workers started');

  return {
    relay,
    close: async () => {
      clearInterval(scheduler);
      await pool.close();
      await relay?.stop();
      await closeQueues(queues);
      producer.disconnect();
    },
  };
}

/** `--queues a,b` (default: all) and `--no-relay`. */
export function parseWorkerArgs(argv: string[]): WorkerProcessOptions {
  const { values } = parseArgs({ args: argv, options: { queues: { type: 'string' }, 'no-relay': { type: 'boolean' } }, strict: true });
  const queues = values.queues ? values.queues.split(',').map((q) => q.trim()).filter(Boolean) : [...QUEUES];
  const unknown = queues.filter((q) => !(QUEUES as readonly string[]).includes(q));
  if (unknown.length) throw Object.assign(new Error(`--queues: unknown queue(s) ${unknown.join(', ')}; known: ${QUEUES.join(', ')}`), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
  return { queues: queues as QueueName[], relay: !values['no-relay'] };
}
