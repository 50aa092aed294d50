import type { CancellationRefund } from '../../domain/cancellation-policy';
import { formatCents } from '../../domain/pricing';

// The representation lives in src/app: the webhooks worker sends the same booking JSON the API answers with.
export { serializeBookingDetail, serializeBookingSummary, serializeNote } from '../../app/bookings/booking-representation';

/** GET bookings/{id}/cancellation-quote/ (docs/retries-and-concurrency.md). */
export const serializeCancellationQuote = (q: CancellationRefund) => ({
  refund_cents: q.refundDueCents,
  refund: formatCents(q.refundDueCents),
  full_refund_until: q.fullRefundUntil === null ? null : q.fullRefundUntil.toISOString(),
  reason: q.reason,
  credit_returned: q.creditReturned,
});
