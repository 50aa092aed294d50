import { createHmac } from 'node:crypto';
import { conflict, unprocessable } from '../../domain/errors';
import type { AppContext } from '../app-context';

/** docs/retries-and-concurrency.md: a first answer is kept 24 hours. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000;
/**
 * A claim still unanswered after this was left by a process that died mid-request (no request runs
 * this long: the server's timeouts end it first); a retry of the same request may run it again.
 */
export const ABANDONED_CLAIM_MS = 5 * 60_000;

export interface IdempotentRequest {
  /** Whose keys these are: "user:<id>", or "ip:<address>" for an anonymous caller. */
  owner: string;
  key: string;
  method: string;
  path: string;
  body: unknown;
}

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * `claimed`: run the request (its id is passed to the write that should carry it). `resume`: a create whose
 * booking committed but whose answer was never stored (its process died): answer with that booking.
 */
export type IdempotencyClaim = { outcome: 'claimed'; id: number } | { outcome: 'resume'; id: number; bookingId: number } | { outcome: 'replay'; response: StoredResponse };

/** Object keys sorted, so that two encodings of one JSON body hash alike. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * SHA-256 of method, path and body, as an HMAC under the server's secret: bodies carry passwords
 * (POST auth/token/), and a bare hash of a guessable prefix plus a password could be brute-forced
 * from a database dump.
 */
export function requestFingerprint(secret: string, req: Pick<IdempotentRequest, 'method' | 'path' | 'body'>): string {
  return createHmac('sha256', secret).update(`${req.method.toUpperCase()}\n${req.path}\n${canonicalJson(req.body)}`).digest('hex');
}

/**
 * Claims the caller's key for this request, or answers from what the key already holds: the stored
 * answer (same request), 422 idempotency_key_reused (another request), 409 idempotency_key_in_use
 * (the first is still running).
 */
export async function claimIdempotencyKey(app: AppContext, req: IdempotentRequest): Promise<IdempotencyClaim> {
  const requestHash = requestFingerprint(app.config.sessionSecret, req);
  // A claim released between our INSERT and our read leaves nothing to read: claim again.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const now = app.clock.now();
    const result = await app.idempotency.claim({
      owner: req.owner,
      key: req.key,
      requestHash,
      now,
      expiredBefore: new Date(now.getTime() - IDEMPOTENCY_RETENTION_MS),
      abandonedBefore: new Date(now.getTime() - ABANDONED_CLAIM_MS),
    });
    if ('claimedId' in result) return { outcome: 'claimed', id: result.claimedId };
    const existing = result.existing;
    if (!existing) continue;
    if (existing.request_hash !== requestHash) {
      throw unprocessable('idempotency_key_reused', 'This Idempotency-Key was used with another request (method, path or body); use a new key for a new request.');
    }
    const abandoned = existing.locked_at.getTime() <= now.getTime() - ABANDONED_CLAIM_MS;
    if (existing.response_status === null && existing.booking_id !== null && abandoned) return { outcome: 'resume', id: existing.id, bookingId: existing.booking_id };
    if (existing.response_status === null || existing.response_body === null) {
      throw conflict('idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed; retry shortly.');
    }
    return {
      outcome: 'replay',
      response: { status: existing.response_status, headers: existing.response_headers ?? {}, body: JSON.parse(app.secretBox.open(existing.response_body)) },
    };
  }
  throw conflict('idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed; retry shortly.');
}

/** The first answer, kept for the retries (4xx included, as Stripe does: the same request fails the same way). */
export async function recordIdempotentResponse(app: AppContext, claimId: number, response: StoredResponse): Promise<void> {
  await app.idempotency.complete(claimId, { status: response.status, headers: response.headers, sealedBody: app.secretBox.seal(JSON.stringify(response.body ?? null)) });
}

/** The request failed on our side (5xx) or cannot be stored: the key is free for a retry. */
export async function releaseIdempotencyKey(app: AppContext, claimId: number): Promise<void> {
  await app.idempotency.release(claimId);
}

/** Keys past their 24 hours (the maintenance sweep). */
export async function purgeExpiredIdempotencyKeys(app: AppContext): Promise<number> {
  return app.idempotency.purgeCreatedBefore(new Date(app.clock.now().getTime() - IDEMPOTENCY_RETENTION_MS));
}
