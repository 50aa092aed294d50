import Router from '@koa/router';
import Joi from 'joi';
import type { AppContext } from '../../app/app-context';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  redeliverWebhook,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type NewWebhookEndpoint,
} from '../../app/webhooks/webhook-endpoints';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../../data/webhook-repository';
import { requireCaller } from '../auth';
import { EVENT_TYPES } from '../../domain/booking-events';
import { paginated } from '../pagination';
import { bool, component, fields, int, nullable, oneOf, pageOf, str, time } from '../response-schema';
import { bookingDetailSchema } from './booking-serializer';
import { parseId, toPageRequest, validate, validateQuery } from '../validation';
import { createWebhookEndpointSchema, pageQuery, updateWebhookEndpointSchema } from './webhook-endpoints.schemas';

/** Never the secret: it is shown once, by create and rotate-secret. */
export const serializeWebhookEndpoint = (e: WebhookEndpointRow) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  events: e.events,
  scope: e.practitioner_id === null ? 'all' : 'practitioner',
  is_active: e.is_active,
  disabled_reason: e.disabled_reason,
  disabled_at: e.disabled_at,
  failing_since: e.failing_since,
  created_at: e.created_at,
  updated_at: e.updated_at,
});

export const serializeWebhookDelivery = (d: WebhookDeliveryRow) => ({
  id: d.id,
  event_id: d.event_id,
  event_type: d.event_type,
  status: d.status,
  attempts: d.attempts,
  last_response_code: d.last_response_code,
  last_error: d.last_error,
  last_attempt_at: d.last_attempt_at,
  next_attempt_at: d.next_attempt_at,
  delivered_at: d.delivered_at,
  created_at: d.created_at,
});

const withSecret = ({ endpoint, secret }: { endpoint: WebhookEndpointRow; secret: string }) => ({ ...serializeWebhookEndpoint(endpoint), secret });

// What the routes below answer (docs/api-conventions.md#the-openapi-document).
const endpointKeys = {
  id: int(),
  url: Joi.string().uri().max(2048).example('https://hooks.example.com/estuary'),
  description: str(),
  events: Joi.array().items(oneOf(EVENT_TYPES)),
  scope: oneOf(['practitioner', 'all']).description("`practitioner`: the owner's bookings; `all` (an admin's): every booking."),
  is_active: bool(),
  disabled_reason: nullable(str()).description('Why the service disabled it (deliveries failing for 3 days); null when active or paused by hand.'),
  disabled_at: nullable(time()),
  failing_since: nullable(time()).description('The first failed try since the last delivered one.'),
  created_at: time(),
  updated_at: time(),
};
const endpointSchema = component('WebhookEndpoint', fields(endpointKeys));
const deliverySchema = component(
  'WebhookDelivery',
  fields({
    id: int(),
    event_id: int().description('The `id` of the event delivered (also the `Estuary-Event-Id` header).'),
    event_type: oneOf(EVENT_TYPES),
    status: oneOf(['pending', 'delivered', 'failed']),
    attempts: int().min(0),
    last_response_code: nullable(int()).description('null when there was no answer (refused, timed out).'),
    last_error: nullable(str()).example('HTTP 500'),
    last_attempt_at: nullable(time()),
    next_attempt_at: nullable(time()).description('When a pending delivery is tried next.'),
    delivered_at: nullable(time()),
    created_at: time(),
  }),
);
/** The body POSTed to a receiver (src/app/webhooks): not an answer of this API, documented for receivers. */
const eventSchema = component(
  'WebhookEvent',
  fields({
    id: int(),
    type: oneOf(EVENT_TYPES),
    created_at: time(),
    sequence: int().min(1).description('Rises with each event of one booking: drop an event older than one you have.'),
    data: fields({ booking: bookingDetailSchema }).description('The booking as the practitioner sees it, without private notes, when the event was fanned out.'),
  }).description(
    'POSTed to an endpoint with `Estuary-Event-Id: <id>` and `Estuary-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under the endpoint secret>`. ' +
      'A 2xx within 10 s is a delivery; anything else (redirects included) is retried with doubling waits for about a day.',
  ),
);
export const WEBHOOK_ENDPOINT_RESPONSE_SCHEMAS = [
  endpointSchema,
  component('WebhookEndpointWithSecret', fields({ ...endpointKeys, secret: Joi.string().example('whsec_…').description('Shown here only: store it.') })),
  pageOf('WebhookEndpointPage', endpointSchema),
  deliverySchema,
  pageOf('WebhookDeliveryPage', deliverySchema),
  eventSchema,
];

/** Outgoing webhook endpoints (docs/api-conventions.md#outgoing-webhooks): practitioners' (their bookings) and admins' (all); another's id is a 404. */
export function webhookEndpointsRoutes(app: AppContext): Router {
  const router = new Router({ prefix: '/api/v1/drf/webhook-endpoints' });
  const noBody = Joi.object({});

  router.get('/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const page = toPageRequest(validateQuery<{ page: number; page_size: number }>(pageQuery, ctx.query));
    ctx.body = paginated(ctx, await listWebhookEndpoints(app, caller, page), page, serializeWebhookEndpoint);
  });

  router.post('/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const input = validate<NewWebhookEndpoint>(createWebhookEndpointSchema, ctx.request.body);
    ctx.body = withSecret(await createWebhookEndpoint(app, caller, input));
    ctx.status = 201;
  });

  router.get('/:id/', async (ctx) => {
    ctx.body = serializeWebhookEndpoint(await getWebhookEndpoint(app, requireCaller(ctx.state), parseId(ctx.params.id)));
  });

  router.patch('/:id/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const changes = validate<Parameters<typeof updateWebhookEndpoint>[3]>(updateWebhookEndpointSchema, ctx.request.body);
    ctx.body = serializeWebhookEndpoint(await updateWebhookEndpoint(app, caller, parseId(ctx.params.id), changes));
  });

  router.delete('/:id/', async (ctx) => {
    await deleteWebhookEndpoint(app, requireCaller(ctx.state), parseId(ctx.params.id));
    ctx.status = 204;
  });

  for (const path of ['rotate-secret', 'rotate_secret']) {
    router.post(`/:id/${path}/`, async (ctx) => {
      const caller = requireCaller(ctx.state);
      validate(noBody, ctx.request.body ?? {});
      ctx.body = withSecret(await rotateWebhookSecret(app, caller, parseId(ctx.params.id)));
    });
  }

  router.get('/:id/deliveries/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const page = toPageRequest(validateQuery<{ page: number; page_size: number }>(pageQuery, ctx.query));
    ctx.body = paginated(ctx, await listWebhookDeliveries(app, caller, parseId(ctx.params.id), page), page, serializeWebhookDelivery);
  });

  router.post('/:id/deliveries/:deliveryId/redeliver/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    validate(noBody, ctx.request.body ?? {});
    ctx.status = 202;
    ctx.body = serializeWebhookDelivery(await redeliverWebhook(app, caller, parseId(ctx.params.id), parseId(ctx.params.deliveryId)));
  });

  return router;
}
