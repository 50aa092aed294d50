import { expect } from 'chai';
import { applyPaymentEvent } from '../../src/app/payments/apply-payment-event';
import { refundBooking } from '../../src/app/payments/refund-booking';
import { SYSTEM, transitionBooking } from '../../src/app/bookings/transition-booking';
import { aBookablePractitioner, aBooking, aUser, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { succeeded } from '../support/payments';

const BOOKINGS = '/api/v1/drf/bookings/';

describe('payments: what an operator settles by hand (offline provider)', () => {
  let h: Harness;
  let admin: TestUser;
  before(async () => {
    h = await startHarness();
    admin = await aUser(h, 'admin');
  });
  after(() => h.close());

  it('when a paid booking is canceled by the practitioner, then its refund awaits an operator until settled, and the booking ends refunded', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h);
    const booking = await aBooking(h, client, target, '2030-01-09T10:00:00Z');
    expect((await h.http.post(`${BOOKINGS}${booking.id}/confirm/`).set(target.practitioner.auth).send({})).body.payment_status).to.equal('paid');
    const canceled = await h.http.post(`${BOOKINGS}${booking.id}/cancel/`).set(target.practitioner.auth).send({ reason: 'ill' });
    expect(canceled.body).to.include({ status: 'canceled', refund_due_cents: 5000 });

    expect(await refundBooking(h.app, booking.id)).to.deep.include({ outcome: 'awaiting_operator', amountCents: 5000 });
    const waiting = await h.http.get('/api/v1/admin/refunds/').set(admin.auth);
    const refund = waiting.body.results.find((r: { booking_id: number }) => r.booking_id === booking.id);
    expect(refund).to.include({ state: 'awaiting_operator', amount: '50.00' });
    expect((await h.http.post(`/api/v1/admin/refunds/${refund.id}/settle/`).set(client.auth)).status).to.equal(403);

    const settled = await h.http.post(`/api/v1/admin/refunds/${refund.id}/settle/`).set(admin.auth);
    expect(settled.status).to.equal(200);
    expect(settled.body.state).to.equal('succeeded');
    expect((await h.http.post(`/api/v1/admin/refunds/${refund.id}/settle/`).set(admin.auth)).body.code).to.equal('invalid_transition');
    const detail = await h.http.get(`${BOOKINGS}${booking.id}/`).set(client.auth);
    expect(detail.body.payment_status).to.equal('refunded');
    expect(await refundBooking(h.app, booking.id)).to.deep.equal({ outcome: 'nothing_due' });
  });

  it('when more than the price arrives after the hold expired, then the price goes back, the excess is flagged, and nothing fails', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h);
    const booking = await aBooking(h, client, target, '2030-01-09T10:00:00Z');
    await transitionBooking(h.app, SYSTEM, booking.id, 'expire_hold');
    const event = succeeded(String(booking.id), 7000);
    const [row] = await h.app.db('payment_events').insert({ provider_event_id: event.id, type: event.type, booking_ref: String(booking.id), payload: JSON.stringify(event) }).returning('id');
    expect(await applyPaymentEvent(h.app, row.id)).to.deep.equal({ outcome: 'refund', flag: 'amount_mismatch' });
    const stored = await h.app.db('bookings').where({ id: booking.id }).first();
    expect(stored).to.include({ status: 'canceled', refund_due_cents: 5000 });
  });

  it('when a provider event names no known booking, then an admin finds it among the flagged events', async () => {
    const event = succeeded('999999', 5000);
    const [row] = await h.app.db('payment_events').insert({ provider_event_id: event.id, type: event.type, booking_ref: '999999', payload: JSON.stringify(event) }).returning('id');
    await applyPaymentEvent(h.app, row.id);
    const client = await aUser(h);
    expect((await h.http.get('/api/v1/admin/payment-events/flagged/').set(client.auth)).status).to.equal(403);
    const flagged = await h.http.get('/api/v1/admin/payment-events/flagged/').set(admin.auth);
    expect(flagged.status).to.equal(200);
    expect(flagged.body.results[0]).to.include({ provider_event_id: event.id, flag: 'unknown_booking' });
  });
});
