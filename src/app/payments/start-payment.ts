import { formatCents } from '../../domain/pricing';
import { conflict, forbidden } from '../../domain/errors';
import type { Caller } from '../../domain/types';
import type { BookingRow } from '../../data/booking-repository';
import { requireActor } from '../bookings/booking-queries';
import type { AppContext } from '../app-context';

export interface PaymentStart {
  provider: 'offline' | 'stripe';
  amount_cents: number;
  currency: string;
  client_secret?: string;
  instructions?: string;
  error?: string;
}

/**
 * What the client needs to pay a pending booking: a Stripe PaymentIntent's client_secret (its
 * metadata names the booking), or offline payment instructions. Called after the booking commits;
 * the idempotency key makes a repeated call return the same PaymentIntent.
 */
export async function startPayment(app: AppContext, booking: BookingRow): Promise<PaymentStart | null> {
  if (booking.status !== 'pending_payment') return null;
  const base = { provider: app.paymentProvider.name, amount_cents: booking.price_charged_cents, currency: booking.currency };
  try {
    const started = await app.paymentProvider.startPayment({
      bookingId: booking.id,
      publicUuid: booking.public_uuid,
      amountCents: booking.price_charged_cents,
      amountText: formatCents(booking.price_charged_cents),
      currency: booking.currency,
      idempotencyKey: `pay-${booking.public_uuid}`,
    });
    if (started.providerId) {
      await app.db.transaction((trx) =>
        app.payments.upsertPayment(trx, {
          booking_id: booking.id,
          provider: app.paymentProvider.name,
          provider_id: started.providerId!,
          amount_cents: booking.price_charged_cents,
          state: 'pending',
        }),
      );
    }
    return { ...base, ...(started.clientSecret ? { client_secret: started.clientSecret } : {}), ...(started.instructions ? { instructions: started.instructions } : {}) };
  } catch (error) {
    // The booking stands and holds its slot until the hold runs out; the error tells the client why
    // there is nothing to pay with yet.
    app.logger.error({ err: error, bookingId: booking.id }, 'could not start the payment');
    return { ...base, error: 'The payment provider is unavailable; try again shortly.' };
  }
}

/**
 * POST bookings/{id}/payment/: what the client needs to pay their pending booking, again — the same open
 * PaymentIntent (the provider answers the same idempotency key with it), or a new one when the first
 * could not be created. Only the booking's client (or an admin) asks; only a pending_payment booking
 * has anything to pay.
 */
export async function resumePayment(app: AppContext, caller: Caller, bookingId: number): Promise<PaymentStart> {
  const booking = await app.bookings.findRow(bookingId);
  const actor = requireActor(booking, caller);
  if (actor.role !== 'client' && actor.role !== 'admin') throw forbidden('Only the booking\'s client pays for it.');
  if (booking!.status !== 'pending_payment') throw conflict('invalid_transition', `Nothing to pay: the booking is ${booking!.status}.`);
  return (await startPayment(app, booking!))!;
}
