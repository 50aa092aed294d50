import type { Knex } from 'knex';
import { assertSlotIsFree } from '../../domain/availability';
import { decideTransition } from '../../domain/booking-status';
import { timesFromRequest } from '../../domain/booking-rules';
import { invalidField, slotUnavailable } from '../../domain/errors';
import type { BookingRow } from '../../data/booking-repository';
import { isExclusionViolation, translateConstraintErrors } from '../../data/pg-errors';
import { recordJobs } from '../../jobs/outbox-writer';
import type { AppContext } from '../app-context';
import { lifecycleJobsFor, notifyJob } from './booking-jobs';
import { factsOf } from './booking-queries';
import { actorOf, type Requester } from './transition-booking';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * Checks [start, end) against the practitioner's schedule and active bookings (excluding the
 * booking itself), with the same engine as create. The exclusion constraint settles any race after.
 */
export async function assertTimeIsFree(
  app: AppContext,
  trx: Knex.Transaction,
  booking: Pick<BookingRow, 'id' | 'practitioner_id'>,
  start: Date,
  end: Date,
): Promise<number> {
  await app.bookings.lockPractitionerCalendar(trx, booking.practitioner_id);
  const schedule = await app.practitioners.loadSchedule(booking.practitioner_id, trx);
  if (!schedule) throw slotUnavailable('the practitioner has no schedule');
  const window = { from: new Date(start.getTime() - DAY_MS), to: new Date(end.getTime() + DAY_MS) };
  const busy = await app.bookings.busyRanges(booking.practitioner_id, window, { excludeBookingId: booking.id, trx });
  assertSlotIsFree({ schedule, busy, start, end, now: app.clock.now() });
  return schedule.bufferMinutes;
}

export async function rescheduleBooking(
  app: AppContext,
  requester: Requester,
  bookingId: number,
  input: { start_time: Date; end_time: Date; reason?: string },
): Promise<BookingRow> {
  return app.db.transaction(async (trx) => {
    const booking = (await app.bookings.lockForUpdate(trx, bookingId))!;
    const actor = actorOf(requester, booking);
    const now = app.clock.now();
    decideTransition(factsOf(booking), 'reschedule', actor, now);
    if (booking.service_session_id !== null) {
      throw invalidField('start_time', 'A workshop or course booking follows its session; cancel and book another session instead.', 'not_reschedulable');
    }
    const durationMinutes = (booking.end_time!.getTime() - booking.start_time!.getTime()) / MINUTE_MS;
    const { start, end } = timesFromRequest({ duration_minutes: durationMinutes }, { start: input.start_time, end: input.end_time });
    if (start.getTime() <= now.getTime()) throw invalidField('start_time', 'start_time must be in the future.');

    // A draft holds nothing, so only its times change; it is checked again on submit.
    const bufferMinutes = booking.status === 'draft' ? 0 : await assertTimeIsFree(app, trx, booking, start, end);
    const updated = await translateConstraintErrors(
      () => app.bookings.update(trx, booking.id, { start_time: start, end_time: end, blocked_until: new Date(end.getTime() + bufferMinutes * MINUTE_MS) }),
      [{ when: (e) => isExclusionViolation(e, 'bookings_no_overlap'), then: () => slotUnavailable() }],
    );
    await app.bookings.recordHistory(trx, booking.id, {
      from_status: booking.status,
      to_status: booking.status,
      actor_id: actor.id,
      actor_role: actor.role,
      reason: input.reason ?? 'rescheduled',
      created_at: now,
      details: {
        rescheduled: { from: { start_time: booking.start_time, end_time: booking.end_time }, to: { start_time: start, end_time: end } },
      },
    });
    if (updated.status !== 'draft') await recordJobs(trx, [...lifecycleJobsFor(updated, now), notifyJob(updated, 'booking_rescheduled', start.toISOString())]);
    return updated;
  });
}
