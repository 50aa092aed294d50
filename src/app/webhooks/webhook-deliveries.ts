import type { BookingEventRow } from '../../data/event-repository';
import { recordEndpointDisabledNotice } from '../../data/webhook-repository';
import { isDelivered, shouldDisableEndpoint, webhookRetryDelayMs } from '../../domain/webhook-endpoints';
import { signWebhookPayload } from '../../domain/webhook-signature';
import { recordJobs } from '../../jobs/outbox-writer';
import type { AppContext } from '../app-context';
import { serializeBookingDetail } from '../bookings/booking-representation';
import { getBookingDetail } from '../bookings/booking-queries';

export const EVENT_ID_HEADER = 'Estuary-Event-Id';
export const SIGNATURE_HEADER = 'Estuary-Signature';

/**
 * What a receiver gets: the event and the booking as its practitioner sees it in the API, without
 * private notes (the practitioner's own included: a receiver is a system, not the person).
 */
async function webhookPayload(app: AppContext, event: BookingEventRow, practitionerId: number) {
  const detail = await getBookingDetail(app, { id: practitionerId, role: 'practitioner' }, event.booking_id);
  const booking = serializeBookingDetail({ ...detail, notes: detail.notes.filter((n) => !n.is_private) }, app.clock.now());
  return { id: event.id, type: event.type, created_at: event.occurred_at, sequence: event.sequence, data: { booking } };
}

/**
 * One delivery per endpoint that wants the event, each with its signed-to-be body fixed now, and the
 * job that sends it, in one transaction. Run twice, it creates nothing twice. Returns how many it created.
 */
export async function fanOutWebhookEvent(app: AppContext, eventId: number, endpointIds?: number[]): Promise<number> {
  const event = await app.events.find(eventId);
  const booking = event && (await app.bookings.findView(event.booking_id));
  if (!event || !booking) return 0;
  const wanted = endpointIds && new Set(endpointIds);
  const endpoints = (await app.webhooks.listening(app.db, booking.practitioner.id, event.type)).filter((e) => !wanted || wanted.has(e.id));
  if (!endpoints.length) return 0;
  const body = JSON.stringify(await webhookPayload(app, event, booking.practitioner.id));
  const now = app.clock.now();
  return app.db.transaction(async (trx) => {
    const ids = await app.webhooks.insertDeliveries(trx, endpoints.map((e) => ({ endpoint_id: e.id, event_id: event.id, body, created_at: now })));
    await recordJobs(trx, ids.map((deliveryId) => ({ queue: 'webhooks', name: 'deliver', payload: { deliveryId } })));
    return ids.length;
  });
}

export type DeliveryOutcome = { outcome: 'delivered' } | { outcome: 'skipped' } | { outcome: 'retry' | 'failed'; error: string };

/**
 * One try of a pending delivery (`attempt`: this job's try number, from 1). A 2xx ends the endpoint's
 * failure streak; anything else is recorded with the time of the next try, or as `failed` on the last
 * one. An endpoint failing for longer than WEBHOOK_DISABLE_AFTER_MS is disabled and its owner told.
 */
export async function deliverWebhook(app: AppContext, deliveryId: number, attempt: number): Promise<DeliveryOutcome> {
  const delivery = await app.webhooks.loadForSending(deliveryId);
  if (!delivery || delivery.status !== 'pending') return { outcome: 'skipped' };
  if (!delivery.is_active) {
    await app.webhooks.failPending(deliveryId, 'The endpoint is disabled.', app.clock.now());
    return { outcome: 'skipped' };
  }
  const signedAt = app.clock.now();
  const result = await app.webhookTransport.post({
    url: delivery.url,
    body: delivery.body,
    headers: { [EVENT_ID_HEADER]: String(delivery.event_id), [SIGNATURE_HEADER]: signWebhookPayload(delivery.body, app.secretBox.open(delivery.secret_ciphertext), signedAt) },
  });
  const at = app.clock.now();
  const { maxAttempts, backoffMs, disableAfterMs } = app.config.webhooks;

  if (isDelivered(result.status)) {
    await app.db.transaction(async (trx) => {
      await app.webhooks.recordAttempt(trx, deliveryId, { status: 'delivered', responseCode: result.status, error: null, at, nextAttemptAt: null });
      await app.webhooks.markEndpointHealthy(trx, delivery.endpoint_id);
    });
    return { outcome: 'delivered' };
  }

  const error = result.error ?? `HTTP ${result.status}`;
  const last = attempt >= maxAttempts;
  await app.db.transaction(async (trx) => {
    const nextAttemptAt = last ? null : new Date(at.getTime() + webhookRetryDelayMs(attempt, backoffMs));
    await app.webhooks.recordAttempt(trx, deliveryId, { status: last ? 'failed' : 'pending', responseCode: result.status, error, at, nextAttemptAt });
    const endpoint = await app.webhooks.markEndpointFailing(trx, delivery.endpoint_id, at);
    if (endpoint?.is_active && shouldDisableEndpoint(endpoint.failing_since, at, disableAfterMs)) {
      const reason = `Deliveries have failed since ${endpoint.failing_since.toISOString()} (last: ${error}).`;
      if (await app.webhooks.disableEndpoint(trx, delivery.endpoint_id, reason, at)) {
        await recordEndpointDisabledNotice(trx, { ownerId: endpoint.owner_id, endpointId: delivery.endpoint_id, url: endpoint.url, reason, at });
        app.logger.warn({ endpointId: delivery.endpoint_id, failingSince: endpoint.failing_since }, 'webhook endpoint disabled');
      }
    }
  });
  return { outcome: last ? 'failed' : 'retry', error };
}
