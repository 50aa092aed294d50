import type { Knex } from 'knex';
import { decideTransition, resolveCanceledBy, type BookingAction } from '../../domain/booking-status';
import { paymentStatusOnConfirm, stampsFor } from '../../domain/booking-rules';
import { decideCancellationRefund } from '../../domain/cancellation-policy';
import { conflict, notFound } from '../../domain/errors';
import { assertVersionMatches } from '../../domain/booking-version';
import { SYSTEM_ACTOR, type Actor, type ActorRole, type BookingStatus, type Caller } from '../../domain/types';
import type { BookingRow } from '../../data/booking-repository';
import { recordJobs } from '../../jobs/outbox-writer';
import type { AppContext } from '../app-context';
import { eventsForPath } from '../../domain/booking-events';
import { recordBookingEvents } from '../events/record-events';
import { jobsAfterTransition } from './booking-jobs';
import { factsOf, requireActor } from './booking-queries';
import { offerSeatIfAwaited } from '../waitlists/waitlist-jobs';
import { afterChildMoved, afterParentMoved, assertChildMayBeCanceled, cancellationSubject } from './parent-effects';

/** Who asks: a signed-in person (their role is worked out per booking) or the system (workers, timeouts). */
export type Requester = { caller: Caller } | typeof SYSTEM_ACTOR;

export const SYSTEM: Requester = SYSTEM_ACTOR;

export { SYSTEM_ACTOR };

export interface TransitionOptions {
  reason?: string;
  canceledBy?: ActorRole | null;
  /**
   * Workers act only if the booking is still what they were scheduled for (same status and times);
   * a person's If-Match names the versions they accept (a stale one is a 412).
   */
  expect?: { status?: BookingStatus[]; startTime?: Date; endTime?: Date; version?: number[] };
  /**
   * The move is a parent's move passed on to its child: the people were told about the parent, and
   * the parent's refund covers the child.
   */
  cascade?: boolean;
}

export function actorOf(requester: Requester, booking: BookingRow | undefined): Actor {
  if (!('caller' in requester)) {
    if (!booking) throw notFound('The booking no longer exists.');
    return SYSTEM_ACTOR;
  }
  return requireActor(booking, requester.caller);
}

/**
 * Moves a booking by one action. The row (and, for a child, its parent first) is locked for the
 * transaction, so two racing actions on one booking run one after the other and the second is judged
 * against the first one's result (a 409 invalid_transition naming the status it found).
 */
export async function transitionBooking(
  app: AppContext,
  requester: Requester,
  bookingId: number,
  action: BookingAction,
  options: TransitionOptions = {},
): Promise<BookingRow> {
  return app.db.transaction(async (trx) => {
    const { booking, parent } = await app.bookings.lockFamily(trx, bookingId);
    const actor = actorOf(requester, booking);
    return applyTransition(app, trx, booking!, actor, action, options, parent);
  });
}

/** The body of a transition, for use cases that already hold the row lock (and the parent's, for a child). */
export async function applyTransition(
  app: AppContext,
  trx: Knex.Transaction,
  booking: BookingRow,
  actor: Actor,
  action: BookingAction,
  options: TransitionOptions = {},
  parent?: BookingRow,
): Promise<BookingRow> {
  const now = app.clock.now();
  const { expect } = options;
  assertVersionMatches(booking.version, expect?.version);
  if (expect?.status && !expect.status.includes(booking.status)) {
    throw conflict('invalid_transition', `The booking is ${booking.status}, not ${expect.status.join(' or ')}.`);
  }
  const moved = (expected: Date | undefined, actual: Date | null) => expected !== undefined && actual?.getTime() !== expected.getTime();
  if (moved(expect?.startTime, booking.start_time) || moved(expect?.endTime, booking.end_time)) {
    throw conflict('invalid_transition', 'The booking was rescheduled.');
  }
  const path = decideTransition(factsOf(booking), action, actor, now);
  const target = path[path.length - 1]!;
  const changes: Partial<BookingRow> = {};

  if (target === 'confirmed') {
    changes.payment_status = paymentStatusOnConfirm(booking.payment_status);
    await recordOfflinePayment(app, trx, booking, actor);
  }
  if (target === 'canceled') {
    if (action === 'cancel' && !options.cascade) assertChildMayBeCanceled(booking, actor);
    const canceledBy = action === 'expire_hold' ? 'system' : resolveCanceledBy(actor, options.canceledBy);
    changes.canceled_by = canceledBy;
    changes.cancellation_reason = options.reason ?? (action === 'expire_hold' ? 'payment_timeout' : '');
    const subject = await cancellationSubject(app, trx, booking, 'cancel', now);
    const refund = decideCancellationRefund(subject, canceledBy, now);
    changes.refund_due_cents = refund.refundDueCents;
    if (subject.kind !== 'parent') changes.refund_baseline_cents = subject.alreadyRefundedCents;
    if (refund.creditReturned) await app.credits.returnCredit(trx, booking.id);
    // A seat held in a workshop or course session is given back.
    if (booking.service_session_id !== null && booking.status !== 'draft') {
      await app.catalog.releaseSeat(trx, booking.service_session_id);
      await offerSeatIfAwaited(app, trx, booking.service_session_id);
    }
  }

  const updated = await writeMove(app, trx, booking, actor, path, changes, {
    reason: options.reason ?? (action === 'expire_hold' ? 'payment_timeout' : ''),
    quiet: options.cascade,
  });
  await afterParentMoved(app, trx, booking, updated, actor, options.reason);
  if (parent && !options.cascade) await afterChildMoved(app, trx, parent, booking, updated, actor);
  return updated;
}

/**
 * A person (the practitioner or an admin) confirming a booking still waiting for its money says it
 * was paid outside the provider: that payment, the price, goes in the ledger in the same transaction,
 * so payment_status stays derived from the ledger. The system confirms only on a recorded payment
 * (or a parent's, for its free children); free bookings record nothing.
 */
async function recordOfflinePayment(app: AppContext, trx: Knex.Transaction, booking: BookingRow, actor: Actor): Promise<void> {
  if (actor.role === 'system' || booking.price_charged_cents <= 0) return;
  if (booking.payment_status !== 'unpaid' && booking.payment_status !== 'failed') return;
  await app.payments.insertOfflinePayment(trx, {
    booking_id: booking.id,
    amount_cents: booking.price_charged_cents,
    currency: booking.currency,
    idempotency_key: `offline-${booking.public_uuid}`,
  });
}

/**
 * Writes a move along `path` (statuses in order, already decided): the row with its lifecycle stamps,
 * one history row per hop, and the jobs the new state needs. `quiet` leaves the people untold (the
 * move follows another they were told about).
 */
export async function writeMove(
  app: AppContext,
  trx: Knex.Transaction,
  booking: BookingRow,
  actor: Actor,
  path: BookingStatus[],
  changes: Partial<BookingRow>,
  options: { reason: string; quiet?: boolean; details?: Record<string, unknown> },
): Promise<BookingRow> {
  const now = app.clock.now();
  const target = path[path.length - 1]!;
  const updated = await app.bookings.update(trx, booking.id, { ...changes, status: target, ...stampsFor(path, now) });
  let from: BookingStatus = booking.status;
  for (const to of path) {
    await app.bookings.recordHistory(trx, booking.id, {
      from_status: from,
      to_status: to,
      actor_id: actor.id,
      actor_role: actor.role,
      reason: options.reason,
      created_at: now,
      ...(options.details ? { details: options.details } : {}),
    });
    from = to;
  }
  await recordJobs(trx, jobsAfterTransition(booking, updated, now));
  const events = eventsForPath(path).map(({ type, status }) => ({ type, occasion: status }));
  await recordBookingEvents(app, trx, updated, events, { tellPeople: !options.quiet });
  return updated;
}
