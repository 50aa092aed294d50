import type { Knex } from 'knex';

// Money guarantees (issue 10):
// - payments.refund_of: the payment a refund gives back (a duplicate payment is refunded through its
//   own PaymentIntent); null for refunds of the booking's own payment.
// - bookings.refund_baseline_cents: refunds already committed when refund_due_cents was decided, so
//   the refund job pays refund_due_cents less only what was committed since (never twice).
// - outbox.requeued_at: a payments job that failed for good was recorded again by the reconciler
//   (outbox.attempts counts the generations, so it stays bounded).
// - Bookings confirmed by hand before offline payments were recorded get their offline payment, so
//   payment_status is derived from the ledger alone.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE payments ADD COLUMN refund_of bigint REFERENCES payments (id);
    CREATE INDEX payments_unsettled_refunds_idx ON payments (id) WHERE kind = 'refund' AND state IN ('pending', 'failed', 'awaiting_operator');

    ALTER TABLE bookings ADD COLUMN refund_baseline_cents integer NOT NULL DEFAULT 0 CHECK (refund_baseline_cents >= 0);

    ALTER TABLE outbox ADD COLUMN requeued_at timestamptz;
    CREATE INDEX outbox_failed_for_good_idx ON outbox (done_at) WHERE last_error IS NOT NULL AND requeued_at IS NULL;

    INSERT INTO payments (booking_id, kind, provider, amount_cents, currency, state, idempotency_key)
    SELECT b.id, 'payment', 'offline', b.price_charged_cents, b.currency, 'succeeded', 'offline-' || b.public_uuid
      FROM bookings b
     WHERE b.payment_status IN ('paid', 'partially_refunded', 'refunded')
       AND b.price_charged_cents > 0
       AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id AND p.kind = 'payment' AND p.state = 'succeeded');
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DELETE FROM payments WHERE kind = 'payment' AND provider = 'offline' AND idempotency_key LIKE 'offline-%';
    DROP INDEX IF EXISTS outbox_failed_for_good_idx;
    ALTER TABLE outbox DROP COLUMN IF EXISTS requeued_at;
    ALTER TABLE bookings DROP COLUMN IF EXISTS refund_baseline_cents;
    DROP INDEX IF EXISTS payments_unsettled_refunds_idx;
    ALTER TABLE payments DROP COLUMN IF EXISTS refund_of;
  `);
}
