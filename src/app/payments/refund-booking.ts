import { outstandingRefundCents } from '../../domain/payment-ledger';
import { offlineProvider, type PaymentProvider } from '../../platform/payment-provider';
import type { AppContext } from '../app-context';
import { refreshPaymentStatus } from './apply-payment-event';

export type RefundOutcome = { outcome: 'nothing_due' } | { outcome: 'refunded' | 'pending' | 'awaiting_operator'; amountCents: number };

/**
 * Pays what a booking's refund_due still owes, exactly once even if this runs again after a crash:
 * the refund row and its idempotency key are committed BEFORE the provider is called, and a row
 * the provider never confirmed is resumed (same key, so the provider refunds once) rather than
 * a new one written.
 */
export async function refundBooking(app: AppContext, bookingId: number): Promise<RefundOutcome> {
  const claim = await app.db.transaction(async (trx) => {
    const booking = await app.bookings.lockForUpdate(trx, bookingId);
    if (!booking) return null;
    const ledger = await app.payments.ledger(trx, bookingId);
    const payment = ledger.find((row) => row.kind === 'payment' && row.state === 'succeeded') ?? null;
    const unconfirmed = ledger.find((row) => row.kind === 'refund' && row.state === 'pending' && row.provider_id === null);
    if (unconfirmed) return { refund: unconfirmed, payment };
    const amount = outstandingRefundCents(booking.refund_due_cents ?? 0, ledger);
    if (amount === 0) return null;
    const provider = payment?.provider ?? 'offline';
    const attempt = ledger.filter((row) => row.kind === 'refund').length + 1;
    const refund = await app.payments.insertRefund(trx, {
      booking_id: bookingId,
      provider,
      amount_cents: amount,
      state: 'pending',
      idempotency_key: `refund-${booking.public_uuid}-${attempt}`,
    });
    return { refund, payment };
  });
  if (!claim) return { outcome: 'nothing_due' };

  const { refund, payment } = claim;
  const provider: PaymentProvider = refund.provider === app.paymentProvider.name ? app.paymentProvider : offlineProvider;
  const result = await provider.refund({
    bookingId,
    paymentProviderId: payment?.provider_id ?? null,
    amountCents: refund.amount_cents,
    idempotencyKey: refund.idempotency_key!,
  });
  await app.db.transaction(async (trx) => {
    // The booking first, as the event and cancel paths lock it: taking the refund row first would
    // deadlock against a charge.refunded being applied (booking locked, then our refund row).
    await app.bookings.lockForUpdate(trx, bookingId);
    // A charge.refunded applied while we waited may already have settled this refund: never downgrade it.
    const current = await app.payments.lockPayment(trx, refund.id);
    const settled = current?.state === 'succeeded';
    await app.payments.updatePayment(trx, refund.id, {
      ...(settled ? {} : { state: result.state, failure_reason: result.failureReason ?? null }),
      provider_id: result.providerId,
    });
    await refreshPaymentStatus(app, trx, bookingId);
  });
  // A refused refund counts for nothing: the job's retry works out again what is still owed (the
  // provider may have refunded part meanwhile) and asks for it under a new key.
  if (result.state === 'failed') throw new Error(`refund ${refund.id} of booking ${bookingId} refused by the provider: ${result.failureReason ?? 'no reason given'}`);
  const outcome = result.state === 'succeeded' ? 'refunded' : result.state;
  return { outcome, amountCents: refund.amount_cents };
}
