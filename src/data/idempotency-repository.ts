import type { Knex } from 'knex';

export interface IdempotencyRecord {
  id: number;
  request_hash: string;
  /** null while the first request is still running. */
  response_status: number | null;
  response_headers: Record<string, string> | null;
  /** Sealed JSON of the body (see the migration). */
  response_body: string | null;
  /** The booking a create made under this key, written in the booking's transaction. */
  booking_id: number | null;
  locked_at: Date;
}

export interface ClaimRequest {
  owner: string;
  key: string;
  requestHash: string;
  now: Date;
  /** A row created at or before this is past its retention: it is claimed afresh. */
  expiredBefore: Date;
  /** A claim still running since before this was abandoned (its process died): a retry of the same request takes it over. */
  abandonedBefore: Date;
}

export function createIdempotencyRepository(db: Knex) {
  return {
    /**
     * Claims (owner, key) in one statement, its own transaction: of concurrent claims exactly one gets
     * the id, the others read the row the winner wrote (null: it vanished in between, a released claim).
     */
    async claim(req: ClaimRequest): Promise<{ claimedId: number } | { existing: IdempotencyRecord | undefined }> {
      const { rows } = await db.raw(
        `INSERT INTO idempotency_keys AS k (owner, key, request_hash, created_at, locked_at)
         VALUES (:owner, :key, :hash, :now, :now)
         ON CONFLICT (owner, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, created_at = EXCLUDED.created_at, locked_at = EXCLUDED.locked_at,
               response_status = NULL, response_headers = NULL, response_body = NULL
           WHERE k.created_at <= :expiredBefore
              OR (k.response_status IS NULL AND k.locked_at <= :abandonedBefore AND k.request_hash = EXCLUDED.request_hash AND k.booking_id IS NULL)
         RETURNING id`,
        { owner: req.owner, key: req.key, hash: req.requestHash, now: req.now, expiredBefore: req.expiredBefore, abandonedBefore: req.abandonedBefore },
      );
      if (rows.length) return { claimedId: Number(rows[0].id) };
      const existing: IdempotencyRecord | undefined = await db('idempotency_keys')
        .where({ owner: req.owner, key: req.key })
        .first('id', 'request_hash', 'response_status', 'response_headers', 'response_body', 'booking_id', 'locked_at');
      return { existing: existing && { ...existing, id: Number(existing.id) } };
    },

    /** Ties a claim to the booking its request made, in the booking's transaction. */
    async attachBooking(trx: Knex.Transaction, id: number, bookingId: number): Promise<void> {
      await trx('idempotency_keys').where({ id }).update({ booking_id: bookingId });
    },

    /** Stores the answer of a claim; only the claim still running is written. */
    async complete(id: number, response: { status: number; headers: Record<string, string>; sealedBody: string }): Promise<void> {
      await db('idempotency_keys')
        .where({ id })
        .whereNull('response_status')
        .update({ response_status: response.status, response_headers: JSON.stringify(response.headers), response_body: response.sealedBody });
    },

    /** Gives a claim up (its request failed on our side): a retry may run it again. */
    async release(id: number): Promise<void> {
      await db('idempotency_keys').where({ id }).whereNull('response_status').delete();
    },

    async purgeCreatedBefore(cutoff: Date): Promise<number> {
      return db('idempotency_keys').where('created_at', '<=', cutoff).delete();
    },
  };
}

export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>;
