import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import supertest from 'supertest';
import { createApi } from '../../src/api/app';
import { createAppContext } from '../../src/composition';
import { createDb } from '../../src/platform/db';
import { createLogger } from '../../src/platform/logger';
import { createRedis } from '../../src/platform/redis';
import { aUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';

const ME = '/api/v1/auth/me/';

/** A second web instance on the same database and the same Redis prefix. */
async function anotherWebProcess(h: Harness) {
  const db = createDb(h.config.databaseUrl, { min: 0, max: 2 });
  const redis = createRedis(h.config, 'api');
  const api = createApi({ app: createAppContext({ config: h.config, db, clock: h.clock, logger: createLogger('silent', 'test') }), readiness: [], rateLimitStore: redis });
  const server = http.createServer(api.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    http: supertest(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      redis.disconnect();
      await db.destroy();
    },
  };
}

describe('rate limits shared by web processes, counted in Redis behind the request (issue 13)', () => {
  let h: Harness;
  let reader: Redis;
  before(async () => {
    h = await startHarness({ queues: true, env: { RATE_LIMIT_USER_PER_MINUTE: '8' } });
    reader = new Redis(h.config.redisUrl);
  });
  after(async () => {
    reader.disconnect();
    await h.close();
  });

  it('when two processes serve one user, then together they admit the per-minute budget once Redis has their counts', async () => {
    const web2 = await anotherWebProcess(h);
    try {
      const user = await aUser(h, 'admin'); // made without HTTP: no point taken yet
      const key = `${h.config.queuePrefix}:rl:user:u${user.id}`;
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const web = i % 2 === 0 ? h.http : web2.http;
        statuses.push((await web.get(ME).set(user.auth)).status);
        // Each process sends its points in the background; wait until Redis holds them all.
        const expected = i + 1;
        for (let tries = 0; Number(await reader.get(key)) !== expected && tries < 200; tries++) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(statuses.filter((s) => s === 200), statuses.join(',')).to.have.length(8);
      expect(statuses.slice(8)).to.deep.equal([429, 429, 429, 429]);
    } finally {
      await web2.close();
    }
  });
});
