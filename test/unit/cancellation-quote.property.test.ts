import { expect } from 'chai';
import fc from 'fast-check';
import { computeRefundDueCents, decideCancellationRefund, type CancellationSubject } from '../../src/domain/cancellation-policy';
import { bundleRefundDueCents, creditReturnsOnCancel, parentRefundDueCents } from '../../src/domain/parent-bookings';
import type { ActorRole, BookingStatus, PaymentStatus } from '../../src/domain/types';

const HOUR = 3_600_000;
const NOW = new Date('2030-01-07T08:00:00Z');
const RUN = { numRuns: 500, seed: Number(process.env.FC_SEED ?? 20261204) };

const role = fc.constantFrom<ActorRole>('client', 'practitioner', 'admin', 'system');
const payment = fc.constantFrom<PaymentStatus>('paid', 'partially_refunded', 'unpaid', 'not_required', 'refunded', 'failed');
const price = fc.integer({ min: 0, max: 100_000 });
const notice = fc.integer({ min: 0, max: 72 });
const startAt = fc.option(fc.integer({ min: -48, max: 24 * 14 }).map((h) => new Date(NOW.getTime() + h * HOUR + 17_000)), { nil: null });
const childStatus = fc.constantFrom<BookingStatus>('draft', 'pending_payment', 'confirmed', 'in_progress', 'completed', 'no_show', 'canceled');

const session: fc.Arbitrary<CancellationSubject> = fc.record({
  kind: fc.constant('session' as const),
  paymentStatus: payment,
  amountPaidCents: price,
  noticeHours: notice,
  startTime: startAt,
  alreadyRefundedCents: fc.integer({ min: 0, max: 120_000 }),
  redeemedCredit: fc.boolean(),
});
const parent: fc.Arbitrary<CancellationSubject> = fc.record({
  kind: fc.constant('parent' as const),
  paymentStatus: payment,
  amountPaidCents: price,
  noticeHours: notice,
  children: fc.array(fc.record({ status: childStatus, startTime: startAt }), { maxLength: 8 }),
  grantedSoFarCents: fc.integer({ min: 0, max: 100_000 }),
});
const bundle: fc.Arbitrary<CancellationSubject> = fc.record({
  kind: fc.constant('bundle' as const),
  paymentStatus: payment,
  amountPaidCents: price,
  sessionsIncluded: fc.integer({ min: 0, max: 20 }),
  bonusSessions: fc.integer({ min: 0, max: 5 }),
  remainingCredits: fc.integer({ min: 0, max: 25 }),
  alreadyRefundedCents: fc.integer({ min: 0, max: 120_000 }),
});
const subject = fc.oneof(session, parent, bundle);
const now = fc.integer({ min: -2 * 24, max: 10 * 24 }).map((h) => new Date(NOW.getTime() + h * HOUR));

describe('decideCancellationRefund: the one rule behind the cancel and its quote (property)', () => {
  it('when any booking is quoted by any role at any time, then the decision is what the per-kind rules the cancel applied before give', () => {
    fc.assert(
      fc.property(subject, role, now, (s, by, at) => {
        const decided = decideCancellationRefund(s, by, at);
        if (s.kind === 'session') {
          expect(decided.refundDueCents).to.equal(computeRefundDueCents({ ...s, canceledBy: by, now: at }));
          expect(decided.creditReturned).to.equal(s.redeemedCredit ? creditReturnsOnCancel({ canceledBy: by, startTime: s.startTime, noticeHours: s.noticeHours, now: at }) : null);
        } else if (s.kind === 'parent') {
          expect(decided.refundDueCents).to.equal(Math.max(parentRefundDueCents({ ...s, canceledBy: by, now: at }), s.grantedSoFarCents));
        } else {
          expect(decided.refundDueCents).to.equal(Math.max(0, bundleRefundDueCents(s) - s.alreadyRefundedCents));
        }
      }),
      RUN,
    );
  });

  it('when the decision is made, then the refund is never negative nor more than was paid (or already granted), and nothing unpaid is refunded', () => {
    fc.assert(
      fc.property(subject, role, now, (s, by, at) => {
        const { refundDueCents, reason } = decideCancellationRefund(s, by, at);
        expect(refundDueCents).to.be.at.least(0);
        expect(refundDueCents).to.be.at.most(Math.max(s.amountPaidCents, s.kind === 'parent' ? s.grantedSoFarCents : 0));
        if (s.paymentStatus !== 'paid' && s.paymentStatus !== 'partially_refunded' && s.kind !== 'parent') expect(refundDueCents).to.equal(0);
        if (reason === 'full_refund') expect(refundDueCents).to.be.at.least(s.amountPaidCents);
      }),
      RUN,
    );
  });

  it('when a client cancels a paid session, then full_refund_until is the edge: up to it the full refund, after it nothing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), notice, fc.integer({ min: -48, max: 24 * 14 }), fc.boolean(), now, (paid, noticeHours, startHours, redeemed, at) => {
        const s: CancellationSubject = { kind: 'session', paymentStatus: 'paid', amountPaidCents: paid, noticeHours, startTime: new Date(NOW.getTime() + startHours * HOUR), alreadyRefundedCents: 0, redeemedCredit: redeemed };
        const { refundDueCents, fullRefundUntil } = decideCancellationRefund(s, 'client', at);
        expect(fullRefundUntil).to.be.instanceOf(Date);
        expect(refundDueCents).to.equal(at.getTime() <= fullRefundUntil!.getTime() ? paid : 0);
      }),
      RUN,
    );
  });

  it('when anyone but the client cancels, then no deadline applies to them', () => {
    fc.assert(
      fc.property(subject, fc.constantFrom<ActorRole>('practitioner', 'admin', 'system'), now, (s, by, at) => {
        expect(decideCancellationRefund(s, by, at).fullRefundUntil).to.equal(null);
      }),
      RUN,
    );
  });
});
