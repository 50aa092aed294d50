import type { Knex } from 'knex';

// Rooms per location, shared by the location's members, never double-booked (docs/api-conventions.md#rooms-and-pricing).
//
// - location_members: the practitioners (besides the owner) who may put services at a location.
// - rooms: {name, capacity} per location; a deleted room is kept (deleted_at) so past bookings still
//   name it, and a live name is unique per location.
// - services.requires_room: such a service's bookings and sessions each take one room of its location.
// - bookings.room_id / service_sessions.room_id: the room taken. A group booking (a workshop seat) takes
//   none itself: its session holds the room.
// - room_blocks mirrors, exactly as calendar_blocks does for the practitioner, the range
//   [start_time, blocked_until) of every active individual booking and every session that holds a
//   room, under one exclusion constraint per room: the database is the last word across practitioners.
// - bookings.list_price_cents: the service's price when the booking was priced (null before this
//   migration: the detail then shows price_charged + discount), for the pricing breakdown.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE location_members (
      location_id     bigint NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
      practitioner_id bigint NOT NULL REFERENCES practitioners (user_id) ON DELETE CASCADE,
      created_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (location_id, practitioner_id)
    );
    CREATE INDEX location_members_practitioner_idx ON location_members (practitioner_id);

    CREATE TABLE rooms (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      location_id bigint NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
      name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      capacity    integer NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
      deleted_at  timestamptz,
      created_at  timestamptz NOT NULL DEFAULT now(),
      updated_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX rooms_location_name_key ON rooms (location_id, lower(name)) WHERE deleted_at IS NULL;
    CREATE INDEX rooms_location_idx ON rooms (location_id, capacity, id) WHERE deleted_at IS NULL;

    ALTER TABLE services ADD COLUMN requires_room boolean NOT NULL DEFAULT false;
    ALTER TABLE bookings
      ADD COLUMN room_id bigint REFERENCES rooms (id) ON DELETE SET NULL,
      ADD COLUMN list_price_cents integer CHECK (list_price_cents >= 0);
    ALTER TABLE service_sessions ADD COLUMN room_id bigint REFERENCES rooms (id) ON DELETE SET NULL;
    CREATE INDEX bookings_room_idx ON bookings (room_id) WHERE room_id IS NOT NULL;
    CREATE INDEX service_sessions_room_idx ON service_sessions (room_id) WHERE room_id IS NOT NULL;

    CREATE TABLE room_blocks (
      id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      room_id            bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
      booking_id         bigint UNIQUE REFERENCES bookings (id) ON DELETE CASCADE,
      service_session_id bigint UNIQUE REFERENCES service_sessions (id) ON DELETE CASCADE,
      during             tstzrange NOT NULL,
      CHECK (num_nonnulls(booking_id, service_session_id) = 1),
      CONSTRAINT room_blocks_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&)
    );

    CREATE FUNCTION room_blocks_sync_booking() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.room_id IS NOT NULL AND NEW.status IN ('pending_payment', 'confirmed', 'in_progress') AND NEW.booking_type = 'individual'
         AND NEW.service_session_id IS NULL AND NEW.start_time IS NOT NULL THEN
        INSERT INTO room_blocks (room_id, booking_id, during)
          VALUES (NEW.room_id, NEW.id, tstzrange(NEW.start_time, NEW.blocked_until, '[)'))
          ON CONFLICT (booking_id) DO UPDATE SET room_id = EXCLUDED.room_id, during = EXCLUDED.during
          WHERE (room_blocks.room_id, room_blocks.during) IS DISTINCT FROM (EXCLUDED.room_id, EXCLUDED.during);
      ELSIF TG_OP = 'UPDATE' THEN
        DELETE FROM room_blocks WHERE booking_id = NEW.id;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER bookings_room_block
      AFTER INSERT OR UPDATE OF status, booking_type, service_session_id, room_id, start_time, blocked_until ON bookings
      FOR EACH ROW EXECUTE FUNCTION room_blocks_sync_booking();

    CREATE FUNCTION room_blocks_sync_session() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.room_id IS NOT NULL THEN
        INSERT INTO room_blocks (room_id, service_session_id, during)
          VALUES (NEW.room_id, NEW.id, tstzrange(NEW.start_time, NEW.blocked_until, '[)'))
          ON CONFLICT (service_session_id) DO UPDATE SET room_id = EXCLUDED.room_id, during = EXCLUDED.during
          WHERE (room_blocks.room_id, room_blocks.during) IS DISTINCT FROM (EXCLUDED.room_id, EXCLUDED.during);
      ELSIF TG_OP = 'UPDATE' THEN
        DELETE FROM room_blocks WHERE service_session_id = NEW.id;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER service_sessions_room_block
      AFTER INSERT OR UPDATE OF room_id, start_time, blocked_until ON service_sessions
      FOR EACH ROW EXECUTE FUNCTION room_blocks_sync_session();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER IF EXISTS service_sessions_room_block ON service_sessions;
    DROP TRIGGER IF EXISTS bookings_room_block ON bookings;
    DROP FUNCTION IF EXISTS room_blocks_sync_session(), room_blocks_sync_booking();
    DROP TABLE IF EXISTS room_blocks;
    ALTER TABLE service_sessions DROP COLUMN IF EXISTS room_id;
    ALTER TABLE bookings DROP COLUMN IF EXISTS room_id, DROP COLUMN IF EXISTS list_price_cents;
    ALTER TABLE services DROP COLUMN IF EXISTS requires_room;
    DROP TABLE IF EXISTS rooms, location_members;
  `);
}
