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
}

const MS_PER_HOUR = 3_600_000;

/**
 * Refund due on cancellation, in cents.
 * - Nothing unless the booking is `paid` (other statuses have nothing, or nothing more, to give back).
 * - Practitioner, admin or system cancel: full; the client did not choose to forfeit anything.
 * - Client cancel at least noticeHours before the start (exactly noticeHours counts): full; later: 0.
 * - Client cancel of a booking with no start time (package/bundle parent): full, as there is
 *   no session whose notice could be short.
 */
export function computeRefundDueCents(input: RefundInput): number {
  if (input.paymentStatus !== 'paid') return 0;
  const full = Math.max(0, input.amountPaidCents);
  if (input.canceledBy !== 'client') return full;
  if (input.startTime === null) return full;

  const noticeGivenMs = input.startTime.getTime() - input.now.getTime();
  return noticeGivenMs >= input.noticeHours * MS_PER_HOUR ? full : 0;
}
