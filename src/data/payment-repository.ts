import type { Knex } from 'knex';
import type { LedgerEntry, PaymentState, UnsettledRefundState } from '../domain/payment-ledger';
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
  /** A refund of one given payment (a duplicate); null: of the booking's own payment. */
  refund_of: number | null;
  flag: string | null;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The refunds an operator may still have to act on (see unsettledRefunds below), as `payments as p`. */
function unsettledRefunds(db: Knex) {
  return db('payments as p')
    .where('p.kind', 'refund')
    .where((q) =>
      q.whereIn('p.state', ['pending', 'awaiting_operator']).orWhere((failed) =>
        failed
          .where('p.state', 'failed')
          .whereNotExists(db('payments as later').whereRaw('later.booking_id = p.booking_id AND later.kind = p.kind AND later.id > p.id AND later.refund_of IS NOT DISTINCT FROM p.refund_of')),
      ),
    );
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

    /**
     * Refunds not settled, oldest first: pending (in flight, or waiting for the reconciler's retry),
     * awaiting an operator, and failed ones that are the latest attempt of their booking (an earlier
     * refusal followed by another attempt is history). Age is measured by Postgres, which stamped them.
     */
    async unsettledRefunds(page: PageRequest, state?: UnsettledRefundState): Promise<Page<PaymentRow & { age_seconds: number }>> {
      const query = unsettledRefunds(db)
        .select('p.*', db.raw('floor(extract(epoch from now() - p.created_at))::int AS age_seconds'))
        .orderBy('p.id');
      if (state) query.where('p.state', state);
      return fetchPage(query, page);
    },

    /** The same refunds counted by state, with the age of the oldest in each (for /metrics). */
    async countUnsettledRefunds(): Promise<Array<{ state: UnsettledRefundState; count: number; oldestSeconds: number }>> {
      const rows: Array<{ state: UnsettledRefundState; count: string; oldest_seconds: number }> = await unsettledRefunds(db)
        .select('p.state', db.raw('count(*) AS count'), db.raw('floor(extract(epoch from now() - min(p.created_at)))::int AS oldest_seconds'))
        .groupBy('p.state');
      return rows.map((r) => ({ state: r.state, count: Number(r.count), oldestSeconds: Number(r.oldest_seconds) }));
    },

    /**
     * Refunds the provider never answered (pending, no provider id) untouched for `staleMinutes`:
     * stamped as retried (so the next sweep leaves them for as long again) and their bookings
     * returned. Rows another sweep holds are skipped.
     */
    async claimStalledRefunds(trx: Knex.Transaction, staleMinutes: number, limit: number): Promise<number[]> {
      const rows: Array<{ booking_id: number }> = await trx('payments')
        .whereIn(
          'id',
          trx('payments')
            .select('id')
            .where({ kind: 'refund', state: 'pending' })
            .whereNull('provider_id')
            .where('updated_at', '<', trx.raw(`now() - make_interval(mins => ?)`, [staleMinutes]))
            .orderBy('id')
            .limit(limit)
            .forUpdate()
            .skipLocked(),
        )
        .update({ updated_at: trx.fn.now() })
        .returning('booking_id');
      return [...new Set(rows.map((r) => Number(r.booking_id)))];
    },

    /** The booking a refund belongs to (read without a lock: the booking is locked first, then the refund). */
    async bookingOfRefund(q: Knex | Knex.Transaction, refundId: number): Promise<number | undefined> {
      const row = await q('payments').where({ id: refundId, kind: 'refund' }).first('booking_id');
      return row?.booking_id;
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
      row: {
        booking_id: number;
        provider: PaymentRow['provider'];
        provider_id: string;
        amount_cents: number;
        currency?: string;
        state: PaymentState;
        flag?: string | null;
        failure_reason?: string | null;
      },
    ): Promise<PaymentRow> {
      const [stored] = await trx('payments')
        .insert({ kind: 'payment', ...row })
        .onConflict(trx.raw('(provider, kind, provider_id) WHERE provider_id IS NOT NULL'))
        .merge({
          state: trx.raw(`CASE WHEN payments.state = 'succeeded' THEN 'succeeded' ELSE EXCLUDED.state END`),
          amount_cents: trx.raw(`CASE WHEN payments.state = 'succeeded' THEN payments.amount_cents ELSE EXCLUDED.amount_cents END`),
          currency: trx.raw(`CASE WHEN payments.state = 'succeeded' THEN payments.currency ELSE EXCLUDED.currency END`),
          flag: trx.raw('COALESCE(EXCLUDED.flag, payments.flag)'),
          failure_reason: trx.raw('COALESCE(EXCLUDED.failure_reason, payments.failure_reason)'),
          updated_at: trx.fn.now(),
        })
        .returning('*');
      return stored;
    },

    /** A payment made outside any provider (the practitioner or an admin confirmed it by hand). */
    async insertOfflinePayment(trx: Knex.Transaction, row: { booking_id: number; amount_cents: number; currency: string; idempotency_key: string }): Promise<void> {
      await trx('payments').insert({ kind: 'payment', provider: 'offline', state: 'succeeded', ...row });
    },

    async insertRefund(
      trx: Knex.Transaction,
      row: {
        booking_id: number;
        provider: PaymentRow['provider'];
        amount_cents: number;
        currency?: string;
        state: PaymentState;
        idempotency_key: string;
        provider_id?: string | null;
        refund_of?: number | null;
        flag?: string | null;
      },
    ): Promise<PaymentRow> {
      const [inserted] = await trx('payments').insert({ kind: 'refund', ...row }).returning('*');
      return inserted;
    },

    async updatePayment(trx: Knex.Transaction, id: number, changes: Partial<Pick<PaymentRow, 'state' | 'provider_id' | 'failure_reason' | 'flag'>>): Promise<void> {
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
