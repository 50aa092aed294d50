import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import supertest from 'supertest';
import { createApi } from '../../src/api/app';
import { createAppContext, type AppContext } from '../../src/app/app-context';
import { loadConfig, type Config } from '../../src/config';
import { fixedClock } from '../../src/platform/clock';
import { createDb } from '../../src/platform/db';
import { createLogger } from '../../src/platform/logger';
import { createTestDatabase, RUN_ID } from './test-db';

/** A Monday, far from any DST change, well in the future of the real clock. */
export const DEFAULT_NOW = new Date('2030-01-07T08:00:00Z');

export interface Harness {
  app: AppContext;
  api: Koa;
  http: ReturnType<typeof supertest>;
  baseUrl: string;
  clock: ReturnType<typeof fixedClock>;
  config: Readonly<Config>;
  close: () => Promise<void>;
}

/** A fresh database (copied from the migrated template), an app with a settable clock, and an HTTP client. */
export async function startHarness(options: { now?: Date; env?: Record<string, string> } = {}): Promise<Harness> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    QUEUE_PREFIX: `test_${RUN_ID}_${randomBytes(3).toString('hex')}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  const db = createDb(config.databaseUrl, { min: 0, max: 20 });
  const clock = fixedClock(options.now ?? DEFAULT_NOW);
  const app = createAppContext({ config, db, clock, logger: createLogger(config.logLevel, 'test') });
  const api = createApi({ app, readiness: [{ name: 'postgres', check: () => db.raw('SELECT 1') }] });
  // A real listening server: concurrent requests really run concurrently.
  const server = http.createServer(api.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    app,
    api,
    http: supertest(baseUrl),
    baseUrl,
    clock,
    config,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await db.destroy();
      await database.drop();
    },
  };
}
