import type { Knex } from 'knex';

// Booking events (docs/api-conventions.md#booking-events): one row per change, written by the use case that makes the change, in
// its transaction. `sequence` rises per booking (from bookings.event_sequence, bumped under the row
// lock), so a receiver can drop an event older than one it already has. Notifications and webhook
// deliveries hang off these rows.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE bookings ADD COLUMN event_sequence integer NOT NULL DEFAULT 0 CHECK (event_sequence >= 0);

    CREATE TABLE booking_events (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      booking_id  bigint NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
      sequence    integer NOT NULL CHECK (sequence >= 1),
      type        text NOT NULL CHECK (type IN ('booking.created', 'booking.confirmed', 'booking.rescheduled', 'booking.canceled', 'booking.reminder',
                                                'booking.started', 'booking.completed', 'booking.no_show', 'payment.refunded')),
      occurred_at timestamptz NOT NULL DEFAULT now(),
      details     jsonb,
      -- Events a timed job records (reminders): once per occasion however often the job runs.
      dedupe_key  text,
      UNIQUE (booking_id, sequence),
      UNIQUE (booking_id, dedupe_key)
    );
    CREATE INDEX booking_events_occurred_idx ON booking_events (occurred_at);

    ALTER TABLE notifications
      ADD COLUMN event_id bigint REFERENCES booking_events (id) ON DELETE CASCADE,
      ADD COLUMN event text;
    CREATE INDEX notifications_user_unread_idx ON notifications (user_id, event_id DESC NULLS LAST, id DESC) WHERE read_at IS NULL;
    CREATE INDEX notifications_user_event_idx ON notifications (user_id, event_id DESC NULLS LAST, id DESC);

    ALTER TABLE outbox DROP CONSTRAINT outbox_queue_check;
    ALTER TABLE outbox ADD CONSTRAINT outbox_queue_check CHECK (queue IN ('payments', 'lifecycle', 'expansion', 'notifications', 'webhooks'));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE outbox DROP CONSTRAINT outbox_queue_check;
    ALTER TABLE outbox ADD CONSTRAINT outbox_queue_check CHECK (queue IN ('payments', 'lifecycle', 'expansion', 'notifications'));
    DROP INDEX IF EXISTS notifications_user_unread_idx, notifications_user_event_idx;
    ALTER TABLE notifications DROP COLUMN IF EXISTS event_id, DROP COLUMN IF EXISTS event;
    DROP TABLE IF EXISTS booking_events;
    ALTER TABLE bookings DROP COLUMN IF EXISTS event_sequence;
  `);
}
