import type { RedisClient } from '../../platform/redis';
import type { Context, Middleware } from 'koa';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { LocalFirstLimiter, type Budget } from './local-first-limiter';
import type { Config } from '../../config';
import { DomainError } from '../../domain/errors';
import type { TokenLookupGuard } from '../auth';

/**
 * A key's counts go to Redis at most this often while far from its limit (docs/security.md#rate-limits): one
 * command per key per interval, not one per request. Most keys are users making a few requests a second, so a
 * shorter interval (50 ms was tried) still cost a Redis command per request; the last tenth of a budget is
 * decided by Redis whatever the interval.
 */
const SYNC_INTERVAL_MS = 1000;

/** How long a request with a good token may wait for its IP's lookups in flight to finish. */
const TOKEN_WAIT_MS = 10_000;

/** Paths never limited: provider webhooks (docs/api-conventions.md#rate-limits) and the probes operators' tools poll. */
const EXEMPT = [/^\/api\/v1\/webhooks\//, /^\/(healthz|readyz|metrics)$/];

function limiter(store: RedisClient | undefined, keyPrefix: string, points: number, durationSeconds: number): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ keyPrefix, points, duration: durationSeconds });
  // Redis is shared by every web instance; when it is unreachable, each instance limits on its own
  // (the insurance limiter) rather than failing requests — at once (rejectIfRedisNotReady), not after
  // each command has waited out the reconnection attempts, which made every request take seconds.
  return store
    ? new RateLimiterRedis({ storeClient: store, keyPrefix, points, duration: durationSeconds, insuranceLimiter: memory, rejectIfRedisNotReady: true })
    : memory;
}

/**
 * The budgets every request meets: decided in this process, counted in Redis in the background
 * (LocalFirstLimiter), so that a request never waits for a Redis round trip.
 */
function hotPathLimiter(store: RedisClient | undefined, keyPrefix: string, points: number, durationSeconds: number): Budget {
  const shared = limiter(store, keyPrefix, points, durationSeconds);
  return store ? new LocalFirstLimiter(shared, points, durationSeconds * 1000, Date.now, SYNC_INTERVAL_MS) : shared;
}

function throttled(res: RateLimiterRes, ctx: Context): DomainError {
  const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  ctx.set('Retry-After', String(seconds));
  return new DomainError('throttled', 'throttled', `Request was throttled. Expected available in ${seconds} seconds.`);
}

const isRejection = (value: unknown): value is RateLimiterRes => value instanceof RateLimiterRes;

/** Takes a point from each key, all or nothing as far as the caller is concerned: 429 if any budget is spent. */
async function consumeOrThrottle(budget: Budget, keys: string[], ctx: Context): Promise<void> {
  const results = await Promise.allSettled(keys.map((key) => budget.consume(key)));
  for (const result of results) {
    if (result.status === 'fulfilled') continue;
    if (isRejection(result.reason)) throw throttled(result.reason, ctx);
    throw result.reason;
  }
}

const giveBack = (budget: Budget, keys: string[]) => Promise.all(keys.map((key) => budget.reward(key).catch(() => undefined)));

export function createRateLimits(config: Readonly<Config>, store: RedisClient | undefined) {
  const prefix = `${config.queuePrefix}:rl`;
  const { anonymousPerMinute, userPerMinute, loginFailuresPer15Minutes } = config.rateLimits;
  const anonymous = hotPathLimiter(store, `${prefix}:anon`, anonymousPerMinute, 60);
  const user = hotPathLimiter(store, `${prefix}:user`, userPerMinute, 60);
  // Logins are slow anyway (a password hash) and guessing must be counted exactly across processes: Redis decides.
  const loginFailures = limiter(store, `${prefix}:login`, loginFailuresPer15Minutes, 15 * 60);
  const tokenAttemptsInFlight = hotPathLimiter(store, `${prefix}:token`, anonymousPerMinute, 60);
  const tokenFailures = hotPathLimiter(store, `${prefix}:token-failed`, anonymousPerMinute, 60);

  /**
   * Takes a point before a token is looked up. When none is left, the IP is throttled if its budget
   * went on tokens that failed; if it went only on lookups still running (a burst of good tokens), this
   * waits for them — they give their points back as they succeed — instead of refusing a good token.
   */
  async function reserveTokenLookup(key: string, ctx: Context): Promise<void> {
    const deadline = Date.now() + TOKEN_WAIT_MS;
    for (;;) {
      try {
        await tokenAttemptsInFlight.consume(key);
        return;
      } catch (rejection) {
        if (!isRejection(rejection)) throw rejection;
        // A refused consume still counted its point: take it back, or waiting would fill the budget itself.
        await tokenAttemptsInFlight.reward(key).catch(() => undefined);
        const failed = (await tokenFailures.get(key))?.consumedPoints ?? 0;
        if (failed >= anonymousPerMinute || Date.now() >= deadline) throw throttled(rejection, ctx);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  /** Per user when authenticated, per IP otherwise. Runs after authentication. */
  const requests: Middleware = async (ctx, next) => {
    if (!EXEMPT.some((re) => re.test(ctx.path))) {
      const userId: number | undefined = ctx.state.user?.id;
      try {
        await (userId ? user.consume(`u${userId}`) : anonymous.consume(ctx.ip));
      } catch (rejection) {
        if (isRejection(rejection)) throw throttled(rejection, ctx);
        throw rejection;
      }
    }
    await next();
  };

  /**
   * Failed logins per account and per IP (each its own budget): once spent, even a right password
   * is refused until the window passes, so guessing is slow. Each attempt takes its point BEFORE the
   * password is checked (a check-then-count let every attempt of a concurrent burst through); a
   * success or an attempt that never reached the check gives it back, and a success clears the
   * account's count.
   */
  const logins: Middleware = async (ctx, next) => {
    const email = String((ctx.request.body as { email?: unknown } | undefined)?.email ?? '').trim().toLowerCase();
    const keys = [`ip:${ctx.ip}`, ...(email ? [`email:${email}`] : [])];
    await consumeOrThrottle(loginFailures, keys, ctx);
    try {
      await next();
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'authentication_failed')) await giveBack(loginFailures, keys);
      throw error;
    }
    await giveBack(loginFailures, [`ip:${ctx.ip}`]);
    if (email) await loginFailures.delete(`email:${email}`).catch(() => undefined);
  };

  /**
   * Guards each token lookup (a token this process's cache does not know, or a malformed header): it
   * takes a point from its IP's budget before the database is asked, and gets it back once the token
   * proved good. Invalid-token floods are thus limited like anonymous traffic (RATE_LIMIT_ANON_PER_MINUTE
   * per IP, 429 once spent, without a database lookup) and a burst cannot outrun the count, while a
   * burst of good tokens from one IP waits for its own lookups instead of being refused. A token the
   * cache knows costs no lookup and takes no point.
   */
  const tokenLookups: TokenLookupGuard = async (ctx, lookup) => {
    const key = `ip:${ctx.ip}`;
    await reserveTokenLookup(key, ctx);
    let found;
    try {
      found = await lookup();
    } catch (error) {
      // A failed lookup keeps its point and counts as a failure of this IP.
      await tokenFailures.consume(key).catch(() => undefined);
      throw error;
    }
    if (found === null) await tokenFailures.consume(key).catch(() => undefined);
    else await giveBack(tokenAttemptsInFlight, [key]);
    return found;
  };

  return { requests, logins, tokenLookups };
}
