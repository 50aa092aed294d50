import { expect } from 'chai';
import { computeRefundDueCents, type RefundInput } from '../../src/domain/cancellation-policy';
import { PAYMENT_STATUSES, type ActorRole } from '../../src/domain/types';

const NOW = new Date('2026-06-01T12:00:00Z');
const HOUR = 3_600_000;
const NOTICE_HOURS = 24;
const PAID = 12_500;

/** A paid booking starting exactly at the notice boundary, canceled by the client. */
function input(overrides: Partial<RefundInput> = {}): RefundInput {
  return {
    paymentStatus: 'paid',
    amountPaidCents: PAID,
    noticeHours: NOTICE_HOURS,
    startTime: new Date(NOW.getTime() + NOTICE_HOURS * HOUR),
    canceledBy: 'client',
    now: NOW,
    ...overrides,
  };
}

const startingIn = (ms: number): Date => new Date(NOW.getTime() + ms);

describe('cancellation-policy: computeRefundDueCents', () => {
  describe('client cancels of a paid booking', () => {
    it('when exactly the notice period remains, then the refund is full', () => {
      expect(computeRefundDueCents(input())).to.equal(PAID);
    });

    it('when one millisecond less than the notice period remains, then nothing is refunded', () => {
      expect(computeRefundDueCents(input({ startTime: startingIn(NOTICE_HOURS * HOUR - 1) }))).to.equal(0);
    });

    it('when well over the notice period remains, then the refund is full', () => {
      expect(computeRefundDueCents(input({ startTime: startingIn(7 * 24 * HOUR) }))).to.equal(PAID);
    });

    it('when the session has already started, then nothing is refunded', () => {
      expect(computeRefundDueCents(input({ startTime: startingIn(-HOUR) }))).to.equal(0);
    });

    it('when the service asks for no notice, then canceling right at the start is still refunded in full', () => {
      expect(computeRefundDueCents(input({ noticeHours: 0, startTime: NOW }))).to.equal(PAID);
    });

    it('when the booking has no start time (package or bundle parent), then the refund is full', () => {
      expect(computeRefundDueCents(input({ startTime: null }))).to.equal(PAID);
    });
  });

  describe('cancels by anyone but the client', () => {
    for (const canceledBy of ['practitioner', 'admin', 'system'] as const satisfies readonly ActorRole[]) {
      it(`when the ${canceledBy} cancels a paid booking one millisecond inside the notice period, then the refund is full`, () => {
        const late = input({ canceledBy, startTime: startingIn(NOTICE_HOURS * HOUR - 1) });
        expect(computeRefundDueCents(late)).to.equal(PAID);
      });

      it(`when the ${canceledBy} cancels a paid booking after it started, then the refund is full`, () => {
        expect(computeRefundDueCents(input({ canceledBy, startTime: startingIn(-HOUR) }))).to.equal(PAID);
      });
    }
  });

  describe('unpaid bookings', () => {
    for (const paymentStatus of PAYMENT_STATUSES.filter((s) => s !== 'paid' && s !== 'partially_refunded')) {
      for (const canceledBy of ['client', 'practitioner', 'admin', 'system'] as const) {
        it(`when payment is ${paymentStatus} and the ${canceledBy} cancels in good time, then nothing is refunded`, () => {
          expect(computeRefundDueCents(input({ paymentStatus, canceledBy, startTime: startingIn(7 * 24 * HOUR) }))).to.equal(0);
        });
      }
    }
  });

  describe('a booking already partly refunded (issue 10, item 3)', () => {
    it('when the practitioner cancels after 20.00 went back, then the rest of the payment is due', () => {
      expect(computeRefundDueCents(input({ paymentStatus: 'partially_refunded', canceledBy: 'practitioner', alreadyRefundedCents: 2000 }))).to.equal(PAID - 2000);
    });

    it('when the client cancels in good time after 20.00 went back, then the rest is due', () => {
      expect(computeRefundDueCents(input({ paymentStatus: 'partially_refunded', alreadyRefundedCents: 2000 }))).to.equal(PAID - 2000);
    });

    it('when the client cancels late after 20.00 went back, then nothing more is due (never negative)', () => {
      expect(computeRefundDueCents(input({ paymentStatus: 'partially_refunded', startTime: startingIn(HOUR), alreadyRefundedCents: 2000 }))).to.equal(0);
    });

    it('when refunds already cover the payment, then nothing is due', () => {
      expect(computeRefundDueCents(input({ paymentStatus: 'paid', canceledBy: 'admin', alreadyRefundedCents: PAID }))).to.equal(0);
    });
  });
});
