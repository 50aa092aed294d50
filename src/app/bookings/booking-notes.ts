import type { Caller } from '../../domain/types';
import type { NoteRecord } from '../../data/booking-repository';
import type { AppContext } from '../app-context';
import { requireActor } from './booking-queries';

/** Notes of a booking the caller is party to; private notes only to their author. */
export async function listNotes(app: AppContext, caller: Caller, bookingId: number): Promise<NoteRecord[]> {
  requireActor(await app.bookings.findRow(bookingId), caller);
  return app.bookings.notesVisibleTo(bookingId, caller.id);
}

export async function addNote(app: AppContext, caller: Caller, bookingId: number, input: { content: string; is_private?: boolean }): Promise<NoteRecord> {
  requireActor(await app.bookings.findRow(bookingId), caller);
  return app.bookings.insertNote({ booking_id: bookingId, author_id: caller.id, content: input.content, is_private: input.is_private ?? false });
}
