import type { Knex } from 'knex';
import { conflict } from '../../domain/errors';
import { childShareCents, creditsGranted, parentPathFromChildren, type ChildFacts } from '../../domain/parent-bookings';
import type { CancellationSubject } from '../../domain/cancellation-policy';
import { committedRefundCents } from '../../domain/payment-ledger';
import type { Actor, BookingStatus } from '../../domain/types';
import type { BookingRow, ComponentRow } from '../../data/booking-repository';
import { recordJobs } from '../../jobs/outbox-writer';
import type { AppContext } from '../app-context';
import { SYSTEM_ACTOR, applyTransition, writeMove } from './transition-booking';

/**
 * What a move of one booking does to the rest of its family (docs/api-conventions.md#packages-courses-and-bundles): a parent's confirm and
 * cancel reach its children, a child's progress reaches its parent, a bundle's confirm grants its
 * credits. Every function runs inside the transaction of the move, with the parent locked before the
 * child (see BookingRepository.lockFamily).
 */

export function assertChildMayBeCanceled(booking: BookingRow, actor: Actor): void {
  if (booking.parent_booking_id !== null && actor.role === 'client') {
    throw conflict('cancel_the_parent', `This booking is part of booking ${booking.parent_booking_id}; a client cancels the package or course as a whole.`);
  }
}

/** A component as its refund sees it: the child's facts, or the plan's for one not expanded yet. */
function componentFacts(parent: BookingRow, c: ComponentRow): ChildFacts {
  if (c.child_status !== null) return { status: c.child_status, startTime: c.child_start };
  const planned: BookingStatus = parent.booking_type === 'package' ? 'draft' : 'confirmed';
  return { status: planned, startTime: c.session_start };
}

/**
 * The facts a cancel's refund is decided on (decideCancellationRefund), for the cancel itself or for
 * its quote. Cancel: runs under the booking's row lock, and a bundle's remaining credits expire here
 * (read and zeroed under their row lock, so no redemption slips in between). Quote: only reads.
 */
export async function cancellationSubject(app: AppContext, trx: Knex.Transaction, booking: BookingRow, mode: 'cancel' | 'quote', now: Date): Promise<CancellationSubject> {
  const common = { paymentStatus: booking.payment_status, amountPaidCents: booking.price_charged_cents };
  if (booking.booking_type === 'course' || booking.booking_type === 'package') {
    const components = await app.bookings.components(trx, booking.id);
    return {
      kind: 'parent',
      ...common,
      noticeHours: booking.cancellation_notice_hours,
      children: components.map((c) => componentFacts(booking, c)),
      grantedSoFarCents: booking.refund_due_cents ?? 0,
    };
  }
  // What already went back (or is on its way); the refund job counts only refunds committed after this decision against it.
  const alreadyRefundedCents = committedRefundCents(await app.payments.ledger(trx, booking.id));
  if (booking.booking_type === 'bundle') {
    const remainingCredits = mode === 'cancel' ? ((await app.credits.expire(trx, booking.id, now, true)) ?? 0) : await remainingCreditsOf(app, trx, booking.id);
    const terms = await app.credits.terms(booking.id, trx);
    return { kind: 'bundle', ...common, sessionsIncluded: terms?.sessions_included ?? 1, bonusSessions: terms?.bonus_sessions ?? 0, remainingCredits, alreadyRefundedCents };
  }
  return {
    kind: 'session',
    ...common,
    noticeHours: booking.cancellation_notice_hours,
    startTime: booking.start_time,
    alreadyRefundedCents,
    redeemedCredit: booking.bundle_booking_id !== null && booking.status !== 'draft',
  };
}

/** What a cancel would expire now: the credits left, none once they expired. */
async function remainingCreditsOf(app: AppContext, trx: Knex.Transaction, bundleId: number): Promise<number> {
  const found = await app.credits.find(bundleId, trx);
  return !found || found.credits.expired_at ? 0 : found.credits.remaining;
}

/** A confirmed bundle's credits (once, whatever calls this again), and the job that expires them. */
export async function grantBundleCredits(app: AppContext, trx: Knex.Transaction, bundle: BookingRow): Promise<void> {
  const terms = await app.credits.terms(bundle.id, trx);
  if (!terms) return;
  // Validity runs from the payment: credits cannot be spent before it.
  const { credits, expiresAt } = creditsGranted(terms, app.clock.now());
  if (credits > 0 && (await app.credits.grant(trx, bundle.id, credits, expiresAt))) {
    await recordJobs(trx, [{ queue: 'expansion', name: 'expire-credits', payload: { bookingId: bundle.id, expiresAt: expiresAt.toISOString() }, runAt: expiresAt }]);
  }
}

/** A parent's confirm and cancel passed on to its children; a bundle's confirm grants its credits. */
export async function afterParentMoved(app: AppContext, trx: Knex.Transaction, before: BookingRow, after: BookingRow, actor: Actor, reason?: string): Promise<void> {
  if (before.status === after.status) return;
  if (after.status === 'confirmed' && after.booking_type === 'bundle') return grantBundleCredits(app, trx, after);
  if (after.booking_type !== 'course' && after.booking_type !== 'package') return;
  if (after.status === 'confirmed') {
    for (const child of await app.bookings.lockOpenChildren(trx, after.id)) {
      if (child.status === 'pending_payment') await applyTransition(app, trx, child, SYSTEM_ACTOR, 'confirm', { reason: 'parent confirmed', cascade: true });
    }
  }
  if (after.status === 'canceled') {
    await app.catalog.lockParentSessions(trx, after.id);
    await app.catalog.releaseUnexpandedSeats(trx, after.id);
    const childActor: Actor = actor.role === 'admin' ? actor : SYSTEM_ACTOR;
    for (const child of await app.bookings.lockOpenChildren(trx, after.id)) {
      await applyTransition(app, trx, child, childActor, 'cancel', { reason: reason ?? 'parent canceled', canceledBy: childActor.role, cascade: true });
    }
  }
}

/**
 * A child moved on its own: the parent follows (in_progress from the first child's start, completed
 * when none is left to run), and a child of a paid parent canceled by the practitioner or an admin
 * gives its share of the price back at once.
 */
export async function afterChildMoved(app: AppContext, trx: Knex.Transaction, parent: BookingRow, before: BookingRow, after: BookingRow, actor: Actor): Promise<void> {
  if (before.status === after.status) return;
  let current = parent;
  const components = await app.bookings.components(trx, parent.id);
  if (after.status === 'canceled' && actor.role !== 'client' && parent.payment_status === 'paid' && components.length) {
    const due = childShareCents(parent.price_charged_cents, components.length, parent.refund_due_cents ?? 0);
    if (due > (parent.refund_due_cents ?? 0)) {
      current = await app.bookings.update(trx, parent.id, { refund_due_cents: due });
      await recordJobs(trx, [{ queue: 'payments', name: 'refund', payload: { bookingId: parent.id } }]);
    }
  }
  const path = parentPathFromChildren(
    current.status,
    components.map((c) => ({ status: c.child_status ?? 'confirmed' })),
    components.length,
  );
  if (!path.length) return;
  const reason = path[path.length - 1] === 'completed' ? 'no session left to run' : 'first session started';
  await writeMove(app, trx, current, SYSTEM_ACTOR, path, {}, { reason });
}
