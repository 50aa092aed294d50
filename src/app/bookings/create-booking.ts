import { conflict, invalidField, notFound } from '../../domain/errors';
import { assertBundleRedeemable } from '../../domain/parent-bookings';
import { planNewBooking } from '../../domain/booking-rules';
import type { Caller } from '../../domain/types';
import type { BookingRow } from '../../data/booking-repository';
import { getBookingDetail, type BookingDetail } from './booking-queries';
import { assertServiceBookable, newBookingRow, noSuchPractitioner, type CreateBookingInput } from './new-booking';

export type { CreateBookingInput } from './new-booking';
import { createInOneWrite } from './create-in-one-write';
import type { AppContext } from '../app-context';
import { assertTimeIsFree } from './assert-time-is-free';
import { assertUnpaidHoldAllowed } from './assert-unpaid-hold-allowed';
import { recordCreation } from './record-creation';
import { assertRoomRequestValid, takeRoom } from './take-room';
import { mayUseLocation } from '../catalog/rooms';


/** The caller's bundle, if it can pay for this service (404 for a bundle that is not theirs). */
async function redeemableBundle(app: AppContext, caller: Caller, bundleId: number, serviceId: number): Promise<BookingRow> {
  const bundle = await app.bookings.findRow(bundleId);
  if (!bundle || bundle.client_id !== caller.id || bundle.booking_type !== 'bundle') throw notFound(`Bundle booking ${bundleId} not found.`);
  const terms = await app.credits.terms(bundle.id);
  assertBundleRedeemable({ status: bundle.status, bundleServiceIds: terms?.service_ids ?? [] }, serviceId);
  return bundle;
}

const REDEEM_REFUSALS = {
  no_credits_left: () => conflict('no_credits_left', 'This bundle has no credits left.'),
  bundle_expired: () => conflict('bundle_expired', 'This bundle has expired.'),
  not_granted: () => conflict('bundle_not_confirmed', 'This bundle is not confirmed (paid) yet.'),
};


/**
 * Books an individual session or a workshop seat for the caller: an individual session with nothing else
 * to take in two statements (create-in-one-write.ts), anything else in one transaction here.
 */
export async function createBooking(app: AppContext, caller: Caller, input: CreateBookingInput, idempotencyClaimId: number | null = null): Promise<BookingDetail> {
  // undefined: not a request the two-statement path books (it says which).
  const created = await createInOneWrite(app, caller, input, idempotencyClaimId);
  if (created) return created;
  const booking = await createInTransaction(app, caller, input, idempotencyClaimId);
  return getBookingDetail(app, caller, booking.id);
}

async function createInTransaction(app: AppContext, caller: Caller, input: CreateBookingInput, idempotencyClaimId: number | null): Promise<BookingRow> {
  const now = app.clock.now();
  const service = await app.catalog.findService(input.service_id);
  assertServiceBookable(service, input, caller);
  if (input.location_id !== undefined && input.location_id !== service.location_id) {
    const location = await app.catalog.findLocation(input.location_id);
    if (!location || !(await mayUseLocation(app, location, service.practitioner_id))) {
      throw invalidField('location_id', `Location ${input.location_id} is not one of this practitioner's locations.`);
    }
    if (service.requires_room) throw invalidField('location_id', `Service ${service.id} takes a room at its own location, ${service.location_id}.`);
  }
  if (input.room_id !== undefined && service.service_type === 'workshop') {
    throw invalidField('room_id', "A workshop seat is in its session's room; room_id is not sent.", 'room_not_used');
  }
  await assertRoomRequestValid(app, service, input.room_id);
  const session = input.service_session_id === undefined ? undefined : await app.catalog.findSession(input.service_session_id);
  if (input.service_session_id !== undefined && (!session || session.service_id !== service.id)) {
    throw invalidField('service_session_id', `Session ${input.service_session_id} is not a session of service ${service.id}.`);
  }
  const bundle = input.bundle_booking_id === undefined ? undefined : await redeemableBundle(app, caller, input.bundle_booking_id, service.id);
  const schedule = await app.practitioners.loadSchedule(service.practitioner_id);
  if (!schedule) throw noSuchPractitioner(input);

  const plan = planNewBooking({
    service,
    session: session ?? null,
    request: { start: input.start_time ?? null, end: input.end_time ?? null, draft: input.draft ?? false },
    bufferMinutes: schedule.bufferMinutes,
    holdMinutes: app.config.paymentHoldMinutes,
    now,
    paidWithCredit: bundle !== undefined,
  });

  return app.db.transaction(async (trx) => {
    // The buffer in force under the calendar lock, not the one read before it.
    let blockedUntil = plan.blockedUntil;
    // A draft holds nothing: it keeps the room asked for (if any) until it is submitted.
    let roomId = input.room_id ?? null;
    if (plan.bookingType === 'individual' && plan.holdsTime) {
      const bufferMinutes = await assertTimeIsFree(app, trx, { practitioner_id: service.practitioner_id }, plan.start, plan.end);
      blockedUntil = new Date(plan.end.getTime() + bufferMinutes * 60_000);
      ({ roomId } = await takeRoom(app, trx, service, { start: plan.start, until: blockedUntil, seats: 1, roomId: input.room_id }));
    }
    if (plan.bookingType === 'group' && plan.holdsTime) {
      const taken = await app.catalog.takeSeat(trx, session!.id);
      if (!taken) throw conflict('session_full', 'This session is full.');
    }
    if (plan.status === 'pending_payment') await assertUnpaidHoldAllowed(app, trx, caller.id, service.practitioner_id);
    const booking = await app.bookings.insert(
      trx,
      newBookingRow(caller, input, { service, plan, timezone: schedule.timezone, blockedUntil, now, sessionId: session?.id, bundleId: bundle?.id, roomId }),
    );
    if (bundle) {
      // Queues on the bundle's balance row: concurrent redemptions take one credit each until none is left.
      const outcome = await app.credits.redeem(trx, bundle.id, booking.id, now);
      if (outcome !== 'redeemed') throw REDEEM_REFUSALS[outcome]();
    }
    await recordCreation(app, trx, booking, caller);
    if (idempotencyClaimId !== null) await app.idempotency.attachBooking(trx, idempotencyClaimId, booking.id);
    return booking;
  });
}
