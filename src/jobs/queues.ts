import { Queue, type DefaultJobOptions, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import { QUEUES, type QueueName } from './job-contracts';

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

/** One Queue per name under the configured prefix; every Redis key the service writes lives there. */
export function createQueues(connection: Redis, prefix: string): Queues {
  return Object.fromEntries(
    QUEUES.map((name) => {
      const queue = new Queue(name, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS, skipWaitingForReady: true });
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
