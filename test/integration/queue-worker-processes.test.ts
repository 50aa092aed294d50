import { expect } from 'chai';
import type { Knex } from 'knex';
import { offsetClock } from '../../src/platform/clock';
import { aBookablePractitioner, aBooking, type TestUser } from '../support/builders';
import type { Harness } from '../support/harness';
import { workerSuite, type QueueView } from '../support/worker-suite';
import {
  bookingRow,
  completedJob,
  eventually,
  historyRows,
  jobOfRow,
  lastWholeMinute,
  outboxRowsOf,
  sessionsWaitingOnLocks,
  spawnWorker,
  startWorkersInProcess,
  zoneAtNoon,
  type OutboxRow,
  type SpawnedWorker,
} from '../support/workers';

type OffsetClock = ReturnType<typeof offsetClock>;

/**
 * Real worker processes (`node src/workers/main.ts`, WORKER_LOCK_MS=2000, no relay) read the real
 * clock, so the bookings here start at the last whole minute of real time (booked while the app's
 * clock read a little before it): their start jobs are due as soon as they are relayed. The relay runs
 * in the test process, started only once the test holds what it needs.
 */
describe('queues: real worker processes (crash, drain)', () => {
  const suite = workerSuite({ clock: offsetClock() });
  let h: Harness<OffsetClock>;
  let client: TestUser;
  let view: QueueView;
  before(() => ({ h, client, view } = suite));

  /**
   * A worker process, once the reconciler has run: the first process's job scheduler runs it at once,
   * and its next turn is an hour away, so only the jobs under test act on the bookings.
   */
  async function aWorkerProcess(): Promise<SpawnedWorker> {
    const worker = await spawnWorker(h, { relay: false });
    await eventually(async () => expect((await view.queues.lifecycle.getJobs(['completed'])).filter((j) => j.name === 'reconcile')).to.have.length(1), 15_000);
    return worker;
  }

  /** A confirmed booking whose start (a whole minute) has just passed in real time; its start-booking row. */
  async function aBookingJustStarted(): Promise<{ id: number; startRow: OutboxRow }> {
    const start = lastWholeMinute(new Date());
    const target = await aBookablePractitioner(h, { price_cents: 0 }, { timezone: zoneAtNoon(start) });
    h.clock.set(new Date(start.getTime() - 1000));
    const booking = await aBooking(h, client, target, start);
    expect(booking.status).to.equal('confirmed');
    h.clock.setOffset(0);
    const startRow = (await outboxRowsOf(h, booking.id)).find((r) => r.job_name === 'start-booking')!;
    return { id: booking.id, startRow };
  }

  /**
   * Holds the booking's row lock from the test, as a long transaction would. NO KEY UPDATE blocks the
   * start job's FOR UPDATE but not the notification's foreign-key check on the row.
   */
  async function lockBooking(id: number): Promise<Knex.Transaction> {
    const trx = await h.app.db.transaction();
    await trx('bookings').where({ id }).forNoKeyUpdate().first();
    return trx;
  }

  /** Until the job is active in BullMQ and its transaction waits on the row lock in Postgres. */
  async function blockedOnTheLock(row: OutboxRow): Promise<void> {
    await eventually(async () => {
      expect(await (await jobOfRow(view.queues, row))?.getState()).to.equal('active');
      expect(await sessionsWaitingOnLocks(h)).to.equal(1);
    }, 15_000);
  }

  const startMoves = async (id: number) => (await historyRows(h, id)).filter((r) => r.from_status === 'confirmed' && r.to_status === 'in_progress');

  it('when a worker process is SIGKILLed in the middle of a job, then another picks the stalled job up and applies it exactly once', async () => {
    const first = await aWorkerProcess();
    const booking = await aBookingJustStarted();
    suite.lock = await lockBooking(booking.id);
    suite.workers = await startWorkersInProcess(h.app, { queues: [], relay: true });
    await blockedOnTheLock(booking.startRow);

    await suite.killWhileLocked(first);
    // The dead worker's transaction died with its connection: nothing moved.
    expect((await bookingRow(h, booking.id)).status).to.equal('confirmed');

    const second = await aWorkerProcess();
    await eventually(async () => expect((await bookingRow(h, booking.id)).status, second.output()).to.equal('in_progress'), 20_000);
    const done = await completedJob(view, booking.startRow);
    expect(done.returnvalue).to.deep.equal({ outcome: 'applied' });
    expect(done.stalledCounter, 'recovered as a stalled job').to.equal(1);
    expect(await startMoves(booking.id)).to.have.length(1);
    expect((await startMoves(booking.id))[0]).to.include({ actor_role: 'system', actor_id: null });
  });

  it('when an idle worker process gets SIGTERM, then it exits 0 within a few seconds', async () => {
    const worker = await spawnWorker(h); // with its relay
    const sent = Date.now();
    worker.kill('SIGTERM');
    expect(await worker.exited, worker.output()).to.deep.equal({ code: 0, signal: null });
    expect(Date.now() - sent).to.be.below(5000);
  });

  it('when a busy worker process gets SIGTERM, then it finishes the running job before it exits 0', async () => {
    const worker = await aWorkerProcess();
    const booking = await aBookingJustStarted();
    suite.lock = await lockBooking(booking.id);
    suite.workers = await startWorkersInProcess(h.app, { queues: [], relay: true });
    await blockedOnTheLock(booking.startRow);

    worker.kill('SIGTERM');
    let exited = false;
    void worker.exited.then(() => (exited = true));
    // Draining: it does not quit while its job waits for the lock.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(exited, worker.output()).to.equal(false);
    await suite.lock.commit();
    suite.lock = undefined;

    expect(await worker.exited, worker.output()).to.deep.equal({ code: 0, signal: null });
    expect((await bookingRow(h, booking.id)).status).to.equal('in_progress');
    const job = await completedJob(view, booking.startRow);
    expect(job.returnvalue).to.deep.equal({ outcome: 'applied' });
    expect(await startMoves(booking.id)).to.have.length(1);
  });
});
