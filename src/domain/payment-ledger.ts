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

/**
 * A booking's payment_status, derived from its ledger rather than from the last event applied, so
 * provider events arriving in any order end in the same state.
 */
export function derivePaymentStatus(priceCents: number, entries: LedgerEntry[]): PaymentStatus {
  const { paidCents, refundedCents, failedAttempts } = settledAmounts(entries);
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
  if (input.amountCents !== input.priceCents) return 'amount_mismatch';
  if (input.status === 'canceled') return 'refund';
  if (input.status === 'pending_payment' && input.refundedCents < input.amountCents) return 'confirm';
  return 'nothing';
}

/** Still owed back to the client: what was decided minus what is paid or on its way. */
export function outstandingRefundCents(refundDueCents: number, refunds: LedgerEntry[]): number {
  const committed = refunds
    .filter((r) => r.kind === 'refund' && r.state !== 'failed' && r.state !== 'canceled')
    .reduce((sum, r) => sum + r.amount_cents, 0);
  return Math.max(0, refundDueCents - committed);
}
