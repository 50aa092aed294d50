import { expect } from 'chai';
import { decideSucceededPayment, derivePaymentStatus, outstandingRefundCents, refundsSettledBy, settledAmounts, type LedgerEntry } from '../../src/domain/payment-ledger';
import { BOOKING_STATUSES } from '../../src/domain/types';

const PRICE = 5000;

const payment = (state: LedgerEntry['state'], amount_cents = PRICE): LedgerEntry => ({ kind: 'payment', state, amount_cents });
const refund = (state: LedgerEntry['state'], amount_cents = PRICE): LedgerEntry => ({ kind: 'refund', state, amount_cents });

describe('payment-ledger: settledAmounts', () => {
  it('when the ledger mixes states, then only succeeded payments and refunds count as money moved', () => {
    const ledger = [payment('pending'), payment('failed'), payment('succeeded'), refund('pending', 100), refund('awaiting_operator', 200), refund('succeeded', 300), refund('failed', 400)];
    expect(settledAmounts(ledger)).to.deep.equal({ paidCents: PRICE, refundedCents: 300, failedAttempts: 1 });
  });
});

describe('payment-ledger: derivePaymentStatus', () => {
  it('when the booking is free and nothing was paid, then no payment is required', () => {
    expect(derivePaymentStatus(0, [])).to.equal('not_required');
  });

  it('when a paid booking has an empty ledger, then it is unpaid', () => {
    expect(derivePaymentStatus(PRICE, [])).to.equal('unpaid');
  });

  it('when the only payment is still pending, then it is unpaid', () => {
    expect(derivePaymentStatus(PRICE, [payment('pending')])).to.equal('unpaid');
  });

  it('when an attempt failed and none succeeded, then it is failed', () => {
    expect(derivePaymentStatus(PRICE, [payment('failed'), payment('pending')])).to.equal('failed');
  });

  it('when a payment succeeded, then it is paid', () => {
    expect(derivePaymentStatus(PRICE, [payment('succeeded')])).to.equal('paid');
  });

  it('when an attempt failed and a later one succeeded, then it is paid', () => {
    expect(derivePaymentStatus(PRICE, [payment('failed'), payment('succeeded')])).to.equal('paid');
  });

  it('when the refunds equal the payment, then it is refunded', () => {
    expect(derivePaymentStatus(PRICE, [payment('succeeded'), refund('succeeded', 2000), refund('succeeded', 3000)])).to.equal('refunded');
  });

  it('when part of the payment was refunded, then it is partially refunded', () => {
    expect(derivePaymentStatus(PRICE, [payment('succeeded'), refund('succeeded', 1)])).to.equal('partially_refunded');
  });

  it('when refunds are still pending or wait for an operator, then it is still paid', () => {
    expect(derivePaymentStatus(PRICE, [payment('succeeded'), refund('pending'), refund('awaiting_operator')])).to.equal('paid');
  });

  it('when the refund is recorded before the payment (out of order), then the end state is refunded either way', () => {
    const inOrder = [payment('succeeded'), refund('succeeded')];
    const reversed = [refund('succeeded'), payment('succeeded')];
    expect(derivePaymentStatus(PRICE, inOrder)).to.equal('refunded');
    expect(derivePaymentStatus(PRICE, reversed)).to.equal('refunded');
  });

  it('when only a refund is known so far, then nothing counts as paid yet', () => {
    expect(derivePaymentStatus(PRICE, [refund('succeeded')])).to.equal('unpaid');
  });

  describe('a booking paid outside the ledger (confirmed by hand after an offline payment)', () => {
    it('when its refund waits for an operator, then it stays paid', () => {
      expect(derivePaymentStatus(PRICE, [refund('awaiting_operator')], 'paid')).to.equal('paid');
    });

    it('when an earlier online attempt had failed, then it stays paid', () => {
      expect(derivePaymentStatus(PRICE, [payment('failed')], 'paid')).to.equal('paid');
    });

    it('when its refund is settled, then it is refunded', () => {
      expect(derivePaymentStatus(PRICE, [refund('succeeded')], 'paid')).to.equal('refunded');
    });

    it('when its settled refund was already derived as refunded, then deriving again keeps it refunded', () => {
      expect(derivePaymentStatus(PRICE, [refund('succeeded')], 'refunded')).to.equal('refunded');
      expect(derivePaymentStatus(PRICE, [refund('succeeded', 1000)], 'partially_refunded')).to.equal('partially_refunded');
    });

    it('when the ledger has its own succeeded payment, then the ledger decides, not the current status', () => {
      expect(derivePaymentStatus(PRICE, [payment('succeeded'), refund('succeeded')], 'paid')).to.equal('refunded');
    });

    it('when it was never paid, then the current status does not invent a payment', () => {
      expect(derivePaymentStatus(PRICE, [refund('succeeded')], 'unpaid')).to.equal('unpaid');
      expect(derivePaymentStatus(PRICE, [payment('failed')], 'failed')).to.equal('failed');
    });
  });
});

describe('payment-ledger: decideSucceededPayment', () => {
  const decide = (overrides: Partial<Parameters<typeof decideSucceededPayment>[0]> = {}) =>
    decideSucceededPayment({ status: 'pending_payment', priceCents: PRICE, amountCents: PRICE, refundedCents: 0, ...overrides });

  it('when a pending booking receives its price, then it is confirmed', () => {
    expect(decide()).to.equal('confirm');
  });

  it('when a pending booking receives one cent less or more, then it is flagged, not confirmed', () => {
    expect(decide({ amountCents: PRICE - 1 })).to.equal('amount_mismatch');
    expect(decide({ amountCents: PRICE + 1 })).to.equal('amount_mismatch');
  });

  it('when the booking was canceled meanwhile (its hold expired), then the payment is refunded', () => {
    expect(decide({ status: 'canceled' })).to.equal('refund');
  });

  it('when the booking was canceled and the amount is wrong too, then the money still goes back', () => {
    expect(decide({ status: 'canceled', amountCents: PRICE - 1000 })).to.equal('refund');
  });

  it('when the payment was already refunded in full (refund event came first), then nothing is confirmed', () => {
    expect(decide({ refundedCents: PRICE })).to.equal('nothing');
  });

  it('when only part of it was refunded before, then the booking is still confirmed', () => {
    expect(decide({ refundedCents: PRICE - 1 })).to.equal('confirm');
  });

  it('when the booking is already confirmed or beyond, then nothing happens', () => {
    for (const status of BOOKING_STATUSES.filter((s) => s !== 'pending_payment' && s !== 'canceled')) {
      expect(decide({ status }), status).to.equal('nothing');
    }
  });
});

describe('payment-ledger: outstandingRefundCents', () => {
  it('when nothing is due, then nothing is outstanding', () => {
    expect(outstandingRefundCents(0, [])).to.equal(0);
  });

  it('when a refund is due and none recorded, then all of it is outstanding', () => {
    expect(outstandingRefundCents(PRICE, [payment('succeeded')])).to.equal(PRICE);
  });

  it('when refunds are succeeded, pending or awaiting an operator, then they count against what is due', () => {
    expect(outstandingRefundCents(PRICE, [refund('succeeded', 1000), refund('pending', 1500), refund('awaiting_operator', 500)])).to.equal(2000);
  });

  it('when a refund failed or was canceled, then it does not count and the money is still owed', () => {
    expect(outstandingRefundCents(PRICE, [refund('failed'), refund('canceled')])).to.equal(PRICE);
  });

  it('when more was refunded than due, then nothing is outstanding (never negative)', () => {
    expect(outstandingRefundCents(1000, [refund('succeeded', PRICE)])).to.equal(0);
  });

  it('when payments sit in the same ledger, then they are not mistaken for refunds', () => {
    expect(outstandingRefundCents(PRICE, [payment('succeeded'), payment('pending')])).to.equal(PRICE);
  });

  it('when less than the price was paid, then no more than was paid is owed back', () => {
    expect(outstandingRefundCents(PRICE, [payment('succeeded', 4000)])).to.equal(4000);
    expect(outstandingRefundCents(PRICE, [payment('succeeded', 4000), refund('succeeded', 1000)])).to.equal(3000);
  });

  it('when the only payment failed or is pending, then nothing came in through the ledger and the amount due is not capped (paid offline)', () => {
    expect(outstandingRefundCents(PRICE, [payment('failed'), payment('pending'), refund('awaiting_operator', 1000)])).to.equal(PRICE - 1000);
  });
});

describe('payment-ledger: refundsSettledBy (a provider reports its cumulative refunded total)', () => {
  const withIds = (...entries: LedgerEntry[]) => entries.map((entry, i) => ({ ...entry, id: i + 1 }));
  const ids = (entries: Array<{ id: number }>) => entries.map((e) => e.id);

  it('when our refund in flight is exactly what was reported, then it is settled', () => {
    expect(ids(refundsSettledBy(PRICE, withIds(payment('succeeded'), refund('pending'))))).to.deep.equal([2]);
  });

  it('when the report is smaller than our refund in flight (someone refunded part elsewhere), then ours stays pending', () => {
    expect(refundsSettledBy(1000, withIds(payment('succeeded'), refund('pending')))).to.deep.equal([]);
  });

  it('when several are in flight, then the oldest that fit beside what is settled are settled, the rest stay pending', () => {
    const ledger = withIds(payment('succeeded'), refund('succeeded', 1000), refund('pending', 2000), refund('pending', 2000));
    expect(ids(refundsSettledBy(3000, ledger))).to.deep.equal([3]);
    expect(ids(refundsSettledBy(5000, ledger))).to.deep.equal([3, 4]);
  });

  it('when the report is older than what the ledger already settled, then nothing more is settled', () => {
    expect(refundsSettledBy(1000, withIds(refund('succeeded', 3000), refund('pending', 1000)))).to.deep.equal([]);
  });

  it('when refunds failed, wait for an operator or are payments, then they are never settled by a report', () => {
    expect(refundsSettledBy(PRICE * 3, withIds(refund('failed'), refund('awaiting_operator'), payment('pending')))).to.deep.equal([]);
  });
});
