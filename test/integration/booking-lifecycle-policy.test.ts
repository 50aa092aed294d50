import { expect } from 'chai';
import { aBooking } from '../support/builders';
import { DEFAULT_NOW, type Harness } from '../support/harness';
import {
  BOOKINGS,
  HOUR,
  MINUTE,
  lifecycleSuite,
  aConfirmedBooking,
  aPendingBooking,
  act,
  detailOf,
  type Cast,
} from '../support/lifecycle-fixtures';

const START = '2030-01-08T10:00:00Z';
const AFTER_START = new Date(Date.parse(START) + 5 * MINUTE);

describe('booking lifecycle: what the caller may still do, refunds and status history', () => {
  const suite = lifecycleSuite();
  const { newCast } = suite;
  let h: Harness;
  before(() => (h = suite.h));

  describe('can_be_canceled and can_be_rescheduled', () => {
    const flagsOf = (body: { can_be_canceled: boolean; can_be_rescheduled: boolean }) => [body.can_be_canceled, body.can_be_rescheduled];
    const listed = async (cast: Cast, who: keyof Cast, id: number) => {
      const res = await h.http.get(`${BOOKINGS}/`).set((cast[who] as Cast['client']).auth);
      expect(res.status).to.equal(200);
      const item = res.body.results.find((b: { id: number }) => b.id === id);
      expect(item, `booking ${id} listed`).to.not.equal(undefined);
      return item;
    };

    it('when a confirmed booking lies ahead, then both are true for the client, the practitioner and an admin, in list and detail', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      for (const who of ['client', 'practitioner', 'admin'] as const) {
        expect(flagsOf(await detailOf(h, cast[who], booking.id)), who).to.deep.equal([true, true]);
        expect(flagsOf(await listed(cast, who, booking.id)), who).to.deep.equal([true, true]);
      }
    });

    it('when the booking is canceled, then both are false everywhere', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      const res = await act(h, cast.client, booking.id, 'cancel');
      expect(flagsOf(res.body)).to.deep.equal([false, false]);
      for (const who of ['client', 'practitioner', 'admin'] as const) {
        expect(flagsOf(await detailOf(h, cast[who], booking.id)), who).to.deep.equal([false, false]);
        expect(flagsOf(await listed(cast, who, booking.id)), who).to.deep.equal([false, false]);
      }
    });

    it('when a confirmed booking has started, then it can still be canceled but no longer rescheduled', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      h.clock.set(AFTER_START);
      expect(flagsOf(await detailOf(h, cast.client, booking.id))).to.deep.equal([true, false]);
      expect(flagsOf(await listed(cast, 'client', booking.id))).to.deep.equal([true, false]);
    });

    it('when the booking is completed, then both are false', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, START);
      h.clock.set(AFTER_START);
      const res = await act(h, cast.practitioner, booking.id, 'complete');
      expect(flagsOf(res.body)).to.deep.equal([false, false]);
      expect(flagsOf(await detailOf(h, cast.client, booking.id))).to.deep.equal([false, false]);
    });
  });

  describe('refund due on cancel (cancellation_notice_hours 24)', () => {
    const start = '2030-01-09T10:00:00Z';
    const beforeStart = (ms: number) => new Date(Date.parse(start) - ms);

    it('when the client cancels a paid booking exactly 24 h before the start, then the full price is due back', async () => {
      const cast = await newCast({ cancellation_notice_hours: 24 });
      const booking = await aConfirmedBooking(h, cast, start);
      h.clock.set(beforeStart(24 * HOUR));
      const res = await act(h, cast.client, booking.id, 'cancel');
      expect(res.body).to.include({ status: 'canceled', cancellation_notice_hours: 24, refund_due_cents: 5000, refund_due: '50.00' });
    });

    it('when the client cancels a paid booking 23 h 59 min before the start, then nothing is due back', async () => {
      const cast = await newCast({ cancellation_notice_hours: 24 });
      const booking = await aConfirmedBooking(h, cast, start);
      h.clock.set(beforeStart(24 * HOUR - MINUTE));
      const res = await act(h, cast.client, booking.id, 'cancel');
      expect(res.body).to.include({ status: 'canceled', refund_due_cents: 0, refund_due: '0.00' });
    });

    it('when the practitioner cancels a paid booking late, then the full price is due back', async () => {
      const cast = await newCast({ cancellation_notice_hours: 24 });
      const booking = await aConfirmedBooking(h, cast, start);
      h.clock.set(beforeStart(HOUR));
      expect((await act(h, cast.practitioner, booking.id, 'cancel')).body).to.include({ canceled_by: 'practitioner', refund_due_cents: 5000 });
    });

    it('when an admin cancels a paid booking late for the client, then the client policy applies and nothing is due', async () => {
      const cast = await newCast({ cancellation_notice_hours: 24 });
      const booking = await aConfirmedBooking(h, cast, start);
      h.clock.set(beforeStart(HOUR));
      expect((await act(h, cast.admin, booking.id, 'cancel', { canceled_by: 'client' })).body).to.include({ canceled_by: 'client', refund_due_cents: 0 });
    });

    it('when an unpaid (pending_payment) booking is canceled early, then nothing is due back', async () => {
      const cast = await newCast({ cancellation_notice_hours: 24 });
      const booking = await aPendingBooking(h, cast, start);
      const res = await act(h, cast.client, booking.id, 'cancel');
      expect(res.body).to.include({ status: 'canceled', payment_status: 'unpaid', refund_due_cents: 0 });
    });

    it('when the service notice changes after booking, then the booking keeps the notice it was made under', async () => {
      const cast = await newCast({ cancellation_notice_hours: 24 });
      const booking = await aConfirmedBooking(h, cast, start);
      const patch = await h.http.patch(`/api/v1/drf/services/${cast.service.id}/`).set(cast.practitioner.auth).send({ cancellation_notice_hours: 1 });
      expect(patch.status, JSON.stringify(patch.body)).to.equal(200);
      h.clock.set(beforeStart(2 * HOUR));
      expect((await act(h, cast.client, booking.id, 'cancel')).body).to.include({ cancellation_notice_hours: 24, refund_due_cents: 0 });
    });

    it('when a booking is not canceled, then refund_due_cents is null', async () => {
      const cast = await newCast();
      const booking = await aConfirmedBooking(h, cast, start);
      expect(await detailOf(h, cast.client, booking.id)).to.include({ refund_due_cents: null, refund_due: null });
    });
  });

  describe('status_history', () => {
    it('when a booking is created, confirmed, started and completed, then every change is listed oldest first with who, why and when', async () => {
      const cast = await newCast();
      const created = await aPendingBooking(h, cast, START);
      h.clock.advance(10 * MINUTE);
      const confirmedAt = h.clock.now();
      expect((await act(h, cast.practitioner, created.id, 'confirm', { reason: 'paid by card' })).status).to.equal(200);
      h.clock.set(AFTER_START);
      expect((await act(h, cast.admin, created.id, 'complete', { reason: 'done' })).status).to.equal(200);

      const { status_history: history } = await detailOf(h, cast.client, created.id);
      expect(history).to.deep.equal([
        { from_status: null, to_status: 'pending_payment', actor_id: cast.client.id, actor_role: 'client', reason: 'created', details: null, created_at: DEFAULT_NOW.toISOString() },
        { from_status: 'pending_payment', to_status: 'confirmed', actor_id: cast.practitioner.id, actor_role: 'practitioner', reason: 'paid by card', details: null, created_at: confirmedAt.toISOString() },
        { from_status: 'confirmed', to_status: 'in_progress', actor_id: cast.admin.id, actor_role: 'admin', reason: 'done', details: null, created_at: AFTER_START.toISOString() },
        { from_status: 'in_progress', to_status: 'completed', actor_id: cast.admin.id, actor_role: 'admin', reason: 'done', details: null, created_at: AFTER_START.toISOString() },
      ]);
    });

    it('when a free booking is made, then its history starts at confirmed from null', async () => {
      const cast = await newCast({ price_cents: 0 });
      const booking = await aBooking(h, cast.client, cast, START);
      expect(booking).to.include({ status: 'confirmed', payment_status: 'not_required' });
      expect(booking.status_history).to.deep.equal([
        { from_status: null, to_status: 'confirmed', actor_id: cast.client.id, actor_role: 'client', reason: 'created', details: null, created_at: DEFAULT_NOW.toISOString() },
      ]);
    });

    it('when a refused move is asked for, then nothing is added to the history', async () => {
      const cast = await newCast();
      const booking = await aPendingBooking(h, cast, START);
      await act(h, cast.client, booking.id, 'confirm');
      await act(h, cast.practitioner, booking.id, 'complete');
      expect((await detailOf(h, cast.client, booking.id)).status_history).to.have.length(1);
    });
  });
});
