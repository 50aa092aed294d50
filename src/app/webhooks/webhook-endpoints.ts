import type { EventType } from '../../domain/booking-events';
import { conflict, forbidden, invalidField, notFound } from '../../domain/errors';
import type { Caller } from '../../domain/types';
import { parseWebhookUrl } from '../../domain/webhook-endpoints';
import type { Page, PageRequest } from '../../data/pagination';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../../data/webhook-repository';
import { recordJobs } from '../../jobs/outbox-writer';
import { newWebhookSecret } from '../../platform/secret-box';
import { TargetRefused } from '../../platform/webhook-transport';
import type { AppContext } from '../app-context';

/** Practitioners hear about their own bookings, admins about all; clients have no webhooks. */
function requireWebhookOwner(caller: Caller): Caller {
  if (caller.role === 'client') throw forbidden('Only practitioners and admins have webhook endpoints.');
  return caller;
}

/**
 * The URL's rules, then its host's addresses, resolved now (they are resolved again at every delivery:
 * what a name points at can change).
 */
async function assertDeliverableUrl(app: AppContext, raw: string): Promise<string> {
  const url = parseWebhookUrl(raw, { allowHttp: app.config.env !== 'production', allowPrivate: app.config.webhooks.allowPrivateUrls });
  try {
    await app.webhookTransport.checkTarget(url);
  } catch (error) {
    if (error instanceof TargetRefused) throw invalidField('url', `The URL cannot be used: ${error.message}.`, 'invalid_url');
    throw error;
  }
  return raw;
}

async function ownEndpoint(app: AppContext, caller: Caller, id: number): Promise<WebhookEndpointRow> {
  const endpoint = await app.webhooks.findEndpoint(requireWebhookOwner(caller).id, id);
  if (!endpoint) throw notFound();
  return endpoint;
}

export interface NewWebhookEndpoint {
  url: string;
  events: EventType[];
  description?: string;
}

/** Registers an endpoint; its signing secret is returned here and never again. */
export async function createWebhookEndpoint(app: AppContext, caller: Caller, input: NewWebhookEndpoint): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
  const owner = requireWebhookOwner(caller);
  const url = await assertDeliverableUrl(app, input.url);
  const secret = newWebhookSecret();
  const endpoint = await app.webhooks.insertEndpoint({
    owner_id: owner.id,
    practitioner_id: owner.role === 'practitioner' ? owner.id : null,
    url,
    description: input.description ?? '',
    events: [...new Set(input.events)],
    secret_ciphertext: app.secretBox.seal(secret),
    created_at: app.clock.now(),
  });
  return { endpoint, secret };
}

export function listWebhookEndpoints(app: AppContext, caller: Caller, page: PageRequest): Promise<Page<WebhookEndpointRow>> {
  return app.webhooks.listEndpoints(requireWebhookOwner(caller).id, page);
}

export const getWebhookEndpoint = ownEndpoint;

export async function updateWebhookEndpoint(
  app: AppContext,
  caller: Caller,
  id: number,
  changes: { url?: string; events?: EventType[]; is_active?: boolean; description?: string },
): Promise<WebhookEndpointRow> {
  await ownEndpoint(app, caller, id);
  const url = changes.url === undefined ? undefined : await assertDeliverableUrl(app, changes.url);
  const updated = await app.webhooks.updateEndpoint(
    caller.id,
    id,
    {
      ...(url !== undefined ? { url } : {}),
      ...(changes.events ? { events: [...new Set(changes.events)] } : {}),
      ...(changes.is_active !== undefined ? { is_active: changes.is_active } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
    },
    app.clock.now(),
  );
  if (!updated) throw notFound();
  return updated;
}

export async function deleteWebhookEndpoint(app: AppContext, caller: Caller, id: number): Promise<void> {
  if (!(await app.webhooks.deleteEndpoint(requireWebhookOwner(caller).id, id))) throw notFound();
}

/** A new secret, effective for every try from now on (pending retries included); shown here once. */
export async function rotateWebhookSecret(app: AppContext, caller: Caller, id: number): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
  await ownEndpoint(app, caller, id);
  const secret = newWebhookSecret();
  const endpoint = await app.webhooks.updateEndpoint(caller.id, id, { secret_ciphertext: app.secretBox.seal(secret) }, app.clock.now());
  if (!endpoint) throw notFound();
  return { endpoint, secret };
}

export async function listWebhookDeliveries(app: AppContext, caller: Caller, endpointId: number, page: PageRequest): Promise<Page<WebhookDeliveryRow>> {
  await ownEndpoint(app, caller, endpointId);
  return app.webhooks.listDeliveries(endpointId, page);
}

/**
 * Sends a finished delivery (delivered or failed) again, with a fresh round of tries and the body it
 * had. A delivery still pending is already being tried: 409. An inactive endpoint sends nothing: 409.
 */
export async function redeliverWebhook(app: AppContext, caller: Caller, endpointId: number, deliveryId: number): Promise<WebhookDeliveryRow> {
  const endpoint = await ownEndpoint(app, caller, endpointId);
  if (!(await app.webhooks.findDelivery(endpointId, deliveryId))) throw notFound();
  if (!endpoint.is_active) throw conflict('endpoint_inactive', 'The endpoint is not active: enable it (PATCH is_active: true) first.');
  return app.db.transaction(async (trx) => {
    if (!(await app.webhooks.reopen(trx, endpointId, deliveryId, app.clock.now()))) throw conflict('delivery_pending', 'The delivery is still being tried.');
    await recordJobs(trx, [{ queue: 'webhooks', name: 'deliver', payload: { deliveryId } }]);
    return (await app.webhooks.findDelivery(endpointId, deliveryId, trx))!;
  });
}
