import type { Knex } from 'knex';
import { conflict, invalidField, notFound, type DomainError } from '../../domain/errors';
import { chooseRoom, type RoomChoice } from '../../domain/rooms';
import type { ServiceRecord } from '../../data/catalog-repository';
import { isRoomOverlap } from '../../data/pg-errors';
import type { AppContext } from '../app-context';

type RoomService = Pick<ServiceRecord, 'id' | 'service_type' | 'location_id' | 'requires_room'>;

export interface RoomRequest {
  start: Date;
  /** End plus the practitioner's buffer: the range the room is held for. */
  until: Date;
  seats: number;
  /** The room the caller chose (strict); without one the server picks. */
  roomId?: number | null;
  /** The room held so far (a reschedule): kept if still free, else another is picked. */
  preferRoomId?: number | null;
  exclude?: { bookingId?: number; sessionId?: number };
}

const noRoom = (detail = 'No room of this location is free then.'): DomainError => conflict('no_room_available', detail);

/** The exclusion constraint's answer, for translateConstraintErrors: a race lost on the room. */
export const ROOM_CONFLICTS = [{ when: isRoomOverlap, then: () => noRoom() }];

/**
 * What a `room_id` in a request may name, checked before anything is locked or written: a live room of
 * the service's location (404 otherwise, as for anything not visible), for a service that takes rooms
 * one by one (400 `room_not_used` otherwise: no location, no room needed, or a workshop seat, which
 * sits in its session's room).
 */
export async function assertRoomRequestValid(app: AppContext, service: RoomService, roomId: number | null | undefined, q?: Knex.Transaction): Promise<void> {
  if (roomId === undefined || roomId === null) return;
  if (service.location_id === null) throw invalidField('room_id', `Service ${service.id} has no location, so it takes no room.`, 'room_not_used');
  if (!service.requires_room) throw invalidField('room_id', `Service ${service.id} does not require a room.`, 'room_not_used');
  if (!(await app.rooms.findRoom(service.location_id, roomId, q))) throw notFound(`Room ${roomId} is not a room of this service's location.`);
}

/** What a room choice that found none answers (also the create's two-statement path: create-in-one-write.ts). */
export function roomRefusal(choice: Exclude<RoomChoice, { ok: true }>, request: Pick<RoomRequest, 'roomId' | 'seats'>): DomainError {
  switch (choice.reason) {
    case 'unknown_room':
      return notFound(`Room ${request.roomId} is not a room of this service's location.`);
    case 'too_small':
      return invalidField('room_id', `Room ${request.roomId} seats fewer than ${request.seats}.`, 'room_too_small');
    case 'taken':
      return noRoom(`Room ${request.roomId} is taken then.`);
    case 'none_fits':
      return noRoom(`No room of this location seats ${request.seats}.`);
    case 'none_free':
      return noRoom();
  }
}

/**
 * The room a booking or session of `service` takes for [start, until), under the location's room lock
 * (taken after the practitioner's calendar lock): the one asked for, or the smallest free one that
 * seats everyone. null for a service that takes no room. The caller writes room_id in the same
 * transaction, translating ROOM_CONFLICTS; room_blocks_no_overlap is the last word.
 */
export async function takeRoom(app: AppContext, trx: Knex.Transaction, service: RoomService, request: RoomRequest): Promise<{ roomId: number | null }> {
  await assertRoomRequestValid(app, service, request.roomId, trx);
  if (!service.requires_room) return { roomId: null };
  if (service.location_id === null) throw noRoom('This service requires a room but has no location.');
  await app.rooms.lockLocationRooms(trx, service.location_id);
  const rooms = await app.rooms.roomCalendars(trx, service.location_id, { from: request.start, to: request.until }, request.exclude);
  const base = { rooms, start: request.start, until: request.until, seats: request.seats };
  let choice = chooseRoom({ ...base, roomId: request.roomId ?? request.preferRoomId });
  if (!choice.ok && request.roomId == null && request.preferRoomId != null) choice = chooseRoom(base);
  if (!choice.ok) throw roomRefusal(choice, request);
  return { roomId: choice.room.id };
}
