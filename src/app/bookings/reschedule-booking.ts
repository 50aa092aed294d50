import { decideTransition } from '../../domain/booking-status';
import { timesFromRequest } from '../../domain/booking-rules';
import { invalidField } from '../../domain/errors';
import { assertVersionMatches } from '../../domain/booking-version';
import type { BookingRow } from '../../data/booking-repository';
import { recordJobs } from '../../jobs/outbox-writer';
import type { AppContext } from '../app-context';
import { assertTimeIsFree } from './assert-time-is-free';
import { assertRoomRequestValid, takeRoom } from './take-room';
import { recordBookingEvents } from '../events/record-events';
import { lifecycleJobsFor } from './booking-jobs';
import { factsOf } from './booking-queries';
import { schedulePackageItem, type ScheduleInput } from './schedule-package-item';
import { actorOf, type Requester } from './transition-booking';

const MINUTE_MS = 60_000;

export async function rescheduleBooking(
  app: AppContext,
  requester: Requester,
  bookingId: number,
  input: ScheduleInput,
  /** If-Match: the versions the caller accepts (a stale one is a 412). */
  expectVersion?: number[],
): Promise<BookingRow> {
  return app.db.transaction(async (trx) => {
    // The calendar before the booking: a buffer change holds the calendar while it rewrites active
    // bookings, so taking them the other way round could deadlock with it. A booking's practitioner
    // never changes, so reading it unlocked is safe.
    const unlocked = await app.bookings.findRow(bookingId, trx);
    if (unlocked) await app.bookings.lockPractitionerCalendar(trx, unlocked.practitioner_id);
    const family = await app.bookings.lockFamily(trx, bookingId);
    const actor = actorOf(requester, family.booking);
    const booking = family.booking!;
    const { parent } = family;
    assertVersionMatches(booking.version, expectVersion);
    // A package item not scheduled yet is scheduled here, the first time.
    if (parent && booking.start_time === null) return schedulePackageItem(app, trx, booking, parent, actor, input);
    const now = app.clock.now();
    decideTransition(factsOf(booking), 'reschedule', actor, now);
    if (input.service_session_id !== undefined) throw invalidField('service_session_id', 'Only an unscheduled package item is scheduled by session.');
    const durationMinutes = (booking.end_time!.getTime() - booking.start_time!.getTime()) / MINUTE_MS;
    const { start, end } = timesFromRequest({ duration_minutes: durationMinutes }, { start: input.start_time ?? null, end: input.end_time ?? null });
    if (start.getTime() <= now.getTime()) throw invalidField('start_time', 'start_time must be in the future.');

    const service = await app.catalog.findService(booking.service_id, trx);
    if (service) await assertRoomRequestValid(app, service, input.room_id, trx);
    // A draft holds nothing, so only its times (and the room it asks for) change; it is checked again on submit.
    const bufferMinutes = booking.status === 'draft' ? 0 : await assertTimeIsFree(app, trx, booking, start, end);
    const until = new Date(end.getTime() + bufferMinutes * MINUTE_MS);
    // The room moves with the booking: the same one if it is free at the new time, else another (docs/api-conventions.md#rooms-and-pricing).
    const { roomId } =
      booking.status === 'draft' || !service
        ? { roomId: input.room_id ?? booking.room_id }
        : await takeRoom(app, trx, service, { start, until, seats: 1, roomId: input.room_id, preferRoomId: booking.room_id, exclude: { bookingId: booking.id } });
    const updated = await app.bookings.update(trx, booking.id, { start_time: start, end_time: end, blocked_until: until, room_id: roomId });
    await app.bookings.recordHistory(trx, booking.id, {
      from_status: booking.status,
      to_status: booking.status,
      actor_id: actor.id,
      actor_role: actor.role,
      reason: input.reason ?? 'rescheduled',
      created_at: now,
      details: {
        rescheduled:
          // The rooms only when one is involved: a booking without rooms records what it always did.
          booking.room_id === null && roomId === null
            ? { from: { start_time: booking.start_time, end_time: booking.end_time }, to: { start_time: start, end_time: end } }
            : { from: { start_time: booking.start_time, end_time: booking.end_time, room_id: booking.room_id }, to: { start_time: start, end_time: end, room_id: roomId } },
      },
    });
    if (updated.status !== 'draft') {
      await recordJobs(trx, lifecycleJobsFor(updated, now));
      const moved = { from: { start_time: booking.start_time, end_time: booking.end_time }, to: { start_time: start, end_time: end } };
      await recordBookingEvents(app, trx, updated, [{ type: 'booking.rescheduled', occasion: start.toISOString(), details: moved }], { tellPeople: true });
    }
    return updated;
  });
}
