import type { Knex } from 'knex';
import { outboxIdOfJob } from './job-contracts';

/**
 * Stamps the outbox row of a job that ran to its end, so the relay no longer expects Redis to hold
 * it (see OutboxRelay.restoreLostJobs). `error` is kept for a job that failed for good.
 */
export async function markOutboxJobDone(db: Knex, jobId: string | undefined, error?: Error): Promise<void> {
  const id = outboxIdOfJob(jobId);
  if (id === null) return;
  await db('outbox')
    .where({ id })
    .whereNull('done_at')
    .update({ done_at: db.fn.now(), ...(error ? { last_error: error.message.slice(0, 2000) } : {}) });
}
