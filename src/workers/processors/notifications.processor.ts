import { UnrecoverableError, type Job } from 'bullmq';
import type { AppContext } from '../../app/app-context';
import { sendBookingNotification } from '../../app/notifications/send-notification';
import type { JobPayloads } from '../../jobs/job-contracts';

export function notificationsProcessor(app: AppContext) {
  return async (job: Job<JobPayloads['notifications']['notify']>): Promise<unknown> => {
    if (job.name !== 'notify') throw new UnrecoverableError(`unknown notifications job "${job.name}"`);
    return { notified: await sendBookingNotification(app, job.data) };
  };
}
