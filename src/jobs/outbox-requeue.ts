import type { Knex } from 'knex';
import type { QueueName } from './job-contracts';
import { OUTBOX_CHANNEL } from './outbox-writer';

/**
 * Records again, as new outbox rows, the jobs of `queue` that failed for good (done, with an error)
 * at least `afterMinutes` ago (Postgres's clock, which stamped done_at). A new row, because BullMQ
 * keeps the failed job under the old row's id and would ignore the same id. The old row is stamped
 * requeued_at; `attempts` counts the generations and stops at `maxRequeues`, so a job that keeps
 * failing is not retried forever. Returns how many rows were recorded.
 */
export async function requeueFailedJobs(db: Knex, options: { queue: QueueName; afterMinutes: number; maxRequeues: number; limit: number }): Promise<number> {
  return db.transaction(async (trx) => {
    const failed: Array<{ id: number; queue: string; job_name: string; payload: unknown; attempts: number }> = await trx('outbox')
      .select('id', 'queue', 'job_name', 'payload', 'attempts')
      .where({ queue: options.queue })
      .whereNotNull('last_error')
      .whereNull('requeued_at')
      .where('attempts', '<', options.maxRequeues)
      .where('done_at', '<', trx.raw(`now() - make_interval(mins => ?)`, [options.afterMinutes]))
      .orderBy('id')
      .limit(options.limit)
      .forUpdate()
      .skipLocked();
    if (!failed.length) return 0;
    await trx('outbox')
      .whereIn('id', failed.map((row) => row.id))
      .update({ requeued_at: trx.fn.now() });
    await trx('outbox').insert(failed.map((row) => ({ queue: row.queue, job_name: row.job_name, payload: JSON.stringify(row.payload), attempts: row.attempts + 1 })));
    await trx.raw('SELECT pg_notify(?, ?)', [OUTBOX_CHANNEL, '']);
    return failed.length;
  });
}
