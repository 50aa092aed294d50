import { UnrecoverableError, type Job } from 'bullmq';
import type { AppContext } from '../../app/app-context';
import { runScheduledTransition, type ScheduledOutcome } from '../../app/bookings/scheduled-transitions';
import { runMaintenance } from '../../app/maintenance';
import { offerWaitlistSeats } from '../../app/waitlists/offer-waitlist-seats';
import type { JobPayloads } from '../../jobs/job-contracts';
import { waitForDueTime } from '../wait-for-due-time';

type LifecycleJob = { [N in keyof JobPayloads['lifecycle']]: Job<JobPayloads['lifecycle'][N], unknown, N> }[keyof JobPayloads['lifecycle']];

/** A processor calls a use case, nothing more; an early job goes back to wait for its time. */
export function lifecycleProcessor(app: AppContext) {
  return async (job: LifecycleJob, token?: string): Promise<unknown> => {
    let result: ScheduledOutcome;
    switch (job.name) {
      case 'start-booking':
        result = await runScheduledTransition(app, job.data.bookingId, 'start', new Date(job.data.startTime), {
          status: ['confirmed'],
          startTime: new Date(job.data.startTime),
        });
        break;
      case 'finish-booking':
        result = await runScheduledTransition(app, job.data.bookingId, 'complete', new Date(job.data.endTime), {
          status: ['confirmed', 'in_progress'],
          endTime: new Date(job.data.endTime),
        });
        break;
      case 'expire-hold':
        result = await runScheduledTransition(app, job.data.bookingId, 'expire_hold', new Date(job.data.holdExpiresAt), {
          status: ['pending_payment'],
        });
        break;
      case 'offer-waitlist-seats':
        return offerWaitlistSeats(app, job.data.sessionId);
      case 'reconcile':
        return runMaintenance(app);
      default:
        throw new UnrecoverableError(`unknown lifecycle job "${(job as Job).name}"`);
    }
    return result.outcome === 'early' ? waitForDueTime(job, result.dueAt, token) : result;
  };
}
