import type { Knex } from 'knex';

// One calendar per practitioner, with the database as the last word on overlaps between bookings AND
// workshop/course sessions (issue 10 item 9).
//
// - A session stores the range it blocks, like a booking: blocked_until = end_time + the practitioner's
//   buffer, written by the application (at creation, and again whenever the buffer changes).
// - calendar_blocks holds the range of every active individual booking and every session, one row each,
//   under one exclusion constraint. An exclusion constraint sees one table only, so the rows are mirrored
//   by triggers from bookings and service_sessions: nothing can write either table without its block.
//   The triggers decide nothing the schema does not already say: "active individual booking" is the
//   predicate of bookings_no_overlap, which stays as it was.
// - Only ranges that reach past the moment of migration are copied: a range wholly in the past can meet
//   no future booking. Should two copied ranges overlap (data written before sessions were checked both
//   ways), this migration stops with 23P01 naming them; cancel or move one, then run it again.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE service_sessions ADD COLUMN blocked_until timestamptz;
    UPDATE service_sessions ss SET blocked_until = ss.end_time + make_interval(mins => p.buffer_minutes)
      FROM services s JOIN practitioners p ON p.user_id = s.practitioner_id
      WHERE s.id = ss.service_id;
    ALTER TABLE service_sessions
      ALTER COLUMN blocked_until SET NOT NULL,
      ADD CONSTRAINT service_sessions_blocked_after_end CHECK (blocked_until >= end_time);

    CREATE TABLE calendar_blocks (
      id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      practitioner_id    bigint NOT NULL REFERENCES practitioners (user_id) ON DELETE CASCADE,
      booking_id         bigint UNIQUE REFERENCES bookings (id) ON DELETE CASCADE,
      service_session_id bigint UNIQUE REFERENCES service_sessions (id) ON DELETE CASCADE,
      during             tstzrange NOT NULL,
      CHECK (num_nonnulls(booking_id, service_session_id) = 1),
      CONSTRAINT calendar_blocks_no_overlap EXCLUDE USING gist (practitioner_id WITH =, during WITH &&)
    );

    CREATE FUNCTION calendar_blocks_sync_booking() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status IN ('pending_payment', 'confirmed', 'in_progress') AND NEW.booking_type = 'individual'
         AND NEW.service_session_id IS NULL AND NEW.start_time IS NOT NULL THEN
        INSERT INTO calendar_blocks (practitioner_id, booking_id, during)
          VALUES (NEW.practitioner_id, NEW.id, tstzrange(NEW.start_time, NEW.blocked_until, '[)'))
          ON CONFLICT (booking_id) DO UPDATE SET practitioner_id = EXCLUDED.practitioner_id, during = EXCLUDED.during
          WHERE (calendar_blocks.practitioner_id, calendar_blocks.during) IS DISTINCT FROM (EXCLUDED.practitioner_id, EXCLUDED.during);
      ELSIF TG_OP = 'UPDATE' THEN
        DELETE FROM calendar_blocks WHERE booking_id = NEW.id;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER bookings_calendar_block
      AFTER INSERT OR UPDATE OF status, booking_type, service_session_id, practitioner_id, start_time, blocked_until ON bookings
      FOR EACH ROW EXECUTE FUNCTION calendar_blocks_sync_booking();

    CREATE FUNCTION calendar_blocks_sync_session() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO calendar_blocks (practitioner_id, service_session_id, during)
        SELECT s.practitioner_id, NEW.id, tstzrange(NEW.start_time, NEW.blocked_until, '[)') FROM services s WHERE s.id = NEW.service_id
        ON CONFLICT (service_session_id) DO UPDATE SET practitioner_id = EXCLUDED.practitioner_id, during = EXCLUDED.during
        WHERE (calendar_blocks.practitioner_id, calendar_blocks.during) IS DISTINCT FROM (EXCLUDED.practitioner_id, EXCLUDED.during);
      RETURN NULL;
    END $$;
    CREATE TRIGGER service_sessions_calendar_block
      AFTER INSERT OR UPDATE OF service_id, start_time, blocked_until ON service_sessions
      FOR EACH ROW EXECUTE FUNCTION calendar_blocks_sync_session();

    INSERT INTO calendar_blocks (practitioner_id, booking_id, during)
      SELECT practitioner_id, id, tstzrange(start_time, blocked_until, '[)') FROM bookings
      WHERE status IN ('pending_payment', 'confirmed', 'in_progress') AND booking_type = 'individual'
        AND service_session_id IS NULL AND start_time IS NOT NULL AND blocked_until > now();
    INSERT INTO calendar_blocks (practitioner_id, service_session_id, during)
      SELECT s.practitioner_id, ss.id, tstzrange(ss.start_time, ss.blocked_until, '[)')
      FROM service_sessions ss JOIN services s ON s.id = ss.service_id
      WHERE ss.blocked_until > now();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER IF EXISTS service_sessions_calendar_block ON service_sessions;
    DROP TRIGGER IF EXISTS bookings_calendar_block ON bookings;
    DROP FUNCTION IF EXISTS calendar_blocks_sync_session(), calendar_blocks_sync_booking();
    DROP TABLE IF EXISTS calendar_blocks;
    ALTER TABLE service_sessions DROP COLUMN IF EXISTS blocked_until;
  `);
}
