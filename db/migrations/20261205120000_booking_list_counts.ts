import type { Knex } from 'knex';

// The bookings list counts a practitioner's appointments whenever its page is full, usually filtered by
// status (`?status=confirmed`) or upcoming (`?is_upcoming=true`: two statuses and a start after now).
// Without this the count ANDs two bitmaps, the status one covering a third of the table, and visits
// every matching heap page (6.6 ms at 100,000 bookings); with it an index-only scan reads the few
// hundred entries (bench/plans/README.md).
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX bookings_practitioner_status_idx ON bookings (practitioner_id, status, start_time)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS bookings_practitioner_status_idx');
}
