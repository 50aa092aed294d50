import { expect } from 'chai';
import { aSchedule, aUser, type TestUser } from '../support/builders';
import { DEFAULT_NOW, startHarness, type Harness } from '../support/harness';
import { aCourse, BOOKINGS, bought, buy, childRows, expanded, expectError, footprint, seatsOf } from '../support/parent-fixtures';
import { workersDuring, type QueueView } from '../support/worker-suite';
import { completedJob, deleteRedisKeys, eventually, historyRows, jobOfRow, outboxRowsOf, type OutboxRow } from '../support/workers';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const JAN_10 = '2030-01-10T10:00:00.000Z';
const JAN_17 = '2030-01-17T10:00:00.000Z';
const JAN_24 = '2030-01-24T10:00:00.000Z';

describe('courses: buying, expanding, following and canceling (HTTP, in-process workers)', () => {
  let h: Harness;
  let practitioner: TestUser;
  let client: TestUser;

  const clients = (n: number) => Promise.all(Array.from({ length: n }, () => aUser(h, 'client')));
  /** A course of its own practitioner: sessions of one practitioner may not overlap. */
  async function ownCourse(starts: string[], overrides: Record<string, unknown> = {}) {
    const owner = await aUser(h, 'practitioner');
    return { ...(await aCourse(h, owner, starts, overrides)), practitioner: owner };
  }
  const act = (who: TestUser, id: number, action: string, body: Record<string, unknown> = {}) => h.http.post(`${BOOKINGS}/${id}/${action}/`).set(who.auth).send(body);

  before(async () => {
    // The reconciler's scheduled run is an hour away: only the jobs and calls under test move bookings.
    h = await startHarness({ env: { RECONCILE_EVERY_MS: '3600000' } });
    practitioner = await aUser(h, 'practitioner');
    client = await aUser(h, 'client');
    await aSchedule(h, practitioner);
  });
  after(async () => {
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
    await h.close();
  });

  describe('the purchase, in the request transaction (no worker running)', () => {
    it('when a client buys a course, then a seat in every future session is taken before any worker runs, and the answer is the pending parent spanning those sessions', async () => {
      // A session already past when bought, and sessions created out of start order.
      h.clock.set(new Date('2030-01-01T08:00:00Z'));
      const past = await aCourse(h, await aUser(h, 'practitioner'), ['2030-01-05T10:00:00Z']);
      h.clock.set(DEFAULT_NOW);
      const { service, sessions } = await ownCourse([JAN_24, JAN_10, JAN_17]);
      await h.app.db('service_sessions').where({ id: past.sessions[0]!.id }).update({ service_id: service.id });

      const res = await buy(h, client, 'course', service.id, { client_notes: 'first time' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      // Seats, straight after the 201: nothing but the request has run.
      expect(await seatsOf(h, service.id)).to.deep.equal([0, 1, 1, 1]);
      expect(res.body).to.include({
        booking_type: 'course',
        status: 'pending_payment',
        payment_status: 'unpaid',
        expansion_status: 'pending',
        price_charged_cents: 30000,
        parent_booking_id: null,
        service_session_id: null,
      });
      expect(new Date(res.body.start_time).toISOString()).to.equal(JAN_10);
      expect(new Date(res.body.end_time).toISOString()).to.equal(new Date(new Date(JAN_24).getTime() + HOUR).toISOString());
      expect(res.body.child_bookings).to.deep.equal([]);
      expect(await childRows(h, res.body.id)).to.deep.equal([]);

      // Its plan: one component per future session, in start order, and the flow that will expand it.
      const components = await h.app.db('booking_components').where({ parent_booking_id: res.body.id }).orderBy('position');
      const byStart = [sessions[1]!, sessions[2]!, sessions[0]!];
      expect(components.map((c: { service_session_id: number }) => c.service_session_id)).to.deep.equal(byStart.map((s) => s.id));
      const flow = await h.app.db('outbox').whereRaw(`(payload->>'bookingId')::bigint = ?`, [res.body.id]).where({ job_name: 'expand-booking' });
      expect(flow).to.have.length(1);
      expect(flow[0].flow_children).to.have.length(3);
      expect(flow[0].dispatched_at).to.equal(null);
    });

    it('when one session of the course is full, then 409 session_full and no seat is taken in any session, no booking written', async () => {
      const { service, sessions } = await ownCourse([JAN_10, JAN_17, JAN_24]);
      await h.app.db('service_sessions').where({ id: sessions[1]!.id }).update({ max_participants: 1 });
      await bought(h, client, 'course', service.id);
      expect(await seatsOf(h, service.id)).to.deep.equal([1, 1, 1]);

      const [late] = await clients(1);
      const before = await footprint(h);
      const res = await buy(h, late!, 'course', service.id);
      expectError(res, 409, 'session_full');
      expect(await footprint(h)).to.deep.equal(before);
      expect(await seatsOf(h, service.id)).to.deep.equal([1, 1, 1]);
    });

    it('when a client already holds the course, then a second purchase is 409 already_booked and writes nothing; once canceled, it can be bought again', async () => {
      const { service } = await ownCourse([JAN_10, JAN_17]);
      const first = await bought(h, client, 'course', service.id);
      const before = await footprint(h);
      expectError(await buy(h, client, 'course', service.id), 409, 'already_booked');
      expect(await footprint(h)).to.deep.equal(before);

      expect((await act(client, first.id, 'cancel')).status).to.equal(200);
      expect(await seatsOf(h, service.id)).to.deep.equal([0, 0]);
      await bought(h, client, 'course', service.id);
      expect(await seatsOf(h, service.id)).to.deep.equal([1, 1]);
    });

    it('when a course has no future session, then 400 course_has_no_sessions and nothing is written', async () => {
      const empty = await aCourse(h, practitioner, []);
      h.clock.set(new Date('2030-01-01T08:00:00Z'));
      const past = await aCourse(h, practitioner, ['2030-01-05T10:00:00Z', '2030-01-06T10:00:00Z']);
      h.clock.set(DEFAULT_NOW);
      const before = await footprint(h);
      expectError(await buy(h, client, 'course', empty.service.id), 400, 'course_has_no_sessions');
      expectError(await buy(h, client, 'course', past.service.id), 400, 'course_has_no_sessions');
      expect(await footprint(h)).to.deep.equal(before);
    });

    it('when ten clients race for the last seat of a course, then exactly one gets 201 and the others 409 session_full', async () => {
      const { service } = await ownCourse([JAN_10, JAN_17, JAN_24], { max_participants: 1 });
      const buyers = await clients(10);
      const answers = await Promise.all(buyers.map((b) => buy(h, b, 'course', service.id)));
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses, JSON.stringify(answers.map((r) => r.body))).to.deep.equal([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
      for (const r of answers.filter((a) => a.status === 409)) expect(r.body.code).to.equal('session_full');
      expect(await seatsOf(h, service.id)).to.deep.equal([1, 1, 1]);
      expect(await h.app.db('bookings').where({ service_id: service.id }).pluck('booking_type')).to.deep.equal(['course']);
    });

    it('when many clients buy one course at once, then every answer is 201 or 409 session_full (never a 500), and the seats match the 201s', async () => {
      // Sessions created in reverse start order: the lock order (ids) is not the start order.
      const { service } = await ownCourse([JAN_24, JAN_17, JAN_10, '2030-01-09T10:00:00Z'], { max_participants: 5 });
      const buyers = await clients(14);
      const answers = await Promise.all(buyers.map((b) => buy(h, b, 'course', service.id)));
      expect(answers.filter((r) => r.status === 201), JSON.stringify(answers.map((r) => r.body))).to.have.length(5);
      expect(answers.filter((r) => r.status === 409 && r.body.code === 'session_full')).to.have.length(9);
      expect(await seatsOf(h, service.id)).to.deep.equal([5, 5, 5, 5]);
    });

    it('when many clients each buy two courses at once, then no purchase deadlocks: all 201, every seat counted', async () => {
      // Two courses whose sessions interleave in time and in id.
      const a = await ownCourse([JAN_10], { max_participants: 20 });
      const b = await ownCourse(['2030-01-11T10:00:00Z'], { max_participants: 20 });
      for (const [course, start] of [[a, JAN_17], [b, '2030-01-18T10:00:00Z'], [a, JAN_24], [b, '2030-01-25T10:00:00Z']] as const) {
        const res = await h.http.post(`/api/v1/drf/services/${course.service.id}/sessions/`).set(course.practitioner.auth).send({ start_time: start });
        expect(res.status).to.equal(201);
      }
      const buyers = await clients(10);
      const answers = await Promise.all(buyers.flatMap((c) => [buy(h, c, 'course', a.service.id), buy(h, c, 'course', b.service.id)]));
      expect(answers.map((r) => r.status), JSON.stringify(answers.filter((r) => r.status !== 201).map((r) => r.body))).to.deep.equal(answers.map(() => 201));
      expect(await seatsOf(h, a.service.id)).to.deep.equal([10, 10, 10]);
      expect(await seatsOf(h, b.service.id)).to.deep.equal([10, 10, 10]);
    });
  });

  describe('expansion, confirm, hold expiry and cancel (workers running)', () => {
    const running = workersDuring(() => h);
    let view: QueueView;
    before(() => (view = running.view));
    afterEach(() => h.clock.set(DEFAULT_NOW));

    it('when a course is bought, then within seconds its expansion is done: one group child per session, in start order, priced 0, holding the seats the parent took', async () => {
      const { service, sessions } = await ownCourse([JAN_17, JAN_10, JAN_24]);
      const parent = await bought(h, client, 'course', service.id);
      const detail = await expanded(h, client, parent.id);
      const byStart = [sessions[1]!, sessions[0]!, sessions[2]!];
      expect(detail.expansion_error).to.equal(null);
      expect(detail.child_bookings).to.have.length(3);
      detail.child_bookings.forEach((child: Record<string, unknown>, i: number) => {
        expect(child).to.include({
          booking_type: 'group',
          parent_booking_id: parent.id,
          service_session_id: byStart[i]!.id,
          price_charged_cents: 0,
          payment_status: 'not_required',
          status: 'pending_payment',
        });
        expect(new Date(child.start_time as string).toISOString()).to.equal(byStart[i]!.start_time);
        expect(new Date(child.end_time as string).toISOString()).to.equal(byStart[i]!.end_time);
      });
      // The children took over the parent's seats: still one per session.
      expect(await seatsOf(h, service.id)).to.deep.equal([1, 1, 1]);
      expect(await childRows(h, parent.id)).to.have.length(3);
    });

    it('when the practitioner confirms the course (paid offline), then every child is confirmed in the same request and gets its own start and finish jobs', async () => {
      const { service, practitioner } = await ownCourse([JAN_10, JAN_17]);
      const parent = await bought(h, client, 'course', service.id);
      await expanded(h, client, parent.id);
      const res = await act(practitioner, parent.id, 'confirm');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ status: 'confirmed', payment_status: 'paid' });
      expect(res.body.child_bookings.map((c: { status: string }) => c.status)).to.deep.equal(['confirmed', 'confirmed']);
      expect(res.body.child_bookings.map((c: { payment_status: string }) => c.payment_status)).to.deep.equal(['not_required', 'not_required']);
      for (const child of res.body.child_bookings) {
        const jobs = (await outboxRowsOf(h, child.id)).map((r) => r.job_name);
        expect(jobs).to.include.members(['start-booking', 'finish-booking']);
      }
      // The parent has no session of its own: no start or finish job.
      expect((await outboxRowsOf(h, parent.id)).map((r) => r.job_name)).to.not.include('start-booking');
    });

    it('when the hold of an unpaid course expires, then the expire-hold job cancels the parent and its children and frees every seat', async () => {
      const { service } = await ownCourse([JAN_10, JAN_17, JAN_24]);
      const parent = await bought(h, client, 'course', service.id);
      await expanded(h, client, parent.id);
      expect(await seatsOf(h, service.id)).to.deep.equal([1, 1, 1]);

      const row = (await outboxRowsOf(h, parent.id)).find((r) => r.job_name === 'expire-hold')!;
      expect(row.run_at?.toISOString()).to.equal(new Date(DEFAULT_NOW.getTime() + 15 * MINUTE).toISOString());
      await eventually(async () => expect(await jobOfRow(view.queues, row)).to.not.equal(undefined));
      h.clock.set(new Date(DEFAULT_NOW.getTime() + 16 * MINUTE));
      await (await jobOfRow(view.queues, row))!.promote();
      expect((await completedJob(view, row)).returnvalue).to.deep.equal({ outcome: 'applied' });

      const detail = (await h.http.get(`${BOOKINGS}/${parent.id}/`).set(client.auth)).body;
      expect(detail).to.include({ status: 'canceled', canceled_by: 'system', cancellation_reason: 'payment_timeout', refund_due_cents: 0 });
      expect(detail.child_bookings.map((c: { status: string }) => c.status)).to.deep.equal(['canceled', 'canceled', 'canceled']);
      expect(await seatsOf(h, service.id)).to.deep.equal([0, 0, 0]);
    });

    it('when the client cancels a paid course before the notice, then the refund is the full price, the children are canceled in the same request and the seats are given back', async () => {
      const { service, practitioner } = await ownCourse([JAN_10, JAN_17, JAN_24]);
      const parent = await bought(h, client, 'course', service.id);
      await expanded(h, client, parent.id);
      expect((await act(practitioner, parent.id, 'confirm')).status).to.equal(200);
      const res = await act(client, parent.id, 'cancel', { reason: 'moving away' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ status: 'canceled', canceled_by: 'client', refund_due_cents: 30000 });
      expect(res.body.child_bookings.map((c: { status: string }) => c.status)).to.deep.equal(['canceled', 'canceled', 'canceled']);
      expect(await seatsOf(h, service.id)).to.deep.equal([0, 0, 0]);
      expect((await outboxRowsOf(h, parent.id)).filter((r) => r.job_name === 'refund')).to.have.length(1);
    });

    it('when the client cancels a paid course inside the notice of its first session, then only the sessions outside the notice are refunded', async () => {
      // The first session starts 23 hours from now (notice: 24 hours).
      const { service, practitioner } = await ownCourse(['2030-01-08T07:00:00Z', JAN_17, JAN_24]);
      const parent = await bought(h, client, 'course', service.id);
      await expanded(h, client, parent.id);
      expect((await act(practitioner, parent.id, 'confirm')).status).to.equal(200);
      const res = await act(client, parent.id, 'cancel');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.refund_due_cents).to.equal(20000);
      expect(await seatsOf(h, service.id)).to.deep.equal([0, 0, 0]);
    });

    it('when the client cancels one child of a course alone, then 409 cancel_the_parent and nothing changes', async () => {
      const { service } = await ownCourse([JAN_10, JAN_17]);
      const parent = await bought(h, client, 'course', service.id);
      const detail = await expanded(h, client, parent.id);
      const before = await footprint(h);
      expectError(await act(client, detail.child_bookings[0].id, 'cancel'), 409, 'cancel_the_parent');
      const del = await h.http.delete(`${BOOKINGS}/${detail.child_bookings[0].id}/`).set(client.auth);
      expectError(del, 409, 'cancel_the_parent');
      expect(await footprint(h)).to.deep.equal(before);
    });

    it('when the practitioner cancels one child of a paid course, then that seat is freed and the parent owes back that child’s share, kept when the parent is canceled later', async () => {
      const { service, practitioner } = await ownCourse([JAN_10, JAN_17, JAN_24], { price_cents: 30001 });
      const parent = await bought(h, client, 'course', service.id);
      const detail = await expanded(h, client, parent.id);
      expect((await act(practitioner, parent.id, 'confirm')).status).to.equal(200);

      const res = await act(practitioner, detail.child_bookings[1].id, 'cancel', { reason: 'teacher away' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ status: 'canceled', canceled_by: 'practitioner' });
      expect(await seatsOf(h, service.id)).to.deep.equal([1, 0, 1]);
      const after = (await h.http.get(`${BOOKINGS}/${parent.id}/`).set(client.auth)).body;
      expect(after).to.include({ status: 'confirmed', refund_due_cents: 10000 });
      expect((await outboxRowsOf(h, parent.id)).filter((r) => r.job_name === 'refund')).to.have.length(1);

      // The practitioner cancels the whole course: what is left of it (two of three) is refunded.
      const cancel = await act(practitioner, parent.id, 'cancel');
      expect(cancel.status, JSON.stringify(cancel.body)).to.equal(200);
      expect(cancel.body.refund_due_cents).to.equal(30001);
      expect(await seatsOf(h, service.id)).to.deep.equal([0, 0, 0]);
    });

    it('when buyers and cancelers of one course (sessions created out of start order) run at once, then every answer is 200, 201 or 409, and the seats add up', async () => {
      const { service, practitioner } = await ownCourse([JAN_24, JAN_17, JAN_10, '2030-01-09T10:00:00Z', '2030-01-08T10:00:00Z'], { max_participants: 12 });
      const holders = await clients(6);
      const parents = [];
      for (const holder of holders) parents.push(await bought(h, holder, 'course', service.id));
      for (const [i, parent] of parents.entries()) await expanded(h, holders[i]!, parent.id);
      const newcomers = await clients(6);
      const answers = await Promise.all([
        ...parents.map((p, i) => act(i % 2 ? practitioner : holders[i]!, p.id, 'cancel')),
        ...newcomers.map((c) => buy(h, c, 'course', service.id)),
      ]);
      const unexpected = answers.filter((r) => ![200, 201, 409].includes(r.status));
      expect(unexpected.map((r) => [r.status, r.body])).to.deep.equal([]);
      const sold = answers.filter((r) => r.status === 201).length;
      expect(sold).to.equal(6);
      expect(await seatsOf(h, service.id)).to.deep.equal([6, 6, 6, 6, 6]);
    });
  });

  describe('the parent follows its children (real lifecycle jobs, promoted once the clock has come)', () => {
    const running = workersDuring(() => h);
    let view: QueueView;
    before(() => (view = running.view));
    after(() => h.clock.set(DEFAULT_NOW));

    /** Runs the child's relayed job of that name now (the clock must already be past its time). */
    async function runJob(childId: number, jobName: 'start-booking' | 'finish-booking') {
      const row: OutboxRow = (await outboxRowsOf(h, childId)).filter((r) => r.job_name === jobName).at(-1)!;
      const job = await eventually(async () => {
        const j = await jobOfRow(view.queues, row);
        expect(j, `${jobName} of ${childId}`).to.not.equal(undefined);
        return j!;
      });
      // A job a worker already took (it found it early and put it back, or it is running) needs no promotion.
      await job.promote().catch(async (error: Error) => {
        if ((await job.getState()) === 'delayed') throw error;
      });
      return (await completedJob(view, row)).returnvalue;
    }

    const statusOf = async (id: number) => (await h.app.db('bookings').where({ id }).first()).status as string;

    // Later sessions than the tests above, so their bookings are never due while these run.
    const FEB = ['2030-02-04T10:00:00Z', '2030-02-11T10:00:00Z', '2030-02-18T10:00:00Z'];

    it('when the first child starts, then the parent is in_progress; when every child is completed, then the parent is completed', async () => {
      const { service, practitioner } = await ownCourse(FEB);
      const parent = await bought(h, client, 'course', service.id);
      const children = (await expanded(h, client, parent.id)).child_bookings as Array<{ id: number }>;
      expect((await act(practitioner, parent.id, 'confirm')).status).to.equal(200);

      h.clock.set(new Date(new Date(FEB[0]!).getTime() + MINUTE));
      expect(await runJob(children[0]!.id, 'start-booking')).to.deep.equal({ outcome: 'applied' });
      expect(await statusOf(children[0]!.id)).to.equal('in_progress');
      expect(await statusOf(parent.id)).to.equal('in_progress');
      expect((await historyRows(h, parent.id)).at(-1)).to.include({ from_status: 'confirmed', to_status: 'in_progress', actor_role: 'system', reason: 'first session started' });

      h.clock.set(new Date(new Date(FEB[0]!).getTime() + HOUR + MINUTE));
      await runJob(children[0]!.id, 'finish-booking');
      expect(await statusOf(children[0]!.id)).to.equal('completed');
      expect(await statusOf(parent.id), 'two sessions are left').to.equal('in_progress');

      h.clock.set(new Date(new Date(FEB[2]!).getTime() + HOUR + MINUTE));
      for (const child of children.slice(1)) {
        await runJob(child.id, 'start-booking');
        await runJob(child.id, 'finish-booking');
      }
      expect(await Promise.all(children.map((c) => statusOf(c.id)))).to.deep.equal(['completed', 'completed', 'completed']);
      expect(await statusOf(parent.id)).to.equal('completed');
      expect((await historyRows(h, parent.id)).at(-1)).to.include({ from_status: 'in_progress', to_status: 'completed', actor_role: 'system', reason: 'no session left to run' });
    });

    it('when the practitioner cancels a course mid-way (one child completed, one no-show), then the refund is price × remaining / children, rounded down, and only unfinished children are canceled', async () => {
      const starts = ['2030-03-04T10:00:00Z', '2030-03-05T10:00:00Z', '2030-03-11T10:00:00Z', '2030-03-18T10:00:00Z'];
      const { service, practitioner } = await ownCourse(starts, { price_cents: 30001 });
      h.clock.set(new Date('2030-03-01T08:00:00Z'));
      const parent = await bought(h, client, 'course', service.id);
      const children = (await expanded(h, client, parent.id)).child_bookings as Array<{ id: number }>;
      expect((await act(practitioner, parent.id, 'confirm')).status).to.equal(200);

      h.clock.set(new Date('2030-03-05T10:30:00Z'));
      expect((await act(practitioner, children[0]!.id, 'complete')).status).to.equal(200);
      expect((await act(practitioner, children[1]!.id, 'no_show')).status).to.equal(200);
      expect(await statusOf(parent.id)).to.equal('in_progress');

      const res = await act(practitioner, parent.id, 'cancel', { reason: 'studio closed' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      // 30001 × 2 / 4 = 15000.5 → 15000.
      expect(res.body).to.include({ status: 'canceled', canceled_by: 'practitioner', refund_due_cents: 15000 });
      expect(res.body.child_bookings.map((c: { status: string }) => c.status)).to.deep.equal(['completed', 'no_show', 'canceled', 'canceled']);
      expect(await seatsOf(h, service.id)).to.deep.equal([1, 1, 0, 0]);
    });
  });
});
