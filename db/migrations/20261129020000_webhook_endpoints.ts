import type { Knex } from 'knex';

// Outgoing webhooks (docs/api-conventions.md#outgoing-webhooks). An endpoint belongs to a user: a practitioner's hears about their own
// bookings (practitioner_id set), an admin's about every booking (practitioner_id NULL). The signing
// secret is stored encrypted: we must sign with it, so it cannot be a one-way hash. One delivery per
// (endpoint, event): a fan-out job that runs twice creates nothing twice. The body is kept as signed,
// so every retry sends the same bytes.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE webhook_endpoints (
      id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      owner_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      practitioner_id   bigint REFERENCES practitioners (user_id) ON DELETE CASCADE,
      url               text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
      description       text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
      events            text[] NOT NULL CHECK (cardinality(events) >= 1),
      secret_ciphertext text NOT NULL,
      is_active         boolean NOT NULL DEFAULT true,
      disabled_reason   text,
      disabled_at       timestamptz,
      -- The first failed attempt since the last success; NULL while deliveries succeed.
      failing_since     timestamptz,
      created_at        timestamptz NOT NULL DEFAULT now(),
      updated_at        timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX webhook_endpoints_owner_idx ON webhook_endpoints (owner_id, id DESC);
    CREATE INDEX webhook_endpoints_listening_idx ON webhook_endpoints (practitioner_id) WHERE is_active;

    CREATE TABLE webhook_deliveries (
      id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      endpoint_id        bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
      event_id           bigint NOT NULL REFERENCES booking_events (id) ON DELETE CASCADE,
      body               text NOT NULL,
      status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
      attempts           integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      last_response_code integer,
      last_error         text,
      last_attempt_at    timestamptz,
      next_attempt_at    timestamptz,
      delivered_at       timestamptz,
      created_at         timestamptz NOT NULL DEFAULT now(),
      UNIQUE (endpoint_id, event_id)
    );
    CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id DESC);
    CREATE INDEX webhook_deliveries_status_idx ON webhook_deliveries (status);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS webhook_deliveries;
    DROP TABLE IF EXISTS webhook_endpoints;
  `);
}
