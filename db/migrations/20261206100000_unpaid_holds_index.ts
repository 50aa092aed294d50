import type { Knex } from 'knex';

/**
 * Issue 13: unpaid_hold_count(client, practitioner), which every create of an unpaid hold runs under its
 * locks, counted the pair's holds through the only index it could use, bookings_hold_idx (every
 * pending_payment booking of every client), or the client's whole history: 7 ms per create once a few
 * thousand holds existed. This partial index holds exactly the rows it counts, so the count reads the
 * pair's few entries. Built CONCURRENTLY (outside a transaction): creates go on while it is built.
 */
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE INDEX CONCURRENTLY IF NOT EXISTS bookings_unpaid_holds_idx ON bookings (client_id, practitioner_id)
    WHERE status = 'pending_payment' AND parent_booking_id IS NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS bookings_unpaid_holds_idx');
}
