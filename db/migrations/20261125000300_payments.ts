import type { Knex } from 'knex';

// Payment provider events (stored once per provider event id) and the payment ledger: one row per
// payment attempt and per refund. A booking's payment_status is derived from its ledger.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE payment_events (
      id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      provider_event_id text NOT NULL UNIQUE CHECK (length(provider_event_id) BETWEEN 1 AND 255),
      type              text NOT NULL,
      booking_ref       text,
      payload           jsonb NOT NULL,
      received_at       timestamptz NOT NULL DEFAULT now(),
      processed_at      timestamptz,
      outcome           text,
      -- Kept for an operator: an unknown booking, an amount that does not match, …
      flag              text,
      booking_id        bigint REFERENCES bookings (id)
    );
    CREATE INDEX payment_events_flagged_idx ON payment_events (received_at) WHERE flag IS NOT NULL;
    CREATE INDEX payment_events_booking_idx ON payment_events (booking_id);

    CREATE TABLE payments (
      id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      booking_id      bigint NOT NULL REFERENCES bookings (id),
      kind            text NOT NULL CHECK (kind IN ('payment', 'refund')),
      provider        text NOT NULL CHECK (provider IN ('offline', 'stripe')),
      -- The provider's id: PaymentIntent for payments, Refund for refunds (null until it answers).
      provider_id     text,
      amount_cents    integer NOT NULL CHECK (amount_cents >= 0),
      currency        char(3) NOT NULL DEFAULT 'USD',
      state           text NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed', 'awaiting_operator', 'canceled')),
      idempotency_key text UNIQUE,
      failure_reason  text,
      flag            text,
      created_at      timestamptz NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX payments_provider_id_key ON payments (provider, kind, provider_id) WHERE provider_id IS NOT NULL;
    CREATE INDEX payments_booking_idx ON payments (booking_id, id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS payments, payment_events');
}
