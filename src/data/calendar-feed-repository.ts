import type { Knex } from 'knex';
import type { BookingStatus, UserRole } from '../domain/types';

/** The owner of a feed, found by the hash of its token. */
export interface FeedOwner {
  user_id: number;
  role: UserRole;
  /** A practitioner's schedule zone; null for others. */
  schedule_timezone: string | null;
}

/** One booking as a feed shows it. */
export interface FeedBookingRow {
  id: number;
  public_uuid: string;
  version: number;
  status: BookingStatus;
  title: string;
  start_time: Date;
  end_time: Date;
  timezone: string;
  meeting_url: string;
  updated_at: Date;
  client_id: number;
  client_name: string;
  client_email: string;
  practitioner_id: number;
  practitioner_name: string;
  practitioner_email: string;
  service_name: string;
  location_name: string | null;
  location_address: string | null;
}

/** Bookings that are events of their own: sessions and workshop/course seats. Parents follow their children. */
const EVENT_TYPES = ['individual', 'group'];

export function createCalendarFeedRepository(db: Knex) {
  return {
    async findOwner(tokenHash: string): Promise<FeedOwner | undefined> {
      return db('calendar_feeds as f')
        .join('users as u', 'u.id', 'f.user_id')
        .leftJoin('practitioners as p', 'p.user_id', 'f.user_id')
        .where({ 'f.token_hash': tokenHash, 'u.is_active': true })
        .first('f.user_id', 'u.role', 'p.timezone as schedule_timezone');
    },

    async findSealed(userId: number): Promise<string | undefined> {
      const row = await db('calendar_feeds').where({ user_id: userId }).first('token_sealed');
      return row?.token_sealed;
    },

    /** Creates the user's feed, or replaces its token (the old one stops at once). */
    async saveToken(userId: number, token: { hash: string; sealed: string }, options: { replace: boolean }): Promise<boolean> {
      const insert = db('calendar_feeds').insert({ user_id: userId, token_hash: token.hash, token_sealed: token.sealed });
      const rows = options.replace
        ? await insert.onConflict('user_id').merge({ token_hash: token.hash, token_sealed: token.sealed, created_at: db.fn.now() }).returning('user_id')
        : await insert.onConflict('user_id').ignore().returning('user_id');
      return rows.length > 0;
    },

    /**
     * The feed's one query: the user's scheduled bookings as client or practitioner (never drafts, never
     * parents), that ended after `endedAfter`, canceled ones only if canceled after `canceledAfter`.
     * Served by the partial indexes bookings_feed_client_idx / bookings_feed_practitioner_idx.
     */
    async bookingsOf(userId: number, window: { endedAfter: Date; canceledAfter: Date }): Promise<FeedBookingRow[]> {
      return db('bookings as b')
        .join('users as c', 'c.id', 'b.client_id')
        .join('users as p', 'p.id', 'b.practitioner_id')
        .join('services as s', 's.id', 'b.service_id')
        .leftJoin('locations as l', 'l.id', 'b.location_id')
        .where((q) => q.where('b.client_id', userId).orWhere('b.practitioner_id', userId))
        .whereIn('b.booking_type', EVENT_TYPES)
        .whereNotNull('b.start_time')
        .whereNot('b.status', 'draft')
        .where('b.end_time', '>', window.endedAfter)
        .where((q) => q.whereNot('b.status', 'canceled').orWhere('b.canceled_at', '>', window.canceledAfter))
        .orderBy([{ column: 'b.start_time' }, { column: 'b.id' }])
        .select(
          'b.id',
          'b.public_uuid',
          'b.version',
          'b.status',
          'b.title',
          'b.start_time',
          'b.end_time',
          'b.timezone',
          'b.meeting_url',
          'b.updated_at',
          'b.client_id',
          'c.name as client_name',
          'c.email as client_email',
          'b.practitioner_id',
          'p.name as practitioner_name',
          'p.email as practitioner_email',
          's.name as service_name',
          'l.name as location_name',
          'l.address as location_address',
        );
    },
  };
}

export type CalendarFeedRepository = ReturnType<typeof createCalendarFeedRepository>;
