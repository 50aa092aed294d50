import { expect } from 'chai';
import { offsetClock } from '../../src/platform/clock';
import { aBookablePractitioner, aBooking, type TestUser } from '../support/builders';
import { DEFAULT_NOW, type Harness } from '../support/harness';
import { workerSuite, type QueueView } from '../support/worker-suite';
import {
  bookingRow,
  deleteRedisKeys,
  eventually,
  historyRows,
  jobOfRow,
  outboxRowsOf,
  startWorkersInProcess,
} from '../support/workers';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (iso: string) => new Date(iso);

describe('queues: the reconciler, through the real queue, with an injected now', () => {
  // The job scheduler fires a reconcile job every second; the workers read the harness's fixed clock.
  const suite = workerSuite({ env: { RECONCILE_EVERY_MS: '1000' }, workersForFile: {} });
  let h: Harness;
  let client: TestUser;
  let view: QueueView;
  before(() => ({ h, client, view } = suite));

  /** Waits until the scheduler has run `n` more reconcile jobs to completion. */
  async function reconcileRuns(n: number): Promise<void> {
    const done = async () => (await view.queues.lifecycle.getJobs(['completed'], 0, -1)).filter((j) => j.name === 'reconcile').length;
    const before = await done();
    await eventually(async () => expect(await done()).to.be.at.least(before + n), 15_000);
  }

  it('when bookings are overdue, then the scheduled reconcile job completes, starts and expires them as the system, and nothing earlier', async () => {
    const free = await aBookablePractitioner(h, { price_cents: 0 });
    const free2 = await aBookablePractitioner(h, { price_cents: 0 });
    const paid = await aBookablePractitioner(h);
    const ended = await aBooking(h, client, free, '2030-01-08T10:00:00Z');
    const running = await aBooking(h, client, free2, '2030-01-08T12:00:00Z');
    const unpaid = await aBooking(h, client, paid, '2030-01-08T14:00:00Z');
    expect([ended.status, running.status, unpaid.status]).to.deep.equal(['confirmed', 'confirmed', 'pending_payment']);
    const holdExpiresAt = new Date((await bookingRow(h, unpaid.id)).hold_expires_at as Date);
    expect(holdExpiresAt.getTime()).to.equal(DEFAULT_NOW.getTime() + 15 * MINUTE);

    // Nothing is due yet: reconcile jobs run and change nothing.
    await reconcileRuns(2);
    for (const b of [ended, running, unpaid]) expect((await historyRows(h, b.id)).length, `history of ${b.id}`).to.equal(1);

    // Past the first booking's end, the second's start and the hold.
    h.clock.set(at('2030-01-08T12:30:00Z'));
    await eventually(async () => {
      expect((await bookingRow(h, ended.id)).status).to.equal('completed');
      expect((await bookingRow(h, running.id)).status).to.equal('in_progress');
      expect((await bookingRow(h, unpaid.id)).status).to.equal('canceled');
    }, 15_000);

    const system = { actor_id: null, actor_role: 'system' };
    // One overdue "complete" passes through in_progress: two rows, one reason.
    expect((await historyRows(h, ended.id)).slice(1)).to.deep.equal([
      { from_status: 'confirmed', to_status: 'in_progress', ...system, reason: 'ended at end_time' },
      { from_status: 'in_progress', to_status: 'completed', ...system, reason: 'ended at end_time' },
    ]);
    expect((await historyRows(h, running.id)).slice(1)).to.deep.equal([{ from_status: 'confirmed', to_status: 'in_progress', ...system, reason: 'started at start_time' }]);
    expect((await historyRows(h, unpaid.id)).slice(1)).to.deep.equal([{ from_status: 'pending_payment', to_status: 'canceled', ...system, reason: 'payment_timeout' }]);
    expect(await bookingRow(h, unpaid.id)).to.include({ cancellation_reason: 'payment_timeout', refund_due_cents: 0, canceled_by: 'system', payment_status: 'unpaid' });
    expect(await bookingRow(h, ended.id)).to.deep.include({ completed_at: at('2030-01-08T12:30:00Z') });

    // The one in progress is completed once its end has passed too.
    h.clock.set(at('2030-01-08T13:00:00Z'));
    await eventually(async () => expect((await bookingRow(h, running.id)).status).to.equal('completed'), 15_000);
    expect((await historyRows(h, running.id)).at(-1)).to.deep.equal({ from_status: 'in_progress', to_status: 'completed', ...system, reason: 'ended at end_time' });

    // And later runs leave them alone: each move happened once.
    await reconcileRuns(2);
    expect((await historyRows(h, ended.id)).length).to.equal(3);
    expect((await historyRows(h, running.id)).length).to.equal(3);
    expect((await historyRows(h, unpaid.id)).length).to.equal(2);
  });
});

describe('queues: Redis loses every key of the prefix while the workers are stopped', () => {
  type OffsetClock = ReturnType<typeof offsetClock>;
  // The reconciler runs when workers start (their job scheduler is (re)created then), not again.
  const suite = workerSuite({ clock: offsetClock(), env: { RECONCILE_EVERY_MS: '3600000' }, atStart: (h) => h.clock.set(at('2030-01-07T08:00:00Z')) });
  let h: Harness<OffsetClock>;
  let client: TestUser;
  let view: QueueView;
  before(() => ({ h, client, view } = suite));

  it('when workers start again, then the reconciler and the relay restore what was pending: overdue moves happen, lost jobs are back and run', async () => {
    // Lifecycle workers and the relay only: the notifications relayed wait in Redis, unsent.
    suite.workers = await startWorkersInProcess(h.app, { queues: ['lifecycle'] });
    const overdue = await aBooking(h, client, await aBookablePractitioner(h, { price_cents: 0 }), '2030-01-07T10:00:00Z');
    const unpaid = await aBooking(h, client, await aBookablePractitioner(h), '2030-01-07T14:00:00Z');
    const upcoming = await aBooking(h, client, await aBookablePractitioner(h, { price_cents: 0 }), '2030-01-07T13:00:00Z');
    const bookings = [overdue, unpaid, upcoming];
    await eventually(async () => {
      for (const b of bookings) for (const row of await outboxRowsOf(h, b.id)) expect(row.dispatched_at, `outbox ${row.id}`).to.not.equal(null);
    });
    const upcomingRows = await outboxRowsOf(h, upcoming.id);
    expect(upcomingRows.map((r) => r.job_name)).to.have.members(['start-booking', 'finish-booking', 'notify', 'notify']); // created + 1 h reminder
    await suite.workers.close();
    suite.workers = undefined;

    expect(await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix)).to.be.greaterThan(0);
    for (const row of upcomingRows) expect(await jobOfRow(view.queues, row), `job outbox-${row.id} after the flush`).to.equal(undefined);

    // Time passes: the first booking has ended, the hold has run out, the third starts in an hour (and 3 s).
    h.clock.set(new Date(at('2030-01-07T13:00:00Z').getTime() - HOUR - 3000));
    suite.workers = await startWorkersInProcess(h.app);

    // Overdue: applied by the reconciler.
    await eventually(async () => {
      expect((await bookingRow(h, overdue.id)).status).to.equal('completed');
      expect(await bookingRow(h, unpaid.id)).to.include({ status: 'canceled', cancellation_reason: 'payment_timeout', refund_due_cents: 0 });
    }, 15_000);
    expect((await historyRows(h, overdue.id)).slice(1).map((r) => [r.to_status, r.actor_role])).to.deep.equal([
      ['in_progress', 'system'],
      ['completed', 'system'],
    ]);

    // Lost jobs are in Redis again, under the same ids: the start still an hour away.
    await eventually(async () => {
      for (const row of upcomingRows) expect(await jobOfRow(view.queues, row), `job outbox-${row.id} (${row.job_name})`).to.not.equal(undefined);
    }, 15_000);
    const startRow = upcomingRows.find((r) => r.job_name === 'start-booking')!;
    expect(await (await jobOfRow(view.queues, startRow))!.getState()).to.equal('delayed');
    expect((await bookingRow(h, upcoming.id)).status).to.equal('confirmed');

    // The notifications that were waiting are sent, each once; the upcoming booking's 1 h reminder goes
    // out at its time, while the overdue booking's, restored too late, is dropped.
    const sent = async (booking: { id: number }, kind: string) => Number((await h.app.db('notifications').where({ booking_id: booking.id, kind }).count<{ count: string }[]>({ count: '*' }))[0]!.count);
    await eventually(async () => {
      for (const b of bookings) expect(await sent(b, 'booking_created'), `booking_created of ${b.id}`).to.equal(2);
      expect(await sent(upcoming, 'reminder_1h')).to.equal(2);
    }, 15_000);
    expect(await sent(overdue, 'reminder_1h')).to.equal(0);
    const reminderRow = upcomingRows.find((r) => r.job_name === 'notify' && r.run_at !== null)!;
    const reminder = (await jobOfRow(view.queues, reminderRow))!;
    expect(reminder.processedOn!).to.be.at.least(reminder.timestamp + reminder.opts.delay!);
  });
});
