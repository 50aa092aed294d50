import type { Redis } from 'ioredis';
import type { Context, Middleware } from 'koa';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../../config';
import { DomainError } from '../../domain/errors';

/** Paths never limited: provider webhooks (CONTRACT §4) and the probes operators' tools poll. */
const EXEMPT = [/^\/api\/v1\/webhooks\//, /^\/(healthz|readyz|metrics)$/];

function limiter(store: Redis | undefined, keyPrefix: string, points: number, durationSeconds: number): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ keyPrefix, points, duration: durationSeconds });
  // Redis is shared by every web instance; when it is unreachable, each instance limits on its own
  // (the insurance limiter) rather than failing requests — at once (rejectIfRedisNotReady), not after
  // each command has waited out the reconnection attempts, which made every request take seconds.
  return store
    ? new RateLimiterRedis({ storeClient: store, keyPrefix, points, duration: durationSeconds, insuranceLimiter: memory, rejectIfRedisNotReady: true })
    : memory;
}

function throttled(res: RateLimiterRes, ctx: Context): DomainError {
  const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  ctx.set('Retry-After', String(seconds));
  return new DomainError('throttled', 'throttled', `Request was throttled. Expected available in ${seconds} seconds.`);
}

const isRejection = (value: unknown): value is RateLimiterRes => value instanceof RateLimiterRes;

export function createRateLimits(config: Readonly<Config>, store: Redis | undefined) {
  const prefix = `${config.queuePrefix}:rl`;
  const { anonymousPerMinute, userPerMinute, loginFailuresPer15Minutes } = config.rateLimits;
  const anonymous = limiter(store, `${prefix}:anon`, anonymousPerMinute, 60);
  const user = limiter(store, `${prefix}:user`, userPerMinute, 60);
  const loginFailures = limiter(store, `${prefix}:login`, loginFailuresPer15Minutes, 15 * 60);

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
   * is refused until the window passes, so guessing is slow. A success clears the account's count.
   */
  const logins: Middleware = async (ctx, next) => {
    const email = String((ctx.request.body as { email?: unknown } | undefined)?.email ?? '').trim().toLowerCase();
    const keys = [`ip:${ctx.ip}`, ...(email ? [`email:${email}`] : [])];
    for (const key of keys) {
      const spent = await loginFailures.get(key);
      if (spent && spent.remainingPoints <= 0) throw throttled(spent, ctx);
    }
    try {
      await next();
      if (email) await loginFailures.delete(`email:${email}`);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'authentication_failed') {
        await Promise.all(keys.map((key) => loginFailures.consume(key).catch(() => undefined)));
      }
      throw error;
    }
  };

  return { requests, logins };
}
