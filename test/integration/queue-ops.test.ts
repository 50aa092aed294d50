import { expect } from 'chai';
import supertest from 'supertest';
import { aBookablePractitioner, aBooking, aUser, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { deleteRedisKeys, eventually, outboxRowsOf, startWorkersInProcess } from '../support/workers';

const DASHBOARD = '/admin/queues';

/** The value of one sample line of a Prometheus text exposition, if present. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',');
    if (wanted.every((w) => have.includes(w))) return Number(match[3]);
  }
  return undefined;
}

describe('queues: operations endpoints (dashboard, metrics, probes)', () => {
  let h: Harness;
  let admin: TestUser;
  let client: TestUser;
  let practitioner: TestUser;

  before(async () => {
    h = await startHarness({ queues: true });
    [admin, client, practitioner] = await Promise.all([aUser(h, 'admin'), aUser(h, 'client'), aUser(h, 'practitioner')]);
  });
  after(async () => {
    await h.close();
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
  });

  describe('the queue dashboard', () => {
    it('when nobody signs in, then 401 with a Token challenge, for the page and its API', async () => {
      for (const path of [DASHBOARD, `${DASHBOARD}/`, `${DASHBOARD}/api/queues`]) {
        const res = await h.http.get(path);
        expect(res.status, path).to.equal(401);
        expect(res.headers['www-authenticate'], path).to.match(/^Token/);
        expect(res.body.code, path).to.be.a('string');
      }
    });

    it('when a client or a practitioner asks, then 403', async () => {
      for (const who of [client, practitioner]) {
        for (const path of [DASHBOARD, `${DASHBOARD}/api/queues`]) {
          const res = await h.http.get(path).set(who.auth);
          expect(res.status, `${who.role} ${path}`).to.equal(403);
          expect(res.body.code).to.equal('permission_denied');
        }
      }
      const pause = await h.http.put(`${DASHBOARD}/api/queues/pause`).set(client.auth);
      expect(pause.status).to.equal(403);
      expect(await h.queues!.lifecycle.isPaused()).to.equal(false);
    });

    it('when an admin asks with a token, then 200: the page, and every queue in its API', async () => {
      const page = await h.http.get(DASHBOARD).set(admin.auth);
      expect(page.status).to.equal(200);
      expect(page.headers['content-type']).to.match(/html/);
      expect(page.text, 'no request leaves for another host (web fonts)').to.not.match(/(href|src)="https?:\/\//);
      const api = await h.http.get(`${DASHBOARD}/api/queues`).set(admin.auth);
      expect(api.status).to.equal(200);
      expect(api.body.queues.map((q: { name: string }) => q.name)).to.have.members(['payments', 'lifecycle', 'expansion', 'notifications', 'webhooks']);
    });

    it('when an admin signed in with a session asks, then 200', async () => {
      const agent = supertest.agent(h.baseUrl);
      const login = await agent.post('/api/v1/auth/login/').send({ email: admin.email, password: 'password123' });
      expect(login.status, JSON.stringify(login.body)).to.equal(200);
      expect((await agent.get(DASHBOARD)).status).to.equal(200);
    });
  });

  describe('probes and metrics', () => {
    it('when Postgres and Redis are up, then /healthz and /readyz are 200 and /readyz names both ok', async () => {
      const health = await h.http.get('/healthz');
      expect(health.status).to.equal(200);
      const ready = await h.http.get('/readyz');
      expect(ready.status).to.equal(200);
      expect(ready.body).to.deep.equal({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
    });

    it('when jobs wait and run, then /metrics shows HTTP latency by route, queue depth, jobs completed per queue and the outbox lag', async () => {
      const target = await aBookablePractitioner(h, { price_cents: 0 });
      const booking = await aBooking(h, client, target, '2030-01-08T10:00:00Z');
      await h.http.get(`/api/v1/drf/bookings/${booking.id}/`).set(client.auth);

      // The rows wait for a relay: the lag is visible (the clock is the harness's fixed one, so only "> 0").
      let text = (await h.http.get('/metrics')).text;
      expect(sample(text, 'outbox_lag_seconds')).to.be.greaterThan(0);
      expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/drf/bookings/:id/', status: '200' })).to.be.at.least(1);

      const workers = await startWorkersInProcess(h.app, { queues: ['notifications'] });
      try {
        await eventually(async () => {
          for (const row of await outboxRowsOf(h, booking.id)) expect(row.dispatched_at).to.not.equal(null);
          const res = await h.http.get('/metrics');
          expect(res.status).to.equal(200);
          text = res.text;
          expect(sample(text, 'bullmq_jobs_processed_total', { queue: 'notifications', result: 'completed' })).to.equal(1);
        }, 15_000);
      } finally {
        await workers.close();
      }
      expect(sample(text, 'outbox_lag_seconds')).to.equal(0);
      // start and finish wait as delayed jobs; the booking_created notification ran.
      expect(sample(text, 'bullmq_queue_jobs', { queue: 'lifecycle', state: 'delayed' })).to.equal(2);
      expect(sample(text, 'bullmq_queue_jobs', { queue: 'notifications', state: 'completed' })).to.be.at.least(1);
      expect(sample(text, 'bullmq_queue_jobs', { queue: 'payments', state: 'waiting' })).to.equal(0);
      expect(text).to.match(/^# TYPE http_request_duration_seconds histogram$/m);
    });
  });
});
