import { expect } from 'chai';
import { expandComponent } from '../../src/app/bookings/expand-booking';
import { jobIdForFlowChild } from '../../src/jobs/job-contracts';
import { OutboxRelay } from '../../src/jobs/outbox-relay';
import { aBookablePractitioner, aService, aUser, type TestUser } from '../support/builders';
import type { Harness } from '../support/harness';
import { aCourse, BOOKINGS, bought, childRows, expanded, seatsOf } from '../support/parent-fixtures';
import { workerSuite, type QueueView } from '../support/worker-suite';
import { completedJob, eventually, outboxRowsOf, sessionsWaitingOnLocks, spawnWorker, startWorkersInProcess, type OutboxRow } from '../support/workers';

/**
 * The expansion flow itself: what the relay publishes (a BullMQ flow under ids derived from the outbox
 * row), what the component and parent jobs do when the parent moved on, was relayed twice, or when the
 * worker running them dies. Each test starts its own workers (or worker processes) once it holds what
 * it needs; none run in between.
 */
describe('expansion flow: relay, re-delivery, cancel before expansion, SIGKILLed worker process', () => {
  const suite = workerSuite({ env: { RECONCILE_EVERY_MS: '3600000' } });
  let h: Harness;
  let client: TestUser;
  let view: QueueView;
  before(() => ({ h, client, view } = suite));

  const flowRowOf = async (parentId: number): Promise<OutboxRow & { flow_children: unknown[] }> => {
    const rows = (await outboxRowsOf(h, parentId)).filter((r) => r.job_name === 'expand-booking');
    expect(rows, `expand-booking rows of ${parentId}`).to.have.length(1);
    return (await h.app.db('outbox').where({ id: rows[0]!.id }).first()) as OutboxRow & { flow_children: unknown[] };
  };

  /** A package of `quantity` × one 60-minute service, by a fresh practitioner. */
  async function aPackageOf(quantity: number) {
    const { practitioner, service } = await aBookablePractitioner(h);
    const pkg = await aService(h, practitioner, { service_type: 'package', price_cents: 9000, included_services: [{ service_id: service.id, quantity }] });
    return { practitioner, service, pkg };
  }

  /** How many expansion jobs Redis holds, whatever their state. */
  const expansionJobCount = async () => Object.values(await view.queues.expansion.getJobCounts()).reduce((a, b) => a + b, 0);

  it('when a parent is canceled before its expansion ran, then its flow creates no child and the parent holds no seat', async () => {
    const owner = await aUser(h, 'practitioner');
    const { service } = await aCourse(h, owner, ['2030-01-10T10:00:00Z', '2030-01-17T10:00:00Z', '2030-01-24T10:00:00Z']);
    const course = await bought(h, client, 'course', service.id);
    const { pkg } = await aPackageOf(3);
    const pack = await bought(h, client, 'package', pkg.id);
    expect(await seatsOf(h, service.id)).to.deep.equal([1, 1, 1]);

    for (const parent of [course, pack]) {
      const res = await h.http.post(`${BOOKINGS}/${parent.id}/cancel/`).set(client.auth).send({});
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    expect(await seatsOf(h, service.id)).to.deep.equal([0, 0, 0]);

    suite.workers = await startWorkersInProcess(h.app);
    for (const parent of [course, pack]) {
      const row = await flowRowOf(parent.id);
      const job = await completedJob(view, row);
      expect(job.returnvalue).to.deep.equal({ status: 'done', missing: 0 });
      for (let i = 0; i < row.flow_children.length; i++) {
        const child = await view.queues.expansion.getJob(jobIdForFlowChild(row.id, i));
        expect(child?.returnvalue, `component job ${i} of ${parent.id}`).to.deep.equal({ outcome: 'skipped' });
      }
      expect(await childRows(h, parent.id)).to.deep.equal([]);
      expect((await h.app.db('bookings').where({ id: parent.id }).first()).status).to.equal('canceled');
    }
    expect(await seatsOf(h, service.id)).to.deep.equal([0, 0, 0]);
  });

  it('when the same outbox row is relayed twice (before and after its jobs ran), then the flow is added once and no child is created twice', async () => {
    const { pkg, service } = await aPackageOf(3);
    const parent = await bought(h, client, 'package', pkg.id);
    const row = await flowRowOf(parent.id);
    const relay = new OutboxRelay({ db: h.app.db, databaseUrl: h.config.databaseUrl, queues: view.queues, logger: h.app.logger, clock: h.clock });
    const jobsBefore = await expansionJobCount();
    try {
      expect(await relay.relayBatch()).to.be.greaterThan(0);
      expect(await expansionJobCount()).to.equal(jobsBefore + 4); // the parent job and its three component jobs
      // A relay that died between Redis and its commit: the row is relayed again.
      await h.app.db('outbox').where({ id: row.id }).update({ dispatched_at: null });
      expect(await relay.relayBatch()).to.equal(1);
      expect(await expansionJobCount()).to.equal(jobsBefore + 4);

      suite.workers = await startWorkersInProcess(h.app, { relay: false });
      await expanded(h, client, parent.id);
      await h.app.db('outbox').where({ id: row.id }).update({ dispatched_at: null });
      expect(await relay.relayBatch()).to.equal(1);
      expect(await expansionJobCount()).to.equal(jobsBefore + 4);
    } finally {
      await relay.stop();
    }
    // A component job delivered again after it ran finds its child.
    const children = await childRows(h, parent.id);
    expect(await expandComponent(h.app, parent.id, children[0]!.component_key)).to.equal('exists');
    expect((await childRows(h, parent.id)).map((c) => c.component_key).sort()).to.deep.equal([1, 2, 3].map((n) => `service-${service.id}-${n}`));
    expect((await h.app.db('bookings').where({ id: parent.id }).first()).expansion_status).to.equal('done');
  });

  it('when a worker process (--queues expansion) is SIGKILLed in the middle of expanding a 100-item package, then after a new worker retries there are exactly the 100 children and the expansion is done', async () => {
    const { pkg, service } = await aPackageOf(100);
    const parent = await bought(h, client, 'package', pkg.id);
    const row = await flowRowOf(parent.id);

    // A slow first worker (two jobs at a time), fed by a relay in the test process.
    const first = await spawnWorker(h, { queues: ['expansion'], relay: false, env: { WORKER_CONCURRENCY: '2' } });
    suite.workers = await startWorkersInProcess(h.app, { queues: [], relay: true });
    await eventually(async () => expect((await childRows(h, parent.id)).length, first.output()).to.be.at.least(5), 20_000, 10);

    // Stop it mid-way: the test takes the parent's lock, so the next component jobs wait for it with their transaction open.
    suite.lock = await h.app.db.transaction();
    await suite.lock('bookings').where({ id: parent.id }).forNoKeyUpdate().first();
    await eventually(async () => {
      expect(await sessionsWaitingOnLocks(h)).to.be.at.least(1);
    }, 10_000);
    const before = (await childRows(h, parent.id)).length;
    expect(before, 'killed in the middle').to.be.below(100);

    await suite.killWhileLocked(first);
    // The dead worker's transactions died with its connections: nothing more was written.
    expect((await childRows(h, parent.id)).length).to.equal(before);
    expect((await h.app.db('bookings').where({ id: parent.id }).first()).expansion_status).to.equal('pending');

    const second = await spawnWorker(h, { queues: ['expansion'], relay: false });
    const detail = await expanded(h, client, parent.id, 'done', 30_000).catch((error) => {
      throw new Error(`${error}\n${second.output()}`);
    });
    const children = await childRows(h, parent.id);
    expect(children).to.have.length(100);
    expect(new Set(children.map((c) => c.component_key)).size).to.equal(100);
    expect(children.map((c) => c.component_key).sort()).to.deep.equal(Array.from({ length: 100 }, (_, i) => `service-${service.id}-${i + 1}`).sort());
    expect(children.every((c) => c.status === 'draft' && c.start_time === null)).to.equal(true);
    expect(detail.child_bookings).to.have.length(100);
    expect((await completedJob(view, row, 30_000)).returnvalue).to.deep.equal({ status: 'done', missing: 0 });
  });

  it('when a course is bought, then a worker process started with --queues expansion (and nothing else) expands it', async () => {
    const owner = await aUser(h, 'practitioner');
    const starts = Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(2030, 1, 1 + i, 10)).toISOString());
    const { service, sessions } = await aCourse(h, owner, starts);
    const parent = await bought(h, client, 'course', service.id);
    const worker = await spawnWorker(h, { queues: ['expansion'], relay: false });
    expect(worker.output()).to.contain('workers running: expansion');
    suite.workers = await startWorkersInProcess(h.app, { queues: [], relay: true });
    const detail = await expanded(h, client, parent.id);
    expect(detail.child_bookings.map((c: { service_session_id: number }) => c.service_session_id)).to.deep.equal(sessions.map((s) => s.id));
    expect(await seatsOf(h, service.id)).to.deep.equal(starts.map(() => 1));
    expect((await completedJob(view, await flowRowOf(parent.id))).returnvalue).to.deep.equal({ status: 'done', missing: 0 });
  });
});
