import { DelayedError, type Job } from 'bullmq';

/**
 * A timed job that ran before its use case's due time (the relay's and this worker's clocks may differ
 * by a little) goes back to wait for it: delayed again, without spending an attempt.
 */
export async function waitForDueTime(job: Job, dueAt: Date, token: string | undefined): Promise<never> {
  await job.moveToDelayed(dueAt.getTime(), token);
  throw new DelayedError();
}
