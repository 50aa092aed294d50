import { expect } from 'chai';
import { Redis } from 'ioredis';
import { aUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';

describe('rate limits (CONTRACT §4)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      queues: true,
      env: { RATE_LIMIT_ANON_PER_MINUTE: '5', RATE_LIMIT_USER_PER_MINUTE: '8', LOGIN_FAILURES_PER_15_MINUTES: '3' },
    });
  });
  after(() => h.close());

  it('when an account fails to log in too often, then even the right password is throttled with 429 and Retry-After', async () => {
    const user = await aUser(h, 'admin');
    for (let i = 0; i < 3; i++) {
      const res = await h.http.post('/api/v1/auth/token/').send({ email: user.email, password: 'wrong-password' });
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('authentication_failed');
    }
    const res = await h.http.post('/api/v1/auth/token/').send({ email: user.email, password: 'password123' });
    expect(res.status).to.equal(429);
    expect(res.body.code).to.equal('throttled');
    expect(res.body.detail).to.match(/throttled/);
    expect(Number(res.headers['retry-after'])).to.be.greaterThan(0);
  });

  it('when an authenticated user exceeds the per-minute budget, then 429; webhooks and probes are never limited', async () => {
    const user = await aUser(h, 'admin');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await h.http.get('/api/v1/auth/me/').set(user.auth)).status);
    expect(statuses.filter((s) => s === 200)).to.have.length(8);
    expect(statuses.slice(8)).to.deep.equal([429, 429]);
    for (let i = 0; i < 10; i++) expect((await h.http.get('/healthz')).status).to.equal(200);
    const webhook = await h.http.post('/api/v1/webhooks/payments/').send({ id: 'evt_x', type: 'x', data: { object: {} } });
    expect(webhook.body.code).to.equal('invalid_signature');
  });

  it('when limits are counted, then their Redis keys live under QUEUE_PREFIX', async () => {
    const client = new Redis(h.config.redisUrl);
    try {
      const keys = await client.keys(`${h.config.queuePrefix}:rl:*`);
      expect(keys.length).to.be.greaterThan(0);
    } finally {
      client.disconnect();
    }
  });
});
