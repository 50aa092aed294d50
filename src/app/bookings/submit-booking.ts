import { holdExpiry } from '../../domain/booking-rules';
import { decideTransition } from '../../domain/booking-status';
import { conflict, invalidField, slotUnavailable } from '../../domain/errors';
import type { BookingRow } from '../../data/booking-repository';
import { isCalendarOverlap, translateConstraintErrors } from '../../data/pg-errors';
import type { AppContext } from '../app-context';
import { factsOf } from './booking-queries';
import { assertTimeIsFree } from './assert-time-is-free';
import { assertUnpaidHoldAllowed } from './assert-unpaid-hold-allowed';
import { actorOf, applyTransition, type Requester } from './transition-booking';

const MINUTE_MS = 60_000;

/**
 * draft → pending_payment, after checking again what create checked (the time may have been taken,
 * the session filled, the start passed). A free booking has nothing to pay and goes on to confirmed.
 */
export async function submitBooking(app: AppContext, requester: Requester, bookingId: number): Promise<BookingRow> {
  return app.db.transaction(async (trx) => {
    const draft = (await app.bookings.lockForUpdate(trx, bookingId))!;
    const actor = actorOf(requester, draft);
    if (draft.parent_booking_id !== null) {
      throw conflict('invalid_transition', 'A package item is not submitted: schedule it with POST reschedule/ once the package is paid.');
    }
    const now = app.clock.now();
    decideTransition(factsOf(draft), 'submit', actor, now);
    const start = draft.start_time;
    if (!start || start.getTime() <= now.getTime()) throw invalidField('start_time', 'The booking start has passed; reschedule it first.');

    const changes: Partial<BookingRow> = {};
    if (draft.service_session_id !== null) {
      if (!(await app.catalog.takeSeat(trx, draft.service_session_id))) throw conflict('session_full', 'This session is full.');
    } else {
      const buffer = await assertTimeIsFree(app, trx, draft, start, draft.end_time!);
      changes.blocked_until = new Date(draft.end_time!.getTime() + buffer * MINUTE_MS);
    }
    if (draft.price_charged_cents > 0) changes.hold_expires_at = holdExpiry(now, app.config.paymentHoldMinutes, start);
    if (draft.price_charged_cents > 0) await assertUnpaidHoldAllowed(app, trx, draft.client_id, draft.practitioner_id);
    await app.bookings.update(trx, draft.id, changes);

    const submitted = await translateConstraintErrors(() => applyTransition(app, trx, draft, actor, 'submit', { reason: 'submitted' }), [
      { when: (e) => isCalendarOverlap(e), then: () => slotUnavailable() },
    ]);
    if (submitted.price_charged_cents > 0) return submitted;
    return applyTransition(app, trx, submitted, { id: null, role: 'system' }, 'confirm', { reason: 'nothing to pay' });
  });
}
