import { createWebhookEndpointSchema, pageQuery, updateWebhookEndpointSchema } from '../routes/webhook-endpoints.schemas';
import { DRF } from './catalog-paths';
import { queryParametersOf, type Json } from './joi-openapi';
import type { Operation, PathTable } from './openapi-operation';

const ENDPOINTS = `${DRF}/webhook-endpoints`;
const base = { tag: 'webhook endpoints', forbidden: true };
const deliveryIdParameter: Json = { name: 'delivery_id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const rotate: Operation = {
  ...base,
  id: 'rotateWebhookSecret',
  summary: 'Rotate the signing secret',
  description: 'A new secret, shown once, signs every try from now on (retries of older events too); the old one stops at once.',
  bodyRequired: false,
  ok: [200, 'The endpoint with its new secret.', 'WebhookEndpointWithSecret'],
};

/** Outgoing webhook endpoints (docs/api-conventions.md#outgoing-webhooks). Practitioners and admins; clients get 403; another's id is a 404. */
export const WEBHOOK_ENDPOINT_PATHS: PathTable = {
  [`${ENDPOINTS}/`]: {
    get: { ...base, id: 'listWebhookEndpoints', summary: 'List my webhook endpoints', query: queryParametersOf(pageQuery, {}), ok: [200, 'A page of endpoints, newest first.', 'WebhookEndpointPage'] },
    post: {
      ...base,
      id: 'createWebhookEndpoint',
      summary: 'Register a webhook endpoint',
      description:
        'A practitioner\'s endpoint receives the events of their bookings; an admin\'s, of every booking. The URL must be `https://` (or `http://` outside production), ' +
        'at most 2048 characters, and resolve to public addresses only (loopback, private, link-local and unspecified are refused, here and again at every delivery) ' +
        'unless WEBHOOK_ALLOW_PRIVATE_URLS=true. Unknown event names are a 400. The answer carries the signing `secret`, shown only here.',
      body: createWebhookEndpointSchema,
      ok: [201, 'The endpoint and its secret.', 'WebhookEndpointWithSecret'],
    },
  },
  [`${ENDPOINTS}/{id}/`]: {
    get: { ...base, id: 'getWebhookEndpoint', summary: 'Get one of my webhook endpoints', ok: [200, 'The endpoint (never the secret).', 'WebhookEndpoint'] },
    patch: {
      ...base,
      id: 'updateWebhookEndpoint',
      summary: 'Change the URL, events or activity of an endpoint',
      description: '`is_active: true` enables an endpoint again, one the service disabled too (clearing `disabled_reason` and the failure streak).',
      body: updateWebhookEndpointSchema,
      ok: [200, 'The endpoint.', 'WebhookEndpoint'],
    },
    delete: { ...base, id: 'deleteWebhookEndpoint', summary: 'Delete an endpoint and its delivery log', ok: [204, 'Deleted.'] },
  },
  [`${ENDPOINTS}/{id}/rotate-secret/`]: { post: rotate },
  [`${ENDPOINTS}/{id}/rotate_secret/`]: { post: { ...rotate, id: 'rotateWebhookSecretAlias', summary: 'Rotate the signing secret (alias of rotate-secret/)' } },
  [`${ENDPOINTS}/{id}/deliveries/`]: {
    get: {
      ...base,
      id: 'listWebhookDeliveries',
      summary: 'The delivery log of an endpoint',
      description: 'Newest first: status, tries, last response code and error, next try.',
      query: queryParametersOf(pageQuery, {}),
      ok: [200, 'A page of deliveries.', 'WebhookDeliveryPage'],
    },
  },
  [`${ENDPOINTS}/{id}/deliveries/{delivery_id}/redeliver/`]: {
    post: {
      ...base,
      id: 'redeliverWebhook',
      summary: 'Send a delivered or failed delivery again',
      description: 'The same body, signed anew, with a fresh round of tries. A delivery still pending is a 409; so is an inactive endpoint.',
      headers: [deliveryIdParameter],
      bodyRequired: false,
      conflicts: ['delivery_pending', 'endpoint_inactive'],
      ok: [202, 'The delivery, pending again.', 'WebhookDelivery'],
    },
  },
};
