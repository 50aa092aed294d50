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
import { paginated } from '../pagination';
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
