import type { Knex } from 'knex';
import type { SessionRecord } from './catalog-repository';

export interface WaitlistEntry {
  id: number;
  service_session_id: number;
  client_id: number;
  status: 'waiting' | 'offered' | 'left';
  offered_booking_id: number | null;
  created_at: Date;
  offered_at: Date | null;
  left_at: Date | null;
}

/** Bookings that hold a seat. */
const SEAT_HOLDING = ['pending_payment', 'confirmed', 'in_progress'];

/**
 * A workshop session's queue. Everything that changes who waits or who gets a seat locks the session
 * row first (lockSession), then the entries: joining, leaving and offering run one after another per
 * session, and an offer never meets an entry changing under it.
 */
export function createWaitlistRepository(db: Knex) {
  return {
    async lockSession(trx: Knex.Transaction, sessionId: number): Promise<SessionRecord | undefined> {
      return trx('service_sessions').where({ id: sessionId }).forUpdate().first();
    },

    async hasWaiting(trx: Knex.Transaction, sessionId: number): Promise<boolean> {
      return !!(await trx('waitlist_entries').where({ service_session_id: sessionId, status: 'waiting' }).first('id'));
    },

    async holdsSeat(trx: Knex.Transaction, sessionId: number, clientId: number): Promise<boolean> {
      return !!(await trx('bookings').where({ service_session_id: sessionId, client_id: clientId }).whereIn('status', SEAT_HOLDING).first('id'));
    },

    async insert(trx: Knex.Transaction, sessionId: number, clientId: number): Promise<WaitlistEntry> {
      const [row] = await trx('waitlist_entries').insert({ service_session_id: sessionId, client_id: clientId }).returning('*');
      return row;
    },

    /** 1 for the first in line; null when the client is not waiting. */
    async position(sessionId: number, clientId: number, q: Knex | Knex.Transaction = db): Promise<number | null> {
      const mine = await q('waitlist_entries').where({ service_session_id: sessionId, client_id: clientId, status: 'waiting' }).first('id');
      if (!mine) return null;
      const row = await q('waitlist_entries')
        .where({ service_session_id: sessionId, status: 'waiting' })
        .andWhere('id', '<=', mine.id)
        .count<{ n: string }[]>({ n: '*' })
        .first();
      return Number(row?.n ?? 0);
    },

    async leave(trx: Knex.Transaction, sessionId: number, clientId: number, now: Date): Promise<boolean> {
      const n = await trx('waitlist_entries').where({ service_session_id: sessionId, client_id: clientId, status: 'waiting' }).update({ status: 'left', left_at: now });
      return n > 0;
    },

    async firstWaiting(trx: Knex.Transaction, sessionId: number): Promise<WaitlistEntry | undefined> {
      return trx('waitlist_entries').where({ service_session_id: sessionId, status: 'waiting' }).orderBy('id').first();
    },

    async markOffered(trx: Knex.Transaction, entryId: number, bookingId: number, now: Date): Promise<void> {
      await trx('waitlist_entries').where({ id: entryId, status: 'waiting' }).update({ status: 'offered', offered_booking_id: bookingId, offered_at: now });
    },

    async markLeft(trx: Knex.Transaction, entryId: number, now: Date): Promise<void> {
      await trx('waitlist_entries').where({ id: entryId, status: 'waiting' }).update({ status: 'left', left_at: now });
    },
  };
}

export type WaitlistRepository = ReturnType<typeof createWaitlistRepository>;
