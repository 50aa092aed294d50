import type { Knex } from 'knex';

// docs/api-conventions.md#waitlists waitlists (workshop sessions). One row per client per turn in a session's queue:
// `waiting` in id order (the order they joined), then `offered` (a booking was made for them,
// offered_booking_id) or `left`. A client waits at most once per session at a time.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE waitlist_entries (
      id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      service_session_id bigint NOT NULL REFERENCES service_sessions (id) ON DELETE CASCADE,
      client_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      status             text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'offered', 'left')),
      offered_booking_id bigint REFERENCES bookings (id) ON DELETE SET NULL,
      created_at         timestamptz NOT NULL DEFAULT now(),
      offered_at         timestamptz,
      left_at            timestamptz,
      CHECK ((status = 'offered') = (offered_at IS NOT NULL))
    );
    CREATE UNIQUE INDEX waitlist_one_turn_per_client ON waitlist_entries (service_session_id, client_id) WHERE status = 'waiting';
    CREATE INDEX waitlist_queue_idx ON waitlist_entries (service_session_id, id) WHERE status = 'waiting';
    CREATE INDEX waitlist_client_idx ON waitlist_entries (client_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS waitlist_entries');
}
