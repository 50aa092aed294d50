import { conflict, forbidden, invalidField, notFound } from '../../domain/errors';
import type { Caller } from '../../domain/types';
import type { LocationRecord } from '../../data/catalog-repository';
import type { RoomRecord } from '../../data/room-repository';
import { isUniqueViolation, translateConstraintErrors } from '../../data/pg-errors';
import type { AppContext } from '../app-context';
import { getLocation } from './locations';

type RoomInput = { name: string; capacity: number };

/** Only the location's owner (or an admin) changes its rooms and its members. */
async function getOwnedLocation(app: AppContext, caller: Caller, locationId: number): Promise<LocationRecord> {
  const location = await getLocation(app, locationId);
  if (caller.role !== 'admin' && location.practitioner_id !== caller.id) {
    throw forbidden("Only the location's owner changes its rooms and members.");
  }
  return location;
}

const nameTaken = (name: string) => invalidField('name', `This location already has a room named "${name}".`, 'unique');

/** Rooms are public facts of a location, like the location itself: anyone signed in may read them (a client may pick one). */
export async function listRooms(app: AppContext, locationId: number): Promise<RoomRecord[]> {
  await getLocation(app, locationId);
  return app.rooms.listRooms(locationId);
}

export async function getRoom(app: AppContext, locationId: number, roomId: number): Promise<RoomRecord> {
  await getLocation(app, locationId);
  const room = await app.rooms.findRoom(locationId, roomId);
  if (!room) throw notFound();
  return room;
}

export async function createRoom(app: AppContext, caller: Caller, locationId: number, input: RoomInput): Promise<RoomRecord> {
  await getOwnedLocation(app, caller, locationId);
  return app.db.transaction((trx) =>
    translateConstraintErrors(() => app.rooms.insertRoom(trx, { location_id: locationId, ...input }), [
      { when: (e) => isUniqueViolation(e, 'rooms_location_name_key'), then: () => nameTaken(input.name) },
    ]),
  );
}

export async function updateRoom(app: AppContext, caller: Caller, locationId: number, roomId: number, input: Partial<RoomInput>): Promise<RoomRecord> {
  await getOwnedLocation(app, caller, locationId);
  return app.db.transaction(async (trx) => {
    await app.rooms.lockLocationRooms(trx, locationId);
    const room = await app.rooms.findRoom(locationId, roomId, trx);
    if (!room) throw notFound();
    if (input.capacity !== undefined && input.capacity < room.capacity) {
      const seats = await app.rooms.largestFutureSession(trx, roomId, app.clock.now());
      if (seats > input.capacity) {
        throw conflict('room_in_use', `A session still to come in this room has ${seats} seats; the capacity cannot go below that.`);
      }
    }
    return translateConstraintErrors(() => app.rooms.updateRoom(trx, roomId, input), [
      { when: (e) => isUniqueViolation(e, 'rooms_location_name_key'), then: () => nameTaken(input.name ?? room.name) },
    ]);
  });
}

/** Under the location's room lock, so no booking takes the room between the check and the delete. */
export async function deleteRoom(app: AppContext, caller: Caller, locationId: number, roomId: number): Promise<void> {
  await getOwnedLocation(app, caller, locationId);
  await app.db.transaction(async (trx) => {
    await app.rooms.lockLocationRooms(trx, locationId);
    if (!(await app.rooms.findRoom(locationId, roomId, trx))) throw notFound();
    if (await app.rooms.isRoomInUse(trx, roomId, app.clock.now())) {
      throw conflict('room_in_use', 'This room is held by bookings or sessions still to come; cancel or move them first.');
    }
    await app.rooms.deleteRoom(trx, roomId);
  });
}

export async function getMembers(app: AppContext, locationId: number): Promise<{ location_id: number; owner_id: number; practitioner_ids: number[] }> {
  const location = await getLocation(app, locationId);
  return { location_id: location.id, owner_id: location.practitioner_id, practitioner_ids: await app.rooms.members(locationId) };
}

/** Replaces who may put services at the location (the owner always may, and is not listed). */
export async function replaceMembers(app: AppContext, caller: Caller, locationId: number, practitionerIds: number[]) {
  const location = await getOwnedLocation(app, caller, locationId);
  const ids = [...new Set(practitionerIds)].filter((id) => id !== location.practitioner_id).sort((a, b) => a - b);
  const unknown: number[] = [];
  for (const id of ids) if (!(await app.practitioners.find(id))) unknown.push(id);
  if (unknown.length) throw invalidField('practitioner_ids', `Users ${unknown.join(', ')} are not practitioners.`, 'does_not_exist');
  await app.db.transaction((trx) => app.rooms.replaceMembers(trx, locationId, ids));
  return getMembers(app, locationId);
}

/** Whether a practitioner may hold services and bookings at the location: its owner or a member. */
export async function mayUseLocation(app: AppContext, location: LocationRecord, practitionerId: number): Promise<boolean> {
  return location.practitioner_id === practitionerId || (await app.rooms.isMember(location.id, practitionerId));
}
