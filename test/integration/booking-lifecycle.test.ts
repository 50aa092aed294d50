import { expect } from 'chai';
import { aBooking, slot } from '../support/builders';
import { runScheduledTransition } from '../../src/app/bookings/scheduled-transitions';
import { DEFAULT_NOW, type Harness } from '../support/harness';
import {
  BOOKINGS,
  MINUTE,
  ROLES,
  lifecycleSuite,
  aConfirmedBooking,
  aPendingBooking,
  act,
  detailOf,
  expectError,
  type Cast,
  type Role,
} from '../support/lifecycle-fixtures';

const START = '2030-01-08T10:00:00Z';
const AFTER_START = new Date(Date.parse(START) + 5 * MINUTE);

describe('booking lifecycle: actions', () => {
  const suite = lifecycleSuite();
  const { newCast } = suite;
  let h: Harness;
  before(() => (h = suite.h));

  describe('who may do what', () => {
    interface Scenario {
      /** Makes the booking the action applies to (and moves the clock if the action needs it). */
      arrange: (cast: Cast) => Promise<number>;
      request: (cast: Cast, role: Role, id: number) => Promise<{ status: number; body: Record<string, unknown> }>;
      allowed: Record<Role, 200 | 204 | 403 | 404>;
      /** The status after an allowed request. */
      then?: string;
    }
    const pending = (cast: Cast) => aPendingBooking(h, cast, START).then((b) => b.id);
    const confirmed = (cast: Cast) => aConfirmedBooking(h, cast, START).then((b) => b.id);
    const started = async (cast: Cast) => {
      const id = await confirmed(cast);
      h.clock.set(AFTER_START);
      return id;
    };
    const draft = (cast: Cast) => aBooking(h, cast.client, cast, START, { draft: true }).then((b: { id: number }) => b.id);
    const post = (action: string, body: Record<string, unknown> = {}) => (cast: Cast, role: Role, id: number) => act(h, cast[role], id, action, body);

    const scenarios: Record<string, Scenario> = {
      confirm: {
        arrange: pending,
        request: post('confirm'),
        allowed: { client: 403, practitioner: 200, otherPractitioner: 404, otherClient: 404, admin: 200 },
        then: 'confirmed',
      },
      complete: {
        arrange: started,
        request: post('complete'),
        allowed: { client: 403, practitioner: 200, otherPractitioner: 404, otherClient: 404, admin: 200 },
        then: 'completed',
      },
      'no-show': {
        arrange: started,
        request: post('no-show'),
        allowed: { client: 403, practitioner: 200, otherPractitioner: 404, otherClient: 404, admin: 200 },
        then: 'no_show',
      },
      no_show: {
        arrange: started,
        request: post('no_show'),
        allowed: { client: 403, practitioner: 200, otherPractitioner: 404, otherClient: 404, admin: 200 },
        then: 'no_show',
      },
      cancel: {
        arrange: confirmed,
        request: post('cancel', { reason: 'plans changed' }),
        allowed: { client: 200, practitioner: 200, otherPractitioner: 404, otherClient: 404, admin: 200 },
        then: 'canceled',
      },
      DELETE: {
        arrange: confirmed,
        request: (cast, role, id) => h.http.delete(`${BOOKINGS}/${id}/`).set(cast[role].auth),
        allowed: { client: 204, practitioner: 204, otherPractitioner: 404, otherClient: 404, admin: 204 },
        then: 'canceled',
      },
      reschedule: {
        arrange: confirmed,
        request: post('reschedule', slot('2030-01-08T14:00:00Z')),
        // docs/api-conventions.md#roles: admins may do everything.
        allowed: { client: 200, practitioner: 200, otherPractitioner: 404, otherClient: 404, admin: 200 },
        then: 'confirmed',
      },
      submit: {
        arrange: draft,
        request: post('submit'),
        allowed: { client: 200, practitioner: 403, otherPractitioner: 404, otherClient: 404, admin: 200 },
        then: 'pending_payment',
      },
      'notes (read)': {
        arrange: confirmed,
        request: (cast, role, id) => h.http.get(`${BOOKINGS}/${id}/notes/`).set(cast[role].auth),
        allowed: { client: 200, practitioner: 200, otherPractitioner: 404, otherClient: 404, admin: 200 },
      },
      'notes (write)': {
        arrange: confirmed,
        request: post('notes', { content: 'hello' }),
        allowed: { client: 200, practitioner: 200, otherPractitioner: 404, otherClient: 404, admin: 200 },
      },
    };

    for (const [action, scenario] of Object.entries(scenarios)) {
      for (const role of ROLES) {
        const expected = scenario.allowed[role];
        it(`when ${role === 'client' || role === 'practitioner' ? `the booking's ${role}` : role} asks to ${action}, then ${expected}`, async () => {
          const cast = await newCast();
          const id = await scenario.arrange(cast);
          const before = await detailOf(h, cast.admin, id);
          const res = await scenario.request(cast, role, id);
          const after = await detailOf(h, cast.admin, id);
          if (expected === 403) expectError(res, 403, 'permission_denied');
          else if (expected === 404) expectError(res, 404, 'not_found');
          else if (action.startsWith('notes (write)')) expect(res.status, JSON.stringify(res.body)).to.equal(201);
          else expect(res.status, JSON.stringify(res.body)).to.equal(expected);

          if (expected >= 400) {
            expect(after.status).to.equal(before.status);
            expect(after.status_history).to.deep.equal(before.status_history);
            expect(after.start_time).to.equal(before.start_time);
          } else if (scenario.then) {
            expect(after.status).to.equal(scenario.then);
            if (expected === 200) expect(res.body.status, 'the response is the detail after the move').to.equal(scenario.then);
          }
        });
      }
    }
  });

  describe('confirm', () => {
    it('when the practitioner confirms a pending payment, then it is confirmed and paid, with confirmed_at stamped', async () => {
      const cast = await newCast();
      const booking = await aPendingBooking(h, cast, START);
      h.clock.advance(3 * MINUTE);
      const res = await act(h, cast.practitioner, booking.id, 'confirm', { reason: 'paid cash' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ status: 'confirmed', payment_status: 'paid', confirmed_at: new Date(DEFAULT_NOW.getTime() + 3 * MINUTE).toISOString() });
      expect(res.body.status_history.at(-1)).to.include({ from_status: 'pending_payment', to_status: 'confirmed', actor_role: 'practitioner', reason: 'paid cash' });
    });

    it('when a confirmed booking is confirmed again, then 409 invalid_transition naming its status', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      const res = await act(h, cast.admin, booking.id, 'confirm');
      expectError(res, 409, 'invalid_transition');
      expect(res.body.detail).to.contain('confirmed');
    });

    it('when a client asks to confirm a booking that cannot be confirmed anyway, then still 403 (the role is checked first)', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      expectError(await act(h, cast.client, booking.id, 'confirm'), 403, 'permission_denied');
    });

    it('when the body carries an unknown field, then 400 and nothing moves', async () => {
      const cast = await newCast();
      const booking = await aPendingBooking(h, cast, START);
      const res = await act(h, cast.practitioner, booking.id, 'confirm', { status: 'completed' });
      expect(res.status).to.equal(400);
      expect((await detailOf(h, cast.client, booking.id)).status).to.equal('pending_payment');
    });
  });

  describe('complete and no-show', () => {
    it('when the practitioner completes a booking before it starts, then 409 invalid_transition and it stays confirmed', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      h.clock.set(new Date(Date.parse(START) - MINUTE));
      const res = await act(h, cast.practitioner, booking.id, 'complete');
      expectError(res, 409, 'invalid_transition');
      expect((await detailOf(h, cast.client, booking.id)).status).to.equal('confirmed');
    });

    it('when the practitioner completes a confirmed booking at its start, then it passes through in_progress to completed', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      h.clock.set(new Date(START));
      const res = await act(h, cast.practitioner, booking.id, 'complete');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ status: 'completed', started_at: new Date(START).toISOString(), completed_at: new Date(START).toISOString() });
      const moves = res.body.status_history.map((e: { from_status: string | null; to_status: string }) => [e.from_status, e.to_status]);
      expect(moves).to.deep.equal([
        [null, 'pending_payment'],
        ['pending_payment', 'confirmed'],
        ['confirmed', 'in_progress'],
        ['in_progress', 'completed'],
      ]);
      expect(res.body.status_history.slice(-2).map((e: { actor_id: number }) => e.actor_id)).to.deep.equal([cast.practitioner.id, cast.practitioner.id]);
    });

    it('when a booking is still pending payment after its start, then complete and no-show are 409 invalid_transition', async () => {
      const cast = await newCast();
      const booking = await aPendingBooking(h, cast, START);
      h.clock.set(AFTER_START);
      for (const action of ['complete', 'no-show']) {
        const res = await act(h, cast.practitioner, booking.id, action);
        expectError(res, 409, 'invalid_transition');
        expect(res.body.detail).to.contain('pending_payment');
      }
    });

    it('when a completed booking is marked no-show, then 409 invalid_transition naming completed', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      h.clock.set(AFTER_START);
      expect((await act(h, cast.practitioner, booking.id, 'complete')).status).to.equal(200);
      const res = await act(h, cast.practitioner, booking.id, 'no_show');
      expectError(res, 409, 'invalid_transition');
      expect(res.body.detail).to.contain('completed');
    });

    it('when the lifecycle worker has started the booking, then it cannot be canceled and the practitioner marks it no-show from in_progress', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      h.clock.set(new Date(START));
      expect(await runScheduledTransition(h.app, booking.id, 'start', new Date(START), { status: ['confirmed'] })).to.deep.equal({ outcome: 'applied' });
      const started = await detailOf(h, cast.client, booking.id);
      expect(started).to.include({ status: 'in_progress', started_at: new Date(START).toISOString(), can_be_canceled: false, can_be_rescheduled: false });
      expect(started.status_history.at(-1)).to.include({ from_status: 'confirmed', to_status: 'in_progress', actor_id: null, actor_role: 'system' });

      const cancel = await act(h, cast.client, booking.id, 'cancel');
      expectError(cancel, 409, 'invalid_transition');
      expect(cancel.body.detail).to.contain('in_progress');
      const res = await act(h, cast.practitioner, booking.id, 'no-show');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.status_history.at(-1)).to.include({ from_status: 'in_progress', to_status: 'no_show', actor_role: 'practitioner' });
    });

    it('when the admin marks a started booking no-show, then no_show_at is stamped and it is recorded as the admin', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      h.clock.set(AFTER_START);
      const res = await act(h, cast.admin, booking.id, 'no-show', { reason: 'did not come' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ status: 'no_show', no_show_at: AFTER_START.toISOString() });
      expect(res.body.status_history.at(-1)).to.include({ to_status: 'no_show', actor_id: cast.admin.id, actor_role: 'admin', reason: 'did not come' });
    });
  });

  describe('cancel', () => {
    it('when the client cancels with a reason, then it is canceled by the client with that reason', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      const res = await act(h, cast.client, booking.id, 'cancel', { reason: 'sick' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ status: 'canceled', canceled_by: 'client', cancellation_reason: 'sick', canceled_at: DEFAULT_NOW.toISOString() });
      expect(res.body.status_history.at(-1)).to.include({ from_status: 'confirmed', to_status: 'canceled', actor_id: cast.client.id, actor_role: 'client', reason: 'sick' });
    });

    it('when the practitioner cancels, then canceled_by is practitioner', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      const res = await act(h, cast.practitioner, booking.id, 'cancel');
      expect(res.body).to.include({ status: 'canceled', canceled_by: 'practitioner' });
    });

    it('when a client says canceled_by "practitioner", then 403 and the booking stays confirmed', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      expectError(await act(h, cast.client, booking.id, 'cancel', { canceled_by: 'practitioner' }), 403, 'permission_denied');
      expect((await detailOf(h, cast.client, booking.id)).status).to.equal('confirmed');
    });

    it('when a practitioner says canceled_by "client", then 403', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      expectError(await act(h, cast.practitioner, booking.id, 'cancel', { canceled_by: 'client' }), 403, 'permission_denied');
    });

    it('when a client names their own role, then it is accepted', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      expect((await act(h, cast.client, booking.id, 'cancel', { canceled_by: 'client' })).body).to.include({ canceled_by: 'client' });
    });

    it('when an admin cancels on behalf of the client, then canceled_by is client and the history names the admin', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      const res = await act(h, cast.admin, booking.id, 'cancel', { canceled_by: 'client', reason: 'called support' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ canceled_by: 'client' });
      expect(res.body.status_history.at(-1)).to.include({ actor_id: cast.admin.id, actor_role: 'admin' });
    });

    it('when canceled_by is not a role, then 400 naming canceled_by', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      const res = await act(h, cast.admin, booking.id, 'cancel', { canceled_by: 'robot' });
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.have.property('canceled_by');
    });

    it('when the client DELETEs the booking, then 204 with no body and it is canceled by the client', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      const res = await h.http.delete(`${BOOKINGS}/${booking.id}`).set(cast.client.auth);
      expect(res.status).to.equal(204);
      expect(res.text).to.equal('');
      expect(await detailOf(h, cast.client, booking.id)).to.include({ status: 'canceled', canceled_by: 'client' });
    });

    it('when a canceled booking is canceled or DELETEd again, then 409 invalid_transition naming canceled', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      expect((await act(h, cast.client, booking.id, 'cancel')).status).to.equal(200);
      for (const res of [await act(h, cast.client, booking.id, 'cancel'), await h.http.delete(`${BOOKINGS}/${booking.id}/`).set(cast.client.auth)]) {
        expectError(res, 409, 'invalid_transition');
        expect(res.body.detail).to.contain('canceled');
      }
    });

    it('when a booking is canceled, then its slot is free again for another client', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      expect((await act(h, cast.practitioner, booking.id, 'cancel')).status).to.equal(200);
      await aBooking(h, cast.otherClient, cast, START);
    });

    it('when an unknown or malformed id is acted on, then 404', async () => {
      const cast = await newCast();
      expectError(await act(h, cast.admin, 999_999, 'cancel'), 404, 'not_found');
      expectError(await act(h, cast.admin, 'abc' as unknown as number, 'confirm'), 404, 'not_found');
    });
  });
});
