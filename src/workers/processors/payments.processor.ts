import { UnrecoverableError, type Job } from 'bullmq';
import type { AppContext } from '../../app/app-context';
import { applyPaymentEvent } from '../../app/payments/apply-payment-event';
import { refundBooking } from '../../app/payments/refund-booking';
import type { JobPayloads } from '../../jobs/job-contracts';

type PaymentsJob = { [N in keyof JobPayloads['payments']]: Job<JobPayloads['payments'][N], unknown, N> }[keyof JobPayloads['payments']];

export function paymentsProcessor(app: AppContext) {
  return async (job: PaymentsJob): Promise<unknown> => {
    switch (job.name) {
      case 'apply-payment-event':
        return applyPaymentEvent(app, job.data.eventId);
      case 'refund':
        return refundBooking(app, job.data.bookingId);
      default:
        throw new UnrecoverableError(`unknown payments job "${(job as Job).name}"`);
    }
  };
}
