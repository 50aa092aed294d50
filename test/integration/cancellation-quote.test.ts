import { expect } from 'chai';
import fc from 'fast-check';
import { aBooking, aSchedule, aService, aUser, type TestUser } from '../support/builders';
import { DEFAULT_NOW } from '../support/harness';
import { aCourse, bought } from '../support/parent-fixtures';
import { BOOKINGS, HOUR, act, aPendingBooking, detailOf, expectError, lifecycleSuite } from '../support/lifecycle-fixtures';

const quoteOf = (who: TestUser, id: number) => suite.h.http.get(`${BOOKINGS}/${id}/cancellation-quote/`).set(who.auth);
const suite = lifecycleSuite();

/** Quotes as `who`, then cancels as `who` at the same instant: the cancel must do what the quote said. */
async function expectQuoteKept(who: TestUser, id: number) {
  const quote = await quoteOf(who, id);
  const cancel = await act(suite.h, who, id, 'cancel');
  if (quote.status !== 200) {
    expect(cancel.status, 'a quote refused is a cancel refused').to.equal(quote.status);
    expect(cancel.body.code).to.equal(quote.body.code);
    return quote.body;
  }
  expect(cancel.status, JSON.stringify(cancel.body)).to.equal(200);
  expect(Object.keys(quote.body).sort()).to.deep.equal(['credit_returned', 'full_refund_until', 'reason', 'refund', 'refund_cents']);
  expect(cancel.body.refund_due_cents ?? 0, `quote ${JSON.stringify(quote.body)}`).to.equal(quote.body.refund_cents);
  expect(quote.body.refund).to.equal((quote.body.refund_cents / 100).toFixed(2));
  return quote.body;
}

describe('GET bookings/{id}/cancellation-quote/ (docs/retries-and-concurrency.md): the quote is what the cancel then does', () => {
  it('when random session bookings (paid or not, any notice) are quoted and canceled by random roles at random times, then the cancel refunds exactly the quote', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          noticeHours: fc.constantFrom(0, 6, 24, 48),
          day: fc.integer({ min: 1, max: 5 }),
          hour: fc.integer({ min: 9, max: 18 }),
          paid: fc.boolean(),
          role: fc.constantFrom('client' as const, 'practitioner' as const, 'admin' as const),
          waitHours: fc.integer({ min: 0, max: 120 }),
        }),
        async ({ noticeHours, day, hour, paid, role, waitHours }) => {
          const { h } = suite;
          const cast = await suite.newCast({ cancellation_notice_hours: noticeHours });
          const start = new Date(Date.UTC(2030, 0, 7 + day, hour));
          const booking = await aPendingBooking(h, cast, start.toISOString());
          if (paid) expect((await act(h, cast.practitioner, booking.id, 'confirm')).status).to.equal(200);
          h.clock.set(new Date(Math.min(DEFAULT_NOW.getTime() + waitHours * HOUR, start.getTime() - 60_000)));
          try {
            const quote = await expectQuoteKept(cast[role], booking.id);
            if (paid && role !== 'client') expect(quote).to.include({ reason: 'full_refund', refund_cents: cast.service.price_cents, full_refund_until: null });
            if (!paid && quote.reason) expect(quote).to.include({ reason: 'nothing_paid', refund_cents: 0 });
          } finally {
            h.clock.set(DEFAULT_NOW);
          }
        },
      ),
      { numRuns: 12, seed: Number(process.env.FC_SEED ?? 20261204) },
    );
  });

  it('when a client asks inside the notice, then the quote says 0 (inside_notice) with the deadline that passed, and the cancel refunds 0', async () => {
    const { h } = suite;
    const cast = await suite.newCast({ cancellation_notice_hours: 24 });
    const booking = await aPendingBooking(h, cast, '2030-01-08T10:00:00Z');
    expect((await act(h, cast.practitioner, booking.id, 'confirm')).status).to.equal(200);
    const early = (await quoteOf(cast.client, booking.id)).body;
    expect(early).to.deep.equal({ refund_cents: 5000, refund: '50.00', full_refund_until: '2030-01-07T10:00:00.000Z', reason: 'full_refund', credit_returned: null });
    h.clock.set(new Date('2030-01-07T10:00:01Z'));
    const late = await expectQuoteKept(cast.client, booking.id);
    expect(late).to.deep.equal({ refund_cents: 0, refund: '0.00', full_refund_until: '2030-01-07T10:00:00.000Z', reason: 'inside_notice', credit_returned: null });
  });

  it('when a paid course is quoted and canceled by its client, then the cancel refunds what the quote said', async () => {
    const { h } = suite;
    const practitioner = await aUser(h, 'practitioner');
    await aSchedule(h, practitioner);
    const { service } = await aCourse(h, practitioner, ['2030-01-08T10:00:00Z', '2030-01-15T10:00:00Z', '2030-01-22T10:00:00Z'], { cancellation_notice_hours: 48 });
    const client = await aUser(h, 'client');
    const course = await bought(h, client, 'course', service.id);
    expect((await act(h, practitioner, course.id, 'confirm')).status).to.equal(200);
    const quote = await expectQuoteKept(client, course.id);
    // The first session is inside the 48 h notice: two of three are refunded.
    expect(quote).to.include({ refund_cents: 20000, reason: 'partial_refund' });
  });

  it('when a bundle is quoted and canceled, then the refund is the unused paid credits, as quoted', async () => {
    const { h } = suite;
    const practitioner = await aUser(h, 'practitioner');
    await aSchedule(h, practitioner);
    const session = await aService(h, practitioner, { price_cents: 5000, cancellation_notice_hours: 24 });
    const bundleService = await aService(h, practitioner, { service_type: 'bundle', price_cents: 10_000, sessions_included: 3, bonus_sessions: 1, validity_days: 30, bundle_service_ids: [session.id] });
    const client = await aUser(h, 'client');
    const bundle = await bought(h, client, 'bundle', bundleService.id);
    expect((await act(h, practitioner, bundle.id, 'confirm')).status).to.equal(200);
    // Two credits spent: 4 − 2 = 2 left, one of them the bonus → one paid session of three back.
    for (const start of ['2030-01-09T10:00:00Z', '2030-01-09T12:00:00Z']) await aBooking(h, client, { practitioner, service: session }, start, { bundle_booking_id: bundle.id });
    const quote = await expectQuoteKept(client, bundle.id);
    expect(quote).to.include({ refund_cents: 3333, reason: 'partial_refund', full_refund_until: null });
  });

  it('when a booking paid with a bundle credit is quoted, then credit_returned says whether the cancel gives the credit back, and it does', async () => {
    const { h } = suite;
    const practitioner = await aUser(h, 'practitioner');
    await aSchedule(h, practitioner);
    const session = await aService(h, practitioner, { price_cents: 5000, cancellation_notice_hours: 24 });
    const bundleService = await aService(h, practitioner, { service_type: 'bundle', price_cents: 10_000, sessions_included: 3, bonus_sessions: 0, validity_days: 30, bundle_service_ids: [session.id] });
    const client = await aUser(h, 'client');
    const bundle = await bought(h, client, 'bundle', bundleService.id);
    expect((await act(h, practitioner, bundle.id, 'confirm')).status).to.equal(200);
    const early = await aBooking(h, client, { practitioner, service: session }, '2030-01-10T10:00:00Z', { bundle_booking_id: bundle.id });
    const late = await aBooking(h, client, { practitioner, service: session }, '2030-01-07T15:00:00Z', { bundle_booking_id: bundle.id });
    expect(await expectQuoteKept(client, early.id)).to.include({ credit_returned: true, reason: 'credit_returned', refund_cents: 0 });
    expect(await expectQuoteKept(client, late.id)).to.include({ credit_returned: false, reason: 'credit_forfeited' });
    const credits = (await detailOf(h, client, bundle.id)).credits;
    expect(credits).to.include({ total: 3, remaining: 2 });
  });

  it("when another client asks for the quote of someone else's booking, then 404 and nothing is revealed", async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const booking = await aPendingBooking(h, cast, '2030-01-09T10:00:00Z');
    expectError(await quoteOf(cast.otherClient, booking.id), 404, 'not_found');
    expectError(await quoteOf(cast.otherPractitioner, booking.id), 404, 'not_found');
  });

  it('when the booking cannot be canceled any more, then the quote is refused as the cancel would be (409 invalid_transition)', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const booking = await aPendingBooking(h, cast, '2030-01-09T12:00:00Z');
    expect((await act(h, cast.client, booking.id, 'cancel')).status).to.equal(200);
    expectError(await quoteOf(cast.client, booking.id), 409, 'invalid_transition');
    expectError(await h.http.get(`${BOOKINGS}/abc/cancellation-quote/`).set(cast.client.auth), 404, 'not_found');
    expect((await h.http.get(`${BOOKINGS}/${booking.id}/cancellation-quote/`)).status).to.equal(401);
  });
});
