import { actorFor, type BookingFacts } from '../../domain/booking-status';
import { UPCOMING_STATUSES } from '../../domain/booking-lists';
import { notFound } from '../../domain/errors';
import { settledAmounts } from '../../domain/payment-ledger';
import { pricingBreakdown, type PricingBreakdown } from '../../domain/pricing';
import { creditSummary, type CreditEntry } from '../../domain/parent-bookings';
import type { BundleCreditsRow } from '../../data/credit-repository';
import type { Actor, Caller } from '../../domain/types';
import type { BookingFilter, BookingRow, BookingView, HistoryEntry, NoteRecord } from '../../data/booking-repository';
import type { Page, PageRequest } from '../../data/pagination';
import type { BookingListItemRow } from '../../data/booking-list-query';
import type { PaymentRow } from '../../data/payment-repository';
import type { AppContext } from '../app-context';

/** The columns a booking's facts come from (a list item has no more). */
type FactColumns = Pick<BookingRow, 'status' | 'client_id' | 'practitioner_id' | 'start_time' | 'end_time' | 'service_session_id' | 'cancellation_notice_hours' | 'booking_type'>;

const isParentRow = (booking: Pick<BookingRow, 'booking_type'>) => booking.booking_type === 'course' || booking.booking_type === 'package';

export const factsOf = (booking: FactColumns): BookingFacts => ({
  status: booking.status,
  clientId: booking.client_id,
  practitionerId: booking.practitioner_id,
  startTime: booking.start_time,
  endTime: booking.end_time,
  followsSession: booking.service_session_id !== null || isParentRow(booking),
  cancellationNoticeHours: booking.cancellation_notice_hours,
  isParent: isParentRow(booking),
});

export interface BookingDetail {
  booking: BookingView;
  actor: Actor;
  children: BookingView[];
  notes: NoteRecord[];
  history: HistoryEntry[];
  payments: PaymentRow[];
  /** Bundles: their credits, once granted. */
  credits: { total: number; used: number; remaining: number; expires_at: Date; expired_at: Date | null } | null;
  pricing: PricingBreakdown;
}

/** The caller's relation to a booking; a booking the caller is no party to does not exist for them. */
export function requireActor(booking: BookingRow | undefined, caller: Caller): Actor {
  const actor = booking ? actorFor(factsOf(booking), caller) : null;
  if (!actor) throw notFound();
  return actor;
}

export type ListFilter = Omit<BookingFilter, 'visibleTo' | 'upcoming'> & { upcoming?: { value: boolean; now: Date } };

/** A page of the bookings the caller may see, each item as JSON pieces (serializeBookingListItem). */
export async function listBookingItems(app: AppContext, caller: Caller, filter: ListFilter, page: PageRequest): Promise<Page<BookingListItemRow>> {
  const upcoming = filter.upcoming && { ...filter.upcoming, statuses: UPCOMING_STATUSES };
  return app.bookings.listItems({ ...filter, upcoming, visibleTo: caller }, page);
}

function creditsOf({ credits, entries }: { credits: BundleCreditsRow; entries: CreditEntry[] }): NonNullable<BookingDetail['credits']> {
  const { total, used, remaining } = creditSummary(entries);
  return { total, used, remaining, expires_at: credits.expires_at, expired_at: credits.expired_at };
}

export async function getBookingDetail(app: AppContext, caller: Caller, id: number): Promise<BookingDetail> {
  const booking = await app.bookings.findView(id);
  const actor = requireActor(booking, caller);
  const b = booking!;
  const [children, notes, history, payments, credits, creditsUsed] = await Promise.all([
    app.bookings.findChildren(id),
    app.bookings.notesVisibleTo(id, caller.id),
    app.bookings.history(id),
    app.payments.ledger(app.db, id),
    b.booking_type === 'bundle' ? app.credits.find(id) : undefined,
    b.bundle_booking_id === null ? 0 : app.credits.creditsSpentBy(id),
  ]);
  return { booking: b, actor, children, notes, history, payments, credits: credits ? creditsOf(credits) : null, pricing: pricingOf(b, payments, creditsUsed) };
}

/** The detail's pricing breakdown, from the booking, its ledger and the credits it used. */
export function pricingOf(b: BookingView, payments: PaymentRow[], creditsUsed: number): PricingBreakdown {
  return pricingBreakdown({
    // A redemption is a session of the bundle's service list at its price, paid by a credit.
    listPriceCents: b.list_price_cents ?? (b.bundle_booking_id === null ? null : b.service.price_cents),
    chargedCents: b.price_charged_cents,
    discountCents: b.discount_amount_cents,
    creditsUsed,
    refundedCents: settledAmounts(payments).refundedCents,
    currency: b.currency,
  });
}
