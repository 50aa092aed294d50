import Stripe from 'stripe';

export interface StartedPayment {
  providerId: string | null;
  clientSecret?: string;
  instructions?: string;
}

export interface RefundResult {
  providerId: string | null;
  /** failed: the provider refused it (nothing was refunded), so a retry must be a new refund. */
  state: 'succeeded' | 'pending' | 'awaiting_operator' | 'failed';
  failureReason?: string;
}

/** The provider behind payments and refunds. Every call carries an idempotency key. */
export interface PaymentProvider {
  name: 'offline' | 'stripe';
  /** `amountText`: the amount as people read it ("50.00"), for instructions shown to them. */
  startPayment(input: { bookingId: number; publicUuid: string; amountCents: number; amountText: string; currency: string; idempotencyKey: string }): Promise<StartedPayment>;
  refund(input: { bookingId: number; paymentProviderId: string | null; amountCents: number; idempotencyKey: string }): Promise<RefundResult>;
}

/** The default: nothing leaves the building; refunds wait for an operator to settle them. */
export const offlineProvider: PaymentProvider = {
  name: 'offline',
  async startPayment({ amountText, currency, publicUuid }) {
    return {
      providerId: null,
      instructions: `Pay ${amountText} ${currency} to the practitioner, quoting booking reference ${publicUuid}. The practitioner confirms the booking once paid.`,
    };
  },
  async refund() {
    return { providerId: null, state: 'awaiting_operator' };
  },
};

export function stripeProvider(secretKey: string, apiUrl: string | null): PaymentProvider {
  const url = apiUrl ? new URL(apiUrl) : null;
  const stripe = new Stripe(secretKey, {
    maxNetworkRetries: 2,
    timeout: 10_000,
    ...(url ? { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)), protocol: url.protocol.replace(':', '') as 'http' | 'https' } : {}),
  });
  return {
    name: 'stripe',
    async startPayment({ bookingId, publicUuid, amountCents, currency, idempotencyKey }) {
      const intent = await stripe.paymentIntents.create(
        { amount: amountCents, currency: currency.toLowerCase(), metadata: { booking_id: String(bookingId), booking_uuid: publicUuid } },
        { idempotencyKey },
      );
      return { providerId: intent.id, clientSecret: intent.client_secret ?? undefined };
    },
    async refund({ bookingId, paymentProviderId, amountCents, idempotencyKey }) {
      if (!paymentProviderId) throw new Error(`booking ${bookingId}: no Stripe PaymentIntent to refund`);
      try {
        const refund = await stripe.refunds.create(
          { payment_intent: paymentProviderId, amount: amountCents, metadata: { booking_id: String(bookingId) } },
          { idempotencyKey },
        );
        return { providerId: refund.id, state: refund.status === 'succeeded' ? 'succeeded' : refund.status === 'failed' ? 'failed' : 'pending' };
      } catch (error) {
        // A refused request refunded nothing, and Stripe answers this key with the same refusal for
        // good. Anything else (network, 5xx) may have been applied: it is thrown and retried with the key.
        if (error instanceof Stripe.errors.StripeInvalidRequestError) return { providerId: null, state: 'failed', failureReason: error.message };
        throw error;
      }
    },
  };
}

export function createPaymentProvider(config: { stripeSecretKey: string | null; stripeApiUrl: string | null }): PaymentProvider {
  return config.stripeSecretKey ? stripeProvider(config.stripeSecretKey, config.stripeApiUrl) : offlineProvider;
}
