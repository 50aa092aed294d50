import type { Knex } from 'knex';
import type { CreditEntry } from '../domain/parent-bookings';

export interface BundleCreditsRow {
  bundle_booking_id: number;
  granted: number;
  remaining: number;
  expires_at: Date;
  expired_at: Date | null;
}

export interface BundleTerms {
  sessions_included: number;
  bonus_sessions: number;
  validity_days: number;
  service_ids: number[];
}

export type RedeemOutcome = 'redeemed' | 'no_credits_left' | 'bundle_expired' | 'not_granted';

/**
 * Bundle credits: a balance row per bundle (the database keeps it between 0 and what was granted) and a
 * ledger beside it. Every change is one conditional statement that moves the balance and writes the
 * ledger row together, so concurrent redemptions queue on the balance row and none overdraws it.
 */
export function createCreditRepository(db: Knex) {
  return {
    async saveTerms(trx: Knex.Transaction, bundleId: number, terms: BundleTerms): Promise<void> {
      await trx('bundle_terms').insert({ bundle_booking_id: bundleId, ...terms });
    },

    async terms(bundleId: number, q: Knex | Knex.Transaction = db): Promise<BundleTerms | undefined> {
      const row = await q('bundle_terms').where({ bundle_booking_id: bundleId }).first('sessions_included', 'bonus_sessions', 'validity_days', 'service_ids');
      return row ? { ...row, service_ids: (row.service_ids as Array<string | number>).map(Number) } : undefined;
    },

    /** Grants a bundle's credits once; a second grant of the same bundle does nothing. */
    async grant(trx: Knex.Transaction, bundleId: number, credits: number, expiresAt: Date): Promise<boolean> {
      const [row] = await trx('bundle_credits')
        .insert({ bundle_booking_id: bundleId, granted: credits, remaining: credits, expires_at: expiresAt })
        .onConflict('bundle_booking_id')
        .ignore()
        .returning('bundle_booking_id');
      if (!row) return false;
      await trx('credit_ledger').insert({ bundle_booking_id: bundleId, kind: 'grant', credits });
      return true;
    },

    /** Takes one credit for `bookingId`, if one is left and the bundle has not expired at `now`. */
    async redeem(trx: Knex.Transaction, bundleId: number, bookingId: number, now: Date): Promise<RedeemOutcome> {
      const { rows } = await trx.raw(
        `WITH taken AS (
           UPDATE bundle_credits SET remaining = remaining - 1
           WHERE bundle_booking_id = ? AND remaining > 0 AND expired_at IS NULL AND expires_at > ?
           RETURNING bundle_booking_id)
         INSERT INTO credit_ledger (bundle_booking_id, kind, credits, booking_id)
         SELECT bundle_booking_id, 'redeem', -1, ? FROM taken RETURNING id`,
        [bundleId, now, bookingId],
      );
      if (rows.length) return 'redeemed';
      const credits: BundleCreditsRow | undefined = await trx('bundle_credits').where({ bundle_booking_id: bundleId }).first();
      if (!credits) return 'not_granted';
      if (credits.expired_at || credits.expires_at.getTime() <= now.getTime()) return 'bundle_expired';
      return 'no_credits_left';
    },

    /** Gives back the credit `bookingId` took, once, unless the bundle has expired since. */
    async returnCredit(trx: Knex.Transaction, bookingId: number): Promise<boolean> {
      const { rows } = await trx.raw(
        `WITH spent AS (
           SELECT l.bundle_booking_id FROM credit_ledger l
           WHERE l.booking_id = ? AND l.kind = 'redeem'
             AND NOT EXISTS (SELECT 1 FROM credit_ledger r WHERE r.booking_id = l.booking_id AND r.kind = 'return')),
         back AS (
           UPDATE bundle_credits c SET remaining = remaining + 1
           FROM spent WHERE c.bundle_booking_id = spent.bundle_booking_id AND c.expired_at IS NULL
           RETURNING c.bundle_booking_id)
         INSERT INTO credit_ledger (bundle_booking_id, kind, credits, booking_id)
         SELECT bundle_booking_id, 'return', 1, ? FROM back RETURNING id`,
        [bookingId, bookingId],
      );
      return rows.length > 0;
    },

    /**
     * Expires what is left of a bundle's credits: when they are due at `now`, or at once (`force`, the
     * bundle was canceled). Returns how many credits expired, or null when there was nothing to do.
     */
    async expire(trx: Knex.Transaction, bundleId: number, now: Date, force = false): Promise<number | null> {
      const credits: BundleCreditsRow | undefined = await trx('bundle_credits').where({ bundle_booking_id: bundleId }).forUpdate().first();
      if (!credits || credits.expired_at) return null;
      if (!force && credits.expires_at.getTime() > now.getTime()) return null;
      await trx('bundle_credits').where({ bundle_booking_id: bundleId }).update({ remaining: 0, expired_at: now });
      if (credits.remaining > 0) await trx('credit_ledger').insert({ bundle_booking_id: bundleId, kind: 'expire', credits: -credits.remaining });
      return credits.remaining;
    },

    async find(bundleId: number, q: Knex | Knex.Transaction = db): Promise<{ credits: BundleCreditsRow; entries: CreditEntry[] } | undefined> {
      const credits: BundleCreditsRow | undefined = await q('bundle_credits').where({ bundle_booking_id: bundleId }).first();
      if (!credits) return undefined;
      const entries: CreditEntry[] = await q('credit_ledger').where({ bundle_booking_id: bundleId }).orderBy('id').select('kind', 'credits');
      return { credits, entries };
    },

    /** The credits a booking paid with and kept: 1 for a redemption, 0 once its credit came back. */
    async creditsSpentBy(bookingId: number, q: Knex | Knex.Transaction = db): Promise<number> {
      const row = await q('credit_ledger').where({ booking_id: bookingId }).sum<{ n: string | null }>({ n: 'credits' }).first();
      return -Number(row?.n ?? 0);
    },

    /** Bundles whose credits are due to expire at `now` and have not: what the reconciler repairs. */
    async findDueExpiries(now: Date, limit: number): Promise<number[]> {
      const rows: Array<{ bundle_booking_id: number }> = await db('bundle_credits')
        .select('bundle_booking_id')
        .whereNull('expired_at')
        .where('expires_at', '<=', now)
        .orderBy('expires_at')
        .limit(limit);
      return rows.map((r) => r.bundle_booking_id);
    },
  };
}

export type CreditRepository = ReturnType<typeof createCreditRepository>;
