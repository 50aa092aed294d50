import { holdExpiry } from '../../domain/booking-rules';
import { priceForService } from '../../domain/pricing';
import { decideTransition } from '../../domain/booking-status';
import { assertVersionMatches } from '../../domain/booking-version';
import { conflict, invalidField } from '../../domain/errors';
import type { BookingRow } from '../../data/booking-repository';
import type { AppContext } from '../app-context';
import { factsOf } from './booking-queries';
import { assertTimeIsFree } from './assert-time-is-free';
import { takeRoom } from './take-room';
import { recordBookingEvents } from '../events/record-events';
import { assertUnpaidHoldAllowed } from './assert-unpaid-hold-allowed';
import { SYSTEM_ACTOR } from '../../domain/types';
import { actorOf, applyTransition, type Requester } from './transition-booking';

const MINUTE_MS = 60_000;

/**
 * draft → pending_payment, after checking again what create checked (the time may have been taken,
 * the session filled, the start passed, the service withdrawn or repriced: price and cancellation
 * notice are the service's as it is now). A free booking has nothing to pay and goes on to confirmed.
 */
export async function submitBooking(app: AppContext, requester: Requester, bookingId: number, expectVersion?: number[]): Promise<BookingRow> {
  return app.db.transaction(async (trx) => {
    const draft = (await app.bookings.lockForUpdate(trx, bookingId))!;
    const actor = actorOf(requester, draft);
    assertVersionMatches(draft.version, expectVersion);
    if (draft.parent_booking_id !== null) {
      throw conflict('invalid_transition', 'A package item is not submitted: schedule it with POST reschedule/ once the package is paid.');
    }
    const now = app.clock.now();
    decideTransition(factsOf(draft), 'submit', actor, now);
    const start = draft.start_time;
    if (!start || start.getTime() <= now.getTime()) throw invalidField('start_time', 'The booking start has passed; reschedule it first.');

    // A draft is priced when it is submitted, not when it was saved: the service as offered now.
    const service = await app.catalog.findService(draft.service_id, trx);
    if (!service?.is_active) throw invalidField('service_id', `Service ${draft.service_id} is no longer offered.`, 'service_inactive');
    const priceCents = priceForService(service);
    const changes: Partial<BookingRow> = {
      price_charged_cents: priceCents,
      list_price_cents: service.price_cents,
      payment_status: priceCents > 0 ? 'unpaid' : 'not_required',
      cancellation_notice_hours: service.cancellation_notice_hours,
    };
    if (draft.service_session_id !== null) {
      if (!(await app.catalog.takeSeat(trx, draft.service_session_id))) throw conflict('session_full', 'This session is full.');
    } else {
      const buffer = await assertTimeIsFree(app, trx, draft, start, draft.end_time!);
      changes.blocked_until = new Date(draft.end_time!.getTime() + buffer * MINUTE_MS);
      // The room the draft asked for if it is still free, else the smallest free one (a draft held none until now).
      const room = await takeRoom(app, trx, service, { start, until: changes.blocked_until, seats: 1, preferRoomId: service.requires_room ? draft.room_id : null, exclude: { bookingId: draft.id } });
      changes.room_id = room.roomId;
    }
    if (priceCents > 0) {
      changes.hold_expires_at = holdExpiry(now, app.config.paymentHoldMinutes, start);
      await assertUnpaidHoldAllowed(app, trx, draft.client_id, draft.practitioner_id);
    }
    const priced = await app.bookings.update(trx, draft.id, changes);

    const submitted = await applyTransition(app, trx, priced, actor, 'submit', { reason: 'submitted' });
    // Until now the booking was the client's private draft: for everyone else it is created now.
    await recordBookingEvents(app, trx, submitted, [{ type: 'booking.created', occasion: 'created' }], { tellPeople: true });
    if (submitted.price_charged_cents > 0) return submitted;
    return applyTransition(app, trx, submitted, SYSTEM_ACTOR, 'confirm', { reason: 'nothing to pay' });
  });
}
