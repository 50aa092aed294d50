import { expect } from 'chai';
import { createAppContext } from '../../src/composition';
import { loadConfig } from '../../src/config';
import { QUEUES } from '../../src/jobs/job-contracts';
import { OutboxRelay } from '../../src/jobs/outbox-relay';
import { startWorkerPool } from '../../src/workers/worker-pool';
import { aBookablePractitioner, aUser, slot, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { completedJob, deleteRedisKeys, eventually, jobOfRow, openQueues, startWorkersInProcess, type OutboxRow } from '../support/workers';

const BOOKINGS = '/api/v1/drf/bookings/';
const HOUR = 3_600_000;
const DOWN_REDIS = 'redis://127.0.0.1:6390';
const REAL_REDIS = loadConfig({}).redisUrl;

const allRows = (h: Harness): Promise<OutboxRow[]> => h.app.db('outbox').orderBy('id').select('id', 'queue', 'job_name', 'payload', 'run_at', 'dispatched_at');

/** `n` free (confirmed) bookings through the API, one per hour from 2030-01-08 08:00 UTC. */
async function bookMany(h: Harness, client: TestUser, n: number): Promise<number[]> {
  const target = await aBookablePractitioner(h, { price_cents: 0 });
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = new Date(Date.parse('2030-01-08T08:00:00Z') + (Math.floor(i / 12) * 24 + (i % 12)) * HOUR);
    const res = await h.http.post(BOOKINGS).set(client.auth).send({ practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot(start) });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    ids.push(res.body.id);
  }
  return ids;
}

/** Every row has exactly one job under its id in Redis, with its name and payload, and Redis holds no other job. */
async function expectEachRowRelayedOnce(h: Harness, view: ReturnType<typeof openQueues>, rows: OutboxRow[]): Promise<void> {
  for (const row of rows) {
    const job = await jobOfRow(view.queues, row);
    expect(job, `job of outbox row ${row.id}`).to.not.equal(undefined);
    expect({ name: job!.name, data: job!.data }).to.deep.equal({ name: row.job_name, data: row.payload });
  }
  let jobs = 0;
  for (const queue of QUEUES) {
    const counts = await view.queues[queue].getJobCounts();
    jobs += Object.values(counts).reduce((a, b) => a + b, 0);
  }
  expect(jobs, 'jobs in Redis').to.equal(rows.length);
}

describe('queues: the outbox relay', () => {
  let h: Harness;
  let client: TestUser;
  let view: ReturnType<typeof openQueues>;

  before(async () => {
    h = await startHarness();
    client = await aUser(h, 'client');
    view = openQueues(h);
  });
  // Each test starts from an empty Redis; its rows count as done, or a relay's start would restore their jobs.
  afterEach(async () => {
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
    await h.app.db('outbox').whereNull('done_at').update({ done_at: h.app.db.fn.now() });
  });
  after(async () => {
    await view?.close();
    await h.close();
  });

  it('when bookings are made while no relay runs, then two relays started together deliver every job exactly once', async () => {
    const ids = await bookMany(h, client, 20);
    const rows = (await allRows(h)).filter((r) => ids.includes(Number(r.payload.bookingId)));
    expect(rows.length).to.be.greaterThan(3 * ids.length); // start, finish, booking_created, reminders
    expect(rows.every((r) => r.dispatched_at === null)).to.equal(true);

    // Two relays with small batches drain at once; SKIP LOCKED gives each row to one of them.
    const relays = [0, 1].map(
      () => new OutboxRelay({ db: h.app.db, databaseUrl: h.config.databaseUrl, queues: view.queues, logger: h.app.logger, clock: h.clock, batchSize: 5 }),
    );
    await Promise.all(relays.map((r) => r.drain()));
    expect(relays[0]!.dispatched + relays[1]!.dispatched, 'rows dispatched by the two relays together').to.equal(rows.length);
    expect((await allRows(h)).filter((r) => r.dispatched_at === null)).to.deep.equal([]);
    await expectEachRowRelayedOnce(h, view, rows);

    // Delivered once: each booking_created job runs once and tells each party once.
    const workers = await startWorkersInProcess(h.app, { queues: ['notifications'], relay: false });
    try {
      const created = rows.filter((r) => r.job_name === 'notify' && r.payload.kind === 'booking_created');
      expect(created).to.have.length(ids.length);
      for (const row of created) expect((await completedJob(view, row)).returnvalue).to.deep.equal({ notified: 2 });
      const notifications = await h.app.db('notifications').whereIn('booking_id', ids).select('booking_id', 'kind');
      expect(notifications).to.have.length(2 * ids.length);
      expect(notifications.every((n) => n.kind === 'booking_created')).to.equal(true);
      // The rows of jobs that ran are done; those still waiting in Redis are not.
      const doneIds = (await h.app.db('outbox').whereNotNull('done_at').select('id')).map((r) => r.id);
      expect(doneIds).to.have.members(created.map((r) => r.id));
    } finally {
      await workers.close();
    }
  });

  it('when another relay holds rows, then a relay skips them instead of waiting, and relays them once they are released', async () => {
    const ids = await bookMany(h, client, 3);
    const rows = (await allRows(h)).filter((r) => ids.includes(Number(r.payload.bookingId)));
    const held = rows.slice(0, 4).map((r) => r.id);
    const relay = new OutboxRelay({ db: h.app.db, databaseUrl: h.config.databaseUrl, queues: view.queues, logger: h.app.logger, clock: h.clock });

    const trx = await h.app.db.transaction();
    try {
      await trx('outbox').whereIn('id', held).forUpdate();
      expect(await relay.relayBatch()).to.equal(rows.length - held.length);
      const pending = (await allRows(h)).filter((r) => r.dispatched_at === null).map((r) => r.id);
      expect(pending).to.deep.equal(held);
    } finally {
      await trx.commit();
    }
    expect(await relay.relayBatch()).to.equal(held.length);
    await expectEachRowRelayedOnce(h, view, rows);
  });

  it('when a job fails for good, then its row is done with the error, and a relay does not bring it back after Redis lost it', async () => {
    const [{ id }] = await h.app.db('outbox').insert({ queue: 'lifecycle', job_name: 'no-such-job', payload: JSON.stringify({}) }).returning('id');
    const relay = new OutboxRelay({ db: h.app.db, databaseUrl: h.config.databaseUrl, queues: view.queues, logger: h.app.logger, clock: h.clock });
    expect(await relay.relayBatch()).to.equal(1);
    // The lifecycle worker alone (no reconciler: its sweep would purge done rows by the harness's 2030 clock).
    const pool = startWorkerPool(h.app, { queues: ['lifecycle'], concurrency: 1 });
    try {
      await eventually(async () => expect(await h.app.db('outbox').where({ id }).first()).to.include({ last_error: 'unknown lifecycle job "no-such-job"' }));
      expect((await h.app.db('outbox').where({ id }).first()).done_at).to.be.an.instanceOf(Date);
      expect(await (await view.queues.lifecycle.getJob(`outbox-${id}`))!.getState()).to.equal('failed');
    } finally {
      await pool.close();
    }
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
    expect(await relay.restoreLostJobs()).to.equal(0);
    expect(await view.queues.lifecycle.getJob(`outbox-${id}`)).to.equal(undefined);
  });

  it('when the relay is started after bookings were made, then it relays them on its own (start, LISTEN and polling)', async () => {
    const ids = await bookMany(h, client, 2);
    const workers = await startWorkersInProcess(h.app, { queues: [], relay: true });
    try {
      await eventually(async () => expect((await allRows(h)).filter((r) => r.dispatched_at === null)).to.deep.equal([]));
      // Woken by NOTIFY (or the poll) for rows written while it runs.
      const more = await bookMany(h, client, 1);
      await eventually(async () => expect((await allRows(h)).filter((r) => r.dispatched_at === null)).to.deep.equal([]));
      const rows = (await allRows(h)).filter((r) => [...ids, ...more].includes(Number(r.payload.bookingId)));
      await expectEachRowRelayedOnce(h, view, rows);
      expect(workers.relay!.dispatched).to.equal(rows.length);
    } finally {
      await workers.close();
    }
  });
});

describe('queues: Redis unreachable', () => {
  let h: Harness;
  let client: TestUser;
  let view: ReturnType<typeof openQueues>;

  before(async () => {
    // The API process's own Redis (dashboard, metrics, readiness) is down too.
    h = await startHarness({ queues: true, env: { REDIS_URL: DOWN_REDIS } });
    client = await aUser(h, 'client');
    view = openQueues({ config: { ...h.config, redisUrl: REAL_REDIS } });
  });
  after(async () => {
    await view?.close();
    await deleteRedisKeys(REAL_REDIS, h.config.queuePrefix);
    await h.close();
  });

  it('when the relay cannot reach Redis, then the API still takes bookings, rows wait undispatched, and a relay that can reach it catches up', async () => {
    // A worker process whose Redis is down: its relay keeps failing, quietly, and does not crash.
    const down = await startWorkersInProcess(h.app, { queues: [], relay: true });
    let ids: number[];
    try {
      ids = await bookMany(h, client, 3);
      await down.relay!.drain(); // one more attempt, on demand: it fails and resolves
      await down.relay!.drain();
      const rows = (await allRows(h)).filter((r) => ids.includes(Number(r.payload.bookingId)));
      expect(rows.length).to.be.greaterThan(0);
      expect(rows.filter((r) => r.dispatched_at !== null)).to.deep.equal([]);
      expect(down.relay!.dispatched).to.equal(0);

      expect((await h.http.get('/healthz')).status).to.equal(200);
      const ready = await h.http.get('/readyz');
      expect(ready.status).to.equal(503);
      expect(ready.body.checks.postgres).to.equal('ok');
      expect(ready.body.checks.redis).to.match(/^unavailable/);
      // Metrics still answer; the outbox lag is what an operator needs to see now.
      const metrics = await h.http.get('/metrics');
      expect(metrics.status, metrics.text).to.equal(200);
      expect(metrics.text).to.match(/^outbox_lag_seconds \d/m);
    } finally {
      await down.close();
    }

    const reachable = createAppContext({ config: { ...h.config, redisUrl: REAL_REDIS }, db: h.app.db, clock: h.clock, logger: h.app.logger });
    const up = await startWorkersInProcess(reachable, { queues: [], relay: true });
    try {
      await eventually(async () => expect((await allRows(h)).filter((r) => r.dispatched_at === null)).to.deep.equal([]));
      await expectEachRowRelayedOnce(h, view, await allRows(h));
    } finally {
      await up.close();
    }
  });
});
