import Router from '@koa/router';
import Joi from 'joi';
import type { AppContext } from '../../app/app-context';
import { assertSignedByProvider, receivePaymentWebhook, type ProviderEvent } from '../../app/payments/receive-payment-webhook';
import { component, fields } from '../response-schema';
import { validate } from '../validation';

// The provider sends many more fields than these; only these are required.
const eventSchema = Joi.object({
  id: Joi.string().min(1).max(255).required(),
  type: Joi.string().min(1).max(100).required(),
  data: Joi.object({
    object: Joi.object({ metadata: Joi.object({ booking_id: Joi.string().max(64) }).unknown(true) })
      .unknown(true)
      .required(),
  })
    .unknown(true)
    .required(),
}).unknown(true);

export const webhookReceiptSchema = component(
  'WebhookReceipt',
  fields({
    received: Joi.boolean().valid(true),
    duplicate: Joi.boolean().description('true when this event id had been received before: nothing changed.'),
  }),
);

/** Payment provider webhooks (docs/api-conventions.md#payment-webhooks): unauthenticated, signed; answered fast, applied by the payments worker. */
export function webhooksRoutes(app: AppContext): Router {
  const router = new Router({ prefix: '/api/v1/webhooks' });
  router.post('/payments/', async (ctx) => {
    const rawBody = (ctx.request as unknown as { rawBody?: string }).rawBody ?? '';
    assertSignedByProvider(app, ctx.get('Stripe-Signature') || undefined, rawBody);
    const { duplicate } = await receivePaymentWebhook(app, validate<ProviderEvent>(eventSchema, ctx.request.body));
    ctx.body = { received: true, duplicate };
  });
  return router;
}
