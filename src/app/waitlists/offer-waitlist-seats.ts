import { holdExpiry } from '../../domain/booking-rules';
import { priceForService } from '../../domain/pricing';
import type { AppContext } from '../app-context';
import { recordCreation } from '../bookings/record-creation';
import { SYSTEM_ACTOR } from '../bookings/transition-booking';

/**
 * Gives the free seats of a workshop session to the people waiting for them, first in line first,
 * in one transaction: the session row is locked, then for each free seat the first waiting entry gets
 * a booking made for them (paid: pending_payment, held WAITLIST_OFFER_MINUTES; free: confirmed) with
 * the seat taken by the same conditional update every booking uses, the entry is marked offered, and
 * the booking's `booking.created` event tells them (in-app, e-mail, webhooks). Run again, it finds no
 * free seat or nobody waiting and does nothing. An offer that lapses is canceled by its hold's expiry,
 * which frees the seat and records this job again for the next in line.
 */
export async function offerWaitlistSeats(app: AppContext, sessionId: number): Promise<{ offered: number[] }> {
  return app.db.transaction(async (trx) => {
    const now = app.clock.now();
    const offered: number[] = [];
    const session = await app.waitlists.lockSession(trx, sessionId);
    // A session under way or over has no seat to offer; its waiting entries simply stay as they were.
    if (!session || session.start_time <= now) return { offered };
    const service = await app.catalog.findService(session.service_id, trx);
    if (!service || !service.is_active || service.service_type !== 'workshop') return { offered };
    const schedule = await app.practitioners.loadSchedule(service.practitioner_id, trx);
    const priceCents = priceForService(service);

    for (;;) {
      const entry = await app.waitlists.firstWaiting(trx, sessionId);
      if (!entry) break;
      if (await app.waitlists.holdsSeat(trx, sessionId, entry.client_id)) {
        await app.waitlists.markLeft(trx, entry.id, now);
        continue;
      }
      if (!(await app.catalog.takeSeat(trx, sessionId, { forWaitlist: true }))) break;
      const paid = priceCents > 0;
      const booking = await app.bookings.insert(trx, {
        client_id: entry.client_id,
        practitioner_id: service.practitioner_id,
        service_id: service.id,
        service_session_id: sessionId,
        parent_booking_id: null,
        location_id: service.location_id,
        booking_type: 'group',
        title: service.name,
        timezone: schedule?.timezone ?? 'UTC',
        start_time: session.start_time,
        end_time: session.end_time,
        blocked_until: session.end_time,
        status: paid ? 'pending_payment' : 'confirmed',
        payment_status: paid ? 'unpaid' : 'not_required',
        price_charged_cents: priceCents,
        cancellation_notice_hours: service.cancellation_notice_hours,
        hold_expires_at: paid ? holdExpiry(now, app.config.waitlistOfferMinutes, session.start_time) : null,
        confirmed_at: paid ? null : now,
      });
      await app.waitlists.markOffered(trx, entry.id, booking.id, now);
      await recordCreation(app, trx, booking, { id: entry.client_id }, [], {
        actor: SYSTEM_ACTOR,
        reason: 'waitlist offer',
        details: { waitlist_entry_id: entry.id },
      });
      offered.push(booking.id);
    }
    return { offered };
  });
}
