import type { Knex } from 'knex';

// The mirror rows of a new booking (calendar_blocks, room_blocks) by triggers that fire only for a row
// that needs one (docs/benchmarks.md, "2026-11-30: the create's write in Postgres").
//
// Until now one AFTER INSERT OR UPDATE trigger per table called its plpgsql function for every inserted
// booking, which decided in plpgsql whether a block was due and then ran INSERT … ON CONFLICT (booking_id)
// DO UPDATE. On INSERT the conflict cannot happen (the booking's id is new, and a block is deleted with its
// booking by ON DELETE CASCADE), and the decision is the trigger's WHEN: a WHEN that is false costs no
// plpgsql call at all (room_blocks for every booking without a room, both for drafts, seats, parents).
//
// - INSERT: bookings_calendar_block_insert / bookings_room_block_insert, each WHEN (the same predicate
//   the functions test: an active individual booking with a time and no session, and for rooms a
//   room_id), running a plain INSERT. A second row for one booking would still be refused by the
//   UNIQUE (booking_id) of both tables, and an overlap by their exclusion constraints, as before.
// - UPDATE: the triggers and functions of 20261201000000 and 20261203000000, unchanged, now only
//   AFTER UPDATE OF the same columns (they insert, move or delete the block as the row changes).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION calendar_blocks_insert_booking() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO calendar_blocks (practitioner_id, booking_id, during)
        VALUES (NEW.practitioner_id, NEW.id, tstzrange(NEW.start_time, NEW.blocked_until, '[)'));
      RETURN NULL;
    END $$;
    CREATE FUNCTION room_blocks_insert_booking() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO room_blocks (room_id, booking_id, during)
        VALUES (NEW.room_id, NEW.id, tstzrange(NEW.start_time, NEW.blocked_until, '[)'));
      RETURN NULL;
    END $$;

    DROP TRIGGER bookings_calendar_block ON bookings;
    DROP TRIGGER bookings_room_block ON bookings;
    CREATE TRIGGER bookings_calendar_block
      AFTER UPDATE OF status, booking_type, service_session_id, practitioner_id, start_time, blocked_until ON bookings
      FOR EACH ROW EXECUTE FUNCTION calendar_blocks_sync_booking();
    CREATE TRIGGER bookings_room_block
      AFTER UPDATE OF status, booking_type, service_session_id, room_id, start_time, blocked_until ON bookings
      FOR EACH ROW EXECUTE FUNCTION room_blocks_sync_booking();
    CREATE TRIGGER bookings_calendar_block_insert
      AFTER INSERT ON bookings FOR EACH ROW
      WHEN (NEW.status IN ('pending_payment', 'confirmed', 'in_progress') AND NEW.booking_type = 'individual'
            AND NEW.service_session_id IS NULL AND NEW.start_time IS NOT NULL)
      EXECUTE FUNCTION calendar_blocks_insert_booking();
    CREATE TRIGGER bookings_room_block_insert
      AFTER INSERT ON bookings FOR EACH ROW
      WHEN (NEW.room_id IS NOT NULL AND NEW.status IN ('pending_payment', 'confirmed', 'in_progress') AND NEW.booking_type = 'individual'
            AND NEW.service_session_id IS NULL AND NEW.start_time IS NOT NULL)
      EXECUTE FUNCTION room_blocks_insert_booking();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER IF EXISTS bookings_calendar_block_insert ON bookings;
    DROP TRIGGER IF EXISTS bookings_room_block_insert ON bookings;
    DROP TRIGGER IF EXISTS bookings_calendar_block ON bookings;
    DROP TRIGGER IF EXISTS bookings_room_block ON bookings;
    CREATE TRIGGER bookings_calendar_block
      AFTER INSERT OR UPDATE OF status, booking_type, service_session_id, practitioner_id, start_time, blocked_until ON bookings
      FOR EACH ROW EXECUTE FUNCTION calendar_blocks_sync_booking();
    CREATE TRIGGER bookings_room_block
      AFTER INSERT OR UPDATE OF status, booking_type, service_session_id, room_id, start_time, blocked_until ON bookings
      FOR EACH ROW EXECUTE FUNCTION room_blocks_sync_booking();
    DROP FUNCTION IF EXISTS calendar_blocks_insert_booking(), room_blocks_insert_booking();
  `);
}
