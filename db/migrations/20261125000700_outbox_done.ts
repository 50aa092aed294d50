import type { Knex } from 'knex';

// done_at: the relayed job ran to its end (completed, or failed for good), stamped by the worker.
// A row relayed but not done must have its job in Redis; when Redis lost it (flush, failover), the
// relay relays the row again. Rows relayed before this column existed count as done.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE outbox ADD COLUMN done_at timestamptz;
    UPDATE outbox SET done_at = dispatched_at WHERE dispatched_at IS NOT NULL;
    CREATE INDEX outbox_open_idx ON outbox (id) WHERE dispatched_at IS NOT NULL AND done_at IS NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS outbox_open_idx; ALTER TABLE outbox DROP COLUMN IF EXISTS done_at');
}
