import { expect } from 'chai';
import { runMaintenance } from '../../src/app/maintenance';
import { aService, slot } from '../support/builders';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { DEFAULT_NOW, startHarness, type Harness } from '../support/harness';
import { act, aCast, aPendingBooking, BOOKINGS, expectError, MINUTE, someStrangers, type Strangers } from '../support/lifecycle-fixtures';

const rowCounts = async (h: Harness) =>
  Object.fromEntries(
    await Promise.all(['bookings', 'booking_status_history', 'outbox', 'payments'].map(async (t) => [t, Number((await h.app.db(t).count({ n: '*' }).first())!.n)])),
  );

describe('issue 10 (5, 7, 8): holds end by the start, drafts are priced on submit, the payment object can be asked for again', () => {
  let h: Harness;
  let strangers: Strangers;
  before(async () => {
    h = await startHarness();
    strangers = await someStrangers(h);
  });
  after(async () => h.close());
  beforeEach(() => h.clock.set(DEFAULT_NOW));

  describe('5. a hold never outlives the start', () => {
    it('when a paid session is booked one minute before its start, then its hold ends at the start, and the reconciler cancels it then', async () => {
      const cast = await aCast(h, strangers);
      const start = new Date(DEFAULT_NOW.getTime() + MINUTE);
      const booking = await aPendingBooking(h, cast, start.toISOString());
      expect(new Date(booking.hold_expires_at as string).toISOString()).to.equal(start.toISOString());
      h.clock.set(start);
      await runMaintenance(h.app);
      const after = await h.http.get(`${BOOKINGS}/${booking.id}/`).set(cast.client.auth);
      expect(after.body).to.include({ status: 'canceled', canceled_by: 'system', cancellation_reason: 'payment_timeout' });
      expectError(await act(h, cast.practitioner, booking.id, 'confirm'), 409, 'invalid_transition');
    });

    it('when a paid session starts long after the hold window, then the hold is the usual PAYMENT_HOLD_MINUTES', async () => {
      const cast = await aCast(h, strangers);
      const booking = await aPendingBooking(h, cast, '2030-01-10T10:00:00Z');
      expect(new Date(booking.hold_expires_at as string).getTime()).to.equal(DEFAULT_NOW.getTime() + h.config.paymentHoldMinutes * MINUTE);
    });

    it('when a paid course starts within the hold window, then its hold ends at its first session', async () => {
      const cast = await aCast(h, strangers);
      const course = await aService(h, cast.practitioner, { service_type: 'course', price_cents: 9000, max_participants: 5 });
      const first = new Date(DEFAULT_NOW.getTime() + 5 * MINUTE);
      const made = await h.http.post(`/api/v1/drf/services/${course.id}/sessions/`).set(cast.practitioner.auth).send({ start_time: first.toISOString() });
      expect(made.status, JSON.stringify(made.body)).to.equal(201);
      const res = await h.http.post(`${BOOKINGS}/create-course/`).set(cast.client.auth).send({ service_id: course.id });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(new Date(res.body.hold_expires_at).toISOString()).to.equal(first.toISOString());
    });
  });

  describe('7. a draft is priced when it is submitted', () => {
    it('when the service was repriced and its notice changed after the draft was saved, then submit charges the new price and snapshots the new notice', async () => {
      const cast = await aCast(h, strangers);
      const draft = await h.http
        .post(`${BOOKINGS}/`)
        .set(cast.client.auth)
        .send({ practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot('2030-01-10T10:00:00Z'), draft: true });
      expect(draft.body).to.include({ status: 'draft', price_charged_cents: 5000 });
      const edit = await h.http.patch(`/api/v1/drf/services/${cast.service.id}/`).set(cast.practitioner.auth).send({ price_cents: 7000, cancellation_notice_hours: 48 });
      expect(edit.status, JSON.stringify(edit.body)).to.equal(200);
      const submitted = await act(h, cast.client, draft.body.id, 'submit');
      expect(submitted.status, JSON.stringify(submitted.body)).to.equal(200);
      expect(submitted.body).to.include({ status: 'pending_payment', payment_status: 'unpaid', price_charged_cents: 7000, price_charged: '70.00', cancellation_notice_hours: 48 });
      expect(submitted.body.payment).to.include({ amount_cents: 7000 });
    });

    it('when the service became free, then submit confirms the draft with nothing to pay', async () => {
      const cast = await aCast(h, strangers);
      const draft = await h.http
        .post(`${BOOKINGS}/`)
        .set(cast.client.auth)
        .send({ practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot('2030-01-10T12:00:00Z'), draft: true });
      await h.http.patch(`/api/v1/drf/services/${cast.service.id}/`).set(cast.practitioner.auth).send({ price_cents: 0 }).expect(200);
      const submitted = await act(h, cast.client, draft.body.id, 'submit');
      expect(submitted.body).to.include({ status: 'confirmed', payment_status: 'not_required', price_charged_cents: 0 });
      expect(submitted.body.payment).to.equal(null);
    });

    it('when the service was deactivated, then submit is 400 service_inactive and nothing is written', async () => {
      const cast = await aCast(h, strangers);
      const draft = await h.http
        .post(`${BOOKINGS}/`)
        .set(cast.client.auth)
        .send({ practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot('2030-01-10T14:00:00Z'), draft: true });
      await h.http.patch(`/api/v1/drf/services/${cast.service.id}/`).set(cast.practitioner.auth).send({ is_active: false }).expect(200);
      const before = await rowCounts(h);
      expectError(await act(h, cast.client, draft.body.id, 'submit'), 400, 'service_inactive');
      expect(await rowCounts(h)).to.deep.equal(before);
      expect((await h.app.db('bookings').where({ id: draft.body.id }).first()).status).to.equal('draft');
    });
  });

  describe('8. POST {id}/payment/ (offline provider)', () => {
    it('when the client asks again for a pending booking, then the same instructions come back', async () => {
      const cast = await aCast(h, strangers);
      const booking = await aPendingBooking(h, cast, '2030-01-11T10:00:00Z');
      const res = await act(h, cast.client, booking.id, 'payment');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.deep.equal(booking.payment);
    });

    it('when anyone but the client asks, or the booking has nothing to pay, then 403, 404 or 409 and nothing is written', async () => {
      const cast = await aCast(h, strangers);
      const booking = await aPendingBooking(h, cast, '2030-01-11T12:00:00Z');
      const before = await rowCounts(h);
      expectError(await act(h, cast.practitioner, booking.id, 'payment'), 403, 'permission_denied');
      expectError(await act(h, cast.otherClient, booking.id, 'payment'), 404, 'not_found');
      expectError(await act(h, cast.client, 99_999_999, 'payment'), 404, 'not_found');
      expectError(await act(h, cast.client, booking.id, 'payment', { amount: 1 }), 400, 'invalid');
      expect(await rowCounts(h)).to.deep.equal(before);
      await act(h, cast.practitioner, booking.id, 'confirm').expect(200);
      expectError(await act(h, cast.client, booking.id, 'payment'), 409, 'invalid_transition');
    });
  });
});

describe('issue 10 (8): POST {id}/payment/ with Stripe', () => {
  let h: Harness;
  let fake: FakeStripe;
  let strangers: Strangers;
  before(async () => {
    fake = await startFakeStripe();
    h = await startHarness({ env: { STRIPE_SECRET_KEY: 'sk_test_x', PAYMENT_WEBHOOK_SECRET: 'whsec_dev', STRIPE_API_URL: fake.url } });
    strangers = await someStrangers(h);
  });
  after(async () => {
    await h.close();
    await fake.close();
  });

  it('when the client lost the client_secret, then asking again returns the same open PaymentIntent', async () => {
    const cast = await aCast(h, strangers);
    const booking = await aPendingBooking(h, cast, '2030-01-12T10:00:00Z');
    const payment = booking.payment as { client_secret: string };
    const again = await act(h, cast.client, booking.id, 'payment');
    expect(again.status, JSON.stringify(again.body)).to.equal(200);
    expect(again.body.client_secret).to.equal(payment.client_secret);
    expect(fake.paymentIntents.size).to.equal(1);
  });

  it('when the provider was down at booking time, then asking again creates the PaymentIntent', async () => {
    const cast = await aCast(h, strangers);
    fake.failNext('/v1/payment_intents', { mode: 'error' });
    fake.failNext('/v1/payment_intents', { mode: 'error' });
    fake.failNext('/v1/payment_intents', { mode: 'error' });
    const booking = await aPendingBooking(h, cast, '2030-01-12T12:00:00Z');
    expect(booking.payment).to.have.property('error');
    const again = await act(h, cast.client, booking.id, 'payment');
    expect(again.status, JSON.stringify(again.body)).to.equal(200);
    expect(again.body.client_secret).to.be.a('string');
    expect(again.body).to.not.have.property('error');
  });
});
