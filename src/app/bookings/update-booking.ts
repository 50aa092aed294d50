import { conflict, forbidden, invalidField } from '../../domain/errors';
import { isTerminal } from '../../domain/booking-status';
import { assertVersionMatches } from '../../domain/booking-version';
import type { Caller } from '../../domain/types';
import type { BookingRow } from '../../data/booking-repository';
import type { AppContext } from '../app-context';
import { requireActor } from './booking-queries';
import { mayUseLocation } from '../catalog/rooms';

/** The spec's updatable fields, and nothing else. */
export interface BookingPatch {
  title?: string;
  description?: string;
  client_notes?: string;
  location_id?: number | null;
  meeting_url?: string;
  meeting_id?: string;
  timezone?: string;
}

const PRACTITIONER_ONLY: Array<keyof BookingPatch> = ['meeting_url', 'meeting_id', 'location_id'];

/** `expectVersion`: If-Match, the versions the caller accepts (a stale one is a 412). */
export async function updateBooking(app: AppContext, caller: Caller, id: number, patch: BookingPatch, expectVersion?: number[]): Promise<void> {
  await app.db.transaction(async (trx) => {
    const booking = await app.bookings.lockForUpdate(trx, id);
    const actor = requireActor(booking, caller);
    const current = booking as BookingRow;
    assertVersionMatches(current.version, expectVersion);
    // The meeting and the place are the practitioner's to set; the client's words are the client's.
    const forbiddenFields = PRACTITIONER_ONLY.filter((f) => patch[f] !== undefined && actor.role === 'client');
    if (forbiddenFields.length) throw forbidden(`Only the practitioner may change ${forbiddenFields.join(', ')}.`);
    if (isTerminal(current.status)) throw conflict('booking_closed', `A ${current.status} booking can no longer be edited.`);
    if (patch.location_id !== undefined && patch.location_id !== null) {
      const location = await app.catalog.findLocation(patch.location_id);
      if (!location || !(await mayUseLocation(app, location, current.practitioner_id))) {
        throw invalidField('location_id', `Location ${patch.location_id} is not one of this practitioner's locations.`);
      }
    }
    if (patch.location_id !== undefined && current.room_id !== null && patch.location_id !== current.location_id) {
      throw invalidField('location_id', 'This booking holds a room at its location; reschedule or cancel it instead of moving it elsewhere.');
    }
    await app.bookings.update(trx, id, patch);
  });
}
