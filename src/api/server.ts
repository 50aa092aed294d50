import http from 'node:http';
import type { AppContext } from '../app/app-context';
import { closeQueues, createQueues } from '../jobs/queues';
import { createRedis } from '../platform/redis';
import { createApi } from './app';

/** Starts the API on the configured port and returns how to stop it (stop accepting, finish in-flight requests). */
export async function startWeb(app: AppContext): Promise<{ server: http.Server; close: () => Promise<void> }> {
  const redis = createRedis(app.config.redisUrl, 'client');
  redis.on('error', (error) => app.logger.warn({ err: error }, 'redis unavailable'));
  const queues = createQueues(redis, app.config.queuePrefix);
  const api = createApi({
    app,
    queues,
    rateLimitStore: redis,
    readiness: [
      { name: 'postgres', check: () => app.db.raw('SELECT 1') },
      { name: 'redis', check: () => redis.ping() },
    ],
  });
  const server = http.createServer(api.callback());
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(app.config.port, resolve));
  const close = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await closeQueues(queues);
    redis.disconnect();
  };
  return { server, close };
}
