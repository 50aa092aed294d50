/**
 * What a cancellation gives back. Pure: the caller passes `now`.
 */
import type { ActorRole, PaymentStatus } from './types';

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
