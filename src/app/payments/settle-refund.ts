import { conflict, notFound } from '../../domain/errors';
import type { PaymentRow } from '../../data/payment-repository';
import type { AppContext } from '../app-context';
import { recordRefundEvent } from '../events/record-events';
import { refreshPaymentStatus } from './apply-payment-event';

/**
 * An operator records that a refund awaiting them, or one the provider refused, has been paid by hand. The booking is locked
 * first (the order every payments path uses), then the refund row; settling twice is a 409.
 */
export async function settleRefund(app: AppContext, refundId: number): Promise<PaymentRow> {
  return app.db.transaction(async (trx) => {
    const bookingId = await app.payments.bookingOfRefund(trx, refundId);
    if (bookingId === undefined) throw notFound();
    const booking = (await app.bookings.lockForUpdate(trx, bookingId))!;
    const refund = (await app.payments.lockPayment(trx, refundId))!;
    if (refund.state !== 'awaiting_operator' && refund.state !== 'failed') {
      throw conflict('invalid_transition', `This refund is ${refund.state}; only a refund awaiting an operator or refused by the provider can be settled.`);
    }
    await app.payments.updatePayment(trx, refund.id, { state: 'succeeded' });
    await refreshPaymentStatus(app, trx, refund.booking_id);
    await recordRefundEvent(app, trx, booking, refund.amount_cents);
    return (await app.payments.lockPayment(trx, refundId))!;
  });
}
