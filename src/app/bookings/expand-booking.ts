import { pathBetween } from '../../domain/booking-status';
import { childStatusFor } from '../../domain/parent-bookings';
import type { AppContext } from '../app-context';
import { lifecycleJobsFor } from './booking-jobs';
import { recordJobs } from '../../jobs/outbox-writer';
import { recordBookingEvents } from '../events/record-events';
import { SYSTEM_ACTOR, writeMove } from './transition-booking';

export type ComponentOutcome = 'created' | 'exists' | 'skipped';

/** A component that names nothing the parent planned: a bug or a hand-edited row, not worth a retry. */
export class UnknownComponentError extends Error {}

/**
 * Creates the child booking of one component of a course or package, once. The parent is locked and
 * re-read: a parent canceled (or finished) before this ran gets no child, and the cancel already gave
 * back the seat this component held. A course child takes over its component's seat; a package child
 * starts unscheduled.
 */
export async function expandComponent(app: AppContext, parentId: number, componentKey: string): Promise<ComponentOutcome> {
  return app.db.transaction(async (trx) => {
    const parent = await app.bookings.lockForUpdate(trx, parentId);
    if (!parent) return 'skipped';
    const status = childStatusFor(parent.booking_type, parent.status);
    if (!status) return 'skipped';
    const component = await app.bookings.componentToExpand(trx, parentId, componentKey);
    if (!component) throw new UnknownComponentError(`booking ${parentId} has no component "${componentKey}"`);
    if (component.child_id !== null) return 'exists';
    const session = component.service_session_id === null ? null : { start: component.session_start!, end: component.session_end! };
    const now = app.clock.now();
    const child = await app.bookings.insertChild(trx, {
      client_id: parent.client_id,
      practitioner_id: parent.practitioner_id,
      service_id: component.service_id,
      service_session_id: component.service_session_id,
      parent_booking_id: parent.id,
      component_key: component.component_key,
      location_id: component.service_location_id ?? parent.location_id,
      booking_type: session ? 'group' : 'individual',
      title: component.service_name,
      timezone: parent.timezone,
      start_time: session?.start ?? null,
      end_time: session?.end ?? null,
      blocked_until: session?.end ?? null,
      status,
      payment_status: 'not_required',
      price_charged_cents: 0,
      cancellation_notice_hours: parent.cancellation_notice_hours,
      hold_expires_at: null,
      confirmed_at: status === 'confirmed' ? now : null,
    });
    if (!child) return 'exists';
    await app.bookings.recordHistory(trx, child.id, {
      from_status: null,
      to_status: child.status,
      actor_id: null,
      actor_role: 'system',
      reason: `part of booking ${parent.id}`,
      created_at: now,
    });
    await recordJobs(trx, lifecycleJobsFor(child, now));
    // Its people were told about the purchase; the child's own event is for webhooks and the record.
    await recordBookingEvents(app, trx, child, [{ type: 'booking.created' }], { tellPeople: false });
    return 'created';
  });
}

/**
 * Runs after every component job of a parent has finished: the expansion is done when each component
 * has its child (or the parent no longer wants any), failed with the reason otherwise.
 */
export async function finishExpansion(app: AppContext, parentId: number, failures: string[]): Promise<{ status: 'done' | 'failed'; missing: number }> {
  const parent = await app.bookings.findRow(parentId);
  if (!parent) return { status: 'done', missing: 0 };
  const components = await app.bookings.components(app.db, parentId);
  const missing = components.filter((c) => c.child_id === null).length;
  const wanted = childStatusFor(parent.booking_type, parent.status) !== null;
  if (missing && wanted) {
    const reason = `${missing} of ${components.length} child bookings could not be created${failures.length ? `: ${failures.join('; ')}` : ''}`;
    await app.bookings.setExpansion(app.db, parentId, 'failed', reason.slice(0, 2000));
    app.logger.error({ bookingId: parentId, missing, failures }, 'expansion failed: kept for an operator');
    return { status: 'failed', missing };
  }
  await app.bookings.setExpansion(app.db, parentId, 'done');
  return { status: 'done', missing: 0 };
}

export type ExpiryOutcome = { outcome: 'expired'; credits: number } | { outcome: 'skipped' } | { outcome: 'early'; dueAt: Date };

/**
 * A bundle's remaining credits expire when they are due; the bundle is then completed. Safe to run
 * again or early (nothing happens before the stored expiry). Given the job's `dueAt`, a run before it is 'early'
 * (the job waits for it); the reconciler gives none.
 */
export async function expireBundleCredits(app: AppContext, bundleId: number, dueAt?: Date): Promise<ExpiryOutcome> {
  if (dueAt && app.clock.now().getTime() < dueAt.getTime()) return { outcome: 'early', dueAt };
  return app.db.transaction(async (trx) => {
    const bundle = await app.bookings.lockForUpdate(trx, bundleId);
    if (!bundle) return { outcome: 'skipped' };
    const now = app.clock.now();
    const expired = await app.credits.expire(trx, bundleId, now);
    if (expired === null) return { outcome: 'skipped' };
    if (bundle.status === 'confirmed' || bundle.status === 'in_progress') {
      await writeMove(app, trx, bundle, SYSTEM_ACTOR, pathBetween(bundle.status, 'completed'), {}, { reason: 'credits expired' });
    }
    return { outcome: 'expired', credits: expired };
  });
}

/** The reconciler's repair for expiry jobs Redis lost. */
export async function expireDueCredits(app: AppContext, limit = 500): Promise<number> {
  let expired = 0;
  for (const bundleId of await app.credits.findDueExpiries(app.clock.now(), limit)) {
    if ((await expireBundleCredits(app, bundleId)).outcome === 'expired') expired++;
  }
  return expired;
}
