import { Redis, type RedisOptions } from 'ioredis';

/**
 * BullMQ workers need maxRetriesPerRequest: null (a blocking command must wait for Redis to come
 * back, not fail); producers and the API fail fast instead so a request never hangs on Redis.
 */
export function createRedis(url: string, role: 'worker' | 'client'): Redis {
  const options: RedisOptions =
    role === 'worker' ? { maxRetriesPerRequest: null, enableReadyCheck: false } : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 };
  return new Redis(url, { ...options, lazyConnect: false });
}
