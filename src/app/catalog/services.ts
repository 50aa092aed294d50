import { canSeeService, serviceVisibility } from '../../domain/catalog-rules';
import { ACTIVE_STATUSES } from '../../domain/types';
import { blockedUntil } from '../../domain/buffer-change';
import { conflict, DomainError, forbidden, invalid, invalidField, notFound } from '../../domain/errors';
import type { Caller, ServiceType } from '../../domain/types';
import type { ServiceColumns, ServiceRecord, SessionRecord } from '../../data/catalog-repository';
import type { Page, PageRequest } from '../../data/pagination';
import { isCalendarOverlap, translateConstraintErrors } from '../../data/pg-errors';
import type { AppContext } from '../app-context';
import { offerSeatIfAwaited } from '../waitlists/waitlist-jobs';
import { ROOM_CONFLICTS, takeRoom } from '../bookings/take-room';
import { mayUseLocation } from './rooms';

export interface ServiceInput extends ServiceColumns {
  included_services?: Array<{ service_id: number; quantity: number }>;
  bundle_service_ids?: number[];
}

/** Services are written by the practitioner who offers them (or an admin). */
function assertCanWrite(caller: Caller, practitionerId: number): void {
  if (caller.role !== 'admin' && caller.id !== practitionerId) throw forbidden();
}

/** The services the caller may see (inactive ones only their own, or all for an admin). */
export function listServices(
  app: AppContext,
  caller: Caller,
  filter: { practitionerId?: number; serviceType?: ServiceType; isActive?: boolean },
  page: PageRequest,
): Promise<Page<ServiceRecord>> {
  return app.catalog.listServices({ ...filter, ...serviceVisibility(caller) }, page);
}

export async function getService(app: AppContext, caller: Caller | null, id: number): Promise<ServiceRecord> {
  const service = await app.catalog.findService(id);
  const visible = service && canSeeService(service, caller);
  if (!visible) throw notFound();
  return service;
}

/** Package contents and bundle targets must be the same practitioner's bookable services. */
async function assertComponentsValid(app: AppContext, practitionerId: number, type: ServiceType, input: ServiceInput): Promise<void> {
  if (type !== 'package' && input.included_services?.length) throw invalidField('included_services', 'Only packages include services.');
  if (type !== 'bundle' && input.bundle_service_ids?.length) throw invalidField('bundle_service_ids', 'Only bundles name bundle services.');
  const checks: Array<[string, number[], ServiceType[]]> = [
    ['included_services', (input.included_services ?? []).map((i) => i.service_id), ['session', 'workshop']],
    ['bundle_service_ids', input.bundle_service_ids ?? [], ['session']],
  ];
  for (const [field, ids, allowedTypes] of checks) {
    if (new Set(ids).size !== ids.length) throw invalidField(field, 'A service may be named only once.');
    const found = await app.catalog.findServicesByIds(ids);
    const bad = ids.filter((id) => {
      const s = found.find((f) => f.id === id);
      return !s || s.practitioner_id !== practitionerId || !allowedTypes.includes(s.service_type);
    });
    if (bad.length) throw invalidField(field, `Services ${bad.join(', ')} are not ${allowedTypes.join(' or ')} services of this practitioner.`);
  }
}

/** A service is held at its practitioner's own location or one shared with them (docs/api-conventions.md#rooms-and-pricing); another's is a 403. */
async function assertLocationUsable(app: AppContext, practitionerId: number, locationId: number | null | undefined): Promise<void> {
  if (locationId === null || locationId === undefined) return;
  const location = await app.catalog.findLocation(locationId);
  if (!location) throw invalidField('location_id', `Location ${locationId} does not exist.`, 'does_not_exist');
  if (!(await mayUseLocation(app, location, practitionerId))) {
    throw new DomainError('forbidden', 'not_a_member', `Location ${locationId} is not one of this practitioner's locations, nor shared with them.`, {
      location_id: [`Location ${locationId} is not one of this practitioner's locations, nor shared with them.`],
    });
  }
}

function assertRoomNeedsLocation(merged: { requires_room?: boolean; location_id?: number | null }): void {
  if (merged.requires_room && (merged.location_id === null || merged.location_id === undefined)) {
    throw invalidField('requires_room', 'A service that requires a room needs a location_id (its rooms are the location\'s).');
  }
}

function assertTypeFields(type: ServiceType, merged: ServiceInput & { included_count: number }): void {
  if (type === 'package' && merged.included_count === 0) throw invalidField('included_services', 'A package must include at least one service.');
  if (type === 'bundle' && (!merged.sessions_included || !merged.validity_days)) {
    throw invalid('A bundle needs sessions_included and validity_days.', {
      sessions_included: ['Required for bundles.'],
      validity_days: ['Required for bundles.'],
    });
  }
}

export async function createService(app: AppContext, caller: Caller, input: ServiceInput & { practitioner_id?: number }): Promise<ServiceRecord> {
  if (caller.role === 'client') throw forbidden('Only practitioners offer services.');
  const practitionerId = caller.role === 'admin' && input.practitioner_id ? input.practitioner_id : caller.id;
  if (!(await app.practitioners.find(practitionerId))) {
    throw invalidField('practitioner_id', caller.role === 'admin' ? `Practitioner ${practitionerId} does not exist.` : 'Admins must name the practitioner_id the service belongs to.', 'does_not_exist');
  }
  const type = input.service_type as ServiceType;
  assertTypeFields(type, { ...input, included_count: input.included_services?.length ?? 0 });
  await assertComponentsValid(app, practitionerId, type, input);
  assertRoomNeedsLocation(input);
  await assertLocationUsable(app, practitionerId, input.location_id);
  const { included_services, bundle_service_ids, ...columns } = input;
  const id = await app.db.transaction((trx) =>
    app.catalog.insertService(trx, {
      columns: { ...columns, practitioner_id: practitionerId },
      includedServices: included_services ?? [],
      bundleServiceIds: bundle_service_ids ?? [],
    }),
  );
  return (await app.catalog.findService(id))!;
}

export async function updateService(app: AppContext, caller: Caller, id: number, input: ServiceInput): Promise<ServiceRecord> {
  const service = await getService(app, caller, id);
  assertCanWrite(caller, service.practitioner_id);
  if (input.service_type && input.service_type !== service.service_type) throw invalidField('service_type', 'The type of a service cannot change.');
  const type = service.service_type;
  const merged = { ...service, ...input };
  assertTypeFields(type, { ...merged, included_count: (input.included_services ?? service.included_services).length });
  await assertComponentsValid(app, service.practitioner_id, type, input);
  assertRoomNeedsLocation(merged);
  await assertLocationUsable(app, service.practitioner_id, input.location_id);
  const { included_services, bundle_service_ids, ...columns } = input;
  await app.db.transaction((trx) =>
    app.catalog.updateService(trx, id, { columns, includedServices: included_services, bundleServiceIds: bundle_service_ids }),
  );
  return (await app.catalog.findService(id))!;
}

export async function deleteService(app: AppContext, caller: Caller, id: number): Promise<void> {
  const service = await getService(app, caller, id);
  assertCanWrite(caller, service.practitioner_id);
  await app.catalog.deleteService(id);
}

export async function listSessions(app: AppContext, caller: Caller | null, serviceId: number, page: PageRequest): Promise<Page<SessionRecord>> {
  await getService(app, caller, serviceId);
  return app.catalog.listSessions(serviceId, page);
}

export async function createSession(
  app: AppContext,
  caller: Caller,
  serviceId: number,
  input: { start_time: Date; end_time?: Date; max_participants?: number; room_id?: number },
): Promise<SessionRecord> {
  const service = await getService(app, caller, serviceId);
  assertCanWrite(caller, service.practitioner_id);
  if (service.service_type !== 'workshop' && service.service_type !== 'course') {
    throw invalidField('service_id', 'Only workshops and courses have sessions.');
  }
  const end = input.end_time ?? new Date(input.start_time.getTime() + service.duration_minutes * 60_000);
  if (end <= input.start_time) throw invalidField('end_time', 'end_time must be after start_time.');
  if (input.start_time <= app.clock.now()) throw invalidField('start_time', 'start_time must be in the future.');
  return app.db.transaction(async (trx) => {
    // A session takes the practitioner's time like a booking does, with the buffer in force under the
    // same calendar lock as booking writes: no active booking or other session may start less than the
    // buffer after it, nor end less than the buffer before it (those carry their own buffer already).
    await app.bookings.lockPractitionerCalendar(trx, service.practitioner_id);
    const schedule = await app.practitioners.loadSchedule(service.practitioner_id, trx);
    const until = blockedUntil(end, schedule?.bufferMinutes ?? 0);
    const busy = await app.bookings.busyRanges(service.practitioner_id, { from: input.start_time, to: until }, { statuses: ACTIVE_STATUSES, trx });
    const taken = () => conflict('slot_unavailable', 'Time slot not available: the practitioner has a booking or another session then.');
    if (busy.some((range) => range.start < until && input.start_time < range.end)) throw taken();
    const seats = input.max_participants ?? service.max_participants;
    // A room that seats everyone, for the session's time plus the buffer (docs/api-conventions.md#rooms-and-pricing).
    const room = await takeRoom(app, trx, service, { start: input.start_time, until, seats, roomId: input.room_id });
    return translateConstraintErrors(
      () =>
        app.catalog.insertSession(trx, {
          service_id: serviceId,
          start_time: input.start_time,
          end_time: end,
          blocked_until: until,
          max_participants: seats,
          room_id: room.roomId,
        }),
      [{ when: isCalendarOverlap, then: taken }, ...ROOM_CONFLICTS],
    );
  });
}

/**
 * Changes a session's seat count (its practitioner or an admin). Not below the seats already taken
 * (409 below_seats_taken). Seats added while people wait are offered to them, through the same job as
 * a cancel's freed seat, recorded under the session's row lock.
 */
export async function updateSession(app: AppContext, caller: Caller, serviceId: number, sessionId: number, input: { max_participants: number }): Promise<SessionRecord> {
  const service = await getService(app, caller, serviceId);
  assertCanWrite(caller, service.practitioner_id);
  const session = await app.catalog.findSession(sessionId);
  if (!session || session.service_id !== service.id) throw notFound();
  return app.db.transaction(async (trx) => {
    const locked = (await app.waitlists.lockSession(trx, sessionId))!;
    if (input.max_participants < locked.seats_taken) {
      throw conflict('below_seats_taken', `${locked.seats_taken} seats are taken; max_participants cannot be lower.`);
    }
    const updated = await app.catalog.setSessionCapacity(trx, sessionId, input.max_participants);
    if (updated.max_participants > locked.max_participants) await offerSeatIfAwaited(app, trx, sessionId);
    return updated;
  });
}
