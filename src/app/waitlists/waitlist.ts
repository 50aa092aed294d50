import { conflict, invalid, notFound } from '../../domain/errors';
import type { Caller } from '../../domain/types';
import type { SessionRecord } from '../../data/catalog-repository';
import { isUniqueViolation, translateConstraintErrors } from '../../data/pg-errors';
import type { AppContext } from '../app-context';
import { getService } from '../catalog/services';

/** The session of a service the caller can see (404 otherwise). */
async function visibleSession(app: AppContext, caller: Caller, serviceId: number, sessionId: number) {
  const service = await getService(app, caller, serviceId);
  const session = await app.catalog.findSession(sessionId);
  if (!session || session.service_id !== service.id) throw notFound();
  return { service, session };
}

/**
 * Joins the queue for a full workshop session (docs/api-conventions.md#waitlists). Courses are bought whole, so a course
 * session has no waitlist of its own (400 waitlist_workshops_only). The checks that depend on the
 * seats are made under the session's row lock, the lock every offer takes first.
 */
export async function joinWaitlist(app: AppContext, caller: Caller, serviceId: number, sessionId: number): Promise<{ position: number }> {
  const { service, session } = await visibleSession(app, caller, serviceId, sessionId);
  if (service.service_type !== 'workshop') {
    throw invalid('Waitlists are for workshop sessions; a course is bought whole with POST /api/v1/drf/bookings/create-course/.', undefined, 'waitlist_workshops_only');
  }
  if (caller.id === service.practitioner_id) throw invalid('Practitioners cannot book their own services.', undefined, 'self_booking');
  if (!service.is_active) throw invalid(`Service ${service.id} is not active.`, undefined, 'service_inactive');
  if (session.start_time <= app.clock.now()) throw conflict('session_started', 'This session has already started.');
  return app.db.transaction(async (trx) => {
    const locked = (await app.waitlists.lockSession(trx, sessionId)) as SessionRecord;
    if (await app.waitlists.holdsSeat(trx, sessionId, caller.id)) throw conflict('already_booked', 'You already hold a seat in this session.');
    // A free seat that people already wait for is theirs (an offer is on its way): the caller queues too.
    if (locked.seats_taken < locked.max_participants && !(await app.waitlists.hasWaiting(trx, sessionId))) {
      throw conflict('session_has_seats', 'This session has a free seat: book it with POST /api/v1/drf/bookings/.');
    }
    await translateConstraintErrors(
      () => app.waitlists.insert(trx, sessionId, caller.id),
      [{ when: (e) => isUniqueViolation(e, 'waitlist_one_turn_per_client'), then: () => conflict('already_waiting', 'You are already on the waitlist of this session.') }],
    );
    return { position: (await app.waitlists.position(sessionId, caller.id, trx))! };
  });
}

/** The caller's place in the queue: 1 is next (404 when they are not waiting). */
export async function waitlistPosition(app: AppContext, caller: Caller, serviceId: number, sessionId: number): Promise<{ position: number }> {
  await visibleSession(app, caller, serviceId, sessionId);
  const position = await app.waitlists.position(sessionId, caller.id);
  if (position === null) throw notFound('You are not on the waitlist of this session.');
  return { position };
}

/** Leaves the queue (404 when not waiting; a seat already offered is canceled like any booking). */
export async function leaveWaitlist(app: AppContext, caller: Caller, serviceId: number, sessionId: number): Promise<void> {
  await visibleSession(app, caller, serviceId, sessionId);
  await app.db.transaction(async (trx) => {
    await app.waitlists.lockSession(trx, sessionId);
    if (!(await app.waitlists.leave(trx, sessionId, caller.id, app.clock.now()))) throw notFound('You are not on the waitlist of this session.');
  });
}
