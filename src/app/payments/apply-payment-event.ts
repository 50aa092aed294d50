import type { Knex } from 'knex';
import { decideSucceededPayment, derivePaymentStatus, refundsSettledBy, settledAmounts } from '../../domain/payment-ledger';
import type { BookingRow } from '../../data/booking-repository';
import { recordJobs } from '../../jobs/outbox-writer';
import type { AppContext } from '../app-context';
import { applyTransition } from '../bookings/transition-booking';

const SYSTEM = { id: null, role: 'system' } as const;

type Outcome = { outcome: string; flag?: string };

const cents = (value: unknown): number | null => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null);

/** Re-derives payment_status from the ledger, whatever order the events came in. */
export async function refreshPaymentStatus(app: AppContext, trx: Knex.Transaction, bookingId: number): Promise<void> {
  const booking = (await trx('bookings').where({ id: bookingId }).first()) as BookingRow;
  const status = derivePaymentStatus(booking.price_charged_cents, await app.payments.ledger(trx, bookingId), booking.payment_status);
  if (status !== booking.payment_status) await app.bookings.update(trx, bookingId, { payment_status: status });
}

async function onSucceeded(app: AppContext, trx: Knex.Transaction, booking: BookingRow, object: Record<string, unknown>): Promise<Outcome> {
  const amount = cents(object.amount_received);
  if (amount === null || typeof object.id !== 'string') return { outcome: 'ignored', flag: 'malformed_event' };
  const { refundedCents } = settledAmounts(await app.payments.ledger(trx, booking.id));
  const decision = decideSucceededPayment({ status: booking.status, priceCents: booking.price_charged_cents, amountCents: amount, refundedCents });
  await app.payments.upsertPayment(trx, {
    booking_id: booking.id,
    provider: 'stripe',
    provider_id: object.id,
    amount_cents: amount,
    state: 'succeeded',
    flag: decision === 'amount_mismatch' ? 'amount_mismatch' : null,
  });
  if (decision === 'confirm') await applyTransition(app, trx, booking, SYSTEM, 'confirm', { reason: 'payment received' });
  if (decision === 'refund') {
    // The booking was canceled (its hold ran out) before the money came: it goes back, up to the
    // price the refund_due column can hold; an overpayment beyond it is flagged for an operator.
    await app.bookings.update(trx, booking.id, { refund_due_cents: Math.min(amount, booking.price_charged_cents) });
    await recordJobs(trx, [{ queue: 'payments', name: 'refund', payload: { bookingId: booking.id } }]);
  }
  if (decision === 'refund' && amount > booking.price_charged_cents) return { outcome: 'refund', flag: 'amount_mismatch' };
  return decision === 'amount_mismatch' ? { outcome: 'recorded', flag: 'amount_mismatch' } : { outcome: decision === 'nothing' ? 'recorded' : decision };
}

async function onFailed(app: AppContext, trx: Knex.Transaction, booking: BookingRow, object: Record<string, unknown>): Promise<Outcome> {
  if (typeof object.id !== 'string') return { outcome: 'ignored', flag: 'malformed_event' };
  const error = object.last_payment_error as { message?: unknown } | undefined;
  await app.payments.upsertPayment(trx, {
    booking_id: booking.id,
    provider: 'stripe',
    provider_id: object.id,
    amount_cents: cents(object.amount) ?? booking.price_charged_cents,
    state: 'failed',
    failure_reason: typeof error?.message === 'string' ? error.message.slice(0, 500) : null,
  });
  // The booking keeps its hold: the client may try again until it runs out.
  return { outcome: 'recorded' };
}

async function onRefunded(app: AppContext, trx: Knex.Transaction, booking: BookingRow, object: Record<string, unknown>, eventId: number): Promise<Outcome> {
  const totalRefunded = cents(object.amount_refunded) ?? cents(object.amount_received);
  if (totalRefunded === null) return { outcome: 'ignored', flag: 'malformed_event' };
  // charge.refunded reports the charge's cumulative refunds: our refunds in flight that it covers are
  // now done, and anything beyond the ledger was refunded at the provider directly.
  const settled = refundsSettledBy(totalRefunded, await app.payments.ledger(trx, booking.id));
  await app.payments.settleRefunds(trx, settled.map((refund) => refund.id));
  const { refundedCents } = settledAmounts(await app.payments.ledger(trx, booking.id));
  if (totalRefunded > refundedCents) {
    await app.payments.insertRefund(trx, {
      booking_id: booking.id,
      provider: 'stripe',
      amount_cents: totalRefunded - refundedCents,
      state: 'succeeded',
      idempotency_key: `event-${eventId}`,
    });
  }
  return { outcome: 'recorded' };
}

/** Applies one stored provider event exactly once (the event row is locked and stamped processed). */
export async function applyPaymentEvent(app: AppContext, eventId: number): Promise<Outcome> {
  return app.db.transaction(async (trx) => {
    const event = await app.payments.lockEvent(trx, eventId);
    if (!event) return { outcome: 'missing' };
    if (event.processed_at) return { outcome: 'already_processed' };
    const object = event.payload.data?.object ?? {};
    const booking = await app.payments.lockBookingByRef(trx, event.booking_ref);
    if (!booking) {
      const result = { outcome: 'kept', flag: 'unknown_booking' };
      await app.payments.finishEvent(trx, event.id, result);
      app.logger.warn({ eventId: event.id, type: event.type }, 'payment event for an unknown booking: kept for an operator');
      return result;
    }
    let result: Outcome;
    if (event.type === 'payment_intent.succeeded') result = await onSucceeded(app, trx, booking, object);
    else if (event.type === 'payment_intent.payment_failed') result = await onFailed(app, trx, booking, object);
    else if (event.type === 'charge.refunded') result = await onRefunded(app, trx, booking, object, event.id);
    else result = { outcome: 'ignored' };
    await refreshPaymentStatus(app, trx, booking.id);
    await app.payments.finishEvent(trx, event.id, { ...result, booking_id: booking.id });
    if (result.flag) app.logger.warn({ eventId: event.id, bookingId: booking.id, flag: result.flag }, 'payment event flagged for an operator');
    return result;
  });
}
