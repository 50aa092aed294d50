import { expect } from 'chai';
import { Redis } from 'ioredis';
import { aUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';

describe('rate limits (docs/api-conventions.md#rate-limits)', () => {
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

/** `n` copies of a request, all in flight at once; the statuses, in no particular order. */
async function statusesOfConcurrent(n: number, send: (i: number) => PromiseLike<{ status: number }>): Promise<number[]> {
  return (await Promise.all(Array.from({ length: n }, (_, i) => send(i)))).map((res) => res.status);
}

const countOf = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

/** Waits until the API's Redis is connected, so that every counted request is counted in Redis (not in the fallback memory). */
async function untilRedisIsReady(h: Harness): Promise<void> {
  expect((await h.http.get('/readyz')).status).to.equal(200);
}

/** What a platform router sends: whatever the client claimed, then the address it saw. */
const via = (clientIp: string, claimed?: string) => ({ 'X-Forwarded-For': claimed ? `${claimed}, ${clientIp}` : clientIp });

describe('login throttle under concurrency (issue 10, item 10)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ queues: true, env: { TRUST_PROXY: '1', LOGIN_FAILURES_PER_15_MINUTES: '10' } });
    await untilRedisIsReady(h);
  });
  after(() => h.close());

  describe('failed logins', () => {
    it('when 120 wrong passwords for one account arrive at once from one IP, then only 10 reach the password check and the rest are 429 throttled', async () => {
      const user = await aUser(h, 'client');
      const statuses = await statusesOfConcurrent(120, () =>
        h.http.post('/api/v1/auth/token/').set(via('198.51.100.10')).send({ email: user.email, password: 'wrong-password' }),
      );
      expect(countOf(statuses, 400), statuses.join(',')).to.equal(10);
      expect(countOf(statuses, 429)).to.equal(110);
      const right = await h.http.post('/api/v1/auth/token/').set(via('198.51.100.11')).send({ email: user.email, password: 'password123' });
      expect(right.status).to.equal(429);
      expect(right.body.code).to.equal('throttled');
    });

    it('when 120 wrong passwords for one account arrive at once from 120 IPs, then the account budget still lets only 10 through', async () => {
      const user = await aUser(h, 'client');
      const statuses = await statusesOfConcurrent(120, (i) =>
        h.http.post('/api/v1/auth/token/').set(via(`198.51.101.${i + 1}`)).send({ email: user.email, password: 'wrong-password' }),
      );
      expect(countOf(statuses, 400), statuses.join(',')).to.equal(10);
      expect(countOf(statuses, 429)).to.equal(110);
    });

    it('when logins succeed, then they do not spend the budget of failures', async () => {
      const user = await aUser(h, 'client');
      for (let i = 0; i < 15; i++) {
        const res = await h.http.post('/api/v1/auth/token/').set(via('198.51.100.20')).send({ email: user.email, password: 'password123' });
        expect(res.status, `login ${i + 1}`).to.equal(200);
      }
      const wrong = await h.http.post('/api/v1/auth/token/').set(via('198.51.100.20')).send({ email: user.email, password: 'wrong-password' });
      expect(wrong.status).to.equal(400);
    });

    it('when the login body is invalid, then the attempt is a 400 that costs no budget', async () => {
      const user = await aUser(h, 'client');
      for (let i = 0; i < 12; i++) {
        const res = await h.http.post('/api/v1/auth/token/').set(via('198.51.100.21')).send({ email: user.email });
        expect(res.status).to.equal(400);
        expect(res.body.errors).to.have.property('password');
      }
      const right = await h.http.post('/api/v1/auth/token/').set(via('198.51.100.21')).send({ email: user.email, password: 'password123' });
      expect(right.status).to.equal(200);
    });
  });

});

describe('per-IP limits behind one proxy hop (TRUST_PROXY=1)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ queues: true, env: { TRUST_PROXY: '1', RATE_LIMIT_ANON_PER_MINUTE: '5', RATE_LIMIT_USER_PER_MINUTE: '1000000' } });
    await untilRedisIsReady(h);
  });
  after(() => h.close());

  describe('client IP (issue 10, item 11)', () => {
    it('when clients vary the left-most X-Forwarded-For entry, then they are still counted by the address the proxy appended', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await h.http.get('/api/v1/auth/me/').set(via('203.0.113.7', `10.0.0.${i + 1}`))).status);
      expect(statuses).to.deep.equal([401, 401, 401, 401, 401, 429, 429]);
      const neighbour = await h.http.get('/api/v1/auth/me/').set(via('203.0.113.8', '10.0.0.1'));
      expect(neighbour.status, 'another client behind the same proxy has its own budget').to.equal(401);
    });
  });

  describe('invalid tokens (issue 10, item 12)', () => {
    it('when one IP keeps sending invalid tokens, then after the anonymous budget the answer is 429 throttled', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        statuses.push((await h.http.get('/api/v1/auth/me/').set(via('203.0.113.20')).set('Authorization', `Token ${'0'.repeat(39)}${i}`)).status);
      }
      expect(statuses).to.deep.equal([401, 401, 401, 401, 401, 429, 429]);
      const throttled = await h.http.get('/api/v1/auth/me/').set(via('203.0.113.20')).set('Authorization', 'Token nope');
      expect(throttled.body).to.include({ code: 'throttled' });
      expect(Number(throttled.headers['retry-after'])).to.be.greaterThan(0);
    });

    it('when 50 invalid tokens arrive at once from one IP, then only the budget (5) is looked up and the rest are 429', async () => {
      const statuses = await statusesOfConcurrent(50, (i) =>
        h.http.get('/api/v1/drf/bookings/').set(via('203.0.113.21')).set('Authorization', `Token ${String(i).padStart(40, 'f')}`),
      );
      expect(countOf(statuses, 401), statuses.join(',')).to.equal(5);
      expect(countOf(statuses, 429)).to.equal(45);
    });

    it('when a valid token is used far more often than the anonymous budget, then it is never counted as a failure', async () => {
      const user = await aUser(h, 'admin'); // made without HTTP: the anonymous budget stays whole
      const statuses = await statusesOfConcurrent(20, () => h.http.get('/api/v1/auth/me/').set(via('203.0.113.22')).set(user.auth));
      expect(statuses).to.deep.equal(Array(20).fill(200));
      const bad = await h.http.get('/api/v1/auth/me/').set(via('203.0.113.22')).set('Authorization', 'Token nope');
      expect(bad.status).to.equal(401);
    });

    it('when an IP has spent its lookups on invalid tokens, then a token this process knows is still accepted (it costs no lookup), and an unknown good one waits its turn', async () => {
      const known = await aUser(h, 'client');
      expect((await h.http.get('/api/v1/auth/me/').set(via('203.0.113.23')).set(known.auth)).status).to.equal(200);
      for (let i = 0; i < 5; i++) await h.http.get('/api/v1/auth/me/').set(via('203.0.113.23')).set('Authorization', `Token ${String(i).padStart(40, 'e')}`);
      expect((await h.http.get('/api/v1/auth/me/').set(via('203.0.113.23')).set('Authorization', 'Token nope')).status).to.equal(429);
      expect((await h.http.get('/api/v1/auth/me/').set(via('203.0.113.23')).set(known.auth)).status).to.equal(200);
      const unknown = await aUser(h, 'client');
      expect((await h.http.get('/api/v1/auth/me/').set(via('203.0.113.23')).set(unknown.auth)).status).to.equal(429);
    });
  });
});

describe('client IP with TRUST_PROXY off and with two hops (issue 10, item 11)', () => {
  it('when TRUST_PROXY is off, then X-Forwarded-For is ignored and the socket address is counted', async () => {
    const h = await startHarness({ queues: true, env: { RATE_LIMIT_ANON_PER_MINUTE: '2' } });
    try {
      await untilRedisIsReady(h);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await h.http.get('/api/v1/auth/me/').set('X-Forwarded-For', `192.0.2.${i + 1}`)).status);
      expect(statuses).to.deep.equal([401, 401, 429, 429]);
    } finally {
      await h.close();
    }
  });

  it('when TRUST_PROXY=2, then the address two hops from the right is counted, whatever comes before it', async () => {
    const h = await startHarness({ queues: true, env: { TRUST_PROXY: '2', RATE_LIMIT_ANON_PER_MINUTE: '2' } });
    try {
      await untilRedisIsReady(h);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await h.http.get('/api/v1/auth/me/').set('X-Forwarded-For', `10.9.9.${i + 1}, 203.0.113.30, 172.16.0.${i + 1}`)).status);
      }
      expect(statuses).to.deep.equal([401, 401, 429, 429]);
      const other = await h.http.get('/api/v1/auth/me/').set('X-Forwarded-For', '10.9.9.1, 203.0.113.31, 172.16.0.1');
      expect(other.status).to.equal(401);
    } finally {
      await h.close();
    }
  });
});
