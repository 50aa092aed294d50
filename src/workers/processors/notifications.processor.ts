import { UnrecoverableError, type Job } from 'bullmq';
import type { AppContext } from '../../app/app-context';
import { sendNotificationEmail } from '../../app/notifications/send-email';
import { sendBookingNotification } from '../../app/notifications/send-notification';
import type { JobPayloads } from '../../jobs/job-contracts';

type NotificationsJob = Job<JobPayloads['notifications']['notify']> | Job<JobPayloads['notifications']['send-email']>;

export function notificationsProcessor(app: AppContext) {
  return async (job: NotificationsJob): Promise<unknown> => {
    if (job.name === 'notify') return { notified: await sendBookingNotification(app, job.data as JobPayloads['notifications']['notify']) };
    if (job.name === 'send-email') {
      // attemptsMade counts the tries that failed before this one.
      const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      return { email: await sendNotificationEmail(app, { notificationId: (job.data as JobPayloads['notifications']['send-email']).notificationId, finalAttempt }) };
    }
    throw new UnrecoverableError(`unknown notifications job "${job.name}"`);
  };
}
