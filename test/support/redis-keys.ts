import { createRedis } from '../../src/platform/redis';

/** Deletes every Redis key under the prefix (SCAN + DEL); returns how many there were. */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = createRedis(redisUrl, 'client');
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** The same, given up after `ms` (a test that pointed Redis at a dead address has nothing to clean). */
export function deleteRedisKeysWithin(redisUrl: string, prefix: string, ms = 3000): Promise<number> {
  return Promise.race([deleteRedisKeys(redisUrl, prefix).catch(() => 0), new Promise<number>((resolve) => setTimeout(() => resolve(0), ms).unref())]);
}
