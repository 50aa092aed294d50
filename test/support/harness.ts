import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import supertest from 'supertest';
import { createApi, tokenInvalidationChannel } from '../../src/api/app';
import type { AppContext } from '../../src/app/app-context';
import { createAppContext } from '../../src/composition';
import { loadConfig, type Config } from '../../src/config';
import { closeQueues, createQueues, type Queues } from '../../src/jobs/queues';
import { fixedClock, type Clock } from '../../src/platform/clock';
import { createDb } from '../../src/platform/db';
import { createLogger } from '../../src/platform/logger';
import { createInvalidationChannel } from '../../src/platform/invalidation-channel';
import { createRedis } from '../../src/platform/redis';
import { validatingClient } from './openapi-responses';
import { deleteRedisKeysWithin } from './redis-keys';
import { createTestDatabase, RUN_ID } from './test-db';

/** A Monday, far from any DST change, well in the future of the real clock. */
export const DEFAULT_NOW = new Date('2030-01-07T08:00:00Z');

export type FixedClock = ReturnType<typeof fixedClock>;

export interface Harness<C extends Clock = FixedClock> {
  app: AppContext;
  api: Koa;
  http: ReturnType<typeof supertest>;
  baseUrl: string;
  clock: C;
  config: Readonly<Config>;
  /** The API's BullMQ queues, when started with `queues: true`. */
  queues?: Queues;
  close: () => Promise<void>;
}

export interface HarnessOptions<C extends Clock> {
  now?: Date;
  env?: Record<string, string>;
  /** Any clock (e.g. offsetClock, for tests where real BullMQ delays must agree with the app's time); default fixedClock(now). */
  clock?: C;
  /** Give the API queues on `REDIS_URL` (as src/api/server.ts does): /admin/queues, queue metrics and a Redis readiness check. */
  queues?: boolean;
}

/** A fresh database (copied from the migrated template), an app with a settable clock, and an HTTP client. */
export async function startHarness<C extends Clock = FixedClock>(options: HarnessOptions<C> = {}): Promise<Harness<C>> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    QUEUE_PREFIX: `test_${RUN_ID}_${randomBytes(3).toString('hex')}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Suites register many users from one IP; the rate-limit tests set their own, low limits.
    RATE_LIMIT_ANON_PER_MINUTE: '1000000',
    RATE_LIMIT_USER_PER_MINUTE: '1000000',
    LOGIN_FAILURES_PER_15_MINUTES: '1000000',
    // Suites make many unpaid bookings per client; unpaid-holds.test.ts tests the cap with its default.
    MAX_UNPAID_HOLDS_PER_PRACTITIONER: '1000',
    ...options.env,
  });
  const db = createDb(config.databaseUrl, { min: 0, max: 20 });
  const clock = options.clock ?? (fixedClock(options.now ?? DEFAULT_NOW) as Clock as C);
  const app = createAppContext({ config, db, clock, logger: createLogger(config.logLevel, 'test') });
  // Always there for the token cache's invalidations (as in src/api/server.ts); queues and limits only when asked.
  const redis = createRedis(config, 'client');
  // A test may point the API at a Redis that is down: that must show in /readyz, not crash the run.
  redis.on('error', () => undefined);
  const queues = options.queues ? createQueues(redis, config.queuePrefix, config.jobRetry) : undefined;
  const readiness = [{ name: 'postgres', check: () => db.raw('SELECT 1') }, ...(options.queues ? [{ name: 'redis', check: () => redis.ping() }] : [])];
  const tokenInvalidations = createInvalidationChannel({ target: config, publisher: redis, channel: tokenInvalidationChannel(config.queuePrefix), logger: app.logger });
  const api = createApi({ app, readiness, queues, rateLimitStore: options.queues ? redis : undefined, tokenInvalidations });
  // A real listening server: concurrent requests really run concurrently.
  const server = http.createServer(api.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    app,
    api,
    // Every answer is checked against the OpenAPI document (test/support/openapi-responses.ts).
    http: validatingClient(supertest(baseUrl)),
    baseUrl,
    clock,
    config,
    queues,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      if (queues) await closeQueues(queues);
      await tokenInvalidations.close();
      redis.disconnect();
      await db.destroy();
      await database.drop();
      // Each file leaves nothing behind in Redis either: queues, limits, metrics (its own prefix only).
      await deleteRedisKeysWithin(config.redisUrl, config.queuePrefix);
    },
  };
}
