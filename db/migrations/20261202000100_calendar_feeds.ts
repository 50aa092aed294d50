import type { Knex } from 'knex';

// docs/api-conventions.md#calendar-feeds calendar feeds. One secret feed per user: the token is looked up by its SHA-256 hash
// (like API keys); it is also kept sealed (AES-256-GCM, like webhook secrets) so that GET calendar/feed/
// can show the same URL again without the database alone revealing it.
//
// The feed's one query reads a user's scheduled bookings (individual sessions and group seats, never
// drafts) by client or by practitioner: two partial indexes serve it (a BitmapOr of the two).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE calendar_feeds (
      user_id      bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      token_hash   text NOT NULL,
      token_sealed text NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX calendar_feeds_token_hash_key ON calendar_feeds (token_hash);

    CREATE INDEX bookings_feed_client_idx ON bookings (client_id, end_time)
      WHERE booking_type IN ('individual', 'group') AND start_time IS NOT NULL AND status <> 'draft';
    CREATE INDEX bookings_feed_practitioner_idx ON bookings (practitioner_id, end_time)
      WHERE booking_type IN ('individual', 'group') AND start_time IS NOT NULL AND status <> 'draft';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS bookings_feed_client_idx, bookings_feed_practitioner_idx; DROP TABLE IF EXISTS calendar_feeds');
}
