import { ACTIVE_STATUSES } from '../../domain/types';
import { DateTime } from 'luxon';
import { findFreeSlots } from '../../domain/availability';
import { invalidField } from '../../domain/errors';
import { localIsoFormatter } from '../../domain/local-time';
import type { AppContext } from '../app-context';

export interface AvailabilityQuery {
  practitioner_id: number;
  service_id: number;
  date: string;
  timezone: string;
  days: number;
}

const DAY_MS = 86_400_000;

/** Free start times for a service, computed by the same engine that create and reschedule use. */
export async function checkAvailability(app: AppContext, query: AvailabilityQuery) {
  const windowStart = DateTime.fromISO(query.date, { zone: query.timezone });
  const from = new Date(windowStart.toMillis() - DAY_MS);
  const to = new Date(windowStart.plus({ days: query.days }).toMillis() + DAY_MS);
  // One round trip for everything; what it loads for a request refused below is small and bounded by the window.
  const { service, schedule, busy, rooms } = await app.bookings.availabilityInputs(query.service_id, query.practitioner_id, { from, to }, { statuses: ACTIVE_STATUSES });
  if (!service || !service.is_active) throw invalidField('service_id', `Service ${query.service_id} does not exist or is not active.`, 'does_not_exist');
  if (service.practitioner_id !== query.practitioner_id) {
    throw invalidField('service_id', `Service ${service.id} is not offered by practitioner ${query.practitioner_id}.`);
  }
  if (service.service_type !== 'session') {
    throw invalidField('service_id', `A ${service.service_type} is booked by its sessions: GET /api/v1/drf/services/${service.id}/sessions/.`, 'wrong_service_type');
  }
  // A service's practitioner always has a schedule (services reference practitioners).
  if (!schedule) throw invalidField('practitioner_id', `Practitioner ${query.practitioner_id} does not exist.`, 'does_not_exist');
  // A service that requires a room is offered only where one of its location's rooms is free too (rooms is set then).
  const slots = findFreeSlots({
    schedule,
    busy,
    rooms,
    durationMinutes: service.duration_minutes,
    date: query.date,
    days: query.days,
    zone: query.timezone,
    now: app.clock.now(),
  });
  const local = localIsoFormatter(query.timezone, from.getTime(), to.getTime());
  return {
    practitioner_id: service.practitioner_id,
    service_id: service.id,
    date: query.date,
    timezone: query.timezone,
    practitioner_timezone: schedule.timezone,
    duration_minutes: service.duration_minutes,
    slots: slots.map((s) => ({ start_time: s.start, end_time: s.end, local_start_time: local(s.start), local_end_time: local(s.end) })),
  };
}
