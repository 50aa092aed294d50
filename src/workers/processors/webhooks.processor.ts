import { UnrecoverableError, type Job } from 'bullmq';
import type { AppContext } from '../../app/app-context';
import { deliverWebhook, fanOutWebhookEvent } from '../../app/webhooks/webhook-deliveries';
import type { JobPayloads } from '../../jobs/job-contracts';

type WebhooksJob = { [N in keyof JobPayloads['webhooks']]: Job<JobPayloads['webhooks'][N], unknown, N> }[keyof JobPayloads['webhooks']];

/** Outgoing webhooks: fan an event out to the endpoints that want it, then one job per delivery try. */
export function webhooksProcessor(app: AppContext) {
  return async (job: WebhooksJob): Promise<unknown> => {
    switch (job.name) {
      case 'fan-out':
        return { deliveries: await fanOutWebhookEvent(app, job.data.eventId, job.data.endpointIds) };
      case 'deliver': {
        // attemptsMade counts the tries that failed before this one.
        const result = await deliverWebhook(app, job.data.deliveryId, job.attemptsMade + 1);
        if (result.outcome === 'retry') throw new Error(result.error);
        if (result.outcome === 'failed') throw new UnrecoverableError(`gave up: ${result.error}`);
        return result;
      }
      default:
        throw new UnrecoverableError(`unknown webhooks job "${(job as Job).name}"`);
    }
  };
}
