import type { Knex } from 'knex';

/**
 * Issue 13: a booking is created in one write statement (docs/benchmarks.md#create-in-two-statements).
 *
 * - practitioners.schedule_version: +1 whenever the schedule or its settings change. The create's read
 *   takes the schedule with its version; the write locks the practitioner's row (the calendar lock) and
 *   inserts only if the version is still the one read, so a schedule changed in between is never missed.
 * - unpaid_hold_count(client, practitioner): the client's unpaid holds with the practitioner, counted under
 *   a transaction-scoped advisory lock on the pair. A VOLATILE function reads with a fresh snapshot, so
 *   called inside the write statement, after the locks it waited for, it sees every hold committed before
 *   them — which a plain sub-select of the same statement (its snapshot taken at the start) would not.
 * - idempotency_keys.booking_id: the booking a create's Idempotency-Key made, written by the booking's own
 *   write, so that a process dying between the commit and storing the answer leaves the key pointing at
 *   the booking: the retry answers with it instead of booking again.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE practitioners ADD COLUMN schedule_version integer NOT NULL DEFAULT 1');
  await knex.raw('ALTER TABLE idempotency_keys ADD COLUMN booking_id bigint REFERENCES bookings (id) ON DELETE SET NULL');
  await knex.raw(`
    CREATE FUNCTION unpaid_hold_count(p_client_id bigint, p_practitioner_id bigint) RETURNS bigint
    LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtextextended('unpaid-holds:' || p_client_id || ':' || p_practitioner_id, 0));
      -- One per purchase: a course's session children wait on the course's payment, not on their own.
      RETURN (SELECT count(*) FROM bookings
              WHERE client_id = p_client_id AND practitioner_id = p_practitioner_id
                AND status = 'pending_payment' AND parent_booking_id IS NULL);
    END
    $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS unpaid_hold_count(bigint, bigint)');
  await knex.raw('ALTER TABLE idempotency_keys DROP COLUMN IF EXISTS booking_id');
  await knex.raw('ALTER TABLE practitioners DROP COLUMN IF EXISTS schedule_version');
}
