/**
 * What a cancellation gives back. Pure: the caller passes `now`.
 */
import { bundleRefundDueCents, creditReturnsOnCancel, parentRefundDueCents, type ChildFacts } from './parent-bookings';
import type { ActorRole, BookingStatus, PaymentStatus } from './types';

export interface RefundInput {
  paymentStatus: PaymentStatus;
  amountPaidCents: number;
  /** The service's cancellation notice, in hours before the start. */
  noticeHours: number;
  /** null for package/bundle parents, which have no session of their own. */
  startTime: Date | null;
  canceledBy: ActorRole;
  now: Date;
  /** Refunds of this payment already gone back or on their way (charge.refunded, an earlier refund). */
  alreadyRefundedCents?: number;
}

const MS_PER_HOUR = 3_600_000;

/**
 * Refund due on cancellation, in cents.
 * - Nothing unless the booking is `paid` or `partially_refunded` (others have nothing to give back).
 * - What the rules below grant is on the whole payment; what already went back is taken off it, so
 *   a booking refunded 20.00 by hand and then canceled in full gets the other 30.00, once.
 * - Practitioner, admin or system cancel: full; the client did not choose to forfeit anything.
 * - Client cancel at least noticeHours before the start (exactly noticeHours counts): full; later: 0.
 * - Client cancel of a booking with no start time (package/bundle parent): full, as there is
 *   no session whose notice could be short.
 */
export function computeRefundDueCents(input: RefundInput): number {
  return Math.max(0, grantedCents(input) - (input.alreadyRefundedCents ?? 0));
}

function grantedCents(input: RefundInput): number {
  if (input.paymentStatus !== 'paid' && input.paymentStatus !== 'partially_refunded') return 0;
  const full = Math.max(0, input.amountPaidCents);
  if (input.canceledBy !== 'client') return full;
  if (input.startTime === null) return full;

  const noticeGivenMs = input.startTime.getTime() - input.now.getTime();
  return noticeGivenMs >= input.noticeHours * MS_PER_HOUR ? full : 0;
}

/**
 * Everything a cancel's refund depends on, per kind of booking. The cancel and the quote
 * (GET bookings/{id}/cancellation-quote/) both gather these facts and ask decideCancellationRefund:
 * one rule, two callers, so the quote cannot promise what the cancel then does not do.
 */
export type CancellationSubject =
  | {
      kind: 'session';
      paymentStatus: PaymentStatus;
      amountPaidCents: number;
      noticeHours: number;
      startTime: Date | null;
      alreadyRefundedCents: number;
      /** Paid with a bundle credit (and not a draft): the credit comes back or is forfeited. */
      redeemedCredit: boolean;
    }
  | {
      kind: 'parent';
      paymentStatus: PaymentStatus;
      amountPaidCents: number;
      noticeHours: number;
      children: ChildFacts[];
      /** refund_due_cents already granted (shares of children the practitioner canceled): never taken back. */
      grantedSoFarCents: number;
    }
  | {
      kind: 'bundle';
      paymentStatus: PaymentStatus;
      amountPaidCents: number;
      sessionsIncluded: number;
      bonusSessions: number;
      remainingCredits: number;
      alreadyRefundedCents: number;
    };

export type CancellationReason =
  | 'nothing_paid'
  | 'full_refund'
  | 'partial_refund'
  | 'inside_notice'
  | 'already_refunded'
  | 'no_credits_left'
  | 'credit_returned'
  | 'credit_forfeited';

export interface CancellationRefund {
  /** What the cancel writes as refund_due_cents. */
  refundDueCents: number;
  /** Until when a cancel by this role still gets the full refund (or the credit back); null: no deadline applies. */
  fullRefundUntil: Date | null;
  /** A redeemed booking: whether its credit comes back; null for others. */
  creditReturned: boolean | null;
  reason: CancellationReason;
}

const isPaid = (status: PaymentStatus) => status === 'paid' || status === 'partially_refunded';
const CHILD_NOT_STARTED: readonly BookingStatus[] = ['draft', 'pending_payment', 'confirmed'];

export function decideCancellationRefund(subject: CancellationSubject, canceledBy: ActorRole, now: Date): CancellationRefund {
  const deadline = (start: Date | null, noticeHours: number) => (canceledBy === 'client' && start !== null ? new Date(start.getTime() - noticeHours * MS_PER_HOUR) : null);
  let granted: number;
  let refundDueCents: number;
  let fullRefundUntil: Date | null = null;
  let creditReturned: boolean | null = null;
  if (subject.kind === 'session') {
    const input = { ...subject, canceledBy, now };
    granted = grantedCents(input);
    refundDueCents = computeRefundDueCents(input);
    fullRefundUntil = isPaid(subject.paymentStatus) || subject.redeemedCredit ? deadline(subject.startTime, subject.noticeHours) : null;
    if (subject.redeemedCredit) creditReturned = creditReturnsOnCancel({ canceledBy, startTime: subject.startTime, noticeHours: subject.noticeHours, now });
  } else if (subject.kind === 'parent') {
    granted = parentRefundDueCents({ ...subject, canceledBy, now });
    refundDueCents = Math.max(granted, subject.grantedSoFarCents);
    if (isPaid(subject.paymentStatus)) {
      const starts = subject.children.filter((c) => CHILD_NOT_STARTED.includes(c.status) && c.startTime !== null).map((c) => c.startTime!.getTime());
      fullRefundUntil = starts.length ? deadline(new Date(Math.min(...starts)), subject.noticeHours) : null;
    }
  } else {
    granted = bundleRefundDueCents(subject);
    refundDueCents = Math.max(0, granted - subject.alreadyRefundedCents);
  }
  return { refundDueCents, fullRefundUntil, creditReturned, reason: reasonFor(subject, granted, refundDueCents, creditReturned) };
}

function reasonFor(subject: CancellationSubject, granted: number, due: number, creditReturned: boolean | null): CancellationReason {
  if (creditReturned !== null && !isPaid(subject.paymentStatus)) return creditReturned ? 'credit_returned' : 'credit_forfeited';
  if (!isPaid(subject.paymentStatus)) return 'nothing_paid';
  if (due === 0) {
    if (granted > 0) return 'already_refunded';
    return subject.kind === 'bundle' ? 'no_credits_left' : 'inside_notice';
  }
  return due >= subject.amountPaidCents ? 'full_refund' : 'partial_refund';
}
