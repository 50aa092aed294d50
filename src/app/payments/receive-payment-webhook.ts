import { verifyWebhookSignature } from '../../domain/webhook-signature';
import { recordJobs } from '../../jobs/outbox-writer';
import type { AppContext } from '../app-context';

export interface ProviderEvent {
  id: string;
  type: string;
  data: { object: { id?: string; metadata?: { booking_id?: string } } & Record<string, unknown> };
}

/** First thing on a webhook: a bad, missing or stale signature is a 400 before the body is even read. */
export function assertSignedByProvider(app: AppContext, signatureHeader: string | undefined, rawBody: string): void {
  verifyWebhookSignature({ header: signatureHeader, rawBody, secrets: app.config.paymentWebhookSecrets, now: app.clock.now() });
}

/**
 * Stores and queues a verified provider event in one transaction, and nothing more: the payments
 * worker applies it. A re-delivered event id is acknowledged and changes nothing.
 */
export async function receivePaymentWebhook(app: AppContext, event: ProviderEvent): Promise<{ duplicate: boolean }> {
  return app.db.transaction(async (trx) => {
    const eventId = await app.payments.insertEvent(trx, {
      provider_event_id: event.id,
      type: event.type,
      booking_ref: event.data.object.metadata?.booking_id ?? null,
      payload: event,
    });
    if (eventId === null) return { duplicate: true };
    await recordJobs(trx, [{ queue: 'payments', name: 'apply-payment-event', payload: { eventId } }]);
    return { duplicate: false };
  });
}
