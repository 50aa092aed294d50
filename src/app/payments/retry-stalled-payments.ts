import { recordJobs } from '../../jobs/outbox-writer';
import { requeueFailedJobs } from '../../jobs/outbox-requeue';
import type { AppContext } from '../app-context';

/** How long a refund the provider never answered waits before the reconciler asks again. */
export const REFUND_RETRY_AFTER_MINUTES = 5;
/** How long a payments job that failed for good waits before it is recorded again, and how often at most. */
export const PAYMENT_JOB_RETRY_AFTER_MINUTES = 5;
export const PAYMENT_JOB_MAX_REQUEUES = 3;

/**
 * The reconciler's part for money. A refund still pending without a provider id for a few minutes
 * (its job ran out of attempts while the provider was down, or Redis lost the job) gets a new refund
 * job through the outbox; that job resumes the same row, so the provider sees the same idempotency
 * key. Payments jobs that failed for good are recorded again, a few minutes later, a bounded number
 * of times. Both claim their rows with conditional updates, so reconcilers may run side by side.
 */
export async function retryStalledPayments(app: AppContext, limit = 100): Promise<{ refundsRetried: number; paymentJobsRequeued: number }> {
  const bookingIds = await app.db.transaction(async (trx) => {
    const ids = await app.payments.claimStalledRefunds(trx, REFUND_RETRY_AFTER_MINUTES, limit);
    await recordJobs(trx, ids.map((bookingId) => ({ queue: 'payments', name: 'refund', payload: { bookingId } })));
    return ids;
  });
  if (bookingIds.length) app.logger.warn({ bookingIds }, 'refunds unanswered by the provider: asked again');
  const paymentJobsRequeued = await requeueFailedJobs(app.db, {
    queue: 'payments',
    afterMinutes: PAYMENT_JOB_RETRY_AFTER_MINUTES,
    maxRequeues: PAYMENT_JOB_MAX_REQUEUES,
    limit,
  });
  if (paymentJobsRequeued) app.logger.warn({ paymentJobsRequeued }, 'payments jobs that failed for good: recorded again');
  return { refundsRetried: bookingIds.length, paymentJobsRequeued };
}
