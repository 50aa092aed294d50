import { expect } from 'chai';
import { currencyMatches, decideSucceededPayment, derivePaymentStatus, outstandingRefundCents, refundsSettledBy, settledAmounts, type LedgerEntry } from '../../src/domain/payment-ledger';

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

  describe('the ledger is the only source (an offline payment is a ledger row, issue 10 item 6)', () => {
    const offline = (state: LedgerEntry['state'] = 'succeeded'): LedgerEntry => ({ kind: 'payment', state, amount_cents: PRICE });

    it('when an offline payment is recorded and its refund waits for an operator, then it is paid', () => {
      expect(derivePaymentStatus(PRICE, [offline(), refund('awaiting_operator')])).to.equal('paid');
    });

    it('when no payment is in the ledger, then a refund alone does not make it paid or refunded', () => {
      expect(derivePaymentStatus(PRICE, [refund('succeeded')])).to.equal('unpaid');
      expect(derivePaymentStatus(PRICE, [payment('failed')])).to.equal('failed');
    });
  });

  describe('a duplicate payment (issue 10, item 2)', () => {
    const duplicate = (state: LedgerEntry['state'] = 'succeeded'): LedgerEntry => ({ kind: 'payment', state, amount_cents: PRICE, flag: 'duplicate_payment' });
    const duplicateRefund = (state: LedgerEntry['state'] = 'succeeded'): LedgerEntry => ({ kind: 'refund', state, amount_cents: PRICE, flag: 'duplicate_payment' });

    it('when a booking is paid twice and the second is refunded, then it is paid, not partially refunded', () => {
      expect(derivePaymentStatus(PRICE, [payment('succeeded'), duplicate(), duplicateRefund()])).to.equal('paid');
    });

    it('when the second payment is not refunded yet, then it is still counted once', () => {
      expect(settledAmounts([payment('succeeded'), duplicate()]).paidCents).to.equal(PRICE);
    });

    it('when the original payment is then refunded in full, then it is refunded', () => {
      expect(derivePaymentStatus(PRICE, [payment('succeeded'), duplicate(), duplicateRefund(), refund('succeeded')])).to.equal('refunded');
    });

    it('when the policy refund is worked out, then the duplicate and its refund are left out', () => {
      expect(outstandingRefundCents(PRICE, [payment('succeeded'), duplicate(), duplicateRefund('pending')])).to.equal(PRICE);
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

  it('when the same payment is reported again for a booking it confirmed, then nothing happens', () => {
    for (const status of ['confirmed', 'in_progress', 'completed', 'no_show'] as const) {
      expect(decide({ status, alreadyRecorded: true }), status).to.equal('nothing');
    }
  });

  it('when another payment arrives for a booking already confirmed or beyond, then it is refunded as a duplicate', () => {
    for (const status of ['confirmed', 'in_progress', 'completed', 'no_show'] as const) {
      expect(decide({ status, otherPaidCents: PRICE }), status).to.equal('refund_duplicate');
      expect(decide({ status, otherPaidCents: 0 }), `${status}, nothing else paid`).to.equal('refund_duplicate');
    }
  });

  it('when a second payment arrives for a booking canceled after it was paid, then it is a duplicate (the policy refund covers the first)', () => {
    expect(decide({ status: 'canceled', otherPaidCents: PRICE })).to.equal('refund_duplicate');
  });

  it('when the payment that paid a canceled booking is reported again, then nothing changes (the policy decided its refund)', () => {
    expect(decide({ status: 'canceled', alreadyRecorded: true })).to.equal('nothing');
  });

  it('when a draft receives a payment, then nothing happens', () => {
    expect(decide({ status: 'draft' })).to.equal('nothing');
  });

  describe('currency (issue 10, item 4)', () => {
    it('when the payment is in another currency, then it is an amount mismatch, not a confirmation', () => {
      expect(decide({ currencyMatches: false })).to.equal('amount_mismatch');
    });

    it('when a payment in another currency comes for a canceled booking, then it still goes back', () => {
      expect(decide({ status: 'canceled', currencyMatches: false })).to.equal('refund');
    });

    it('when the currencies agree whatever their case, then it is confirmed', () => {
      expect(currencyMatches('usd', 'USD')).to.equal(true);
      expect(currencyMatches('USD', 'usd')).to.equal(true);
      expect(decide({ currencyMatches: currencyMatches('usd', 'USD') })).to.equal('confirm');
    });

    it('when the event names no currency, then it counts as the booking\'s', () => {
      expect(currencyMatches(undefined, 'USD')).to.equal(true);
    });

    it('when the event names another currency, then they do not match', () => {
      expect(currencyMatches('eur', 'USD')).to.equal(false);
    });
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

  it('when refunds were committed before the refund due was decided (its baseline), then only later ones count against it (issue 10, item 3)', () => {
    // 20.00 went back by charge.refunded, then the cancel decided 30.00 more with a baseline of 20.00.
    expect(outstandingRefundCents(3000, [payment('succeeded'), refund('succeeded', 2000)], 2000)).to.equal(3000);
    expect(outstandingRefundCents(3000, [payment('succeeded'), refund('succeeded', 2000), refund('pending', 3000)], 2000)).to.equal(0);
    expect(outstandingRefundCents(3000, [payment('succeeded'), refund('succeeded', 2000), refund('succeeded', 1000)], 2000)).to.equal(2000);
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
