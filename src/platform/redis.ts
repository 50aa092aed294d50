import { Redis, type RedisOptions } from 'ioredis';

/**
 * BullMQ workers need maxRetriesPerRequest: null (a blocking command must wait for Redis to come
 * back, not fail). Producers (the relay, /readyz, /metrics) give up after one retry instead, so
 * nothing waits long on a Redis that is down. The offline queue stays on: BullMQ sends its first
 * command before the connection is ready.
 */
export function createRedis(url: string, role: 'worker' | 'client'): Redis {
  const options: RedisOptions =
    role === 'worker' ? { maxRetriesPerRequest: null, enableReadyCheck: false } : { maxRetriesPerRequest: 1, connectTimeout: 2000 };
  return new Redis(url, { ...options, lazyConnect: false });
}
