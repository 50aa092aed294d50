import type { Knex } from 'knex';
import { decideTransition, resolveCanceledBy, type BookingAction } from '../../domain/booking-status';
import { paymentStatusOnConfirm, stampsFor } from '../../domain/booking-rules';
import { computeRefundDueCents } from '../../domain/cancellation-policy';
import { conflict } from '../../domain/errors';
import type { Actor, ActorRole, BookingStatus, Caller } from '../../domain/types';
import type { BookingRow } from '../../data/booking-repository';
import { recordJobs } from '../../jobs/outbox-writer';
import type { AppContext } from '../app-context';
import { jobsAfterTransition } from './booking-jobs';
import { factsOf, requireActor } from './booking-queries';

/** Who asks: a signed-in person (their role is worked out per booking) or the system (workers, timeouts). */
export type Requester = { caller: Caller } | { system: true };

export const SYSTEM: Requester = { system: true };

export interface TransitionOptions {
  reason?: string;
  canceledBy?: ActorRole | null;
  /** Workers act only if the booking is still what they were scheduled for (same status and times). */
  expect?: { status?: BookingStatus[]; startTime?: Date; endTime?: Date };
}

export function actorOf(requester: Requester, booking: BookingRow | undefined): Actor {
  if ('system' in requester) {
    if (!booking) throw conflict('not_found', 'The booking no longer exists.');
    return { id: null, role: 'system' };
  }
  return requireActor(booking, requester.caller);
}

/**
 * Moves a booking by one action. The row is locked for the transaction, so two racing actions on
 * one booking run one after the other and the second is judged against the first one's result
 * (a 409 invalid_transition naming the status it found).
 */
export async function transitionBooking(
  app: AppContext,
  requester: Requester,
  bookingId: number,
  action: BookingAction,
  options: TransitionOptions = {},
): Promise<BookingRow> {
  return app.db.transaction(async (trx) => {
    const booking = await app.bookings.lockForUpdate(trx, bookingId);
    const actor = actorOf(requester, booking);
    return applyTransition(app, trx, booking!, actor, action, options);
  });
}

/** The body of a transition, for use cases that already hold the row lock. */
export async function applyTransition(
  app: AppContext,
  trx: Knex.Transaction,
  booking: BookingRow,
  actor: Actor,
  action: BookingAction,
  options: TransitionOptions = {},
): Promise<BookingRow> {
  const now = app.clock.now();
  const { expect } = options;
  if (expect?.status && !expect.status.includes(booking.status)) {
    throw conflict('invalid_transition', `The booking is ${booking.status}, not ${expect.status.join(' or ')}.`);
  }
  const moved = (expected: Date | undefined, actual: Date | null) => expected !== undefined && actual?.getTime() !== expected.getTime();
  if (moved(expect?.startTime, booking.start_time) || moved(expect?.endTime, booking.end_time)) {
    throw conflict('invalid_transition', 'The booking was rescheduled.');
  }
  const path = decideTransition(factsOf(booking), action, actor, now);
  const target = path[path.length - 1]!;
  const changes: Partial<BookingRow> = { status: target, ...stampsFor(path, now) };

  if (target === 'confirmed') changes.payment_status = paymentStatusOnConfirm(booking.payment_status);
  if (target === 'canceled') {
    const canceledBy = action === 'expire_hold' ? 'system' : resolveCanceledBy(actor, options.canceledBy);
    changes.canceled_by = canceledBy;
    changes.cancellation_reason = options.reason ?? (action === 'expire_hold' ? 'payment_timeout' : '');
    changes.refund_due_cents = computeRefundDueCents({
      paymentStatus: booking.payment_status,
      amountPaidCents: booking.price_charged_cents,
      noticeHours: booking.cancellation_notice_hours,
      startTime: booking.start_time,
      canceledBy,
      now,
    });
    // A seat held in a workshop or course session is given back.
    if (booking.service_session_id !== null && booking.status !== 'draft') await app.catalog.releaseSeat(trx, booking.service_session_id);
  }

  const updated = await app.bookings.update(trx, booking.id, changes);
  let from: BookingStatus = booking.status;
  for (const to of path) {
    await app.bookings.recordHistory(trx, booking.id, {
      from_status: from,
      to_status: to,
      actor_id: actor.id,
      actor_role: actor.role,
      reason: options.reason ?? (action === 'expire_hold' ? 'payment_timeout' : ''),
      created_at: now,
    });
    from = to;
  }
  await recordJobs(trx, jobsAfterTransition(booking, updated, now));
  if (target === 'canceled') await cancelOpenChildren(app, trx, booking.id, actor, options);
  return updated;
}

/** Canceling a package or course cancels its children that have not happened yet. */
async function cancelOpenChildren(app: AppContext, trx: Knex.Transaction, parentId: number, actor: Actor, options: TransitionOptions): Promise<void> {
  const children = await app.bookings.lockOpenChildren(trx, parentId);
  const childActor: Actor = actor.role === 'client' || actor.role === 'practitioner' ? { id: null, role: 'system' } : actor;
  for (const child of children) {
    await applyTransition(app, trx, child, childActor, 'cancel', { reason: options.reason ?? 'parent canceled', canceledBy: 'system' });
  }
}
