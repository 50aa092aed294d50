import type { Knex } from 'knex';
import type { OutboxJob } from './job-contracts';

export const OUTBOX_CHANNEL = 'outbox_jobs';

/**
 * Records jobs in the caller's transaction. They exist exactly when the change that caused them
 * commits; NOTIFY is delivered at commit too, so the relay never wakes for a row it cannot see.
 */
export async function recordJobs(trx: Knex.Transaction, jobs: OutboxJob[]): Promise<void> {
  if (!jobs.length) return;
  await trx('outbox').insert(
    jobs.map((job) => ({
      queue: job.queue,
      job_name: job.name,
      payload: JSON.stringify(job.payload),
      run_at: job.runAt ?? null,
      flow_children: job.children ? JSON.stringify(job.children) : null,
    })),
  );
  await trx.raw('SELECT pg_notify(?, ?)', [OUTBOX_CHANNEL, '']);
}
