/** What the bookings list means by its words: pure vocabulary, shared by the API's validation and the data layer's queries. */
import type { BookingStatus } from './types';

export const ORDERINGS = ['start_time', '-start_time', 'created_at', '-created_at', 'price_charged_cents', '-price_charged_cents'] as const;
export type Ordering = (typeof ORDERINGS)[number];

/** Upcoming: still to happen and still expected to happen. */
export const UPCOMING_STATUSES: readonly BookingStatus[] = ['pending_payment', 'confirmed'];

export function isUpcoming(booking: { start_time: Date | null; status: BookingStatus }, now: Date): boolean {
  return booking.start_time !== null && booking.start_time.getTime() > now.getTime() && UPCOMING_STATUSES.includes(booking.status);
}
