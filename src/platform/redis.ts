import { Redis, type RedisOptions } from 'ioredis';

const OPTIONS: Record<'worker' | 'client' | 'api', RedisOptions> = {
  // BullMQ workers: a blocking command must wait for Redis to come back, not fail.
  worker: { maxRetriesPerRequest: null, enableReadyCheck: false },
  // Producers (the relay): give up after one retry so the relay's transaction never waits long;
  // the offline queue stays on because BullMQ sends its first command before the connection is ready.
  client: { maxRetriesPerRequest: 1, connectTimeout: 2000 },
  // The web process (rate limits, /readyz, /metrics, dashboard): a Redis that hangs must not hang
  // requests, so commands also time out after a second (rate limits then fall back to memory).
  api: { maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 1000 },
};

export function createRedis(url: string, role: 'worker' | 'client' | 'api'): Redis {
  return new Redis(url, { ...OPTIONS[role], lazyConnect: false });
}
