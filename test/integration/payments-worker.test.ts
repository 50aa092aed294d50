import { expect } from 'chai';
import { refreshPaymentStatus } from '../../src/app/payments/apply-payment-event';
import { refundBooking } from '../../src/app/payments/refund-booking';
import { refundsSettledBy } from '../../src/domain/payment-ledger';
import { startWorkerPool } from '../../src/workers/worker-pool';
import { aBooking } from '../support/builders';
import type { FakeStripe } from '../support/fake-stripe';
import { fakeStripeSuite } from '../support/fake-stripe-suite';
import { DEFAULT_NOW, startHarness, type Harness } from '../support/harness';
import { aCast, act, detailOf, MINUTE, someStrangers, type Cast, type Strangers } from '../support/lifecycle-fixtures';
import {
  anEvent,
  applied,
  bookingRow,
  chargeRefunded,
  deliver,
  eventRow,
  ledgerOf,
  outboxJobs,
  paymentFailed,
  promoteDelayedJob,
  succeeded,
} from '../support/payments';
import { deleteRedisKeys, eventually, jobOfRow, openQueues, outboxRowsOf, sessionsWaitingOnLocks, spawnWorker, killSpawnedWorkers, startWorkersInProcess } from '../support/workers';

const START = '2030-01-08T10:00:00Z';
const PRICE = 5000;

type Booking = { id: number; public_uuid: string; [key: string]: unknown };

/** Waits until the booking row has the given fields (workers run in their own time). */
const bookingBecomes = (h: Harness, id: number, fields: Record<string, unknown>) =>
  eventually(async () => {
    const row = await bookingRow(h, id);
    expect(row, JSON.stringify(row)).to.include(fields);
    return row;
  });

/** Moves the clock past the booking's hold and runs its expire-hold job now, through the lifecycle worker. */
async function expireHold(h: Harness, bookingId: number): Promise<void> {
  // The relay delays a job by its run_at less the app's clock: the job must be relayed before the clock moves past it.
  await eventually(async () => {
    const [job] = (await outboxRowsOf(h, bookingId)).filter((r) => r.job_name === 'expire-hold');
    expect(job?.dispatched_at, 'the expire-hold job relayed').to.not.equal(null);
  });
  const row = await bookingRow(h, bookingId);
  h.clock.set(new Date(row.hold_expires_at.getTime() + MINUTE));
  await promoteDelayedJob(h, 'lifecycle', 'expire-hold', bookingId);
  await bookingBecomes(h, bookingId, { status: 'canceled', canceled_by: 'system', cancellation_reason: 'payment_timeout' });
}

const refundsIn = async (h: Harness, bookingId: number) => (await ledgerOf(h, bookingId)).filter((r: { kind: string }) => r.kind === 'refund');

describe('payments worker, offline adapter (real workers and relay)', () => {
  let h: Harness;
  let strangers: Strangers;
  let workers: { close: () => Promise<void> };
  before(async () => {
    h = await startHarness();
    strangers = await someStrangers(h);
    workers = await startWorkersInProcess(h.app, { queues: ['payments', 'lifecycle', 'notifications'] });
  });
  after(async () => {
    await workers.close();
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
    await h.close();
  });
  afterEach(() => h.clock.set(DEFAULT_NOW));

  let cast: Cast;
  let booking: Booking;
  beforeEach(async () => {
    cast = await aCast(h, strangers);
    booking = await aBooking(h, cast.client, cast, START);
    expect(booking).to.include({ status: 'pending_payment', payment_status: 'unpaid', price_charged_cents: PRICE });
  });

  describe('creating a paid booking', () => {
    it('when the provider is offline, then the answer carries payment instructions and no payment row is written', () => {
      expect(booking.payment).to.deep.include({ provider: 'offline', amount_cents: PRICE, currency: 'USD' });
      const payment = booking.payment as { instructions: string; client_secret?: string };
      expect(payment.instructions).to.include('50.00 USD').and.to.include(booking.public_uuid);
      expect(payment).to.not.have.property('client_secret');
    });

    it('when the service is free, then there is nothing to pay', async () => {
      const free = await aCast(h, strangers, { price_cents: 0 });
      const res = await aBooking(h, free.client, free, START);
      expect(res).to.include({ status: 'confirmed', payment_status: 'not_required' });
      expect(res.payment).to.equal(null);
    });
  });

  describe('payment_intent.succeeded', () => {
    it('when the amount is the price, then the booking is confirmed and paid by the system', async () => {
      const event = succeeded(booking.id, PRICE);
      await deliver(h, event);
      await bookingBecomes(h, booking.id, { status: 'confirmed', payment_status: 'paid' });
      const detail = await detailOf(h, cast.client, booking.id);
      expect(detail.status_history.at(-1)).to.include({ from_status: 'pending_payment', to_status: 'confirmed', actor_id: null, actor_role: 'system' });
      const [payment] = await ledgerOf(h, booking.id);
      expect(payment).to.include({ kind: 'payment', provider: 'stripe', provider_id: event.data.object.id, amount_cents: PRICE, state: 'succeeded', flag: null });
      expect(await eventRow(h, event.id)).to.include({ outcome: 'confirm', flag: null, booking_id: booking.id });
    });

    it('when the metadata names the booking by its public_uuid, then it is found and confirmed', async () => {
      await deliver(h, succeeded(booking.public_uuid, PRICE));
      await bookingBecomes(h, booking.id, { status: 'confirmed', payment_status: 'paid' });
    });

    it('when the amount differs from the price, then the booking stays pending and the payment and event are flagged amount_mismatch', async () => {
      const event = succeeded(booking.id, PRICE - 100);
      await deliver(h, event);
      expect(await applied(h, event.id)).to.include({ flag: 'amount_mismatch', booking_id: booking.id });
      expect(await bookingRow(h, booking.id)).to.include({ status: 'pending_payment' });
      const [payment] = await ledgerOf(h, booking.id);
      expect(payment).to.include({ kind: 'payment', amount_cents: PRICE - 100, state: 'succeeded', flag: 'amount_mismatch' });
      expect((await detailOf(h, cast.client, booking.id)).payments[0]).to.include({ flag: 'amount_mismatch' });
    });

    it('when the same event is delivered twice, then it is applied once', async () => {
      const event = succeeded(booking.id, PRICE);
      await deliver(h, event);
      await deliver(h, event);
      await bookingBecomes(h, booking.id, { status: 'confirmed' });
      expect(await ledgerOf(h, booking.id)).to.have.length(1);
      expect((await detailOf(h, cast.client, booking.id)).status_history.filter((e: { to_status: string }) => e.to_status === 'confirmed')).to.have.length(1);
    });
  });

  describe('an event for an unknown booking', () => {
    const unknownRefs: Record<string, string | null> = {
      'an id no booking has': '987654321',
      'a public_uuid no booking has': '00000000-0000-4000-8000-000000000000',
      'a reference that is neither': 'not-a-booking',
      'no metadata at all': null,
    };
    for (const [name, ref] of Object.entries(unknownRefs)) {
      it(`when it names ${name}, then the event is kept and flagged unknown_booking, the job completes and the worker carries on`, async () => {
        const event = succeeded(ref, PRICE);
        await deliver(h, event);
        const row = await applied(h, event.id);
        expect(row).to.include({ outcome: 'kept', flag: 'unknown_booking', booking_id: null });
        const [job] = (await outboxJobs(h, 'apply-payment-event')).filter((j: { payload: { eventId: number } }) => Number(j.payload.eventId) === Number(row.id));
        const { queues, close } = openQueues(h);
        try {
          await eventually(async () => expect(await (await jobOfRow(queues, job))!.getState()).to.equal('completed'));
        } finally {
          await close();
        }
        // The next event is still applied: nothing crashed.
        await deliver(h, succeeded(booking.id, PRICE));
        await bookingBecomes(h, booking.id, { status: 'confirmed' });
      });
    }
  });

  describe('payment_intent.payment_failed', () => {
    it('when a payment fails, then it is recorded and the booking stays pending until its hold expires', async () => {
      const event = paymentFailed(booking.id, PRICE);
      await deliver(h, event);
      await applied(h, event.id);
      expect(await bookingRow(h, booking.id)).to.include({ status: 'pending_payment', payment_status: 'failed' });
      const [payment] = await ledgerOf(h, booking.id);
      expect(payment).to.include({ kind: 'payment', state: 'failed', failure_reason: 'Your card was declined.' });

      await expireHold(h, booking.id);
      expect(await bookingRow(h, booking.id)).to.include({ refund_due_cents: 0 });
      expect(await outboxJobs(h, 'refund', booking.id)).to.have.length(0);
    });

    it('when the client retries the same PaymentIntent and it succeeds, then the booking is confirmed and paid', async () => {
      const pi = `pi_retry_${booking.id}`;
      const failed = paymentFailed(booking.id, PRICE, pi);
      await deliver(h, failed);
      await applied(h, failed.id);
      await deliver(h, succeeded(booking.id, PRICE, pi));
      await bookingBecomes(h, booking.id, { status: 'confirmed', payment_status: 'paid' });
      expect(await ledgerOf(h, booking.id)).to.have.length(1);
    });

    it('when a late "failed" arrives after the same PaymentIntent succeeded, then the success stands', async () => {
      const pi = `pi_late_${booking.id}`;
      const ok = succeeded(booking.id, PRICE, pi);
      await deliver(h, ok);
      await applied(h, ok.id);
      const late = paymentFailed(booking.id, PRICE, pi);
      await deliver(h, late);
      await applied(h, late.id);
      expect(await bookingRow(h, booking.id)).to.include({ status: 'confirmed', payment_status: 'paid' });
      expect((await ledgerOf(h, booking.id))[0]).to.include({ state: 'succeeded' });
    });
  });

  describe('charge.refunded', () => {
    beforeEach(async () => {
      await deliver(h, succeeded(booking.id, PRICE));
      await bookingBecomes(h, booking.id, { status: 'confirmed', payment_status: 'paid' });
    });

    it('when the whole charge is refunded, then payment_status is refunded', async () => {
      await deliver(h, chargeRefunded(booking.id, PRICE, PRICE));
      await bookingBecomes(h, booking.id, { payment_status: 'refunded' });
      expect((await refundsIn(h, booking.id)).map((r: { amount_cents: number; state: string }) => [r.amount_cents, r.state])).to.deep.equal([[PRICE, 'succeeded']]);
    });

    it('when part of it is refunded, then partially_refunded; when the rest follows, then refunded, counting each cent once', async () => {
      await deliver(h, chargeRefunded(booking.id, PRICE, 2000));
      await bookingBecomes(h, booking.id, { payment_status: 'partially_refunded' });
      const rest = chargeRefunded(booking.id, PRICE, PRICE);
      await deliver(h, rest);
      await bookingBecomes(h, booking.id, { payment_status: 'refunded' });
      // A re-sent older event (cumulative 2000) adds nothing.
      const older = chargeRefunded(booking.id, PRICE, 2000);
      await deliver(h, older);
      await applied(h, older.id);
      const refunds = await refundsIn(h, booking.id);
      expect(refunds.reduce((sum: number, r: { amount_cents: number }) => sum + r.amount_cents, 0)).to.equal(PRICE);
      expect(await bookingRow(h, booking.id)).to.include({ payment_status: 'refunded' });
    });
  });

  describe('events out of order', () => {
    it('when charge.refunded arrives before payment_intent.succeeded, then the booking ends refunded, not confirmed', async () => {
      const pi = `pi_ooo_${booking.id}`;
      const refunded = chargeRefunded(booking.id, PRICE, PRICE, pi);
      await deliver(h, refunded);
      await applied(h, refunded.id);
      const paid = succeeded(booking.id, PRICE, pi);
      await deliver(h, paid);
      await applied(h, paid.id);
      const row = await bookingRow(h, booking.id);
      expect(row.status).to.not.equal('confirmed');
      expect(row).to.include({ status: 'pending_payment', payment_status: 'refunded' });
      expect((await detailOf(h, cast.client, booking.id)).status_history.map((e: { to_status: string }) => e.to_status)).to.not.include('confirmed');
    });

    it('when both arrive at once in either order, then the end state is the same: refunded, not confirmed', async () => {
      const pi = `pi_both_${booking.id}`;
      await Promise.all([deliver(h, chargeRefunded(booking.id, PRICE, PRICE, pi)), deliver(h, succeeded(booking.id, PRICE, pi))]);
      await bookingBecomes(h, booking.id, { payment_status: 'refunded' });
      const row = await bookingRow(h, booking.id);
      // Applied in either order: refund first leaves it pending; payment first confirms it and then the refund arrives.
      expect(['pending_payment', 'confirmed']).to.include(row.status);
      expect((await refundsIn(h, booking.id)).map((r: { amount_cents: number }) => r.amount_cents)).to.deep.equal([PRICE]);
    });
  });

  describe('a payment arriving after the hold expired', () => {
    it('when the booking was canceled by expire_hold, then the payment is recorded and a refund of all of it is owed to an operator', async () => {
      await expireHold(h, booking.id);
      expect(await bookingRow(h, booking.id)).to.include({ refund_due_cents: 0 });
      const event = succeeded(booking.id, PRICE);
      await deliver(h, event);
      expect(await applied(h, event.id)).to.include({ outcome: 'refund' });
      const [refund] = await eventually(async () => {
        const refunds = await refundsIn(h, booking.id);
        expect(refunds).to.have.length(1);
        expect(refunds[0].state).to.equal('awaiting_operator');
        return refunds;
      });
      expect(refund).to.include({ amount_cents: PRICE, provider: 'stripe', provider_id: null });
      expect(await bookingRow(h, booking.id)).to.include({ status: 'canceled', refund_due_cents: PRICE });
      expect(await outboxJobs(h, 'refund', booking.id)).to.have.length(1);
    });

    it('when the late payment is also of the wrong amount, then what was paid is still owed back', async () => {
      await expireHold(h, booking.id);
      const event = succeeded(booking.id, PRICE - 1500);
      await deliver(h, event);
      await applied(h, event.id);
      // The refund row is written pending, then moved once the provider answered: wait for the move.
      await eventually(async () => {
        const refunds = await refundsIn(h, booking.id);
        expect(refunds).to.have.length(1);
        expect(refunds[0]).to.include({ amount_cents: PRICE - 1500, state: 'awaiting_operator' });
      });
      expect(await bookingRow(h, booking.id)).to.include({ status: 'canceled', refund_due_cents: PRICE - 1500 });
    });
  });

  describe('an offline confirmation (issue 10, item 6)', () => {
    it('when the practitioner confirms an unpaid booking, then an offline payment of the price is in the ledger in the same move, and payment_status is derived from it', async () => {
      const res = await act(h, cast.practitioner, booking.id, 'confirm');
      expect(res.body).to.include({ status: 'confirmed', payment_status: 'paid' });
      const ledger = await ledgerOf(h, booking.id);
      expect(ledger).to.have.length(1);
      expect(ledger[0]).to.include({ kind: 'payment', provider: 'offline', provider_id: null, amount_cents: PRICE, currency: 'USD', state: 'succeeded', flag: null });
      expect((await detailOf(h, cast.client, booking.id)).payments[0]).to.include({ kind: 'payment', provider: 'offline', state: 'succeeded' });
      // Re-deriving from the ledger alone says the same.
      await h.app.db.transaction((trx) => refreshPaymentStatus(h.app, trx, booking.id));
      expect(await bookingRow(h, booking.id)).to.include({ payment_status: 'paid' });
    });

    it('when an admin confirms a booking whose online attempt failed, then the offline payment is recorded and it is paid', async () => {
      const failed = paymentFailed(booking.id, PRICE);
      await deliver(h, failed);
      await applied(h, failed.id);
      const res = await act(h, cast.admin, booking.id, 'confirm');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ status: 'confirmed', payment_status: 'paid' });
      expect((await ledgerOf(h, booking.id)).map((r: { provider: string; state: string }) => [r.provider, r.state])).to.deep.equal([
        ['stripe', 'failed'],
        ['offline', 'succeeded'],
      ]);
    });

    it('when a free booking is confirmed, then nothing is recorded', async () => {
      const free = await aCast(h, strangers, { price_cents: 0 });
      const res = await aBooking(h, free.client, free, START);
      expect(res).to.include({ status: 'confirmed', payment_status: 'not_required' });
      expect(await ledgerOf(h, res.id)).to.have.length(0);
    });
  });

  describe('a second payment (issue 10, item 2)', () => {
    it('when a booking confirmed offline by the practitioner is then paid through the provider, then that payment is flagged duplicate_payment, its refund awaits an operator (the provider here cannot refund) and payment_status stays paid', async () => {
      await act(h, cast.practitioner, booking.id, 'confirm');
      const event = succeeded(booking.id, PRICE);
      await deliver(h, event);
      expect(await applied(h, event.id)).to.include({ outcome: 'refund_duplicate', flag: 'duplicate_payment', booking_id: booking.id });
      const refund = await eventually(async () => {
        const [r] = await refundsIn(h, booking.id);
        expect(r).to.include({ state: 'awaiting_operator', amount_cents: PRICE, flag: 'duplicate_payment' });
        return r;
      });
      const duplicate = (await ledgerOf(h, booking.id)).find((r: { provider_id: string | null }) => r.provider_id === event.data.object.id);
      expect(duplicate).to.include({ kind: 'payment', state: 'succeeded', flag: 'duplicate_payment' });
      expect(refund.refund_of).to.equal(duplicate.id);
      expect(await bookingRow(h, booking.id)).to.include({ status: 'confirmed', payment_status: 'paid', refund_due_cents: null });
      const listed = (await h.http.get('/api/v1/admin/refunds/').set(cast.admin.auth)).body.results.find((r: { id: number }) => r.id === refund.id);
      expect(listed).to.include({ state: 'awaiting_operator', flag: 'duplicate_payment', booking_id: booking.id });
      // Settled by hand, it still leaves the booking paid once.
      expect((await h.http.post(`/api/v1/admin/refunds/${refund.id}/settle/`).set(cast.admin.auth)).status).to.equal(200);
      expect(await bookingRow(h, booking.id)).to.include({ payment_status: 'paid' });
    });

    for (const status of ['in_progress', 'completed', 'no_show'] as const) {
      it(`when a payment arrives for a booking that is ${status}, then it is flagged duplicate_payment and refunded, not counted`, async () => {
        await act(h, cast.practitioner, booking.id, 'confirm');
        await h.app.db('bookings').where({ id: booking.id }).update({ status });
        const event = succeeded(booking.id, PRICE);
        await deliver(h, event);
        expect(await applied(h, event.id)).to.include({ flag: 'duplicate_payment' });
        await eventually(async () => expect((await refundsIn(h, booking.id)).map((r: { flag: string }) => r.flag)).to.deep.equal(['duplicate_payment']));
        expect(await bookingRow(h, booking.id)).to.include({ status, payment_status: 'paid' });
      });
    }

    it('when the payment that confirmed the booking is reported again under another event id, then nothing is flagged or refunded', async () => {
      const pi = `pi_again_${booking.id}`;
      await deliver(h, succeeded(booking.id, PRICE, pi));
      await bookingBecomes(h, booking.id, { status: 'confirmed', payment_status: 'paid' });
      const again = succeeded(booking.id, PRICE, pi);
      await deliver(h, again);
      expect(await applied(h, again.id)).to.include({ outcome: 'recorded', flag: null });
      expect(await refundsIn(h, booking.id)).to.have.length(0);
    });
  });

  describe('a booking partly refunded before its cancel (issue 10, item 3)', () => {
    it('when 20.00 went back by charge.refunded and the practitioner then cancels, then refund_due_cents is the other 30.00 and the refund is exactly 30.00', async () => {
      const pi = `pi_part_${booking.id}`;
      await deliver(h, succeeded(booking.id, PRICE, pi));
      await bookingBecomes(h, booking.id, { status: 'confirmed', payment_status: 'paid' });
      await deliver(h, chargeRefunded(booking.id, PRICE, 2000, pi));
      await bookingBecomes(h, booking.id, { payment_status: 'partially_refunded' });
      const canceled = await act(h, cast.practitioner, booking.id, 'cancel', { reason: 'ill' });
      expect(canceled.status, JSON.stringify(canceled.body)).to.equal(200);
      expect(canceled.body).to.include({ status: 'canceled', refund_due_cents: PRICE - 2000 });
      await eventually(async () =>
        expect((await refundsIn(h, booking.id)).map((r: { amount_cents: number; state: string }) => [r.amount_cents, r.state])).to.deep.equal([
          [2000, 'succeeded'],
          [PRICE - 2000, 'awaiting_operator'],
        ]),
      );
      expect(await refundBooking(h.app, booking.id)).to.deep.equal({ outcome: 'nothing_due' });
    });

    it('when 20.00 went back and the client cancels too late for a refund, then nothing more is due', async () => {
      const pi = `pi_late_part_${booking.id}`;
      await deliver(h, succeeded(booking.id, PRICE, pi));
      await bookingBecomes(h, booking.id, { status: 'confirmed' });
      await deliver(h, chargeRefunded(booking.id, PRICE, 2000, pi));
      await bookingBecomes(h, booking.id, { payment_status: 'partially_refunded' });
      h.clock.set(new Date(Date.parse(START) - 2 * 3_600_000));
      const canceled = await act(h, cast.client, booking.id, 'cancel');
      expect(canceled.body).to.include({ status: 'canceled', refund_due_cents: 0 });
      expect(await outboxJobs(h, 'refund', booking.id)).to.have.length(0);
    });
  });

  describe('the currency of a payment (issue 10, item 4)', () => {
    it('when the payment is in another currency (eur for a USD booking), then it is an amount mismatch: flagged, not confirming', async () => {
      const event = anEvent('payment_intent.succeeded', { bookingRef: booking.id, amount_received: PRICE, amount: PRICE, currency: 'eur' });
      await deliver(h, event);
      expect(await applied(h, event.id)).to.include({ flag: 'amount_mismatch', booking_id: booking.id });
      expect(await bookingRow(h, booking.id)).to.include({ status: 'pending_payment' });
      expect((await ledgerOf(h, booking.id))[0]).to.include({ currency: 'EUR', flag: 'amount_mismatch' });
    });

    it('when Stripe names the booking\'s currency in lowercase (usd), then the booking is confirmed', async () => {
      const event = anEvent('payment_intent.succeeded', { bookingRef: booking.id, amount_received: PRICE, amount: PRICE, currency: 'usd' });
      await deliver(h, event);
      await bookingBecomes(h, booking.id, { status: 'confirmed', payment_status: 'paid' });
      expect(await eventRow(h, event.id)).to.include({ outcome: 'confirm', flag: null });
    });

    it('when the currency is not a currency code, then the event is flagged malformed_event and nothing is recorded', async () => {
      const event = anEvent('payment_intent.succeeded', { bookingRef: booking.id, amount_received: PRICE, amount: PRICE, currency: 'dollars' });
      await deliver(h, event);
      expect(await applied(h, event.id)).to.include({ flag: 'malformed_event' });
      expect(await ledgerOf(h, booking.id)).to.have.length(0);
      expect(await bookingRow(h, booking.id)).to.include({ status: 'pending_payment' });
    });
  });

  describe('practitioner cancels a paid booking', () => {
    it('when it was paid offline (confirmed by the practitioner), then one refund row awaits an operator, shown in the booking detail', async () => {
      const confirmed = await act(h, cast.practitioner, booking.id, 'confirm');
      expect(confirmed.body).to.include({ status: 'confirmed', payment_status: 'paid' });
      const canceled = await act(h, cast.practitioner, booking.id, 'cancel', { reason: 'ill' });
      expect(canceled.status, JSON.stringify(canceled.body)).to.equal(200);
      expect(canceled.body).to.include({ status: 'canceled', refund_due_cents: PRICE });

      await eventually(async () => expect((await refundsIn(h, booking.id)).map((r: { state: string }) => r.state)).to.deep.equal(['awaiting_operator']));
      const detail = await detailOf(h, cast.client, booking.id);
      // The offline payment the confirm recorded, then its refund.
      expect(detail.payments).to.have.length(2);
      expect(detail.payments[0]).to.include({ kind: 'payment', provider: 'offline', amount_cents: PRICE, state: 'succeeded' });
      expect(detail.payments[1]).to.include({ kind: 'refund', provider: 'offline', amount_cents: PRICE, amount: '50.00', state: 'awaiting_operator' });
      // Nothing has been given back yet: the booking is still paid, with the refund due.
      expect(detail).to.include({ payment_status: 'paid', refund_due_cents: PRICE });

      // The refund job delivered again (at-least-once) pays nothing more.
      expect(await refundBooking(h.app, booking.id)).to.deep.equal({ outcome: 'nothing_due' });
      expect(await refundsIn(h, booking.id)).to.have.length(1);
    });

    it('when it was paid through the provider, then the refund (recorded for an operator here) is the amount paid, once', async () => {
      await deliver(h, succeeded(booking.id, PRICE));
      await bookingBecomes(h, booking.id, { status: 'confirmed', payment_status: 'paid' });
      expect((await act(h, cast.practitioner, booking.id, 'cancel')).status).to.equal(200);
      await eventually(async () => expect((await refundsIn(h, booking.id)).map((r: { amount_cents: number; state: string }) => [r.amount_cents, r.state])).to.deep.equal([[PRICE, 'awaiting_operator']]));
      expect(await refundBooking(h.app, booking.id)).to.deep.equal({ outcome: 'nothing_due' });
      expect(await refundsIn(h, booking.id)).to.have.length(1);
    });

    it('when the client cancels late (no refund by policy), then no refund is recorded', async () => {
      await act(h, cast.practitioner, booking.id, 'confirm');
      h.clock.set(new Date(Date.parse(START) - 2 * 3_600_000));
      const canceled = await act(h, cast.client, booking.id, 'cancel');
      expect(canceled.body).to.include({ status: 'canceled', refund_due_cents: 0 });
      expect(await outboxJobs(h, 'refund', booking.id)).to.have.length(0);
    });
  });
});

describe('payments worker, Stripe adapter against a fake Stripe (real workers and relay)', () => {
  let payments: { close: () => Promise<void> } | undefined;
  const startPayments = () => {
    payments = startWorkerPool(suite.h.app, { queues: ['payments'], concurrency: 5 });
  };
  const stopPayments = async () => {
    await payments?.close();
    payments = undefined;
  };
  const suite = fakeStripeSuite({
    env: { WORKER_LOCK_MS: '2000' },
    start: START,
    startWorkers: async (h) => {
      const background = await startWorkersInProcess(h.app, { queues: ['lifecycle', 'notifications'] });
      startPayments();
      return {
        close: async () => {
          await killSpawnedWorkers();
          await stopPayments();
          await background.close();
        },
      };
    },
  });
  let fake: FakeStripe;
  let h: Harness;
  let strangers: Strangers;
  before(() => ({ fake, h, strangers } = suite));

  let cast: Cast;
  let booking: Booking;
  let pi: string;
  beforeEach(() => ({ cast, booking, pi } = suite));

  /** The client pays at the provider and the provider tells us so. */
  async function payThroughProvider(): Promise<void> {
    fake.markSucceeded(pi);
    await deliver(h, succeeded(booking.id, PRICE, pi));
    await bookingBecomes(h, booking.id, { status: 'confirmed', payment_status: 'paid' });
  }

  const refundCallsFor = () => fake.callsTo('/v1/refunds').filter((c) => c.params.payment_intent === pi);
  const providerRefundsFor = () => fake.refunds.filter((r) => r.payment_intent === pi);

  describe('creating a paid booking', () => {
    it('when the provider is Stripe, then the answer carries the PaymentIntent client_secret, its metadata names the booking, and a pending payment row is stored', async () => {
      const intent = [...fake.paymentIntents.values()].find((p) => p.metadata.booking_id === String(booking.id));
      expect(intent, 'a PaymentIntent for the booking').to.not.equal(undefined);
      expect(booking.payment).to.deep.equal({ provider: 'stripe', amount_cents: PRICE, currency: 'USD', client_secret: intent!.client_secret });
      expect(intent).to.deep.include({ id: pi, amount: PRICE, currency: 'usd' });
      expect(intent!.metadata).to.deep.equal({ booking_id: String(booking.id), booking_uuid: booking.public_uuid });
      const call = fake.callsTo('/v1/payment_intents').find((c) => (c.params.metadata as Record<string, string>).booking_id === String(booking.id));
      expect(call?.idempotencyKey).to.equal(`pay-${booking.public_uuid}`);
      expect(await ledgerOf(h, booking.id)).to.have.length(1);
      expect((await ledgerOf(h, booking.id))[0]).to.include({ kind: 'payment', provider: 'stripe', provider_id: pi, amount_cents: PRICE, state: 'pending' });
    });

    it('when a draft is submitted, then the answer carries the client_secret of a PaymentIntent for that booking', async () => {
      const other = await aCast(h, strangers);
      const draft = await aBooking(h, other.client, other, START, { draft: true });
      expect(draft.payment).to.equal(null);
      const res = await act(h, other.client, draft.id, 'submit');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ status: 'pending_payment' });
      const intent = [...fake.paymentIntents.values()].find((p) => p.metadata.booking_id === String(draft.id));
      expect(res.body.payment).to.deep.equal({ provider: 'stripe', amount_cents: PRICE, currency: 'USD', client_secret: intent!.client_secret });
    });

    it('when the provider fails, then the booking still stands and the answer says payment could not start', async () => {
      const other = await aCast(h, strangers);
      fake.failNext('/v1/payment_intents', { mode: 'error', afterCreate: false });
      const res = await aBooking(h, other.client, other, START);
      expect(res).to.include({ status: 'pending_payment' });
      expect(res.payment).to.include({ provider: 'stripe', amount_cents: PRICE });
      expect(res.payment.error).to.be.a('string');
      expect(res.payment).to.not.have.property('client_secret');
    });
  });

  describe('refunds', () => {
    it('when the practitioner cancels a booking paid through Stripe, then exactly one refund is created at Stripe and one refund row is in the ledger', async () => {
      await payThroughProvider();
      expect((await act(h, cast.practitioner, booking.id, 'cancel')).status).to.equal(200);
      await bookingBecomes(h, booking.id, { status: 'canceled', payment_status: 'refunded' });
      expect(refundCallsFor()).to.have.length(1);
      expect(providerRefundsFor()).to.have.length(1);
      const [refund] = await refundsIn(h, booking.id);
      expect(await refundsIn(h, booking.id)).to.have.length(1);
      expect(refund).to.include({ provider: 'stripe', provider_id: providerRefundsFor()[0]!.id, amount_cents: PRICE, state: 'succeeded' });
      expect(refundCallsFor()[0]!.idempotencyKey).to.equal(refund.idempotency_key);
      expect(refundCallsFor()[0]!.params).to.deep.include({ amount: String(PRICE) });

      // Stripe then reports the refund on the charge: it is already counted.
      const report = chargeRefunded(booking.id, PRICE, PRICE, pi);
      await deliver(h, report);
      await applied(h, report.id);
      expect(await refundsIn(h, booking.id)).to.have.length(1);
      expect(await bookingRow(h, booking.id)).to.include({ payment_status: 'refunded' });
      expect(await refundBooking(h.app, booking.id)).to.deep.equal({ outcome: 'nothing_due' });
      expect(providerRefundsFor()).to.have.length(1);
    });

    it('when the payment arrives after the hold expired, then Stripe receives exactly one refund of it', async () => {
      await expireHold(h, booking.id);
      fake.markSucceeded(pi);
      const event = succeeded(booking.id, PRICE, pi);
      await deliver(h, event);
      await bookingBecomes(h, booking.id, { payment_status: 'refunded' });
      expect(await bookingRow(h, booking.id)).to.include({ status: 'canceled', refund_due_cents: PRICE });
      expect(refundCallsFor()).to.have.length(1);
      expect(providerRefundsFor().map((r) => r.amount)).to.deep.equal([PRICE]);
      const ledger = await ledgerOf(h, booking.id);
      expect(ledger.map((r: { kind: string; state: string; amount_cents: number }) => [r.kind, r.state, r.amount_cents])).to.deep.equal([
        ['payment', 'succeeded', PRICE],
        ['refund', 'succeeded', PRICE],
      ]);
    });

    it('when an underpayment was flagged and the hold then expires, then Stripe refunds exactly what was paid, once', async () => {
      fake.markSucceeded(pi, PRICE - 100);
      const short = succeeded(booking.id, PRICE - 100, pi);
      await deliver(h, short);
      expect(await applied(h, short.id)).to.include({ flag: 'amount_mismatch' });
      expect(await bookingRow(h, booking.id)).to.include({ status: 'pending_payment' });
      await expireHold(h, booking.id);
      await bookingBecomes(h, booking.id, { payment_status: 'refunded' });
      expect(providerRefundsFor().map((r) => r.amount)).to.deep.equal([PRICE - 100]);
      expect(refundCallsFor().map((c) => c.outcome)).to.deep.equal(['created']);
      expect((await refundsIn(h, booking.id)).map((r: { amount_cents: number; state: string }) => [r.amount_cents, r.state])).to.deep.equal([[PRICE - 100, 'succeeded']]);
    });

    it('when the first refund call is applied at Stripe but its answer is lost (the job fails), then the retried job reuses the key: one refund at Stripe, one in the ledger', async () => {
      await payThroughProvider();
      fake.failNext('/v1/refunds', { mode: 'error' });
      expect((await act(h, cast.practitioner, booking.id, 'cancel')).status).to.equal(200);
      await bookingBecomes(h, booking.id, { payment_status: 'refunded' });
      const calls = refundCallsFor();
      expect(calls.map((c) => c.outcome)).to.deep.equal(['failed_after_create', 'replayed']);
      expect(calls[0]!.idempotencyKey).to.be.a('string').and.equal(calls[1]!.idempotencyKey);
      expect(providerRefundsFor()).to.have.length(1);
      const refunds = await refundsIn(h, booking.id);
      expect(refunds).to.have.length(1);
      expect(refunds[0]).to.include({ state: 'succeeded', provider_id: providerRefundsFor()[0]!.id, idempotency_key: calls[0]!.idempotencyKey });
    });

    it('when charge.refunded is applied while our refund call is in flight, then both finish (no deadlock) and the refund is counted once', async function () {
      this.timeout(30_000);
      await payThroughProvider();
      // The queued refund job waits: this test runs the use case itself, to time it against the event.
      await stopPayments();
      try {
        expect((await act(h, cast.practitioner, booking.id, 'cancel')).status).to.equal(200);
        fake.failNext('/v1/refunds', { mode: 'hold' });
        const refunding = refundBooking(h.app, booking.id);
        refunding.catch(() => undefined); // awaited below; a rejection must not count as unhandled meanwhile
        await eventually(() => expect(refundCallsFor()).to.have.length(1));

        // What applying charge.refunded does, holding the booking's lock while our refund's answer comes back.
        const event = await h.app.db.transaction();
        try {
          await h.app.payments.lockBookingByRef(event, String(booking.id));
          fake.releaseHeld();
          await eventually(async () => {
            expect(await sessionsWaitingOnLocks(h), 'the refund waiting for the booking lock').to.be.greaterThan(0);
          });
          const covered = refundsSettledBy(PRICE, await h.app.payments.ledger(event, booking.id));
          await h.app.payments.settleRefunds(event, covered.map((refund) => refund.id));
          await refreshPaymentStatus(h.app, event, booking.id);
          await event.commit();
        } catch (error) {
          await event.rollback();
          throw error;
        }
        expect(await refunding).to.deep.equal({ outcome: 'refunded', amountCents: PRICE });
        const refunds = await refundsIn(h, booking.id);
        expect(refunds).to.have.length(1);
        expect(refunds[0]).to.include({ state: 'succeeded', provider_id: providerRefundsFor()[0]!.id, amount_cents: PRICE });
        expect(await bookingRow(h, booking.id)).to.include({ payment_status: 'refunded' });
      } finally {
        startPayments();
      }
      expect(providerRefundsFor()).to.have.length(1);
    });

    it('when a booking paid through Stripe is paid again with a second PaymentIntent, then Stripe refunds the second in full, it stays out of payment_status, and a later cancel refunds the original payment in full (issue 10, item 2)', async () => {
      await payThroughProvider();
      const second = await h.app.paymentProvider.startPayment({ bookingId: booking.id, publicUuid: booking.public_uuid, amountCents: PRICE, amountText: '50.00', currency: 'USD', idempotencyKey: `pay-again-${booking.public_uuid}` });
      const pi2 = second.providerId!;
      fake.markSucceeded(pi2);
      const event = succeeded(booking.id, PRICE, pi2);
      await deliver(h, event);
      expect(await applied(h, event.id)).to.include({ outcome: 'refund_duplicate', flag: 'duplicate_payment' });
      await eventually(() => expect(fake.refunds.filter((r) => r.payment_intent === pi2).map((r) => r.amount)).to.deep.equal([PRICE]));
      const [dupRefund] = await eventually(async () => {
        const refunds = await refundsIn(h, booking.id);
        expect(refunds.map((r: { state: string; flag: string }) => [r.state, r.flag])).to.deep.equal([['succeeded', 'duplicate_payment']]);
        return refunds;
      });
      expect(dupRefund.provider_id).to.equal(fake.refunds.find((r) => r.payment_intent === pi2)!.id);
      expect(await bookingRow(h, booking.id)).to.include({ status: 'confirmed', payment_status: 'paid' });

      // Stripe reports the refund on the second charge: the booking's own payment is untouched.
      const report = chargeRefunded(booking.id, PRICE, PRICE, pi2);
      await deliver(h, report);
      await applied(h, report.id);
      expect(await refundsIn(h, booking.id)).to.have.length(1);
      expect(await bookingRow(h, booking.id)).to.include({ payment_status: 'paid' });

      expect((await act(h, cast.practitioner, booking.id, 'cancel')).body).to.include({ status: 'canceled', refund_due_cents: PRICE });
      await bookingBecomes(h, booking.id, { payment_status: 'refunded' });
      expect(providerRefundsFor().map((r) => r.amount)).to.deep.equal([PRICE]);
      expect(fake.refunds.filter((r) => r.payment_intent === pi2).map((r) => r.amount)).to.deep.equal([PRICE]);
    });

    it('when 20.00 was refunded at Stripe and the practitioner then cancels, then Stripe refunds exactly the other 30.00 (issue 10, item 3)', async () => {
      await payThroughProvider();
      fake.refundDirectly(pi, 2000);
      const report = chargeRefunded(booking.id, PRICE, 2000, pi);
      await deliver(h, report);
      await bookingBecomes(h, booking.id, { payment_status: 'partially_refunded' });
      expect((await act(h, cast.practitioner, booking.id, 'cancel')).body).to.include({ status: 'canceled', refund_due_cents: PRICE - 2000 });
      await bookingBecomes(h, booking.id, { payment_status: 'refunded' });
      expect(providerRefundsFor().map((r) => r.amount)).to.deep.equal([2000, PRICE - 2000]);
    });

    describe('when the worker process is killed mid-refund', () => {
      it('when killed while Stripe holds the call (refund row committed), then the job retried elsewhere reuses the key: one refund at Stripe, one in the ledger', async function () {
        this.timeout(60_000);
        // Confirm with the in-process worker, then hand the payments queue to a separate process.
        await payThroughProvider();
        await stopPayments();
        const doomed = await spawnWorker(h, { queues: ['payments'], relay: false, env: { STRIPE_SECRET_KEY: 'sk_test_x', PAYMENT_WEBHOOK_SECRET: 'whsec_dev', STRIPE_API_URL: fake.url } });

        fake.failNext('/v1/refunds', { mode: 'hang' });
        expect((await act(h, cast.practitioner, booking.id, 'cancel')).status).to.equal(200);
        await eventually(() => expect(refundCallsFor()).to.have.length(1), 20_000);
        const [pending] = await refundsIn(h, booking.id);
        expect(pending).to.include({ state: 'pending', provider_id: null, idempotency_key: refundCallsFor()[0]!.idempotencyKey });

        doomed.kill('SIGKILL');
        await doomed.exited;
        startPayments();

        await bookingBecomes(h, booking.id, { payment_status: 'refunded' });
        const calls = refundCallsFor();
        expect(calls.map((c) => c.outcome)).to.deep.equal(['hung_after_create', 'replayed']);
        expect(calls[1]!.idempotencyKey).to.equal(calls[0]!.idempotencyKey);
        expect(providerRefundsFor()).to.have.length(1);
        const refunds = await refundsIn(h, booking.id);
        expect(refunds).to.have.length(1);
        expect(refunds[0]).to.include({ id: pending.id, state: 'succeeded', provider_id: providerRefundsFor()[0]!.id });
      });

      it('when an operator refunds part at Stripe before the retry, then the ledger never counts money not returned, and the rest is still paid back', async function () {
        this.timeout(60_000);
        await payThroughProvider();
        await stopPayments();
        const doomed = await spawnWorker(h, { queues: ['payments'], relay: false, env: { STRIPE_SECRET_KEY: 'sk_test_x', PAYMENT_WEBHOOK_SECRET: 'whsec_dev', STRIPE_API_URL: fake.url } });
        // Our refund call never reaches Stripe's books: the process dies holding it.
        fake.failNext('/v1/refunds', { mode: 'hang', afterCreate: false });
        expect((await act(h, cast.practitioner, booking.id, 'cancel')).status).to.equal(200);
        await eventually(() => expect(refundCallsFor()).to.have.length(1), 20_000);
        doomed.kill('SIGKILL');
        await doomed.exited;
        expect((await refundsIn(h, booking.id)).map((r: { state: string; amount_cents: number }) => [r.state, r.amount_cents])).to.deep.equal([['pending', PRICE]]);

        // Meanwhile an operator refunds 10.00 in the Stripe dashboard, and Stripe reports it.
        fake.refundDirectly(pi, 1000);
        const report = chargeRefunded(booking.id, PRICE, 1000, pi);
        await deliver(h, report);
        startPayments();
        await applied(h, report.id);
        const succeededRefunds = async () =>
          (await refundsIn(h, booking.id)).filter((r: { state: string }) => r.state === 'succeeded').reduce((sum: number, r: { amount_cents: number }) => sum + r.amount_cents, 0);
        const atProvider = () => providerRefundsFor().reduce((sum, r) => sum + r.amount, 0);
        expect(await succeededRefunds(), 'refunds the ledger counts as paid back').to.be.at.most(atProvider());

        // The refund job, picked up again, pays back what is still owed: 40.00, once.
        await bookingBecomes(h, booking.id, { payment_status: 'refunded' });
        expect(atProvider()).to.equal(PRICE);
        expect(providerRefundsFor().map((r) => r.amount)).to.deep.equal([1000, PRICE - 1000]);
        expect(await succeededRefunds()).to.equal(PRICE);
      });
    });
  });
});
