import { SYSTEM_ACTOR } from '../../domain/types';
import type { Knex } from 'knex';
import { currencyMatches, decideSucceededPayment, derivePaymentStatus, DUPLICATE_PAYMENT, refundsSettledBy, settledAmounts } from '../../domain/payment-ledger';
import type { PaymentRow } from '../../data/payment-repository';
import type { BookingRow } from '../../data/booking-repository';
import { recordJobs } from '../../jobs/outbox-writer';
import type { AppContext } from '../app-context';
import { applyTransition } from '../bookings/transition-booking';
import { recordRefundEvent } from '../events/record-events';


type Outcome = { outcome: string; flag?: string };

const cents = (value: unknown): number | null => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null);

/** Re-derives payment_status from the ledger, whatever order the events came in. */
export async function refreshPaymentStatus(app: AppContext, trx: Knex.Transaction, bookingId: number): Promise<void> {
  const booking = (await app.bookings.findRow(bookingId, trx))!;
  const status = derivePaymentStatus(booking.price_charged_cents, await app.payments.ledger(trx, bookingId));
  if (status !== booking.payment_status) await app.bookings.update(trx, bookingId, { payment_status: status });
}

const CURRENCY = /^[A-Za-z]{3}$/;

async function onSucceeded(app: AppContext, trx: Knex.Transaction, booking: BookingRow, object: Record<string, unknown>): Promise<Outcome> {
  const amount = cents(object.amount_received);
  const currency = object.currency;
  if (amount === null || typeof object.id !== 'string') return { outcome: 'ignored', flag: 'malformed_event' };
  if (currency !== undefined && (typeof currency !== 'string' || !CURRENCY.test(currency))) return { outcome: 'ignored', flag: 'malformed_event' };
  const ledger = await app.payments.ledger(trx, booking.id);
  const counted = ledger.filter((row) => row.kind === 'payment' && row.state === 'succeeded' && row.flag !== DUPLICATE_PAYMENT);
  const decision = decideSucceededPayment({
    status: booking.status,
    priceCents: booking.price_charged_cents,
    amountCents: amount,
    refundedCents: settledAmounts(ledger).refundedCents,
    currencyMatches: currencyMatches(currency, booking.currency),
    alreadyRecorded: counted.some((row) => row.provider === 'stripe' && row.provider_id === object.id),
    otherPaidCents: counted.filter((row) => !(row.provider === 'stripe' && row.provider_id === object.id)).reduce((sum, row) => sum + row.amount_cents, 0),
  });
  const mismatch = amount !== booking.price_charged_cents || !currencyMatches(currency, booking.currency);
  const flag = decision === 'refund_duplicate' ? DUPLICATE_PAYMENT : decision === 'amount_mismatch' ? 'amount_mismatch' : null;
  const payment = await app.payments.upsertPayment(trx, {
    booking_id: booking.id,
    provider: 'stripe',
    provider_id: object.id,
    amount_cents: amount,
    currency: (currency ?? booking.currency).toUpperCase(),
    state: 'succeeded',
    flag,
  });
  if (decision === 'confirm') await applyTransition(app, trx, booking, SYSTEM_ACTOR, 'confirm', { reason: 'payment received' });
  if (decision === 'refund') {
    // The booking was canceled (its hold ran out) before the money came: it goes back, up to the
    // price the refund_due column can hold; an overpayment beyond it is flagged for an operator.
    await app.bookings.update(trx, booking.id, { refund_due_cents: Math.min(amount, booking.price_charged_cents) });
    await recordJobs(trx, [{ queue: 'payments', name: 'refund', payload: { bookingId: booking.id } }]);
  }
  if (decision === 'refund_duplicate') await refundDuplicate(app, trx, payment);
  if (decision === 'refund' && (amount > booking.price_charged_cents || mismatch)) return { outcome: 'refund', flag: 'amount_mismatch' };
  if (flag) return { outcome: decision === 'amount_mismatch' ? 'recorded' : decision, flag };
  return { outcome: decision === 'nothing' ? 'recorded' : decision };
}

/**
 * A payment the booking did not need goes back whole, through the provider that took it, under a
 * key of its own (the refund job calls the provider; one that cannot refund leaves it to an operator).
 */
async function refundDuplicate(app: AppContext, trx: Knex.Transaction, payment: PaymentRow): Promise<void> {
  const key = `refund-duplicate-${payment.id}`;
  const existing = (await app.payments.ledger(trx, payment.booking_id)).find((row) => row.idempotency_key === key);
  if (!existing) {
    await app.payments.insertRefund(trx, {
      booking_id: payment.booking_id,
      provider: payment.provider,
      amount_cents: payment.amount_cents,
      currency: payment.currency,
      state: 'pending',
      idempotency_key: key,
      refund_of: payment.id,
      flag: DUPLICATE_PAYMENT,
    });
  }
  await recordJobs(trx, [{ queue: 'payments', name: 'refund', payload: { bookingId: payment.booking_id } }]);
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

/**
 * The part of the ledger a charge's report speaks for: a duplicate payment's own refunds when the
 * report names that payment, else the booking's own money (duplicates aside).
 */
function chargeScope(ledger: PaymentRow[], paymentIntent: unknown): { rows: PaymentRow[]; duplicateOf: PaymentRow | null } {
  const duplicate = ledger.find((row) => row.kind === 'payment' && row.flag === DUPLICATE_PAYMENT && typeof paymentIntent === 'string' && row.provider_id === paymentIntent);
  if (!duplicate) return { rows: ledger, duplicateOf: null };
  // Seen without their flag, so the ledger rules count them as this charge's own money.
  const rows = ledger.filter((row) => row.id === duplicate.id || row.refund_of === duplicate.id).map((row) => ({ ...row, flag: null }));
  return { rows, duplicateOf: duplicate };
}

async function onRefunded(app: AppContext, trx: Knex.Transaction, booking: BookingRow, object: Record<string, unknown>, eventId: number): Promise<Outcome> {
  const totalRefunded = cents(object.amount_refunded) ?? cents(object.amount_received);
  if (totalRefunded === null) return { outcome: 'ignored', flag: 'malformed_event' };
  // charge.refunded reports the charge's cumulative refunds: our refunds in flight that it covers are
  // now done, and anything beyond the ledger was refunded at the provider directly.
  const scope = chargeScope(await app.payments.ledger(trx, booking.id), object.payment_intent);
  const settled = refundsSettledBy(totalRefunded, scope.rows);
  await app.payments.settleRefunds(trx, settled.map((refund) => refund.id));
  const { refundedCents } = settledAmounts(chargeScope(await app.payments.ledger(trx, booking.id), object.payment_intent).rows);
  const external = Math.max(0, totalRefunded - refundedCents);
  await recordRefundEvent(app, trx, booking, settled.reduce((sum, refund) => sum + refund.amount_cents, 0) + external);
  if (totalRefunded > refundedCents) {
    await app.payments.insertRefund(trx, {
      booking_id: booking.id,
      provider: 'stripe',
      amount_cents: totalRefunded - refundedCents,
      state: 'succeeded',
      idempotency_key: `event-${eventId}`,
      ...(scope.duplicateOf ? { refund_of: scope.duplicateOf.id, flag: DUPLICATE_PAYMENT } : {}),
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
