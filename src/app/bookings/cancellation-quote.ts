import { decideCancellationRefund, type CancellationRefund } from '../../domain/cancellation-policy';
import { decideTransition, resolveCanceledBy } from '../../domain/booking-status';
import type { Caller } from '../../domain/types';
import type { AppContext } from '../app-context';
import { factsOf, requireActor } from './booking-queries';
import { assertChildMayBeCanceled, cancellationSubject } from './parent-effects';

/**
 * docs/retries-and-concurrency.md: what a cancel by the caller would refund now. The same checks the cancel makes (a
 * cancel the caller may not make is refused the same way) and the same rule (decideCancellationRefund
 * on the same facts); only nothing is written.
 */
export async function quoteCancellation(app: AppContext, caller: Caller, bookingId: number): Promise<CancellationRefund> {
  return app.db.transaction(async (trx) => {
    const booking = await app.bookings.findRow(bookingId, trx);
    const actor = requireActor(booking, caller);
    const b = booking!;
    const now = app.clock.now();
    decideTransition(factsOf(b), 'cancel', actor, now);
    assertChildMayBeCanceled(b, actor);
    const subject = await cancellationSubject(app, trx, b, 'quote', now);
    return decideCancellationRefund(subject, resolveCanceledBy(actor), now);
  });
}
