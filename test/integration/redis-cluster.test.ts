import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Cluster } from 'ioredis';
import { aBookablePractitioner, aUser, slot } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { startRedisCluster, redisServerAvailable, type RedisClusterFixture } from '../support/redis-cluster';
import { completedJob, eventually, openQueues, outboxRowsOf, startWorkersInProcess } from '../support/workers';

const ME = '/api/v1/auth/me/';

describe('on a 3-node Redis Cluster, with QUEUE_PREFIX a hash tag (issue 13)', function () {
  this.timeout(90_000);
  let cluster: RedisClusterFixture | undefined;
  let h: Harness;
  let workers: Awaited<ReturnType<typeof startWorkersInProcess>> | undefined;
  let view: ReturnType<typeof openQueues> | undefined;

  before(async function () {
    if (!redisServerAvailable()) {
      console.log('    (skipped: redis-server / redis-cli not found on PATH; install Redis to run the cluster test)');
      this.skip();
    }
    cluster = await startRedisCluster();
    h = await startHarness({
      queues: true,
      env: {
        REDIS_CLUSTER_NODES: cluster.nodesVariable,
        QUEUE_PREFIX: `{test_cluster_${randomBytes(3).toString('hex')}}`,
        RATE_LIMIT_USER_PER_MINUTE: '8',
        LOGIN_FAILURES_PER_15_MINUTES: '3',
      },
    });
    workers = await startWorkersInProcess(h.app);
    view = openQueues(h);
  });
  after(async () => {
    await view?.close();
    await workers?.close();
    await h?.close();
    await cluster?.stop();
  });

  it('when a free session is booked, then the relay hands its jobs to BullMQ and a real worker runs its notification', async () => {
    const target = await aBookablePractitioner(h, { price_cents: 0 });
    const client = await aUser(h, 'client');
    const res = await h.http
      .post('/api/v1/drf/bookings/')
      .set(client.auth)
      .send({ practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot('2030-01-08T10:00:00Z') });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.status).to.equal('confirmed');
    const rows = await outboxRowsOf(h, res.body.id);
    const now = rows.find((r) => r.queue === 'notifications' && r.run_at === null);
    expect(now, JSON.stringify(rows)).to.not.equal(undefined);
    await completedJob(view!, now!, 30_000);
    // The timed ones (start, finish, reminders) are waiting in BullMQ as delayed jobs.
    await eventually(async () => expect((await outboxRowsOf(h, res.body.id)).every((r) => r.dispatched_at !== null)).to.equal(true), 15_000);
  });

  it('when a user passes the per-minute budget or an account fails to log in too often, then 429 as on one Redis', async () => {
    const admin = await aUser(h, 'admin');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await h.http.get(ME).set(admin.auth)).status);
    expect(statuses.filter((s) => s === 200)).to.have.length(8);
    expect(statuses.slice(8)).to.deep.equal([429, 429]);

    for (let i = 0; i < 3; i++) expect((await h.http.post('/api/v1/auth/token/').send({ email: admin.email, password: 'wrong-password' })).status).to.equal(400);
    expect((await h.http.post('/api/v1/auth/token/').send({ email: admin.email, password: 'password123' })).status).to.equal(429);
  });

  it('when a token is revoked, then it is refused at once (the invalidation channel runs on the cluster)', async () => {
    const user = await aUser(h, 'client');
    expect((await h.http.get(ME).set(user.auth)).status).to.equal(200);
    expect((await h.http.delete('/api/v1/auth/token/').set(user.auth)).status).to.equal(204);
    expect((await h.http.get(ME).set(user.auth)).status).to.equal(401);
  });

  it('when the service has written its keys, then every one is under QUEUE_PREFIX and all share one hash slot', async () => {
    const reader = new Cluster(cluster!.nodes);
    try {
      await new Promise<void>((resolve) => reader.once('ready', () => resolve()));
      const keys: string[] = [];
      for (const node of reader.nodes('master')) {
        let cursor = '0';
        do {
          const [next, found] = await node.scan(cursor, 'COUNT', 1000);
          cursor = next;
          keys.push(...found);
        } while (cursor !== '0');
      }
      expect(keys.length).to.be.greaterThan(10);
      expect(keys.filter((k) => !k.startsWith(`${h.config.queuePrefix}:`))).to.deep.equal([]);
      for (const kind of [':rl:user:', ':notifications:', ':lifecycle:']) expect(keys.some((k) => k.includes(kind)), kind).to.equal(true);
      const slots = new Set(await Promise.all(keys.map((k) => reader.cluster('KEYSLOT', k))));
      expect(slots.size).to.equal(1);
    } finally {
      reader.disconnect();
    }
  });
});
