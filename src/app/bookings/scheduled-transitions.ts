import type { BookingAction } from '../../domain/booking-status';
import { OWN_TIME_TYPES, overdueAction, TIMED_MOVES } from '../../domain/booking-rules';
import { DomainError } from '../../domain/errors';
import type { AppContext } from '../app-context';
import { SYSTEM, transitionBooking, type TransitionOptions } from './transition-booking';

export type ScheduledOutcome = { outcome: 'applied' } | { outcome: 'skipped'; why: string } | { outcome: 'early'; dueAt: Date };

const REASONS: Partial<Record<BookingAction, string>> = {
  start: 'started at start_time',
  complete: 'ended at end_time',
  expire_hold: 'payment_timeout',
};

/**
 * A timed move by the system. It happens only if the booking is still what the job was scheduled
 * for (expect); a booking that moved on (canceled, rescheduled, already done) makes the job a no-op.
 */
export async function runScheduledTransition(
  app: AppContext,
  bookingId: number,
  action: BookingAction,
  dueAt: Date,
  expect: TransitionOptions['expect'],
): Promise<ScheduledOutcome> {
  if (app.clock.now().getTime() < dueAt.getTime()) return { outcome: 'early', dueAt };
  try {
    await transitionBooking(app, SYSTEM, bookingId, action, { expect, reason: REASONS[action] });
    return { outcome: 'applied' };
  } catch (error) {
    if (error instanceof DomainError && (error.kind === 'conflict' || error.kind === 'not_found')) return { outcome: 'skipped', why: error.message };
    throw error;
  }
}

/**
 * Applies every overdue timed move found in Postgres: the safety net for jobs Redis lost. Each move
 * is its own transaction and re-checked under the row lock, so it is safe beside the real jobs.
 */
export async function reconcileOverdue(app: AppContext, limit = 500): Promise<Record<'start' | 'complete' | 'expire_hold' | 'skipped', number>> {
  const now = app.clock.now();
  const counts = { start: 0, complete: 0, expire_hold: 0, skipped: 0 };
  for (const booking of await app.bookings.findOverdue(now, limit, { moves: TIMED_MOVES, ownTimeTypes: OWN_TIME_TYPES })) {
    const action = overdueAction(booking, now);
    if (!action) continue;
    const result = await runScheduledTransition(app, booking.id, action, now, { status: [booking.status] });
    if (result.outcome === 'applied') counts[action]++;
    else counts.skipped++;
  }
  return counts;
}
