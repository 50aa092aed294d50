import { UnrecoverableError, type Job } from 'bullmq';
import type { AppContext } from '../../app/app-context';
import { expandComponent, expireBundleCredits, finishExpansion, UnknownComponentError } from '../../app/bookings/expand-booking';
import type { JobPayloads } from '../../jobs/job-contracts';
import { waitForDueTime } from '../wait-for-due-time';

type ExpansionJob = { [N in keyof JobPayloads['expansion']]: Job<JobPayloads['expansion'][N], unknown, N> }[keyof JobPayloads['expansion']];

/** Course and package expansion (a BullMQ flow: component jobs, then the parent job) and bundle credit expiry. */
export function expansionProcessor(app: AppContext) {
  return async (job: ExpansionJob, token?: string): Promise<unknown> => {
    switch (job.name) {
      case 'expand-component':
        try {
          return { outcome: await expandComponent(app, job.data.bookingId, job.data.componentKey) };
        } catch (error) {
          if (error instanceof UnknownComponentError) throw new UnrecoverableError(error.message);
          throw error;
        }
      case 'expand-booking': {
        // Children that failed for good are ignored by the flow (ignoreDependencyOnFailure): their reasons are here.
        const failures = Object.values(await job.getIgnoredChildrenFailures());
        return finishExpansion(app, job.data.bookingId, failures);
      }
      case 'expire-credits': {
        const result = await expireBundleCredits(app, job.data.bookingId, new Date(job.data.expiresAt));
        return result.outcome === 'early' ? waitForDueTime(job, result.dueAt, token) : result;
      }
      default:
        throw new UnrecoverableError(`unknown expansion job "${(job as Job).name}"`);
    }
  };
}
