import type { Knex } from 'knex';

// free_room(location, from, until, seats): the room the create's one write takes for a service that
// requires one (docs/benchmarks.md#create-in-two-statements), chosen as takeRoom chooses (src/domain/rooms.ts
// chooseRoom: the smallest live room of the location that seats them and holds nothing overlapping
// [from, until), ties by lowest id), or no row.
//
// The write calls it after taking the location's room lock. It is VOLATILE plpgsql, so its query runs on a
// snapshot taken when it runs, not the write statement's own: it sees every room block and room deletion
// committed by whoever held the lock before, as the transaction path's reads under the lock do. (A choice
// made on the read's snapshot would send every concurrent create of one location and hour to the same
// room, all but one to lose on room_blocks_no_overlap.) room_blocks_no_overlap stays the last word.
// ROWS 1: it returns one row at most; at the default estimate (1000) the write's estimated cost passed
// jit_above_cost and each write spent about a second compiling (measured: 1.3 s of JIT for a 6 ms statement).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION free_room(p_location_id bigint, p_from timestamptz, p_until timestamptz, p_seats integer)
      RETURNS TABLE (id bigint, name text) LANGUAGE plpgsql VOLATILE ROWS 1 AS $$
    BEGIN
      RETURN QUERY
        SELECT r.id, r.name FROM rooms r
         WHERE r.location_id = p_location_id AND r.deleted_at IS NULL AND r.capacity >= p_seats
           AND NOT EXISTS (SELECT FROM room_blocks rb WHERE rb.room_id = r.id AND rb.during && tstzrange(p_from, p_until, '[)'))
         ORDER BY r.capacity, r.id
         LIMIT 1;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP FUNCTION IF EXISTS free_room(bigint, timestamptz, timestamptz, integer)`);
}
