import type { Knex } from 'knex';
import type { LedgerEntry, PaymentState } from '../domain/payment-ledger';
import type { BookingRow } from './booking-repository';
import { fetchPage, type Page, type PageRequest } from './pagination';

export interface PaymentEventRow {
  id: number;
  provider_event_id: string;
  type: string;
  booking_ref: string | null;
  payload: { data?: { object?: Record<string, unknown> } };
  processed_at: Date | null;
}

export interface PaymentRow extends LedgerEntry {
  id: number;
  booking_id: number;
  provider: 'offline' | 'stripe';
  provider_id: string | null;
  currency: string;
  idempotency_key: string | null;
  flag: string | null;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createPaymentRepository(db: Knex) {
  return {
    /** Stores a provider event once; a re-delivery returns null and changes nothing. */
    async insertEvent(trx: Knex.Transaction, event: { provider_event_id: string; type: string; booking_ref: string | null; payload: unknown }): Promise<number | null> {
      const rows = await trx('payment_events')
        .insert({ ...event, payload: JSON.stringify(event.payload) })
        .onConflict('provider_event_id')
        .ignore()
        .returning('id');
      return rows[0]?.id ?? null;
    },

    async lockEvent(trx: Knex.Transaction, id: number): Promise<PaymentEventRow | undefined> {
      return trx('payment_events').where({ id }).forUpdate().first();
    },

    async finishEvent(trx: Knex.Transaction, id: number, result: { outcome: string; flag?: string | null; booking_id?: number | null }): Promise<void> {
      await trx('payment_events')
        .where({ id })
        .update({ processed_at: trx.fn.now(), outcome: result.outcome, flag: result.flag ?? null, booking_id: result.booking_id ?? null });
    },

    /** A booking named by a provider's metadata: its numeric id or its public_uuid, locked. */
    async lockBookingByRef(trx: Knex.Transaction, ref: string | null): Promise<BookingRow | undefined> {
      if (!ref) return undefined;
      const query = trx('bookings').forUpdate();
      if (/^\d{1,15}$/.test(ref)) return query.where({ id: Number(ref) }).first();
      if (UUID.test(ref)) return query.where({ public_uuid: ref }).first();
      return undefined;
    },

    async ledger(q: Knex | Knex.Transaction, bookingId: number): Promise<PaymentRow[]> {
      return q('payments').where({ booking_id: bookingId }).orderBy('id');
    },

    /** Provider events an operator must look at (unknown booking, wrong amount, malformed), newest first. */
    async flaggedEvents(page: PageRequest): Promise<Page<Omit<PaymentEventRow, 'payload'> & { flag: string; outcome: string | null; booking_id: number | null; received_at: Date }>> {
      const query = db('payment_events')
        .select('id', 'provider_event_id', 'type', 'booking_ref', 'booking_id', 'flag', 'outcome', 'received_at', 'processed_at')
        .whereNotNull('flag')
        .orderBy('id', 'desc');
      return fetchPage(query, page);
    },

    /** Refunds waiting for an operator to pay them by hand (the offline provider), oldest first. */
    async refundsAwaitingOperator(page: PageRequest): Promise<Page<PaymentRow>> {
      return fetchPage(db('payments').where({ kind: 'refund', state: 'awaiting_operator' }).orderBy('id'), page);
    },

    async lockPayment(trx: Knex.Transaction, id: number): Promise<PaymentRow | undefined> {
      return trx('payments').where({ id }).forUpdate().first();
    },

    /**
     * Records a payment attempt by its provider id. A success is final: a late "failed" for the same
     * attempt does not undo it.
     */
    async upsertPayment(
      trx: Knex.Transaction,
      row: { booking_id: number; provider: PaymentRow['provider']; provider_id: string; amount_cents: number; state: PaymentState; flag?: string | null; failure_reason?: string | null },
    ): Promise<void> {
      await trx('payments')
        .insert({ kind: 'payment', ...row })
        .onConflict(trx.raw('(provider, kind, provider_id) WHERE provider_id IS NOT NULL'))
        .merge({
          state: trx.raw(`CASE WHEN payments.state = 'succeeded' THEN 'succeeded' ELSE EXCLUDED.state END`),
          amount_cents: trx.raw(`CASE WHEN payments.state = 'succeeded' THEN payments.amount_cents ELSE EXCLUDED.amount_cents END`),
          flag: trx.raw('COALESCE(EXCLUDED.flag, payments.flag)'),
          failure_reason: trx.raw('COALESCE(EXCLUDED.failure_reason, payments.failure_reason)'),
          updated_at: trx.fn.now(),
        });
    },

    async insertRefund(
      trx: Knex.Transaction,
      row: { booking_id: number; provider: PaymentRow['provider']; amount_cents: number; state: PaymentState; idempotency_key: string; provider_id?: string | null },
    ): Promise<PaymentRow> {
      const [inserted] = await trx('payments').insert({ kind: 'refund', ...row }).returning('*');
      return inserted;
    },

    async updatePayment(trx: Knex.Transaction, id: number, changes: Partial<Pick<PaymentRow, 'state' | 'provider_id' | 'failure_reason'>>): Promise<void> {
      await trx('payments').where({ id }).update({ ...changes, updated_at: trx.fn.now() });
    },

    /** Marks refunds still in flight as succeeded: the provider reported the money returned. */
    async settleRefunds(trx: Knex.Transaction, ids: number[]): Promise<void> {
      if (!ids.length) return;
      await trx('payments').whereIn('id', ids).where({ kind: 'refund', state: 'pending' }).update({ state: 'succeeded', updated_at: trx.fn.now() });
    },
  };
}

export type PaymentRepository = ReturnType<typeof createPaymentRepository>;
