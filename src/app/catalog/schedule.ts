import type { Knex } from 'knex';
import type { Schedule } from '../../domain/availability';
import { bufferConflicts, planBufferChange } from '../../domain/buffer-change';
import { forbidden, notFound } from '../../domain/errors';
import { isCalendarOverlap, isRoomOverlap, translateConstraintErrors } from '../../data/pg-errors';
import { assertClosedDatesStandAlone, assertNoOverlappingRanges, assertWeeklyHoursDoNotOverlap } from '../../domain/schedule-rules';
import type { Caller } from '../../domain/types';
import type { AppContext } from '../app-context';

function assertPractitioner(caller: Caller): void {
  if (caller.role !== 'practitioner') throw forbidden('Only practitioners have a schedule.');
}

export async function getSchedule(app: AppContext, caller: Caller): Promise<Schedule> {
  assertPractitioner(caller);
  const schedule = await app.practitioners.loadSchedule(caller.id);
  if (!schedule) throw notFound();
  return schedule;
}

export async function replaceSchedule(app: AppContext, caller: Caller, schedule: Schedule): Promise<Schedule> {
  assertPractitioner(caller);
  assertWeeklyHoursDoNotOverlap(schedule.weeklyHours);
  const openOverrides = schedule.dateOverrides.filter((o) => !o.unavailable) as Array<{ date: string; start: string; end: string }>;
  assertNoOverlappingRanges('date_overrides', openOverrides, (o) => o.date);
  assertClosedDatesStandAlone(schedule.dateOverrides);
  await app.db.transaction(async (trx) => {
    // Under the calendar lock, so no booking or session is written between the check and the rewrite,
    // and every writer after it reads the new buffer.
    await app.bookings.lockPractitionerCalendar(trx, caller.id);
    await applyBufferChange(app, trx, caller.id, schedule.bufferMinutes);
    await app.practitioners.replaceSchedule(trx, caller.id, schedule);
  });
  return getSchedule(app, caller);
}

/**
 * A new buffer applies to the bookings and sessions already on the calendar too: their stored ranges
 * become end + the new buffer, or, if a raise would make two of them overlap, the whole change is a 409
 * buffer_conflicts naming them (see domain/buffer-change.ts). The exclusion constraints settle anything
 * the check missed.
 */
async function applyBufferChange(app: AppContext, trx: Knex.Transaction, practitionerId: number, bufferMinutes: number): Promise<void> {
  const current = await app.practitioners.loadSchedule(practitionerId, trx);
  if (!current || current.bufferMinutes === bufferMinutes) return;
  const now = app.clock.now();
  // A block is affected while its old or new range reaches past now; both end at or after end_time, so
  // every such block's stored range ends after now - the new buffer.
  const after = new Date(now.getTime() - bufferMinutes * 60_000);
  const blocks = await app.calendar.blocksEndingAfter(trx, practitionerId, after);
  const plan = planBufferChange({ blocks, bufferMinutes, now });
  if (plan.conflicts.length) throw bufferConflicts(plan.conflicts, bufferMinutes);
  // Rooms the rewritten ranges hold are shared with other practitioners: their locations are locked
  // (in id order, after the calendar, as every room writer does) and room_blocks refuses a raise that
  // would reach another's booking in the same room.
  for (const locationId of await app.rooms.locationsHoldingPractitioner(trx, practitionerId, after)) {
    await app.rooms.lockLocationRooms(trx, locationId);
  }
  await translateConstraintErrors(() => app.calendar.storeBlockedUntil(trx, plan.rewrite), [
    { when: (e) => isCalendarOverlap(e) || isRoomOverlap(e), then: () => bufferConflicts([], bufferMinutes) },
  ]);
}
