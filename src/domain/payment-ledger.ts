import type { BookingStatus, PaymentStatus } from './types';

export const PAYMENT_STATES = ['pending', 'succeeded', 'failed', 'awaiting_operator', 'canceled'] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

export interface LedgerEntry {
  kind: 'payment' | 'refund';
  state: PaymentState;
  amount_cents: number;
}

/** Money that really moved: succeeded payments in, succeeded refunds out. */
export function settledAmounts(entries: LedgerEntry[]): { paidCents: number; refundedCents: number; failedAttempts: number } {
  let paidCents = 0;
  let refundedCents = 0;
  let failedAttempts = 0;
  for (const e of entries) {
    if (e.kind === 'payment' && e.state === 'succeeded') paidCents += e.amount_cents;
    if (e.kind === 'payment' && e.state === 'failed') failedAttempts++;
    if (e.kind === 'refund' && e.state === 'succeeded') refundedCents += e.amount_cents;
  }
  return { paidCents, refundedCents, failedAttempts };
}

const PAID_STATUSES: readonly PaymentStatus[] = ['paid', 'partially_refunded', 'refunded'];

/**
 * A booking's payment_status, derived from its ledger rather than from the last event applied, so
 * provider events arriving in any order end in the same state. A booking confirmed by hand after an
 * offline payment is `paid` with no payment in the ledger: `current` keeps that payment counted.
 */
export function derivePaymentStatus(priceCents: number, entries: LedgerEntry[], current?: PaymentStatus): PaymentStatus {
  const settled = settledAmounts(entries);
  const { refundedCents, failedAttempts } = settled;
  const paidOffline = settled.paidCents === 0 && current !== undefined && PAID_STATUSES.includes(current);
  const paidCents = paidOffline ? priceCents : settled.paidCents;
  if (paidCents === 0) return priceCents === 0 ? 'not_required' : failedAttempts > 0 ? 'failed' : 'unpaid';
  if (refundedCents >= paidCents) return 'refunded';
  if (refundedCents > 0) return 'partially_refunded';
  return 'paid';
}

export type SucceededPaymentDecision = 'confirm' | 'refund' | 'amount_mismatch' | 'nothing';

/**
 * What a successful payment means for its booking: confirm a booking waiting for it; refund one
 * canceled meanwhile (its hold expired); flag a payment of the wrong amount instead of confirming.
 */
export function decideSucceededPayment(input: { status: BookingStatus; priceCents: number; amountCents: number; refundedCents: number }): SucceededPaymentDecision {
  // A canceled booking cannot be confirmed by any amount: whatever came in goes back.
  if (input.status === 'canceled') return 'refund';
  if (input.amountCents !== input.priceCents) return 'amount_mismatch';
  if (input.status === 'pending_payment' && input.refundedCents < input.amountCents) return 'confirm';
  return 'nothing';
}

/**
 * Which of our refunds still in flight a provider's cumulative refunded total accounts for: oldest
 * first, while they fit in it beside the refunds already settled. One that does not fit stays
 * pending (its job resumes it), so the ledger never shows money returned that was not.
 */
export function refundsSettledBy<T extends LedgerEntry>(totalRefundedCents: number, entries: T[]): T[] {
  let settledCents = settledAmounts(entries).refundedCents;
  return entries.filter((entry) => {
    if (entry.kind !== 'refund' || entry.state !== 'pending' || settledCents + entry.amount_cents > totalRefundedCents) return false;
    settledCents += entry.amount_cents;
    return true;
  });
}

/**
 * Still owed back to the client: what was decided minus what is paid or on its way, and never more
 * than the ledger's payments took in (an underpaid booking gets back what was paid; a provider
 * refuses a refund larger than its charge). A ledger with no payment (paid offline) is not capped.
 */
export function outstandingRefundCents(refundDueCents: number, entries: LedgerEntry[]): number {
  const committed = entries
    .filter((r) => r.kind === 'refund' && r.state !== 'failed' && r.state !== 'canceled')
    .reduce((sum, r) => sum + r.amount_cents, 0);
  const owed = Math.max(0, refundDueCents - committed);
  const { paidCents } = settledAmounts(entries);
  return paidCents > 0 ? Math.min(owed, Math.max(0, paidCents - committed)) : owed;
}
