import type { Knex } from 'knex';

// The transactional outbox: a job is a row written in the same transaction as the change that causes
// it; the relay moves rows to BullMQ (jobId = "outbox-<id>") and stamps dispatched_at.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE outbox (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      queue         text NOT NULL CHECK (queue IN ('payments', 'lifecycle', 'expansion', 'notifications')),
      job_name      text NOT NULL CHECK (length(job_name) BETWEEN 1 AND 100),
      payload       jsonb NOT NULL,
      run_at        timestamptz,
      created_at    timestamptz NOT NULL DEFAULT now(),
      dispatched_at timestamptz,
      attempts      integer NOT NULL DEFAULT 0,
      last_error    text
    );
    -- The relay's work list stays small however long the table grows.
    CREATE INDEX outbox_pending_idx ON outbox (id) WHERE dispatched_at IS NULL;
    CREATE INDEX outbox_dispatched_idx ON outbox (dispatched_at) WHERE dispatched_at IS NOT NULL;

    -- In-app notifications, and the record of every e-mail (sent, or only logged without SMTP_URL).
    CREATE TABLE notifications (
      id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      booking_id bigint REFERENCES bookings (id) ON DELETE CASCADE,
      kind       text NOT NULL,
      -- One notification per (booking, kind, occasion) however often the job is delivered.
      dedupe_key text NOT NULL UNIQUE,
      subject    text NOT NULL,
      body       text NOT NULL,
      channel    text NOT NULL CHECK (channel IN ('email', 'in_app')),
      email_status text NOT NULL DEFAULT 'not_sent' CHECK (email_status IN ('not_sent', 'logged', 'sent', 'failed')),
      read_at    timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS notifications, outbox');
}
