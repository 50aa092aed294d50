import { EVENT_TYPES } from '../../domain/booking-events';
import { createWebhookEndpointSchema, pageQuery, updateWebhookEndpointSchema } from '../routes/webhook-endpoints.schemas';
import { DRF } from './catalog-paths';
import { queryParametersOf, type Json } from './joi-openapi';
import { pageOf, ref } from './openapi-components';
import type { Operation, PathTable } from './openapi-operation';

const ENDPOINTS = `${DRF}/webhook-endpoints`;
const time: Json = { type: 'string', format: 'date-time' };
const nullableTime: Json = { ...time, nullable: true };

// Written from serializeWebhookEndpoint and serializeWebhookDelivery (src/api/routes/webhook-endpoints.routes.ts).
const endpoint: Json = {
  type: 'object',
  required: ['id', 'url', 'description', 'events', 'scope', 'is_active', 'disabled_reason', 'disabled_at', 'failing_since', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'integer' },
    url: { type: 'string', format: 'uri', maxLength: 2048, example: 'https://hooks.example.com/estuary' },
    description: { type: 'string' },
    events: { type: 'array', items: { type: 'string', enum: [...EVENT_TYPES] } },
    scope: { type: 'string', enum: ['practitioner', 'all'], description: '`practitioner`: the owner\'s bookings; `all` (an admin\'s): every booking.' },
    is_active: { type: 'boolean' },
    disabled_reason: { type: 'string', nullable: true, description: 'Why the service disabled it (deliveries failing for 3 days); null when active or paused by hand.' },
    disabled_at: nullableTime,
    failing_since: { ...nullableTime, description: 'The first failed try since the last delivered one.' },
    created_at: time,
    updated_at: time,
  },
};

const delivery: Json = {
  type: 'object',
  required: ['id', 'event_id', 'event_type', 'status', 'attempts', 'last_response_code', 'last_error', 'last_attempt_at', 'next_attempt_at', 'delivered_at', 'created_at'],
  properties: {
    id: { type: 'integer' },
    event_id: { type: 'integer', description: 'The `id` of the event delivered (also the `Estuary-Event-Id` header).' },
    event_type: { type: 'string', enum: [...EVENT_TYPES] },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: { type: 'integer', minimum: 0 },
    last_response_code: { type: 'integer', nullable: true, description: 'null when there was no answer (refused, timed out).' },
    last_error: { type: 'string', nullable: true, example: 'HTTP 500' },
    last_attempt_at: nullableTime,
    next_attempt_at: { ...nullableTime, description: 'When a pending delivery is tried next.' },
    delivered_at: nullableTime,
    created_at: time,
  },
};

/** The body POSTed to a receiver (not an operation of this API: documented for receivers). */
const event: Json = {
  type: 'object',
  required: ['id', 'type', 'created_at', 'sequence', 'data'],
  description:
    'POSTed to an endpoint with `Estuary-Event-Id: <id>` and `Estuary-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under the endpoint secret>`. ' +
    'A 2xx within 10 s is a delivery; anything else (redirects included) is retried with doubling waits for about a day.',
  properties: {
    id: { type: 'integer' },
    type: { type: 'string', enum: [...EVENT_TYPES] },
    created_at: time,
    sequence: { type: 'integer', minimum: 1, description: 'Rises with each event of one booking: drop an event older than one you have.' },
    data: { type: 'object', required: ['booking'], properties: { booking: { ...ref('BookingDetail'), description: 'As the practitioner sees it, without private notes, when the event was fanned out.' } } },
  },
};

export const webhookSchemas: Record<string, Json> = {
  WebhookEndpoint: endpoint,
  WebhookEndpointWithSecret: { allOf: [ref('WebhookEndpoint'), { type: 'object', required: ['secret'], properties: { secret: { type: 'string', example: 'whsec_…', description: 'Shown here only: store it.' } } }] },
  WebhookEndpointPage: pageOf('WebhookEndpoint'),
  WebhookDelivery: delivery,
  WebhookDeliveryPage: pageOf('WebhookDelivery'),
  WebhookEvent: event,
};

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
