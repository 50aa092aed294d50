import type { Schedule } from '../../domain/availability';
import { forbidden, notFound } from '../../domain/errors';
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
  await app.db.transaction((trx) => app.practitioners.replaceSchedule(trx, caller.id, schedule));
  return getSchedule(app, caller);
}
