import { conflict, invalid, invalidField } from '../../domain/errors';
import { planParentBooking, type ParentType } from '../../domain/parent-bookings';
import type { Caller } from '../../domain/types';
import type { BookingRow } from '../../data/booking-repository';
import type { OutboxJob } from '../../jobs/job-contracts';
import type { AppContext } from '../app-context';
import { assertUnpaidHoldAllowed } from './assert-unpaid-hold-allowed';
import { recordCreation } from './record-creation';
import { grantBundleCredits } from './parent-effects';
import { newBookingRow } from './new-booking';

export interface CreateParentInput {
  service_id: number;
  client_notes?: string;
}

/** The flow that creates a parent's children: one child job per component, then the parent job. */
function expansionFlow(parent: BookingRow, componentKeys: string[]): OutboxJob {
  return {
    queue: 'expansion',
    name: 'expand-booking',
    payload: { bookingId: parent.id },
    children: componentKeys.map((componentKey) => ({ name: 'expand-component', payload: { bookingId: parent.id, componentKey } })),
  };
}

/**
 * Buys a course, a package or a bundle (docs/api-conventions.md#packages-courses-and-bundles). A course takes a seat in every future session
 * here, all or none; the children themselves are created by the expansion flow recorded with it.
 */
export async function createParentBooking(app: AppContext, caller: Caller, type: ParentType, input: CreateParentInput, idempotencyClaimId: number | null = null): Promise<BookingRow> {
  const now = app.clock.now();
  const service = await app.catalog.findService(input.service_id);
  if (!service) throw invalidField('service_id', `Service ${input.service_id} does not exist.`, 'does_not_exist');
  if (caller.id === service.practitioner_id) throw invalid('Practitioners cannot book their own services.', undefined, 'self_booking');
  const sessions = type === 'course' ? await app.catalog.sessionsStartingAfter(service.id, now) : [];
  const plan = planParentBooking({ expected: type, service, sessions, holdMinutes: app.config.paymentHoldMinutes, now });
  const schedule = await app.practitioners.loadSchedule(service.practitioner_id);

  return app.db.transaction(async (trx) => {
    const booking = await app.bookings.insert(trx, {
      ...newBookingRow(caller, { client_notes: input.client_notes }, { service, plan, timezone: schedule?.timezone ?? 'UTC', blockedUntil: plan.end, now }),
      expansion_status: plan.components.length ? 'pending' : null,
    });
    if (type === 'course') {
      const full = await app.catalog.takeSeats(trx, plan.components.map((c) => c.sessionId!));
      if (full.length) throw conflict('session_full', `This course is full: session ${full.join(', ')} has no seat left.`);
    }
    if (booking.status === 'pending_payment') await assertUnpaidHoldAllowed(app, trx, caller.id, service.practitioner_id);
    await app.bookings.insertComponents(trx, booking.id, plan.components);
    if (type === 'bundle') {
      await app.credits.saveTerms(trx, booking.id, {
        sessions_included: service.sessions_included ?? 1,
        bonus_sessions: service.bonus_sessions ?? 0,
        validity_days: service.validity_days ?? 1,
        service_ids: service.bundle_service_ids,
      });
    }
    await recordCreation(app, trx, booking, caller, plan.components.length ? [expansionFlow(booking, plan.components.map((c) => c.key))] : []);
    // A free bundle is confirmed at once: its credits are granted in this transaction too.
    if (booking.booking_type === 'bundle' && booking.status === 'confirmed') await grantBundleCredits(app, trx, booking);
    if (idempotencyClaimId !== null) await app.idempotency.attachBooking(trx, idempotencyClaimId, booking.id);
    return booking;
  });
}
