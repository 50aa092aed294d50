import type { Page, PageRequest } from '../../data/pagination';
import { conflict, forbidden, notFound } from '../../domain/errors';
import type { Caller } from '../../domain/types';
import type { LocationRecord } from '../../data/catalog-repository';
import type { AppContext } from '../app-context';

type LocationInput = Pick<LocationRecord, 'name' | 'address' | 'timezone'>;

export async function getLocation(app: AppContext, id: number): Promise<LocationRecord> {
  const location = await app.catalog.findLocation(id);
  if (!location) throw notFound();
  return location;
}

async function getOwnedLocation(app: AppContext, caller: Caller, id: number): Promise<LocationRecord> {
  const location = await getLocation(app, id);
  if (caller.role !== 'admin' && location.practitioner_id !== caller.id) throw forbidden();
  return location;
}

export async function createLocation(app: AppContext, caller: Caller, input: LocationInput): Promise<LocationRecord> {
  if (caller.role !== 'practitioner') throw forbidden('Only practitioners have locations.');
  return app.catalog.insertLocation({ ...input, practitioner_id: caller.id });
}

export async function updateLocation(app: AppContext, caller: Caller, id: number, input: Partial<LocationInput>): Promise<LocationRecord> {
  await getOwnedLocation(app, caller, id);
  return app.catalog.updateLocation(id, input);
}

/** A location whose rooms hold bookings or sessions still to come is kept (409 room_in_use), as each room is. */
export async function deleteLocation(app: AppContext, caller: Caller, id: number): Promise<void> {
  await getOwnedLocation(app, caller, id);
  await app.db.transaction(async (trx) => {
    await app.rooms.lockLocationRooms(trx, id);
    if (await app.rooms.isLocationInUse(trx, id, app.clock.now())) {
      throw conflict('room_in_use', "This location's rooms are held by bookings or sessions still to come; cancel or move them first.");
    }
    await app.catalog.deleteLocation(id, trx);
  });
}

export function listLocations(app: AppContext, filter: { practitionerId?: number }, page: PageRequest): Promise<Page<LocationRecord>> {
  return app.catalog.listLocations(filter, page);
}
