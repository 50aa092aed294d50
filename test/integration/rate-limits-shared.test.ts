import { expect } from 'chai';
import { Redis } from 'ioredis';
import { aUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { anotherWebInstance } from '../support/web-instance';

const ME = '/api/v1/auth/me/';

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
    const web2 = await anotherWebInstance(h, { rateLimits: true });
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
