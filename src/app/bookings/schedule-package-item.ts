import type { Knex } from 'knex';
import { timesFromRequest } from '../../domain/booking-rules';
import { conflict, invalidField } from '../../domain/errors';
import { decideScheduleChild } from '../../domain/parent-bookings';
import type { Actor } from '../../domain/types';
import type { BookingRow } from '../../data/booking-repository';
import type { AppContext } from '../app-context';
import { assertTimeIsFree } from './assert-time-is-free';
import { assertRoomRequestValid, takeRoom } from './take-room';
import { factsOf } from './booking-queries';
import { writeMove } from './transition-booking';

const MINUTE_MS = 60_000;

export interface ScheduleInput {
  start_time?: Date;
  end_time?: Date;
  service_session_id?: number;
  /** A room of the service's location, for a service that requires one; without it the server picks one. */
  room_id?: number;
  reason?: string;
}

/**
 * Schedules an unscheduled package item (draft, no times) once its package is paid: every check of a
 * create (schedule, notice, advance, buffers, overlaps under the calendar lock, the exclusion
 * constraint last), or a seat in one of the workshop's sessions. It becomes confirmed.
 */
export async function schedulePackageItem(
  app: AppContext,
  trx: Knex.Transaction,
  child: BookingRow,
  parent: BookingRow,
  actor: Actor,
  input: ScheduleInput,
): Promise<BookingRow> {
  const path = decideScheduleChild(factsOf(child), parent.status, actor);
  const now = app.clock.now();
  const service = await app.catalog.findService(child.service_id, trx);
  if (!service) throw conflict('invalid_transition', 'The service of this package item no longer exists.');
  const changes: Partial<BookingRow> = {};
  if (input.room_id !== undefined && service.service_type === 'workshop') {
    throw invalidField('room_id', "A workshop seat is in its session's room; room_id is not sent.", 'room_not_used');
  }
  await assertRoomRequestValid(app, service, input.room_id, trx);
  if (service.service_type === 'workshop') {
    if (input.service_session_id === undefined) throw invalidField('service_session_id', 'This package item is a workshop: name the session to attend.', 'required');
    const session = await app.catalog.findSession(input.service_session_id, trx);
    if (!session || session.service_id !== service.id) throw invalidField('service_session_id', `Session ${input.service_session_id} is not a session of service ${service.id}.`);
    if (session.start_time.getTime() <= now.getTime()) throw invalidField('service_session_id', 'This session has already started.');
    if (!(await app.catalog.takeSeat(trx, session.id))) throw conflict('session_full', 'This session is full.');
    Object.assign(changes, { service_session_id: session.id, start_time: session.start_time, end_time: session.end_time, blocked_until: session.end_time });
  } else {
    if (input.service_session_id !== undefined) throw invalidField('service_session_id', 'Only a workshop is scheduled by session; send start_time and end_time.');
    const { start, end } = timesFromRequest(service, { start: input.start_time ?? null, end: input.end_time ?? null });
    if (start.getTime() <= now.getTime()) throw invalidField('start_time', 'start_time must be in the future.');
    const bufferMinutes = await assertTimeIsFree(app, trx, child, start, end);
    const until = new Date(end.getTime() + bufferMinutes * MINUTE_MS);
    const { roomId } = await takeRoom(app, trx, service, { start, until, seats: 1, roomId: input.room_id });
    Object.assign(changes, { start_time: start, end_time: end, blocked_until: until, room_id: roomId });
  }
  return writeMove(app, trx, child, actor, path, changes, {
    reason: input.reason ?? 'scheduled',
    details: { scheduled: { start_time: changes.start_time, end_time: changes.end_time, service_session_id: changes.service_session_id ?? null } },
  });
}
