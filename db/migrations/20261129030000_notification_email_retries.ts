import type { Knex } from 'knex';

// E-mail delivery with retries (docs/api-conventions.md#e-mail). A notification row is recorded first (email_status
// 'pending'); a send-email job then claims it ('sending'), and it ends 'sent' (or 'logged' without
// SMTP_URL), or 'failed' once the retries are spent, for an operator to look at and retry.
// 'skipped': a reminder whose booking moved on before its e-mail could go out.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE notifications DROP CONSTRAINT notifications_email_status_check;
    ALTER TABLE notifications ADD CONSTRAINT notifications_email_status_check
      CHECK (email_status IN ('not_sent', 'pending', 'sending', 'logged', 'sent', 'failed', 'skipped'));
    ALTER TABLE notifications
      ADD COLUMN email_attempts   integer NOT NULL DEFAULT 0 CHECK (email_attempts >= 0),
      ADD COLUMN email_last_error text,
      ADD COLUMN email_sent_at    timestamptz,
      ADD COLUMN email_failed_at  timestamptz;
    CREATE INDEX notifications_email_failed_idx ON notifications (id DESC) WHERE email_status = 'failed';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS notifications_email_failed_idx;
    ALTER TABLE notifications
      DROP COLUMN IF EXISTS email_attempts, DROP COLUMN IF EXISTS email_last_error,
      DROP COLUMN IF EXISTS email_sent_at, DROP COLUMN IF EXISTS email_failed_at;
    UPDATE notifications SET email_status = 'not_sent' WHERE email_status IN ('pending', 'sending', 'skipped');
    ALTER TABLE notifications DROP CONSTRAINT notifications_email_status_check;
    ALTER TABLE notifications ADD CONSTRAINT notifications_email_status_check
      CHECK (email_status IN ('not_sent', 'logged', 'sent', 'failed'));
  `);
}
