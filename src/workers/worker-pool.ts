import { MetricsTime, Worker, type Processor } from 'bullmq';
import type { AppContext } from '../app/app-context';
import { WEBHOOK_BACKOFF, type QueueName } from '../jobs/job-contracts';
import { webhookRetryDelayMs } from '../domain/webhook-endpoints';
import { markOutboxJobDone } from '../jobs/outbox-done';
import { createRedis, type RedisClient } from '../platform/redis';
import { expansionProcessor } from './processors/expansion.processor';
import { lifecycleProcessor } from './processors/lifecycle.processor';
import { notificationsProcessor } from './processors/notifications.processor';
import { paymentsProcessor } from './processors/payments.processor';
import { webhooksProcessor } from './processors/webhooks.processor';

/** The processors of each queue. */
export function processorsFor(app: AppContext): Record<QueueName, Processor> {
  return {
    expansion: expansionProcessor(app) as Processor,
    lifecycle: lifecycleProcessor(app) as Processor,
    notifications: notificationsProcessor(app) as Processor,
    payments: paymentsProcessor(app) as Processor,
    webhooks: webhooksProcessor(app) as Processor,
  };
}

/**
 * Delays of jobs whose backoff type is WEBHOOK_BACKOFF: WEBHOOK_BACKOFF_MS, doubling each time (the
 * same as the delivery log's next_attempt_at). BullMQ asks only for custom types; built-in ones
 * (exponential, fixed) never reach this.
 */
const backoffStrategyFor = (app: AppContext) => (attemptsMade: number, type?: string) =>
  type === WEBHOOK_BACKOFF ? webhookRetryDelayMs(attemptsMade, app.config.webhooks.backoffMs) : 1000 * 2 ** Math.max(0, attemptsMade - 1);

export interface WorkerPoolOptions {
  queues: QueueName[];
  concurrency: number;
  onEvent?: (queue: QueueName, event: 'completed' | 'failed') => void;
}

/** One BullMQ Worker per queue, each with its own blocking connection (maxRetriesPerRequest: null). */
export function startWorkerPool(app: AppContext, options: WorkerPoolOptions): { workers: Worker[]; close: () => Promise<void> } {
  const processors = processorsFor(app);
  const connections: RedisClient[] = [];
  const workers = options.queues.flatMap((queue) => {
    const processor = processors[queue];
    const connection = createRedis(app.config, 'worker');
    connections.push(connection);
    // Stamped before BullMQ marks the job completed, so a completed job (later removed by retention)
    // always has a done row; a crash in between only runs an idempotent job again.
    const processAndMarkDone: Processor = async (job, token) => {
      const result: unknown = await processor(job, token);
      await markOutboxJobDone(app.db, job.id);
      return result;
    };
    const worker = new Worker(queue, processAndMarkDone, {
      connection,
      // Per-minute completed/failed counts kept in Redis, read by /metrics in any process.
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
      prefix: app.config.queuePrefix,
      concurrency: options.concurrency,
      // A job whose worker died is picked up again after the lock lapses (stalled-job check).
      lockDuration: app.config.workerLockMs,
      stalledInterval: Math.max(1000, Math.floor(app.config.workerLockMs / 2)),
      maxStalledCount: 2,
      settings: { backoffStrategy: backoffStrategyFor(app) },
    });
    worker.on('failed', (job, error) => {
      app.logger.warn({ queue, jobId: job?.id, name: job?.name, attempts: job?.attemptsMade, err: error }, 'job failed');
      // finishedOn is set only when BullMQ gives up on the job (no attempts left, or unrecoverable).
      if (job?.finishedOn) markOutboxJobDone(app.db, job.id, error).catch((err) => app.logger.warn({ err, jobId: job.id }, 'cannot mark the failed job done'));
      options.onEvent?.(queue, 'failed');
    });
    worker.on('completed', () => options.onEvent?.(queue, 'completed'));
    worker.on('error', (error) => app.logger.error({ queue, err: error }, 'worker error'));
    return [worker];
  });
  return {
    workers,
    // close() stops taking jobs and waits for the running ones to finish.
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
      for (const connection of connections) connection.disconnect();
    },
  };
}
