import { DUPLICATE_PAYMENT, outstandingRefundCents, REFUND_REFUSED } from '../../domain/payment-ledger';
import type { PaymentRow } from '../../data/payment-repository';
import { offlineProvider, type PaymentProvider } from '../../platform/payment-provider';
import type { AppContext } from '../app-context';
import { recordRefundEvent } from '../events/record-events';
import { refreshPaymentStatus } from './apply-payment-event';

export type RefundOutcome = { outcome: 'nothing_due' } | { outcome: 'refunded' | 'pending' | 'awaiting_operator'; amountCents: number };

/** Enough for a duplicate's refund and the booking's own in one job; anything left is the next job's. */
const MAX_REFUNDS_PER_RUN = 5;

/**
 * Pays what a booking still owes back, exactly once even if this runs again after a crash: each
 * refund row and its idempotency key are committed BEFORE the provider is called, and a row the
 * provider never confirmed is resumed (same key, so the provider refunds once) rather than a new one
 * written. Refunds of duplicate payments (recorded when the payment came) are resumed the same way.
 */
export async function refundBooking(app: AppContext, bookingId: number): Promise<RefundOutcome> {
  let last: RefundOutcome = { outcome: 'nothing_due' };
  for (let run = 0; run < MAX_REFUNDS_PER_RUN; run++) {
    const result = await refundOnce(app, bookingId);
    if (result.outcome === 'nothing_due') return last;
    last = result;
  }
  return last;
}

async function refundOnce(app: AppContext, bookingId: number): Promise<RefundOutcome> {
  const claim = await app.db.transaction(async (trx) => {
    const booking = await app.bookings.lockForUpdate(trx, bookingId);
    if (!booking) return null;
    const ledger = await app.payments.ledger(trx, bookingId);
    const ownPayment = ledger.find((row) => row.kind === 'payment' && row.state === 'succeeded' && row.flag !== DUPLICATE_PAYMENT) ?? null;
    const paymentOf = (refund: PaymentRow) => (refund.refund_of === null ? ownPayment : (ledger.find((row) => row.id === refund.refund_of) ?? null));
    const unconfirmed = ledger.find((row) => row.kind === 'refund' && row.state === 'pending' && row.provider_id === null);
    if (unconfirmed) return { refund: unconfirmed, payment: paymentOf(unconfirmed) };
    const amount = outstandingRefundCents(booking.refund_due_cents ?? 0, ledger, booking.refund_baseline_cents);
    if (amount === 0) return null;
    const provider = ownPayment?.provider ?? 'offline';
    const attempt = ledger.filter((row) => row.kind === 'refund').length + 1;
    const refund = await app.payments.insertRefund(trx, {
      booking_id: bookingId,
      provider,
      amount_cents: amount,
      currency: booking.currency,
      state: 'pending',
      idempotency_key: `refund-${booking.public_uuid}-${attempt}`,
    });
    return { refund, payment: ownPayment };
  });
  if (!claim) return { outcome: 'nothing_due' };

  const { refund, payment } = claim;
  const provider: PaymentProvider = refund.provider === app.paymentProvider.name ? app.paymentProvider : offlineProvider;
  let result: Awaited<ReturnType<PaymentProvider['refund']>>;
  try {
    result = await provider.refund({
      bookingId,
      paymentProviderId: payment?.provider_id ?? null,
      amountCents: refund.amount_cents,
      idempotencyKey: refund.idempotency_key!,
    });
  } catch (error) {
    // Unanswered (network, 5xx, timeout): it may have been applied, so the row stays pending for the
    // same key to be asked again, by this job's retry or, once its attempts are spent, by the
    // reconciler. The error is kept for operators, who see the refund among the unsettled ones.
    await app.db.transaction(async (trx) => {
      await app.bookings.lockForUpdate(trx, bookingId);
      const current = await app.payments.lockPayment(trx, refund.id);
      if (current?.state === 'pending') await app.payments.updatePayment(trx, refund.id, { failure_reason: String((error as Error)?.message ?? error).slice(0, 500) });
    });
    throw error;
  }
  await app.db.transaction(async (trx) => {
    // The booking first, as the event and cancel paths lock it: taking the refund row first would
    // deadlock against a charge.refunded being applied (booking locked, then our refund row).
    const booking = (await app.bookings.lockForUpdate(trx, bookingId))!;
    // A charge.refunded applied while we waited may already have settled this refund: never downgrade it.
    const current = await app.payments.lockPayment(trx, refund.id);
    const settled = current?.state === 'succeeded';
    await app.payments.updatePayment(trx, refund.id, {
      ...(settled ? {} : { state: result.state, failure_reason: result.failureReason ?? null }),
      ...(!settled && result.state === 'failed' && !current?.flag ? { flag: REFUND_REFUSED } : {}),
      provider_id: result.providerId,
    });
    await refreshPaymentStatus(app, trx, bookingId);
    if (!settled && result.state === 'succeeded') await recordRefundEvent(app, trx, booking, refund.amount_cents);
  });
  // A refused refund counts for nothing: the job's retry works out again what is still owed (the
  // provider may have refunded part meanwhile) and asks for it under a new key. When every attempt is
  // refused, the last one stays failed and flagged refund_refused for an operator.
  if (result.state === 'failed') throw new Error(`refund ${refund.id} of booking ${bookingId} refused by the provider: ${result.failureReason ?? 'no reason given'}`);
  const outcome = result.state === 'succeeded' ? 'refunded' : result.state;
  return { outcome, amountCents: refund.amount_cents };
}
