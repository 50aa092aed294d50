import http from 'node:http';
import type { AppContext } from '../app/app-context';
import { closeQueues, createQueues } from '../jobs/queues';
import { createInvalidationChannel } from '../platform/invalidation-channel';
import { createRedis } from '../platform/redis';
import { createApi, tokenInvalidationChannel, type ApiDeps } from './app';

/** Starts the API on the configured port and returns how to stop it (stop accepting, finish in-flight requests). */
export async function startWeb(app: AppContext, options: Pick<ApiDeps, 'without'> = {}): Promise<{ server: http.Server; close: () => Promise<void> }> {
  const redis = createRedis(app.config, 'api');
  redis.on('error', (error) => app.logger.warn({ err: error }, 'redis unavailable'));
  const queues = createQueues(redis, app.config.queuePrefix, app.config.jobRetry);
  const tokenInvalidations = createInvalidationChannel({ target: app.config, publisher: redis, channel: tokenInvalidationChannel(app.config.queuePrefix), logger: app.logger });
  const api = createApi({
    ...options,
    app,
    queues,
    rateLimitStore: redis,
    tokenInvalidations,
    readiness: [
      { name: 'postgres', check: () => app.db.raw('SELECT 1') },
      { name: 'redis', check: () => redis.ping() },
    ],
  });
  const server = http.createServer(api.callback());
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      void tokenInvalidations.close();
      redis.disconnect();
      reject(error);
    });
    server.listen(app.config.port, resolve);
  });
  const close = async () => {
    // Stop accepting, let in-flight requests finish, and close each keep-alive connection as soon as
    // it goes idle (server.close alone would wait for clients to hang up, up to keepAliveTimeout).
    const reaper = setInterval(() => server.closeIdleConnections(), 100);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    clearInterval(reaper);
    await closeQueues(queues);
    await tokenInvalidations.close();
    redis.disconnect();
  };
  return { server, close };
}
