import { expect } from 'chai';
import { aBooking, slot } from '../support/builders';
import { DEFAULT_NOW, type Harness } from '../support/harness';
import {
  BOOKINGS,
  MINUTE,
  lifecycleSuite,
  aConfirmedBooking,
  act,
  detailOf,
  expectError,
  storedHistory,
  type Cast,
} from '../support/lifecycle-fixtures';

const START = '2030-01-08T10:00:00Z';

// Each request is a real HTTP call to a listening server; Promise.all puts them in flight together,
// so the database's row lock (not the test) decides their order.
describe('booking lifecycle: concurrent requests on one booking', () => {
  const suite = lifecycleSuite();
  const { newCast } = suite;
  let h: Harness;
  before(() => (h = suite.h));
  const statusCodes = (responses: Array<{ status: number }>) => responses.map((r) => r.status).sort();
  const countTo = async (id: number, status: string) => (await storedHistory(h, id)).filter((e) => e.to_status === status).length;

  it('when cancel and complete race on a started confirmed booking, then exactly one wins and the other is told the status it found', async () => {
    for (let round = 0; round < 6; round++) {
      h.clock.set(DEFAULT_NOW);
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      h.clock.set(new Date(Date.parse(START) + 5 * MINUTE));

      // Alternate who is sent first, so both orders get their chance.
      const requests = [() => act(h, cast.client, booking.id, 'cancel', { reason: 'race' }), () => act(h, cast.practitioner, booking.id, 'complete')];
      if (round % 2) requests.reverse();
      const [first, second] = await Promise.all(requests.map((send) => send()));
      const [cancel, complete] = round % 2 ? [second!, first!] : [first!, second!];

      expect(statusCodes([cancel, complete])).to.deep.equal([200, 409]);
      const winner = cancel.status === 200 ? 'canceled' : 'completed';
      const loser = cancel.status === 200 ? complete : cancel;
      expectError(loser, 409, 'invalid_transition');
      expect(loser.body.detail).to.contain(winner);

      const after = await detailOf(h, cast.admin, booking.id);
      expect(after.status).to.equal(winner);
      expect(await countTo(booking.id, 'canceled')).to.equal(winner === 'canceled' ? 1 : 0);
      expect(await countTo(booking.id, 'completed')).to.equal(winner === 'completed' ? 1 : 0);
      expect(after.refund_due_cents).to.equal(winner === 'canceled' ? 0 : null);
    }
  });

  it('when ten cancels of one booking arrive together, then exactly one succeeds, nine get 409 invalid_transition and one canceled row is recorded', async () => {
    const cast = await newCast();
    const booking = await aConfirmedBooking(h, cast, START);
    const senders = [cast.client, cast.practitioner, cast.admin];
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => act(h, senders[i % senders.length]!, booking.id, 'cancel', { reason: `attempt ${i}` })));

    expect(responses.filter((r) => r.status === 200)).to.have.length(1);
    const losers = responses.filter((r) => r.status !== 200);
    expect(losers).to.have.length(9);
    for (const res of losers) {
      expectError(res, 409, 'invalid_transition');
      expect(res.body.detail).to.contain('canceled');
    }
    expect(await countTo(booking.id, 'canceled')).to.equal(1);
    const winner = responses.find((r) => r.status === 200)!;
    const after = await detailOf(h, cast.admin, booking.id);
    expect(after).to.include({ status: 'canceled', canceled_by: winner.body.canceled_by, cancellation_reason: winner.body.cancellation_reason });
  });

  it('when ten DELETEs of one booking arrive together, then exactly one 204 and nine 409', async () => {
    const cast = await newCast();
    const booking = await aConfirmedBooking(h, cast, START);
    const responses = await Promise.all(Array.from({ length: 10 }, () => h.http.delete(`${BOOKINGS}/${booking.id}/`).set(cast.client.auth)));
    expect(statusCodes(responses)).to.deep.equal([204, ...Array<number>(9).fill(409)]);
    expect(await countTo(booking.id, 'canceled')).to.equal(1);
  });

  it('when two reschedules of one booking to two free slots arrive together, then they apply one after the other and the history tells the same story as the booking', async () => {
    const cast = await newCast();
    const booking = await aConfirmedBooking(h, cast, START);
    const targets = [slot('2030-01-08T13:00:00Z'), slot('2030-01-08T16:00:00Z')];
    const responses = await Promise.all(targets.map((t, i) => act(h, i ? cast.practitioner : cast.client, booking.id, 'reschedule', t)));
    for (const res of responses) expect(res.status, JSON.stringify(res.body)).to.equal(200);

    const moves = (await storedHistory(h, booking.id))
      .filter((e) => e.details?.rescheduled)
      .map((e) => e.details.rescheduled as { from: { start_time: string }; to: { start_time: string } });
    expect(moves).to.have.length(2);
    expect(moves[0]!.from.start_time).to.equal(new Date(START).toISOString());
    expect(moves[1]!.from.start_time, 'the second move starts where the first left it').to.equal(moves[0]!.to.start_time);
    expect(moves.map((m) => m.to.start_time)).to.have.members(targets.map((t) => new Date(t.start_time).toISOString()));

    const after = await detailOf(h, cast.admin, booking.id);
    expect(after.start_time).to.equal(moves[1]!.to.start_time);
    // Only the final slot is held: the other target and the original start are free again.
    const freeStarts = [START, ...targets.map((t) => t.start_time)].filter((s) => new Date(s).toISOString() !== after.start_time);
    for (const start of freeStarts) await aBooking(h, cast.otherClient, cast, start);
  });

  it('when a reschedule and another client\'s booking race for one free slot, then exactly one gets it and the other 409 slot_unavailable', async () => {
    for (let round = 0; round < 4; round++) {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      const wanted = slot('2030-01-08T15:00:00Z');
      const [moved, created] = await Promise.all([
        act(h, cast.client, booking.id, 'reschedule', wanted),
        h.http.post(`${BOOKINGS}/`).set(cast.otherClient.auth).send({ practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...wanted }),
      ]);
      expect(statusCodes([moved, created]), JSON.stringify([moved.body, created.body])).to.deep.equal(moved.status === 200 ? [200, 409] : [201, 409]);
      expectError(moved.status === 200 ? created : moved, 409, 'slot_unavailable');
      const after = await detailOf(h, cast.client, booking.id);
      expect(after.start_time).to.equal(moved.status === 200 ? new Date(wanted.start_time).toISOString() : new Date(START).toISOString());
    }
  });

  it('when two submits of one draft arrive together, then one succeeds and the other gets 409 invalid_transition', async () => {
    const cast = await newCast();
    const draft = await aBooking(h, cast.client, cast, START, { draft: true });
    const responses = await Promise.all([act(h, cast.client, draft.id, 'submit'), act(h, cast.client, draft.id, 'submit')]);
    expect(statusCodes(responses)).to.deep.equal([200, 409]);
    expectError(responses.find((r) => r.status === 409)!, 409, 'invalid_transition');
    expect(await countTo(draft.id, 'pending_payment')).to.equal(1);
  });

  it('when confirm and cancel race on a pending booking, then the outcome is one the history explains', async () => {
    const cast = await newCast();
    const booking = await aBooking(h, cast.client, cast, START);
    const [confirm, cancel] = await Promise.all([act(h, cast.practitioner, booking.id, 'confirm'), act(h, cast.client, booking.id, 'cancel')]);
    expect(cancel.status).to.equal(200);
    const history = (await detailOf(h, cast.admin, booking.id)).status_history.map((e: { to_status: string }) => e.to_status);
    if (confirm.status === 200) {
      // Confirmed first (and paid), then canceled by the client well ahead: the full price is due back.
      expect(history).to.deep.equal(['pending_payment', 'confirmed', 'canceled']);
      expect(cancel.body).to.include({ payment_status: 'paid', refund_due_cents: 5000 });
    } else {
      expectError(confirm, 409, 'invalid_transition');
      expect(history).to.deep.equal(['pending_payment', 'canceled']);
      expect(cancel.body).to.include({ payment_status: 'unpaid', refund_due_cents: 0 });
    }
  });

  describe('workshop seats', () => {
    const workshop = async (seats: number): Promise<{ cast: Cast; sessionId: number }> => {
      const cast = await newCast({ service_type: 'workshop', duration_minutes: 90, max_participants: seats });
      const res = await h.http.post(`/api/v1/drf/services/${cast.service.id}/sessions/`).set(cast.practitioner.auth).send({ start_time: '2030-01-10T17:00:00Z' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return { cast, sessionId: res.body.id };
    };
    const seatsTaken = async (cast: Cast, sessionId: number) => {
      const res = await h.http.get(`/api/v1/drf/services/${cast.service.id}/sessions/`).set(cast.client.auth);
      return res.body.results.find((s: { id: number }) => s.id === sessionId).seats_taken as number;
    };

    it('when one seat is canceled ten times at once, then it is given back once', async () => {
      const { cast, sessionId } = await workshop(3);
      const seat = await aBooking(h, cast.client, cast, START, { service_session_id: sessionId, start_time: undefined, end_time: undefined });
      await aBooking(h, cast.otherClient, cast, START, { service_session_id: sessionId, start_time: undefined, end_time: undefined });
      expect(await seatsTaken(cast, sessionId)).to.equal(2);
      const responses = await Promise.all(Array.from({ length: 10 }, () => act(h, cast.client, seat.id, 'cancel')));
      expect(responses.filter((r) => r.status === 200)).to.have.length(1);
      expect(await seatsTaken(cast, sessionId)).to.equal(1);
    });
  });
});
