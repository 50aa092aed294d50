import { ACTIVE_STATUSES } from '../../domain/types';
import type { Knex } from 'knex';
import { assertSlotIsFree } from '../../domain/availability';
import { slotUnavailable } from '../../domain/errors';
import type { AppContext } from '../app-context';

const DAY_MS = 86_400_000;

/**
 * Checks [start, end) against the practitioner's schedule and active bookings (excluding the
 * booking itself, when it already exists) under the practitioner's calendar lock, so the schedule
 * read is the one in force. Create, reschedule and submit all decide here; the exclusion constraint
 * settles anything after. Returns the buffer the booking must keep.
 */
export async function assertTimeIsFree(
  app: AppContext,
  trx: Knex.Transaction,
  booking: { id?: number; practitioner_id: number },
  start: Date,
  end: Date,
): Promise<number> {
  await app.bookings.lockPractitionerCalendar(trx, booking.practitioner_id);
  const schedule = await app.practitioners.loadSchedule(booking.practitioner_id, trx);
  if (!schedule) throw slotUnavailable('the practitioner has no schedule');
  const window = { from: new Date(start.getTime() - DAY_MS), to: new Date(end.getTime() + DAY_MS) };
  const busy = await app.bookings.busyRanges(booking.practitioner_id, window, { statuses: ACTIVE_STATUSES, excludeBookingId: booking.id, trx });
  assertSlotIsFree({ schedule, busy, start, end, now: app.clock.now() });
  return schedule.bufferMinutes;
}
