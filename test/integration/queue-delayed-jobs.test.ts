import type { Job } from 'bullmq';
import { expect } from 'chai';
import { offsetClock } from '../../src/platform/clock';
import { aBookablePractitioner, aBooking, slot, type TestUser } from '../support/builders';
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
  spawnWorker,
  startWorkersInProcess,
  zoneAtNoon,
  type OutboxRow,
} from '../support/workers';

type OffsetClock = ReturnType<typeof offsetClock>;
const BOOKINGS = '/api/v1/drf/bookings';
const HOUR = 3_600_000;
/** How far ahead of "now" the bookings of these tests start: long enough to cancel or move them first. */
const LEAD_MS = 3000;

/** The one outbox row of that job name for the booking (the last, when a reschedule recorded it again). */
async function rowOf(h: Harness<OffsetClock>, bookingId: number, jobName: string, which: 'first' | 'last' = 'first'): Promise<OutboxRow> {
  const rows = (await outboxRowsOf(h, bookingId)).filter((r) => r.job_name === jobName);
  expect(rows.length, `${jobName} rows of booking ${bookingId}`).to.be.greaterThan(0);
  return which === 'first' ? rows[0]! : rows.at(-1)!;
}

/**
 * The job was relayed as a delayed job and BullMQ, in real time, held it back until `start` by the
 * app's clock (an offset clock: real time shifted). (How soon after: the callers' timeouts bound it.)
 */
function expectHeldBackUntil(job: Job, start: Date, clock: OffsetClock): void {
  const offset = clock.now().getTime() - Date.now();
  expect(job.opts.delay, 'relayed with a delay').to.be.greaterThan(0);
  expect(job.processedOn! - job.timestamp).to.be.at.least(job.opts.delay!);
  expect(job.processedOn! + offset, 'ran once the start had come').to.be.at.least(start.getTime());
}

describe('queues: delayed lifecycle jobs (real BullMQ, in-process workers sharing an offset clock)', () => {
  // The reconciler runs once at start (nothing is due) and then not again: these jobs must do the work.
  const suite = workerSuite({
    clock: offsetClock(),
    env: { RECONCILE_EVERY_MS: '3600000' },
    atStart: (h) => h.clock.set(new Date('2030-01-07T08:00:00Z')),
    workersForFile: {},
  });
  let h: Harness<OffsetClock>;
  let client: TestUser;
  let view: QueueView;
  before(() => ({ h, client, view } = suite));

  /** A free (so confirmed) booking at `start`, made when the app's clock reads start − LEAD_MS. */
  async function aConfirmedBookingSoon(start: Date) {
    const target = await aBookablePractitioner(h, { price_cents: 0 });
    h.clock.set(new Date(start.getTime() - LEAD_MS));
    const booking = await aBooking(h, client, target, start);
    expect(booking.status).to.equal('confirmed');
    return { id: booking.id as number, practitioner: target.practitioner };
  }

  const jobOf = async (row: OutboxRow) => {
    const job = await jobOfRow(view.queues, row);
    expect(job, `job outbox-${row.id} (${row.job_name})`).to.not.equal(undefined);
    return job!;
  };

  /** Waits until the job has run to completion; returns it as read then (with its return value). */
  const completedResult = (row: OutboxRow, timeoutMs = 15_000) => completedJob(view, row, timeoutMs);

  it('when a confirmed booking reaches its start, then the real delayed start job moves it to in_progress, with the system as actor', async () => {
    const start = new Date('2030-01-07T10:00:00Z');
    const booking = await aConfirmedBookingSoon(start);
    const startRow = await rowOf(h, booking.id, 'start-booking');
    expect(startRow.run_at?.toISOString()).to.equal(start.toISOString());

    await eventually(async () => expect((await bookingRow(h, booking.id)).status).to.equal('in_progress'), 15_000);

    const job = await completedResult(startRow);
    expect(job.returnvalue).to.deep.equal({ outcome: 'applied' });
    expectHeldBackUntil(job, start, h.clock);
    expect(((await bookingRow(h, booking.id)).started_at as Date).getTime()).to.be.at.least(start.getTime());
    expect((await historyRows(h, booking.id)).at(-1)).to.deep.equal({
      from_status: 'confirmed',
      to_status: 'in_progress',
      actor_id: null,
      actor_role: 'system',
      reason: 'started at start_time',
    });
  });

  it('when a booking is canceled before its start, then its old start and finish jobs run and change nothing', async () => {
    const start = new Date('2030-01-08T10:00:00Z');
    const booking = await aConfirmedBookingSoon(start);
    const res = await h.http.post(`${BOOKINGS}/${booking.id}/cancel/`).set(client.auth).send({ reason: 'cannot come' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const historyAfterCancel = await historyRows(h, booking.id);

    // The start job fires at the old start, in real time, and finds the booking canceled.
    const startJob = await completedResult(await rowOf(h, booking.id, 'start-booking'));
    expect(startJob.returnvalue).to.include({ outcome: 'skipped' });

    // The finish job is an hour away: run it now, with the clock past the old end.
    const finishRow = await rowOf(h, booking.id, 'finish-booking');
    h.clock.set(new Date(start.getTime() + HOUR + 1000));
    await (await jobOf(finishRow)).promote();
    expect((await completedResult(finishRow)).returnvalue).to.include({ outcome: 'skipped' });

    const after = await bookingRow(h, booking.id);
    expect(after).to.include({ status: 'canceled', started_at: null, completed_at: null });
    expect(await historyRows(h, booking.id)).to.deep.equal(historyAfterCancel);
  });

  it('when a booking is rescheduled before its start, then the old jobs change nothing and new jobs at the new times move it', async () => {
    const start = new Date('2030-01-09T10:00:00Z');
    const moved = new Date('2030-01-09T14:00:00Z');
    const booking = await aConfirmedBookingSoon(start);
    // Seconds before the start only the practitioner may move it (a client is inside the notice window).
    const res = await h.http.post(`${BOOKINGS}/${booking.id}/reschedule/`).set(booking.practitioner.auth).send(slot(moved));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);

    // The old start job fires at the old start and finds the booking moved.
    const oldStart = await rowOf(h, booking.id, 'start-booking', 'first');
    expect(oldStart.run_at?.toISOString()).to.equal(start.toISOString());
    expect((await completedResult(oldStart)).returnvalue).to.include({ outcome: 'skipped' });
    expect(await bookingRow(h, booking.id)).to.include({ status: 'confirmed', started_at: null });

    // The reschedule recorded new start and finish jobs for the new times, relayed as delayed jobs.
    const newStart = await rowOf(h, booking.id, 'start-booking', 'last');
    const newFinish = await rowOf(h, booking.id, 'finish-booking', 'last');
    expect(newStart.id).to.not.equal(oldStart.id);
    expect(newStart.run_at?.toISOString()).to.equal(moved.toISOString());
    expect(newStart.payload).to.deep.equal({ bookingId: booking.id, startTime: moved.toISOString() });
    expect(newFinish.run_at?.toISOString()).to.equal(new Date(moved.getTime() + HOUR).toISOString());
    await eventually(async () => expect(await (await jobOf(newStart)).getState()).to.equal('delayed'));
    // Its real delay ends when the app's clock reads the new start.
    const relayed = await jobOf(newStart);
    const offset = h.clock.now().getTime() - Date.now();
    expect(relayed.timestamp + relayed.opts.delay! + offset).to.be.closeTo(moved.getTime(), 2000);

    // Hours pass (the clock moves; each job is run when its time has come).
    const oldFinish = await rowOf(h, booking.id, 'finish-booking', 'first');
    h.clock.set(new Date(start.getTime() + HOUR + 1000));
    await (await jobOf(oldFinish)).promote();
    expect((await completedResult(oldFinish)).returnvalue).to.include({ outcome: 'skipped' });
    expect((await bookingRow(h, booking.id)).status).to.equal('confirmed');

    h.clock.set(new Date(moved.getTime() + 1000));
    await (await jobOf(newStart)).promote();
    expect((await completedResult(newStart)).returnvalue).to.deep.equal({ outcome: 'applied' });
    expect((await bookingRow(h, booking.id)).status).to.equal('in_progress');

    h.clock.set(new Date(moved.getTime() + HOUR + 1000));
    await (await jobOf(newFinish)).promote();
    expect((await completedResult(newFinish)).returnvalue).to.deep.equal({ outcome: 'applied' });

    const history = await historyRows(h, booking.id);
    expect(history.map((r) => [r.from_status, r.to_status, r.actor_role])).to.deep.equal([
      [null, 'confirmed', 'client'],
      ['confirmed', 'confirmed', 'practitioner'],
      ['confirmed', 'in_progress', 'system'],
      ['in_progress', 'completed', 'system'],
    ]);
    expect(await bookingRow(h, booking.id)).to.include({ status: 'completed' });
  });
});

describe('queues: delayed start job handled by a real worker process', () => {
  const suite = workerSuite({ clock: offsetClock() });
  let h: Harness<OffsetClock>;
  let client: TestUser;
  let view: QueueView;
  before(() => ({ h, client, view } = suite));

  it('when the start comes, then the worker process (its own, real clock) runs the delayed job and the booking is in_progress', async () => {
    // The worker process reads the real clock and a start must be on a whole minute: the booking
    // starts at the last whole minute of real time, booked when the app's clock read LEAD_MS before
    // it. The relay (here, on the app's clock) gives the job a real delay of about LEAD_MS, so
    // nobody waits for the next minute.
    const start = lastWholeMinute(new Date());
    const target = await aBookablePractitioner(h, { price_cents: 0 }, { timezone: zoneAtNoon(start) });
    const worker = await spawnWorker(h, { relay: false });
    // Its reconciler ran once at start (next in an hour): wait for it, so the delayed job alone acts.
    await eventually(async () => expect((await view.queues.lifecycle.getJobCounts('completed')).completed).to.equal(1), 15_000);
    suite.workers = await startWorkersInProcess(h.app, { queues: [], relay: true });

    h.clock.set(new Date(start.getTime() - LEAD_MS));
    const booking = await aBooking(h, client, target, start);
    expect(booking.status).to.equal('confirmed');
    const startRow = await rowOf(h, booking.id, 'start-booking');

    await eventually(async () => expect((await bookingRow(h, booking.id)).status, worker.output()).to.equal('in_progress'), 20_000);
    const job = await completedJob(view, startRow);
    expect(job.returnvalue).to.deep.equal({ outcome: 'applied' });
    expectHeldBackUntil(job, start, h.clock);
    expect((await historyRows(h, booking.id)).at(-1)).to.include({ from_status: 'confirmed', to_status: 'in_progress', actor_role: 'system', actor_id: null });

    worker.kill('SIGTERM');
    expect(await worker.exited, worker.output()).to.deep.equal({ code: 0, signal: null });
  });
});
