import type { Knex } from 'knex';

// Schema and constraints only. The constraints state what must never be stored, whatever the
// application checks first; the application maps their violations (23P01, 23505, 23514) to 4xx.

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE EXTENSION IF NOT EXISTS btree_gist;

    CREATE TABLE users (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      email         text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
      name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      role          text NOT NULL CHECK (role IN ('client', 'practitioner', 'admin')),
      password_hash text NOT NULL,
      is_active     boolean NOT NULL DEFAULT true,
      created_at    timestamptz NOT NULL DEFAULT now(),
      updated_at    timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX users_email_key ON users (email);

    -- Only a SHA-256 of each key is stored: a leaked table yields no usable token.
    CREATE TABLE auth_tokens (
      id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      key_hash     text NOT NULL UNIQUE CHECK (length(key_hash) = 64),
      key_prefix   text NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz
    );
    CREATE INDEX auth_tokens_user_id_idx ON auth_tokens (user_id);

    -- A practitioner's id is their user id: one number names a person everywhere in the API.
    CREATE TABLE practitioners (
      user_id               bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      bio                   text NOT NULL DEFAULT '',
      timezone              text NOT NULL DEFAULT 'UTC',
      buffer_minutes        integer NOT NULL DEFAULT 0 CHECK (buffer_minutes BETWEEN 0 AND 1440),
      min_notice_hours      integer NOT NULL DEFAULT 0 CHECK (min_notice_hours BETWEEN 0 AND 8760),
      max_advance_days      integer NOT NULL DEFAULT 90 CHECK (max_advance_days BETWEEN 1 AND 730),
      slot_interval_minutes integer NOT NULL DEFAULT 30 CHECK (slot_interval_minutes BETWEEN 5 AND 1440),
      created_at            timestamptz NOT NULL DEFAULT now(),
      updated_at            timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE weekly_hours (
      id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      practitioner_id bigint NOT NULL REFERENCES practitioners (user_id) ON DELETE CASCADE,
      weekday         smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
      start_time      time NOT NULL,
      end_time        time NOT NULL,
      CHECK (start_time < end_time)
    );
    CREATE INDEX weekly_hours_practitioner_idx ON weekly_hours (practitioner_id, weekday, start_time);

    CREATE TABLE date_overrides (
      id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      practitioner_id bigint NOT NULL REFERENCES practitioners (user_id) ON DELETE CASCADE,
      date            date NOT NULL,
      unavailable     boolean NOT NULL DEFAULT false,
      start_time      time,
      end_time        time,
      CHECK ((unavailable AND start_time IS NULL AND end_time IS NULL)
          OR (NOT unavailable AND start_time IS NOT NULL AND end_time IS NOT NULL AND start_time < end_time))
    );
    CREATE INDEX date_overrides_practitioner_idx ON date_overrides (practitioner_id, date);

    CREATE TABLE time_off (
      id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      practitioner_id bigint NOT NULL REFERENCES practitioners (user_id) ON DELETE CASCADE,
      start_time      timestamptz NOT NULL,
      end_time        timestamptz NOT NULL,
      reason          text NOT NULL DEFAULT '',
      CHECK (start_time < end_time)
    );
    CREATE INDEX time_off_practitioner_idx ON time_off (practitioner_id, start_time);

    CREATE TABLE locations (
      id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      practitioner_id bigint NOT NULL REFERENCES practitioners (user_id) ON DELETE CASCADE,
      name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      address         text NOT NULL DEFAULT '',
      timezone        text NOT NULL DEFAULT 'UTC',
      created_at      timestamptz NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX locations_practitioner_idx ON locations (practitioner_id);

    CREATE TABLE services (
      id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      practitioner_id           bigint NOT NULL REFERENCES practitioners (user_id) ON DELETE CASCADE,
      name                      text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      description               text NOT NULL DEFAULT '',
      service_type              text NOT NULL CHECK (service_type IN ('session', 'workshop', 'course', 'package', 'bundle')),
      duration_minutes          integer NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
      price_cents               integer NOT NULL CHECK (price_cents >= 0),
      currency                  char(3) NOT NULL DEFAULT 'USD',
      max_participants          integer NOT NULL DEFAULT 1 CHECK (max_participants BETWEEN 1 AND 10000),
      location_id               bigint REFERENCES locations (id) ON DELETE SET NULL,
      is_active                 boolean NOT NULL DEFAULT true,
      cancellation_notice_hours integer NOT NULL DEFAULT 24 CHECK (cancellation_notice_hours BETWEEN 0 AND 8760),
      sessions_included         integer CHECK (sessions_included >= 1),
      bonus_sessions            integer CHECK (bonus_sessions >= 0),
      validity_days             integer CHECK (validity_days >= 1),
      created_at                timestamptz NOT NULL DEFAULT now(),
      updated_at                timestamptz NOT NULL DEFAULT now(),
      CHECK (service_type <> 'bundle' OR (sessions_included IS NOT NULL AND validity_days IS NOT NULL))
    );
    CREATE INDEX services_practitioner_idx ON services (practitioner_id, id);

    -- What a package contains.
    CREATE TABLE package_items (
      package_id bigint NOT NULL REFERENCES services (id) ON DELETE CASCADE,
      service_id bigint NOT NULL REFERENCES services (id) ON DELETE RESTRICT,
      quantity   integer NOT NULL CHECK (quantity BETWEEN 1 AND 100),
      PRIMARY KEY (package_id, service_id),
      CHECK (package_id <> service_id)
    );

    -- Which services a bundle's credits can be spent on.
    CREATE TABLE bundle_services (
      bundle_id  bigint NOT NULL REFERENCES services (id) ON DELETE CASCADE,
      service_id bigint NOT NULL REFERENCES services (id) ON DELETE RESTRICT,
      PRIMARY KEY (bundle_id, service_id),
      CHECK (bundle_id <> service_id)
    );

    -- Occurrences of workshops and courses. seats_taken is the atomic counter that bounds capacity.
    CREATE TABLE service_sessions (
      id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      service_id       bigint NOT NULL REFERENCES services (id) ON DELETE CASCADE,
      start_time       timestamptz NOT NULL,
      end_time         timestamptz NOT NULL,
      max_participants integer NOT NULL CHECK (max_participants BETWEEN 1 AND 10000),
      seats_taken      integer NOT NULL DEFAULT 0 CHECK (seats_taken >= 0 AND seats_taken <= max_participants),
      created_at       timestamptz NOT NULL DEFAULT now(),
      updated_at       timestamptz NOT NULL DEFAULT now(),
      CHECK (start_time < end_time)
    );
    CREATE INDEX service_sessions_service_idx ON service_sessions (service_id, start_time);

    CREATE TABLE bookings (
      id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      public_uuid               uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
      client_id                 bigint NOT NULL REFERENCES users (id),
      practitioner_id           bigint NOT NULL REFERENCES practitioners (user_id),
      service_id                bigint NOT NULL REFERENCES services (id),
      service_session_id        bigint REFERENCES service_sessions (id),
      parent_booking_id         bigint REFERENCES bookings (id),
      location_id               bigint REFERENCES locations (id) ON DELETE SET NULL,
      booking_type              text NOT NULL CHECK (booking_type IN ('individual', 'group', 'package', 'course', 'bundle')),
      title                     text NOT NULL DEFAULT '',
      description               text NOT NULL DEFAULT '',
      client_notes              text NOT NULL DEFAULT '',
      meeting_url               text NOT NULL DEFAULT '',
      meeting_id                text NOT NULL DEFAULT '',
      timezone                  text NOT NULL DEFAULT 'UTC',
      start_time                timestamptz,
      end_time                  timestamptz,
      -- end_time plus the practitioner's buffer at booking time: the range this booking blocks.
      blocked_until             timestamptz,
      status                    text NOT NULL CHECK (status IN ('draft', 'pending_payment', 'confirmed', 'in_progress', 'completed', 'canceled', 'no_show')),
      payment_status            text NOT NULL CHECK (payment_status IN ('not_required', 'unpaid', 'paid', 'refunded', 'partially_refunded', 'failed')),
      price_charged_cents       integer NOT NULL CHECK (price_charged_cents >= 0),
      discount_amount_cents     integer NOT NULL DEFAULT 0 CHECK (discount_amount_cents >= 0),
      currency                  char(3) NOT NULL DEFAULT 'USD',
      cancellation_notice_hours integer NOT NULL CHECK (cancellation_notice_hours >= 0),
      refund_due_cents          integer CHECK (refund_due_cents >= 0 AND refund_due_cents <= price_charged_cents),
      canceled_by               text CHECK (canceled_by IN ('client', 'practitioner', 'admin', 'system')),
      cancellation_reason       text NOT NULL DEFAULT '',
      hold_expires_at           timestamptz,
      confirmed_at              timestamptz,
      started_at                timestamptz,
      completed_at              timestamptz,
      canceled_at               timestamptz,
      no_show_at                timestamptz,
      created_at                timestamptz NOT NULL DEFAULT now(),
      updated_at                timestamptz NOT NULL DEFAULT now(),
      CHECK (start_time < end_time),
      CHECK (blocked_until >= end_time),
      CHECK ((start_time IS NULL) = (end_time IS NULL)),
      CHECK (booking_type IN ('package', 'bundle', 'course') OR start_time IS NOT NULL),
      CHECK (booking_type <> 'group' OR service_session_id IS NOT NULL),
      CHECK ((status = 'canceled') = (canceled_at IS NOT NULL))
    );

    -- The last word on double booking: no two active individual bookings of one practitioner may
    -- block overlapping ranges, whatever the application checked before writing.
    ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
      practitioner_id WITH =,
      tstzrange(start_time, blocked_until, '[)') WITH &&
    ) WHERE (status IN ('pending_payment', 'confirmed', 'in_progress') AND service_session_id IS NULL AND start_time IS NOT NULL);

    -- One active seat per client per workshop/course session.
    CREATE UNIQUE INDEX bookings_one_seat_per_client ON bookings (service_session_id, client_id)
      WHERE service_session_id IS NOT NULL AND status IN ('draft', 'pending_payment', 'confirmed', 'in_progress');

    -- List filters and orderings; id breaks ties so pages are stable.
    CREATE INDEX bookings_client_start_idx ON bookings (client_id, start_time, id);
    CREATE INDEX bookings_practitioner_start_idx ON bookings (practitioner_id, start_time, id);
    CREATE INDEX bookings_client_created_idx ON bookings (client_id, created_at, id);
    CREATE INDEX bookings_practitioner_created_idx ON bookings (practitioner_id, created_at, id);
    CREATE INDEX bookings_start_idx ON bookings (start_time, id);
    CREATE INDEX bookings_created_idx ON bookings (created_at, id);
    CREATE INDEX bookings_price_idx ON bookings (price_charged_cents, id);
    CREATE INDEX bookings_status_idx ON bookings (status, start_time);
    CREATE INDEX bookings_service_idx ON bookings (service_id);
    CREATE INDEX bookings_session_idx ON bookings (service_session_id) WHERE service_session_id IS NOT NULL;
    CREATE INDEX bookings_parent_idx ON bookings (parent_booking_id) WHERE parent_booking_id IS NOT NULL;
    CREATE INDEX bookings_hold_idx ON bookings (hold_expires_at) WHERE status = 'pending_payment';

    CREATE TABLE booking_notes (
      id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      booking_id bigint NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
      author_id  bigint NOT NULL REFERENCES users (id),
      content    text NOT NULL CHECK (length(content) BETWEEN 1 AND 5000),
      is_private boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX booking_notes_booking_idx ON booking_notes (booking_id, created_at, id);

    CREATE TABLE booking_status_history (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      booking_id  bigint NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
      from_status text CHECK (from_status IN ('draft', 'pending_payment', 'confirmed', 'in_progress', 'completed', 'canceled', 'no_show')),
      to_status   text NOT NULL CHECK (to_status IN ('draft', 'pending_payment', 'confirmed', 'in_progress', 'completed', 'canceled', 'no_show')),
      actor_id    bigint REFERENCES users (id),
      actor_role  text NOT NULL CHECK (actor_role IN ('client', 'practitioner', 'admin', 'system')),
      reason      text NOT NULL DEFAULT '',
      details     jsonb,
      created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX booking_status_history_booking_idx ON booking_status_history (booking_id, id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS booking_status_history, booking_notes, bookings, service_sessions, bundle_services,
      package_items, services, locations, time_off, date_overrides, weekly_hours, practitioners, auth_tokens, users CASCADE;
  `);
}
