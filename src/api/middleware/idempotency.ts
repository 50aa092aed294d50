import type { Context, Middleware } from 'koa';
import type { AppContext } from '../../app/app-context';
import { claimIdempotencyKey, recordIdempotentResponse, releaseIdempotencyKey } from '../../app/idempotency/idempotent-requests';
import { invalid } from '../../domain/errors';
import { toHttpError } from '../error-mapper';

export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/** What a handler learns of the request's key: the claim its write should carry, or the booking to answer with. */
export interface IdempotencyState {
  claimId: number;
  /** A create whose booking committed before its process died: answer with it, book nothing. */
  resumeBookingId: number | null;
}

export const idempotencyOf = (state: { idempotency?: IdempotencyState }): IdempotencyState | undefined => state.idempotency;
/** The answer headers a replay gives back (the rest are the server's of the moment: request id, rate limits). */
const REPLAYED_HEADERS = ['location', 'etag'];
/**
 * Session login sets a cookie no replay could give back, so it is not kept; every other POST is.
 */
const NOT_KEPT = new Set(['/api/v1/auth/login/']);

function keyOf(ctx: Context): string | undefined {
  const raw = ctx.req.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const problem = (detail: string) => invalid(detail, { 'Idempotency-Key': [detail] }, 'invalid_idempotency_key');
  if (Array.isArray(raw)) throw problem('Send one Idempotency-Key header.');
  if (raw.trim() === '') throw problem('Idempotency-Key must not be empty.');
  if (raw.length > IDEMPOTENCY_KEY_MAX_LENGTH) throw problem(`Idempotency-Key must be at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters.`);
  return raw;
}

const isStreamOrBuffer = (body: unknown) => Buffer.isBuffer(body) || (typeof body === 'object' && body !== null && typeof (body as { pipe?: unknown }).pipe === 'function');

/**
 * docs/retries-and-concurrency.md: a POST with an Idempotency-Key runs once per caller and key. Runs after
 * authentication (the key belongs to the user, or to the IP of an anonymous caller) and inside the
 * error handler (whose answer to a thrown 4xx is what gets stored).
 */
export function idempotency(app: AppContext): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || NOT_KEPT.has(ctx.path)) return next();
    const key = keyOf(ctx);
    if (key === undefined) return next();
    const user = ctx.state.user as { id?: number } | undefined;
    const owner = user?.id !== undefined ? `user:${user.id}` : `ip:${ctx.ip}`;
    const claim = await claimIdempotencyKey(app, { owner, key, method: ctx.method, path: ctx.path, body: ctx.request.body ?? null });
    if (claim.outcome === 'replay') {
      const { status, headers, body } = claim.response;
      for (const [name, value] of Object.entries(headers)) ctx.set(name, value);
      if (status === 401) ctx.set('WWW-Authenticate', 'Token');
      ctx.set('Idempotent-Replayed', 'true');
      if (body !== null) ctx.body = body;
      ctx.status = status;
      return;
    }

    ctx.state.idempotency = { claimId: claim.id, resumeBookingId: claim.outcome === 'resume' ? claim.bookingId : null } satisfies IdempotencyState;
    try {
      await next();
    } catch (error) {
      const answer = toHttpError(error);
      if (answer.status >= 500) await releaseIdempotencyKey(app, claim.id);
      else await recordIdempotentResponse(app, claim.id, { status: answer.status, headers: {}, body: answer.body });
      throw error;
    }
    if (ctx.status >= 500 || isStreamOrBuffer(ctx.body)) {
      await releaseIdempotencyKey(app, claim.id);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = ctx.response.get(name);
      if (value) headers[name] = value;
    }
    await recordIdempotentResponse(app, claim.id, { status: ctx.status, headers, body: ctx.body ?? null });
  };
}
