import { actorFor, type BookingFacts } from '../../domain/booking-status';
import { notFound } from '../../domain/errors';
import type { Actor, Caller } from '../../domain/types';
import type { BookingFilter, BookingRow, BookingView, HistoryEntry, NoteRecord } from '../../data/booking-repository';
import type { Page, PageRequest } from '../../data/pagination';
import type { PaymentRow } from '../../data/payment-repository';
import type { AppContext } from '../app-context';

export const factsOf = (booking: BookingRow): BookingFacts => ({
  status: booking.status,
  clientId: booking.client_id,
  practitionerId: booking.practitioner_id,
  startTime: booking.start_time,
  endTime: booking.end_time,
  followsSession: booking.service_session_id !== null,
  cancellationNoticeHours: booking.cancellation_notice_hours,
});

export interface BookingDetail {
  booking: BookingView;
  actor: Actor;
  children: BookingView[];
  notes: NoteRecord[];
  history: HistoryEntry[];
  payments: PaymentRow[];
}

/** The caller's relation to a booking; a booking the caller is no party to does not exist for them. */
export function requireActor(booking: BookingRow | undefined, caller: Caller): Actor {
  const actor = booking ? actorFor(factsOf(booking), caller) : null;
  if (!actor) throw notFound();
  return actor;
}

export async function listBookings(app: AppContext, caller: Caller, filter: Omit<BookingFilter, 'visibleTo'>, page: PageRequest): Promise<Page<BookingView>> {
  return app.bookings.list({ ...filter, visibleTo: caller }, page);
}

export async function getBookingDetail(app: AppContext, caller: Caller, id: number): Promise<BookingDetail> {
  const booking = await app.bookings.findView(id);
  const actor = requireActor(booking, caller);
  const [children, notes, history, payments] = await Promise.all([
    app.bookings.findChildren(id),
    app.bookings.notesVisibleTo(id, caller.id),
    app.bookings.history(id),
    app.payments.ledger(app.db, id),
  ]);
  return { booking: booking!, actor, children, notes, history, payments };
}
