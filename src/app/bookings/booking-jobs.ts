import type { BookingRow } from '../../data/booking-repository';
import type { NotificationKind, OutboxJob } from '../../jobs/job-contracts';

const HOUR_MS = 3_600_000;

/** Reminders before a confirmed booking's start, skipped when that moment has already passed. */
const REMINDERS: Array<{ kind: NotificationKind; beforeMs: number }> = [
  { kind: 'reminder_24h', beforeMs: 24 * HOUR_MS },
  { kind: 'reminder_1h', beforeMs: HOUR_MS },
];

export const notifyJob = (booking: Pick<BookingRow, 'id'>, kind: NotificationKind, occasion: string, runAt?: Date): OutboxJob => ({
  queue: 'notifications',
  name: 'notify',
  payload: { bookingId: booking.id, kind, occasion },
  ...(runAt ? { runAt } : {}),
});

/**
 * The timed jobs a booking needs in its current state and times. Called whenever the status or the
 * times change; jobs of an earlier state or time are left to find the booking moved on and do nothing.
 */
/** The fields the timers depend on (a booking about to be written has them too). */
export type TimedFacts = Pick<BookingRow, 'id' | 'status' | 'start_time' | 'end_time' | 'hold_expires_at' | 'booking_type'>;

export function lifecycleJobsFor(booking: TimedFacts, now: Date): OutboxJob[] {
  const { id, status, start_time: start, end_time: end } = booking;
  const jobs: OutboxJob[] = [];
  if (status === 'pending_payment' && booking.hold_expires_at) {
    jobs.push({ queue: 'lifecycle', name: 'expire-hold', payload: { bookingId: id, holdExpiresAt: booking.hold_expires_at.toISOString() }, runAt: booking.hold_expires_at });
  }
  // A parent (course, package, bundle) has no session of its own: it follows its children.
  const ownTimes = booking.booking_type === 'individual' || booking.booking_type === 'group';
  if (status === 'confirmed' && start && end && ownTimes) {
    jobs.push({ queue: 'lifecycle', name: 'start-booking', payload: { bookingId: id, startTime: start.toISOString() }, runAt: start });
    jobs.push({ queue: 'lifecycle', name: 'finish-booking', payload: { bookingId: id, endTime: end.toISOString() }, runAt: end });
    for (const { kind, beforeMs } of REMINDERS) {
      const at = new Date(start.getTime() - beforeMs);
      if (at > now) jobs.push(notifyJob(booking, kind, start.toISOString(), at));
    }
  }
  return jobs;
}

/**
 * Jobs caused by a status change: the new state's timers and the refund owed. (The people to tell
 * hear of it through the change's events: see recordBookingEvents.)
 */
export function jobsAfterTransition(before: BookingRow, after: BookingRow, now: Date): OutboxJob[] {
  if (before.status === after.status) return [];
  const enteredTimedState = after.status === 'pending_payment' || after.status === 'confirmed';
  const refund: OutboxJob[] = after.status === 'canceled' && (after.refund_due_cents ?? 0) > 0 ? [{ queue: 'payments', name: 'refund', payload: { bookingId: after.id } }] : [];
  return [...(enteredTimedState ? lifecycleJobsFor(after, now) : []), ...refund];
}
