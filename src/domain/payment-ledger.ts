import type { BookingStatus, PaymentStatus } from './types';

export const PAYMENT_STATES = ['pending', 'succeeded', 'failed', 'awaiting_operator', 'canceled'] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

/** The states of a refund that is not settled yet: in flight or to be retried, refused, to be paid by hand. */
export const UNSETTLED_REFUND_STATES = ['pending', 'failed', 'awaiting_operator'] as const satisfies readonly PaymentState[];
export type UnsettledRefundState = (typeof UNSETTLED_REFUND_STATES)[number];

export interface LedgerEntry {
  kind: 'payment' | 'refund';
  state: PaymentState;
  amount_cents: number;
  flag?: string | null;
}

/**
 * A payment the booking did not need (it was already paid, or past needing it), and the refund that
 * gives it back: both carry this flag and stay out of the booking's own money.
 */
export const DUPLICATE_PAYMENT = 'duplicate_payment';

/** A refund the provider refused: nothing went back, an operator decides. */
export const REFUND_REFUSED = 'refund_refused';

const countsForBooking = (e: LedgerEntry): boolean => e.flag !== DUPLICATE_PAYMENT;

/** Money that really moved for the booking: succeeded payments in, succeeded refunds out (duplicates aside). */
export function settledAmounts(entries: LedgerEntry[]): { paidCents: number; refundedCents: number; failedAttempts: number } {
  let paidCents = 0;
  let refundedCents = 0;
  let failedAttempts = 0;
  for (const e of entries.filter(countsForBooking)) {
    if (e.kind === 'payment' && e.state === 'succeeded') paidCents += e.amount_cents;
    if (e.kind === 'payment' && e.state === 'failed') failedAttempts++;
    if (e.kind === 'refund' && e.state === 'succeeded') refundedCents += e.amount_cents;
  }
  return { paidCents, refundedCents, failedAttempts };
}

/**
 * A booking's payment_status, derived from its ledger alone (an offline payment is a ledger row
 * too), so provider events arriving in any order end in the same state.
 */
export function derivePaymentStatus(priceCents: number, entries: LedgerEntry[]): PaymentStatus {
  const { paidCents, refundedCents, failedAttempts } = settledAmounts(entries);
  if (paidCents === 0) return priceCents === 0 ? 'not_required' : failedAttempts > 0 ? 'failed' : 'unpaid';
  if (refundedCents >= paidCents) return 'refunded';
  if (refundedCents > 0) return 'partially_refunded';
  return 'paid';
}

export type SucceededPaymentDecision = 'confirm' | 'refund' | 'refund_duplicate' | 'amount_mismatch' | 'nothing';

const PAST_PAYMENT: readonly BookingStatus[] = ['confirmed', 'in_progress', 'completed', 'no_show'];

/** A provider's currency (Stripe sends lowercase `usd`) against the booking's; an event naming none keeps the booking's. */
export function currencyMatches(eventCurrency: string | undefined, bookingCurrency: string): boolean {
  return eventCurrency === undefined || eventCurrency.toUpperCase() === bookingCurrency.toUpperCase();
}

/**
 * What a successful payment means for its booking:
 * - waiting for it (pending_payment): confirm when it is the price in the booking's currency, else
 *   flag it (amount_mismatch) and leave the booking waiting;
 * - canceled meanwhile (its hold expired) and never paid: whatever came in goes back (refund);
 * - already paid by another payment, or past needing one (confirmed or beyond): it is a duplicate,
 *   refunded through its own provider and kept out of the booking's money, as Stripe-based platforms
 *   refund a double charge rather than keep it as credit;
 * - the payment already recorded for this booking, reported again: nothing.
 */
export function decideSucceededPayment(input: {
  status: BookingStatus;
  priceCents: number;
  amountCents: number;
  refundedCents: number;
  /** false when the event's currency is not the booking's. */
  currencyMatches?: boolean;
  /** This very payment (provider id) already counts as the booking's payment. */
  alreadyRecorded?: boolean;
  /** Succeeded payments of the booking other than this one (duplicates aside). */
  otherPaidCents?: number;
}): SucceededPaymentDecision {
  const otherPaid = (input.otherPaidCents ?? 0) > 0;
  if (input.alreadyRecorded && (input.status === 'canceled' || PAST_PAYMENT.includes(input.status))) return 'nothing';
  if (input.status === 'canceled') return otherPaid ? 'refund_duplicate' : 'refund';
  if (PAST_PAYMENT.includes(input.status)) return 'refund_duplicate';
  if (input.currencyMatches === false || input.amountCents !== input.priceCents) return 'amount_mismatch';
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
    if (!countsForBooking(entry)) return false;
    if (entry.kind !== 'refund' || entry.state !== 'pending' || settledCents + entry.amount_cents > totalRefundedCents) return false;
    settledCents += entry.amount_cents;
    return true;
  });
}

/** Refunds of the booking's own money that went back or are on their way (refused and canceled ones aside). */
export function committedRefundCents(entries: LedgerEntry[]): number {
  return entries
    .filter((r) => countsForBooking(r) && r.kind === 'refund' && r.state !== 'failed' && r.state !== 'canceled')
    .reduce((sum, r) => sum + r.amount_cents, 0);
}

/**
 * Still owed back to the client: what was decided minus what was committed since the decision
 * (`baselineCents`: the refunds already committed when it was decided, which the decision already
 * left out), and never more than the ledger's payments took in beside every refund (an underpaid
 * booking gets back what was paid; a provider refuses a refund larger than its charge). A ledger with
 * no payment is not capped.
 */
export function outstandingRefundCents(refundDueCents: number, entries: LedgerEntry[], baselineCents = 0): number {
  const committed = committedRefundCents(entries);
  const owed = Math.max(0, refundDueCents - Math.max(0, committed - baselineCents));
  const { paidCents } = settledAmounts(entries);
  return paidCents > 0 ? Math.min(owed, Math.max(0, paidCents - committed)) : owed;
}
