import http from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import { validatingClient } from './openapi-responses';
import { createApi, tokenInvalidationChannel } from '../../src/api/app';
import { createAppContext } from '../../src/composition';
import type { Config } from '../../src/config';
import type { Clock } from '../../src/platform/clock';
import { createDb } from '../../src/platform/db';
import { createInvalidationChannel } from '../../src/platform/invalidation-channel';
import { createLogger } from '../../src/platform/logger';
import { createRedis } from '../../src/platform/redis';
import type { Harness } from './harness';

export interface WebInstanceOptions {
  /** Redis for the rate limits, shared with the harness's instance (default: none, each counts alone). */
  rateLimits?: boolean;
  /** Subscribe to the token invalidations (default: no channel, so no token cache). */
  tokenInvalidations?: boolean;
  /** Another REDIS_URL for this instance (a Redis that is down, say). */
  redisUrl?: string;
}

/**
 * A second web process on the harness's database and Redis prefix, as another instance behind the
 * load balancer would be: its own pool, its own Redis connections and caches.
 */
export async function anotherWebInstance(h: Pick<Harness<Clock>, 'config' | 'clock'>, options: WebInstanceOptions = {}) {
  const config: Readonly<Config> = { ...h.config, redisUrl: options.redisUrl ?? h.config.redisUrl };
  const db = createDb(config.databaseUrl, { min: 0, max: 2 });
  const logger = createLogger('silent', 'test');
  const redis = options.rateLimits || options.tokenInvalidations ? createRedis(config, 'api') : undefined;
  redis?.on('error', () => undefined);
  const channel =
    redis && options.tokenInvalidations ? createInvalidationChannel({ target: config, publisher: redis, channel: tokenInvalidationChannel(config.queuePrefix), logger }) : undefined;
  const api = createApi({ app: createAppContext({ config, db, clock: h.clock, logger }), readiness: [], rateLimitStore: options.rateLimits ? redis : undefined, tokenInvalidations: channel });
  const server = http.createServer(api.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    http: validatingClient(supertest(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
    db,
    /** Whether its token cache hears invalidations (it caches only then). */
    subscribed: () => channel?.isLive() ?? false,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await channel?.close();
      redis?.disconnect();
      await db.destroy();
    },
  };
}
