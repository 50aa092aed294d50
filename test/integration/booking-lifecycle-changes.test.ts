import { expect } from 'chai';
import { aBooking, aSchedule, slot } from '../support/builders';
import { DEFAULT_NOW, type Harness } from '../support/harness';
import {
  BOOKINGS,
  MINUTE,
  lifecycleSuite,
  aConfirmedBooking,
  aPendingBooking,
  act,
  detailOf,
  expectError,
  storedHistory,
  type Cast,
} from '../support/lifecycle-fixtures';

const START = '2030-01-08T10:00:00Z';
const END = '2030-01-08T11:00:00.000Z';

describe('booking lifecycle: reschedule, submit, notes, workshop seats', () => {
  const suite = lifecycleSuite();
  const { newCast } = suite;
  let h: Harness;
  before(() => (h = suite.h));

  describe('reschedule', () => {
    /** What must not change when a reschedule is refused. */
    const snapshot = async (cast: Cast, id: number) => {
      const { start_time, end_time, status, status_history } = await detailOf(h, cast.admin, id);
      return { start_time, end_time, status, status_history };
    };

    it('when the client moves a confirmed booking to a free slot, then it has the new times, stays confirmed and the history keeps the old ones', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      h.clock.advance(5 * MINUTE);
      const res = await act(h, cast.client, booking.id, 'reschedule', { ...slot('2030-01-08T15:00:00Z'), reason: 'train delayed' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ status: 'confirmed', start_time: '2030-01-08T15:00:00.000Z', end_time: '2030-01-08T16:00:00.000Z' });
      expect(res.body.status_history.at(-1)).to.deep.equal({
        from_status: 'confirmed',
        to_status: 'confirmed',
        actor_id: cast.client.id,
        actor_role: 'client',
        reason: 'train delayed',
        details: {
          rescheduled: { from: { start_time: '2030-01-08T10:00:00.000Z', end_time: END }, to: { start_time: '2030-01-08T15:00:00.000Z', end_time: '2030-01-08T16:00:00.000Z' } },
        },
        created_at: new Date(DEFAULT_NOW.getTime() + 5 * MINUTE).toISOString(),
      });
      const stored = await storedHistory(h, booking.id);
      expect(stored.at(-1)!.details).to.deep.equal({
        rescheduled: { from: { start_time: '2030-01-08T10:00:00.000Z', end_time: END }, to: { start_time: '2030-01-08T15:00:00.000Z', end_time: '2030-01-08T16:00:00.000Z' } },
      });
    });

    it('when a booking is moved, then its old slot is free for others and its new one is not', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      expect((await act(h, cast.client, booking.id, 'reschedule', slot('2030-01-08T15:00:00Z'))).status).to.equal(200);
      await aBooking(h, cast.otherClient, cast, START);
      const clash = await h.http
        .post(`${BOOKINGS}/`)
        .set(cast.otherClient.auth)
        .send({ practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot('2030-01-08T15:30:00Z') });
      expectError(clash, 409, 'slot_unavailable');
    });

    it('when the practitioner moves it, then the history names the practitioner', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      const res = await act(h, cast.practitioner, booking.id, 'reschedule', slot('2030-01-09T09:00:00Z'));
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.status_history.at(-1)).to.include({ actor_id: cast.practitioner.id, actor_role: 'practitioner', reason: 'rescheduled' });
    });

    it('when the new slot overlaps the booking\'s own current time, then it is allowed (the booking does not block itself)', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      const res = await act(h, cast.client, booking.id, 'reschedule', slot('2030-01-08T10:30:00Z'));
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.start_time).to.equal('2030-01-08T10:30:00.000Z');
    });

    it('when a pending-payment booking is moved, then it stays pending payment at the new time', async () => {
      const cast = await newCast();
      const booking = await aPendingBooking(h, cast, START);
      const res = await act(h, cast.client, booking.id, 'reschedule', slot('2030-01-08T12:00:00Z'));
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ status: 'pending_payment', start_time: '2030-01-08T12:00:00.000Z' });
    });

    it('when the new slot lasts differently, then 400 duration_mismatch and nothing changes', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      const before = await snapshot(cast, booking.id);
      const res = await act(h, cast.client, booking.id, 'reschedule', slot('2030-01-08T15:00:00Z', 90));
      expectError(res, 400, 'duration_mismatch');
      expect(res.body.errors).to.have.property('end_time');
      expect(await snapshot(cast, booking.id)).to.deep.equal(before);
    });

    it('when the new slot is taken by another active booking, then 409 slot_unavailable and nothing changes', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      await aBooking(h, cast.otherClient, cast, '2030-01-08T15:00:00Z');
      const before = await snapshot(cast, booking.id);
      const res = await act(h, cast.client, booking.id, 'reschedule', slot('2030-01-08T15:30:00Z'));
      expectError(res, 409, 'slot_unavailable');
      expect(res.body.detail).to.match(/^Time slot not available/);
      expect(await snapshot(cast, booking.id)).to.deep.equal(before);
    });

    it('when the new slot is inside the practitioner\'s buffer after another booking, then 409 slot_unavailable', async () => {
      const cast = await newCast();
      await aSchedule(h, cast.practitioner, { buffer_minutes: 15 });
      const booking = await aConfirmedBooking(h, cast, START);
      await aBooking(h, cast.otherClient, cast, '2030-01-08T14:00:00Z');
      expectError(await act(h, cast.client, booking.id, 'reschedule', slot('2030-01-08T15:05:00Z')), 409, 'slot_unavailable');
      expect((await act(h, cast.client, booking.id, 'reschedule', slot('2030-01-08T15:15:00Z'))).status).to.equal(200);
    });

    it('when the new slot is outside working hours, then 409 slot_unavailable and nothing changes', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      const before = await snapshot(cast, booking.id);
      expectError(await act(h, cast.client, booking.id, 'reschedule', slot('2030-01-08T19:30:00Z')), 409, 'slot_unavailable');
      expectError(await act(h, cast.client, booking.id, 'reschedule', slot('2030-01-09T06:00:00Z')), 409, 'slot_unavailable');
      expect(await snapshot(cast, booking.id)).to.deep.equal(before);
    });

    it('when the new slot breaks minimum notice, maximum advance or falls in time off, then 409 slot_unavailable', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, '2030-01-10T10:00:00Z');
      await aSchedule(h, cast.practitioner, {
        min_notice_hours: 24,
        max_advance_days: 30,
        time_off: [{ start_time: '2030-01-12T00:00:00Z', end_time: '2030-01-13T00:00:00Z' }],
      });
      for (const start of ['2030-01-07T12:00:00Z', '2030-03-01T10:00:00Z', '2030-01-12T10:00:00Z']) {
        expectError(await act(h, cast.client, booking.id, 'reschedule', slot(start)), 409, 'slot_unavailable');
      }
      expect((await act(h, cast.client, booking.id, 'reschedule', slot('2030-01-11T10:00:00Z'))).status).to.equal(200);
    });

    it('when the booking has started, then 409 invalid_transition', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      h.clock.set(new Date(START));
      const res = await act(h, cast.client, booking.id, 'reschedule', slot('2030-01-08T15:00:00Z'));
      expectError(res, 409, 'invalid_transition');
      expect(res.body.detail).to.contain('started');
    });

    it('when the booking is canceled, then 409 invalid_transition naming canceled', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      await act(h, cast.client, booking.id, 'cancel');
      const res = await act(h, cast.client, booking.id, 'reschedule', slot('2030-01-08T15:00:00Z'));
      expectError(res, 409, 'invalid_transition');
      expect(res.body.detail).to.contain('canceled');
    });

    it('when the new start is in the past, then 400 naming start_time', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      const res = await act(h, cast.client, booking.id, 'reschedule', slot('2030-01-07T07:00:00Z'));
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.have.property('start_time');
    });

    it('when end_time is missing, then 400 naming it', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      const res = await act(h, cast.client, booking.id, 'reschedule', { start_time: '2030-01-08T15:00:00Z' });
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.have.property('end_time');
    });
  });

  describe('submit', () => {
    const aDraft = (cast: Cast, start = START) => aBooking(h, cast.client, cast, start, { draft: true }) as Promise<{ id: number; status: string }>;

    it('when the client submits a paid draft, then it is pending payment holding the slot for the payment window', async () => {
      const cast = await newCast();
      const draft = await aDraft(cast);
      expect(draft.status).to.equal('draft');
      h.clock.advance(30 * MINUTE);
      const res = await act(h, cast.client, draft.id, 'submit');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const holdUntil = new Date(DEFAULT_NOW.getTime() + (30 + h.config.paymentHoldMinutes) * MINUTE).toISOString();
      expect(res.body).to.include({ status: 'pending_payment', payment_status: 'unpaid', hold_expires_at: holdUntil });
      expect(res.body.status_history.map((e: { to_status: string }) => e.to_status)).to.deep.equal(['draft', 'pending_payment']);
      expectError(await h.http.post(`${BOOKINGS}/`).set(cast.otherClient.auth).send({ practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot(START) }), 409, 'slot_unavailable');
    });

    it('when a free draft is submitted, then it ends confirmed with nothing to pay', async () => {
      const cast = await newCast({ price_cents: 0 });
      const draft = await aDraft(cast);
      const res = await act(h, cast.client, draft.id, 'submit');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ status: 'confirmed', payment_status: 'not_required', hold_expires_at: null, confirmed_at: DEFAULT_NOW.toISOString() });
      expect(res.body.status_history.map((e: { from_status: string | null; to_status: string; actor_role: string }) => [e.from_status, e.to_status, e.actor_role])).to.deep.equal([
        [null, 'draft', 'client'],
        ['draft', 'pending_payment', 'client'],
        ['pending_payment', 'confirmed', 'system'],
      ]);
    });

    it('when the draft\'s slot was taken meanwhile, then 409 slot_unavailable and it stays a draft', async () => {
      const cast = await newCast();
      const draft = await aDraft(cast);
      await aBooking(h, cast.otherClient, cast, '2030-01-08T10:30:00Z');
      const res = await act(h, cast.client, draft.id, 'submit');
      expectError(res, 409, 'slot_unavailable');
      const after = await detailOf(h, cast.client, draft.id);
      expect(after).to.include({ status: 'draft', hold_expires_at: null });
      expect(after.status_history).to.have.length(1);
    });

    it('when a draft is submitted twice, then the second is 409 invalid_transition naming pending_payment', async () => {
      const cast = await newCast();
      const draft = await aDraft(cast);
      expect((await act(h, cast.client, draft.id, 'submit')).status).to.equal(200);
      const res = await act(h, cast.client, draft.id, 'submit');
      expectError(res, 409, 'invalid_transition');
      expect(res.body.detail).to.contain('pending_payment');
    });

    it('when the draft\'s start has passed, then 400 and it stays a draft', async () => {
      const cast = await newCast();
      const draft = await aDraft(cast);
      h.clock.set(new Date(START));
      expect((await act(h, cast.client, draft.id, 'submit')).status).to.equal(400);
      expect((await detailOf(h, cast.client, draft.id)).status).to.equal('draft');
    });

    it('when a draft is moved to another free slot and submitted, then it holds the new slot', async () => {
      const cast = await newCast();
      const draft = await aDraft(cast);
      await aBooking(h, cast.otherClient, cast, START);
      expect((await act(h, cast.client, draft.id, 'reschedule', slot('2030-01-08T13:00:00Z'))).status).to.equal(200);
      const res = await act(h, cast.client, draft.id, 'submit');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ status: 'pending_payment', start_time: '2030-01-08T13:00:00.000Z' });
    });
  });

  describe('notes', () => {
    const note = (who: Cast['client'], id: number, body: Record<string, unknown>) => h.http.post(`${BOOKINGS}/${id}/notes/`).set(who.auth).send(body);
    const contentsSeenBy = async (who: Cast['client'], id: number) => {
      const res = await h.http.get(`${BOOKINGS}/${id}/notes/`).set(who.auth);
      expect(res.status).to.equal(200);
      const detail = await detailOf(h, who, id);
      const listed = res.body.map((n: { content: string }) => n.content);
      expect(detail.notes.map((n: { content: string }) => n.content), 'the detail shows the same notes').to.deep.equal(listed);
      return listed;
    };

    it('when a note is added, then 201 with the note, its author and privacy', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      const res = await note(cast.client, booking.id, { content: 'Allergic to lavender' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ author_id: cast.client.id, content: 'Allergic to lavender', is_private: false });
      expect(res.body.id).to.be.a('number');
      expect(res.body.created_at).to.be.a('string');
    });

    it('when the practitioner and the client write public and private notes, then private ones are seen by their author only', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      for (const [who, content, isPrivate] of [
        [cast.client, 'client public', false],
        [cast.practitioner, 'practitioner private', true],
        [cast.practitioner, 'practitioner public', false],
        [cast.client, 'client private', true],
        [cast.admin, 'admin private', true],
      ] as const) {
        expect((await note(who, booking.id, { content, is_private: isPrivate })).status).to.equal(201);
      }
      expect(await contentsSeenBy(cast.client, booking.id)).to.deep.equal(['client public', 'practitioner public', 'client private']);
      expect(await contentsSeenBy(cast.practitioner, booking.id)).to.deep.equal(['client public', 'practitioner private', 'practitioner public']);
      expect(await contentsSeenBy(cast.admin, booking.id)).to.deep.equal(['client public', 'practitioner public', 'admin private']);
    });

    it('when content has blanks around it, then they are trimmed', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      expect((await note(cast.client, booking.id, { content: '  Running late \n' })).body).to.include({ content: 'Running late' });
    });

    it('when content is empty, blank, missing or longer than 5000 characters, then 400 naming content and nothing is stored', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      for (const body of [{ content: '' }, { content: ' \n\t ' }, {}, { content: 'x'.repeat(5001) }, { content: 42 }]) {
        const res = await note(cast.client, booking.id, body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.body.errors).to.have.property('content');
      }
      expect((await note(cast.client, booking.id, { content: 'x'.repeat(5000) })).status).to.equal(201);
      expect(await contentsSeenBy(cast.client, booking.id)).to.have.length(1);
    });

    it('when is_private is not a boolean or an unknown field is sent, then 400', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      expect((await note(cast.client, booking.id, { content: 'hi', is_private: 'yes' })).status).to.equal(400);
      expect((await note(cast.client, booking.id, { content: 'hi', author_id: cast.practitioner.id })).status).to.equal(400);
    });

    it('when the booking is unknown, then 404', async () => {
      const cast = await newCast();
      expectError(await h.http.get(`${BOOKINGS}/999999/notes/`).set(cast.admin.auth), 404, 'not_found');
      expectError(await note(cast.admin, 999_999, { content: 'hi' }), 404, 'not_found');
    });
  });

  describe('workshop seats', () => {
    const aWorkshopSession = async (cast: Cast, maxParticipants = 3) => {
      const session = await h.http
        .post(`/api/v1/drf/services/${cast.service.id}/sessions/`)
        .set(cast.practitioner.auth)
        .send({ start_time: '2030-01-10T17:00:00Z', max_participants: maxParticipants });
      expect(session.status, JSON.stringify(session.body)).to.equal(201);
      return session.body as { id: number };
    };
    const seatsOf = async (cast: Cast, sessionId: number) => {
      const res = await h.http.get(`/api/v1/drf/services/${cast.service.id}/sessions/`).set(cast.client.auth);
      expect(res.status).to.equal(200);
      const session = res.body.results.find((s: { id: number }) => s.id === sessionId);
      return { taken: session.seats_taken as number, available: session.seats_available as number };
    };
    const bookSeat = (cast: Cast, who: Cast['client'], sessionId: number, extra: Record<string, unknown> = {}) =>
      h.http.post(`${BOOKINGS}/`).set(who.auth).send({ practitioner_id: cast.practitioner.id, service_id: cast.service.id, service_session_id: sessionId, ...extra });

    it('when a workshop seat is booked and then canceled, then the seat is given back', async () => {
      const cast = await newCast({ service_type: 'workshop', duration_minutes: 90, max_participants: 3 });
      const session = await aWorkshopSession(cast);
      const booked = await bookSeat(cast, cast.client, session.id);
      expect(booked.status, JSON.stringify(booked.body)).to.equal(201);
      expect(booked.body).to.include({ booking_type: 'group', start_time: '2030-01-10T17:00:00.000Z', end_time: '2030-01-10T18:30:00.000Z' });
      expect(await seatsOf(cast, session.id)).to.deep.equal({ taken: 1, available: 2 });

      expect((await act(h, cast.client, booked.body.id, 'cancel')).status).to.equal(200);
      expect(await seatsOf(cast, session.id)).to.deep.equal({ taken: 0, available: 3 });
    });

    it('when the last seat is freed by DELETE, then another client can take it', async () => {
      const cast = await newCast({ service_type: 'workshop', duration_minutes: 90, max_participants: 1 });
      const session = await aWorkshopSession(cast, 1);
      const booked = await bookSeat(cast, cast.client, session.id);
      expectError(await bookSeat(cast, cast.otherClient, session.id), 409, 'session_full');
      expect((await h.http.delete(`${BOOKINGS}/${booked.body.id}/`).set(cast.practitioner.auth)).status).to.equal(204);
      expect((await bookSeat(cast, cast.otherClient, session.id)).status).to.equal(201);
      expect(await seatsOf(cast, session.id)).to.deep.equal({ taken: 1, available: 0 });
    });

    it('when a workshop draft is canceled, then no seat is given back (a draft never took one)', async () => {
      const cast = await newCast({ service_type: 'workshop', duration_minutes: 90 });
      const session = await aWorkshopSession(cast);
      expect((await bookSeat(cast, cast.otherClient, session.id)).status).to.equal(201);
      const draft = await bookSeat(cast, cast.client, session.id, { draft: true });
      expect(await seatsOf(cast, session.id)).to.deep.equal({ taken: 1, available: 2 });
      expect((await act(h, cast.client, draft.body.id, 'cancel')).status).to.equal(200);
      expect(await seatsOf(cast, session.id)).to.deep.equal({ taken: 1, available: 2 });
    });

    it('when a workshop draft is submitted, then it takes a seat', async () => {
      const cast = await newCast({ service_type: 'workshop', duration_minutes: 90 });
      const session = await aWorkshopSession(cast);
      const draft = await bookSeat(cast, cast.client, session.id, { draft: true });
      expect((await act(h, cast.client, draft.body.id, 'submit')).status).to.equal(200);
      expect(await seatsOf(cast, session.id)).to.deep.equal({ taken: 1, available: 2 });
    });

    it('when a seat is completed, then it is not given back', async () => {
      const cast = await newCast({ service_type: 'workshop', duration_minutes: 90 });
      const session = await aWorkshopSession(cast);
      const booked = await bookSeat(cast, cast.client, session.id);
      expect((await act(h, cast.practitioner, booked.body.id, 'confirm')).status).to.equal(200);
      h.clock.set(new Date('2030-01-10T18:00:00Z'));
      expect((await act(h, cast.practitioner, booked.body.id, 'complete')).status).to.equal(200);
      expect(await seatsOf(cast, session.id)).to.deep.equal({ taken: 1, available: 2 });
    });

    it('when a workshop seat is asked to move, then 400 not_reschedulable and can_be_rescheduled says so beforehand', async () => {
      const cast = await newCast({ service_type: 'workshop', duration_minutes: 90 });
      const session = await aWorkshopSession(cast);
      const booked = await bookSeat(cast, cast.client, session.id);
      expect(booked.body).to.include({ can_be_canceled: true, can_be_rescheduled: false });
      expect((await detailOf(h, cast.client, booked.body.id)).can_be_rescheduled).to.equal(false);
      const res = await act(h, cast.client, booked.body.id, 'reschedule', slot('2030-01-11T17:00:00Z', 90));
      expectError(res, 400, 'not_reschedulable');
    });
  });
});
