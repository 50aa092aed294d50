import type { Knex } from 'knex';

// The booking list orders by `start_time DESC NULLS LAST, id DESC` by default (NULL start times, the
// package/bundle/course parents, sort last either way). A btree on (start_time, id) read backwards gives
// DESC NULLS *FIRST*, so Postgres cannot use the foundation's indexes for it and sorts every visible row
// (admins: the whole table; 135 ms at 100,000 bookings, 0.4 ms with these). The ascending indexes stay:
// they serve `ordering=start_time`. Measured with `npm run bench -- list-bookings`.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE INDEX bookings_start_desc_idx ON bookings (start_time DESC NULLS LAST, id DESC);
    CREATE INDEX bookings_client_start_desc_idx ON bookings (client_id, start_time DESC NULLS LAST, id DESC);
    CREATE INDEX bookings_practitioner_start_desc_idx ON bookings (practitioner_id, start_time DESC NULLS LAST, id DESC);
    -- status=completed (all in the past) would otherwise walk every future booking first.
    CREATE INDEX bookings_status_start_desc_idx ON bookings (status, start_time DESC NULLS LAST, id DESC);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS bookings_start_desc_idx, bookings_client_start_desc_idx, bookings_practitioner_start_desc_idx,
      bookings_status_start_desc_idx;
  `);
}
