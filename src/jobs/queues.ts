import { Queue, type DefaultJobOptions, type JobsOptions } from 'bullmq';
import type { RedisClient } from '../platform/redis';
import type { Config } from '../config';
import { QUEUES, WEBHOOK_BACKOFF, type QueueName } from './job-contracts';

/**
 * Defaults for every job: retries with exponential backoff (1 s, 2 s, 4 s …), and bounded retention
 * so Redis does not grow without limit (completed: a day or 10,000; failed: a week for operators).
 */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * Webhook deliveries are tried for about a day (docs/api-conventions.md#outgoing-webhooks). The number of tries and their spacing
 * come from the configuration, which the workers hold: the job allows at most MAX_WEBHOOK_JOB_ATTEMPTS,
 * the processor gives up after WEBHOOK_MAX_ATTEMPTS, and the workers' backoff strategy spaces them.
 */
export const MAX_WEBHOOK_JOB_ATTEMPTS = 50;

const JOB_OPTIONS_OF: Partial<Record<QueueName, DefaultJobOptions>> = {
  webhooks: { ...DEFAULT_JOB_OPTIONS, attempts: MAX_WEBHOOK_JOB_ATTEMPTS, backoff: { type: WEBHOOK_BACKOFF } },
};

export const jobOptionsOf = (queue: QueueName): DefaultJobOptions => JOB_OPTIONS_OF[queue] ?? DEFAULT_JOB_OPTIONS;

/** Options of particular jobs over their queue's defaults, given to BullMQ when a job is relayed. */
export type JobOptionsFor = (queue: QueueName, name: string) => JobsOptions | undefined;

/**
 * E-mail sends keep trying through an SMTP outage of an hour (the defaults: 8 tries over ~64 minutes);
 * every other job keeps its queue's defaults.
 */
export function jobOptionsFor(config: Pick<Config, 'emailRetry'>): JobOptionsFor {
  const email: JobsOptions = { attempts: config.emailRetry.attempts, backoff: { type: 'exponential', delay: config.emailRetry.baseDelayMs } };
  return (queue, name) => (queue === 'notifications' && name === 'send-email' ? email : undefined);
}

export type Queues = Record<QueueName, Queue>;

/**
 * One Queue per name under the configured prefix; every Redis key the service writes lives there.
 * `retry` (JOB_ATTEMPTS, JOB_BACKOFF_MS) overrides the default attempts and first backoff.
 */
export function createQueues(connection: RedisClient, prefix: string, retry?: { attempts: number; backoffMs: number }): Queues {
  const defaultJobOptions: DefaultJobOptions = retry ? { ...DEFAULT_JOB_OPTIONS, attempts: retry.attempts, backoff: { type: 'exponential', delay: retry.backoffMs } } : DEFAULT_JOB_OPTIONS;
  return Object.fromEntries(
    QUEUES.map((name) => {
      // Webhook deliveries keep their own schedule of tries; JOB_ATTEMPTS / JOB_BACKOFF_MS tune the rest.
      const queue = new Queue(name, { connection, prefix, defaultJobOptions: JOB_OPTIONS_OF[name] ?? defaultJobOptions, skipWaitingForReady: true });
      // The connection's owner logs its errors; a Queue without a listener prints each one again,
      // as a raw stack on stderr (not a JSON log line), for as long as Redis is down.
      queue.on('error', () => undefined);
      return [name, queue];
    }),
  ) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}
