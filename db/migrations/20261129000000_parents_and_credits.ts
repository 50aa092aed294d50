import type { Knex } from 'knex';

// Packages, courses and bundles (docs/api-conventions.md#packages-courses-and-bundles).
//
// - A parent's plan is stored with it (booking_components): what its expansion must create, and, for a
//   course, which session seats it holds until a child takes each one over.
// - Children carry the component they were made for; (parent_booking_id, component_key) is unique, so an
//   expansion job delivered twice creates nothing twice.
// - Parents (course, package, bundle) never block the practitioner's calendar themselves: a course's
//   times are its sessions', and each session child holds its own seat. The exclusion constraint is
//   rebuilt to cover individual bookings only.
// - Bundle credits: a balance row per bundle, which the database keeps between 0 and what was granted,
//   and a ledger of every grant, redemption, return and expiry.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE bookings
      ADD COLUMN expansion_status  text CHECK (expansion_status IN ('pending', 'done', 'failed')),
      ADD COLUMN expansion_error   text,
      ADD COLUMN component_key     text CHECK (length(component_key) BETWEEN 1 AND 100),
      ADD COLUMN bundle_booking_id bigint REFERENCES bookings (id),
      ADD CONSTRAINT bookings_component_needs_parent CHECK (component_key IS NULL OR parent_booking_id IS NOT NULL),
      ADD CONSTRAINT bookings_parent_component_key UNIQUE (parent_booking_id, component_key);

    -- Package children are unscheduled (no times) until their client schedules them.
    ALTER TABLE bookings DROP CONSTRAINT bookings_check4;
    ALTER TABLE bookings ADD CONSTRAINT bookings_times_required
      CHECK (booking_type IN ('package', 'bundle', 'course') OR start_time IS NOT NULL OR (parent_booking_id IS NOT NULL AND status IN ('draft', 'canceled')));

    ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap;
    ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
      practitioner_id WITH =,
      tstzrange(start_time, blocked_until, '[)') WITH &&
    ) WHERE (status IN ('pending_payment', 'confirmed', 'in_progress') AND service_session_id IS NULL AND start_time IS NOT NULL AND booking_type = 'individual');

    -- One active purchase of a course per client (its seats are one per session anyway).
    CREATE UNIQUE INDEX bookings_one_course_per_client ON bookings (service_id, client_id)
      WHERE booking_type = 'course' AND status IN ('draft', 'pending_payment', 'confirmed', 'in_progress');
    CREATE INDEX bookings_bundle_idx ON bookings (bundle_booking_id) WHERE bundle_booking_id IS NOT NULL;
    CREATE INDEX bookings_expansion_idx ON bookings (expansion_status) WHERE expansion_status <> 'done';

    -- A row that is the parent job of a BullMQ flow lists its children: [{name, payload}].
    ALTER TABLE outbox ADD COLUMN flow_children jsonb;

    CREATE TABLE booking_components (
      parent_booking_id  bigint NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
      component_key      text NOT NULL CHECK (length(component_key) BETWEEN 1 AND 100),
      position           integer NOT NULL CHECK (position >= 0),
      service_id         bigint NOT NULL REFERENCES services (id),
      -- A course's session: the parent took its seat at purchase; the child takes it over.
      service_session_id bigint REFERENCES service_sessions (id),
      PRIMARY KEY (parent_booking_id, component_key),
      UNIQUE (parent_booking_id, position)
    );

    -- A bundle's terms as sold: editing the service later changes nothing for bundles already bought.
    CREATE TABLE bundle_terms (
      bundle_booking_id bigint PRIMARY KEY REFERENCES bookings (id) ON DELETE CASCADE,
      sessions_included integer NOT NULL CHECK (sessions_included >= 1),
      bonus_sessions    integer NOT NULL CHECK (bonus_sessions >= 0),
      validity_days     integer NOT NULL CHECK (validity_days >= 1),
      service_ids       bigint[] NOT NULL
    );

    CREATE TABLE bundle_credits (
      bundle_booking_id bigint PRIMARY KEY REFERENCES bookings (id) ON DELETE CASCADE,
      granted           integer NOT NULL CHECK (granted >= 1),
      remaining         integer NOT NULL,
      expires_at        timestamptz NOT NULL,
      expired_at        timestamptz,
      CONSTRAINT bundle_credits_balance CHECK (remaining >= 0 AND remaining <= granted)
    );
    CREATE INDEX bundle_credits_due_idx ON bundle_credits (expires_at) WHERE expired_at IS NULL;

    CREATE TABLE credit_ledger (
      id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      bundle_booking_id bigint NOT NULL REFERENCES bundle_credits (bundle_booking_id) ON DELETE CASCADE,
      kind              text NOT NULL CHECK (kind IN ('grant', 'redeem', 'return', 'expire')),
      -- Signed: + for grant and return, - for redeem and expire.
      credits           integer NOT NULL CHECK (credits <> 0),
      -- The booking a redemption paid for (redeem, return).
      booking_id        bigint REFERENCES bookings (id),
      created_at        timestamptz NOT NULL DEFAULT now(),
      CHECK ((kind IN ('grant', 'return')) = (credits > 0)),
      CHECK ((kind IN ('redeem', 'return')) = (booking_id IS NOT NULL))
    );
    CREATE INDEX credit_ledger_bundle_idx ON credit_ledger (bundle_booking_id, id);
    -- Each booking spends a credit once and gets it back at most once.
    CREATE UNIQUE INDEX credit_ledger_one_redeem ON credit_ledger (booking_id) WHERE kind = 'redeem';
    CREATE UNIQUE INDEX credit_ledger_one_return ON credit_ledger (booking_id) WHERE kind = 'return';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS credit_ledger, bundle_credits, bundle_terms, booking_components;
    ALTER TABLE outbox DROP COLUMN IF EXISTS flow_children;
    DROP INDEX IF EXISTS bookings_one_course_per_client, bookings_bundle_idx, bookings_expansion_idx;
    ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap;
    ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
      practitioner_id WITH =,
      tstzrange(start_time, blocked_until, '[)') WITH &&
    ) WHERE (status IN ('pending_payment', 'confirmed', 'in_progress') AND service_session_id IS NULL AND start_time IS NOT NULL);
    ALTER TABLE bookings DROP CONSTRAINT bookings_times_required;
    ALTER TABLE bookings ADD CONSTRAINT bookings_check4 CHECK (booking_type IN ('package', 'bundle', 'course') OR start_time IS NOT NULL);
    ALTER TABLE bookings DROP COLUMN expansion_status, DROP COLUMN expansion_error, DROP COLUMN component_key, DROP COLUMN bundle_booking_id;
  `);
}
