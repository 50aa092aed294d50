import { Cluster, Redis, type RedisOptions } from 'ioredis';

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

/** A connection to one Redis or to a Redis Cluster: BullMQ, rate-limiter-flexible and pub/sub take either. */
export type RedisClient = Redis | Cluster;

/** Where Redis is: REDIS_URL, or the seed nodes of a cluster (REDIS_CLUSTER_NODES) with REDIS_URL's credentials and TLS. */
export interface RedisTarget {
  redisUrl: string;
  redisClusterNodes: Array<{ host: string; port: number }> | null;
}

/** Credentials and TLS of REDIS_URL, applied to every node of a cluster. */
function nodeOptionsOf(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

export function createRedis(target: string | RedisTarget, role: 'worker' | 'client' | 'api'): RedisClient {
  const { redisUrl, redisClusterNodes } = typeof target === 'string' ? { redisUrl: target, redisClusterNodes: null } : target;
  if (!redisClusterNodes) return new Redis(redisUrl, { ...OPTIONS[role], lazyConnect: false });
  // The ready check is the cluster's (its slots known), not each node's.
  const { enableReadyCheck, ...nodeOptions } = OPTIONS[role];
  return new Cluster(redisClusterNodes, {
    redisOptions: { ...nodeOptions, ...nodeOptionsOf(redisUrl) },
    lazyConnect: false,
    ...(enableReadyCheck === undefined ? {} : { enableReadyCheck }),
  });
}

/**
 * A connection for SUBSCRIBE (a subscribed connection can run no other command). Reconnects forever
 * and re-subscribes by itself (ioredis' autoResubscribe); its owner watches 'ready' to know when.
 */
export function createSubscriber(target: RedisTarget, connectionName?: string): RedisClient {
  const options: RedisOptions = { maxRetriesPerRequest: null, connectTimeout: 2000, ...(connectionName ? { connectionName } : {}) };
  if (!target.redisClusterNodes) return new Redis(target.redisUrl, { ...options, lazyConnect: false });
  return new Cluster(target.redisClusterNodes, { redisOptions: { ...options, ...nodeOptionsOf(target.redisUrl) }, lazyConnect: false });
}
