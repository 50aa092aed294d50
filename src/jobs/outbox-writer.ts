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
    outboxRows(jobs).map((row) => ({ ...row, payload: JSON.stringify(row.payload), flow_children: row.flow_children ? JSON.stringify(row.flow_children) : null })),
  );
  await trx.raw('SELECT pg_notify(?, ?)', [OUTBOX_CHANNEL, '']);
}

/** The outbox rows of jobs, as stored (payload and flow children as JSON values). */
export function outboxRows(jobs: OutboxJob[]) {
  return jobs.map((job) => ({ queue: job.queue, job_name: job.name, payload: job.payload as unknown, run_at: job.runAt ?? null, flow_children: (job.children ?? null) as unknown }));
}
