import Router from '@koa/router';
import Joi from 'joi';
import type { AppContext } from '../../app/app-context';
import { listFailedEmails, listFlaggedPaymentEvents, listUnsettledRefunds } from '../../app/operations/operator-views';
import { retryFailedEmail } from '../../app/notifications/send-email';
import { settleRefund } from '../../app/payments/settle-refund';
import type { EmailRow } from '../../data/email-repository';
import { UNSETTLED_REFUND_STATES, type UnsettledRefundState } from '../../domain/payment-ledger';
import { formatCents } from '../../domain/pricing';
import type { PaymentRow } from '../../data/payment-repository';
import { requireAdmin } from '../auth';
import { PAYMENT_STATES } from '../../domain/payment-ledger';
import { component, currency, fields, int, money, nullable, oneOf, pageOf, str, time } from '../response-schema';
import { paginated } from '../pagination';
import { paginationKeys, parseId, toPageRequest, validateQuery } from '../validation';

const serializeRefund = (r: PaymentRow & { age_seconds?: number }) => ({
  id: r.id,
  booking_id: r.booking_id,
  provider: r.provider,
  provider_id: r.provider_id,
  amount_cents: r.amount_cents,
  amount: formatCents(r.amount_cents),
  currency: r.currency,
  state: r.state,
  flag: r.flag,
  refund_of: r.refund_of,
  last_error: r.failure_reason,
  ...(r.age_seconds === undefined ? {} : { age_seconds: r.age_seconds }),
  created_at: r.created_at,
  updated_at: r.updated_at,
});

/** GET admin/refunds/ query; the OpenAPI document is generated from it. */
export const refundsQuery = Joi.object({
  ...paginationKeys,
  state: Joi.string()
    .valid(...UNSETTLED_REFUND_STATES)
    .description('Only refunds in this state; default all three.'),
});


/** An e-mail as operators see it: who by id, what, how it went; never the address nor the body. */
export const serializeEmail = (r: EmailRow) => ({
  id: r.id,
  booking_id: r.booking_id,
  recipient_id: r.user_id,
  event: r.event,
  kind: r.kind,
  subject: r.subject,
  email_status: r.email_status,
  attempts: r.email_attempts,
  last_error: r.email_last_error,
  failed_at: r.email_failed_at,
  created_at: r.created_at,
});

/**
 * What an operator settles by hand: flagged provider events, refunds not settled, e-mails that failed
 * after every retry.
 */
export function adminRoutes(app: AppContext): Router {
  const router = new Router({ prefix: '/api/v1/admin' });
  const pageQuery = Joi.object(paginationKeys);

  router.get('/payment-events/flagged/', async (ctx) => {
    requireAdmin(ctx.state);
    const page = toPageRequest(validateQuery<{ page: number; page_size: number }>(pageQuery, ctx.query));
    ctx.body = paginated(ctx, await listFlaggedPaymentEvents(app, page), page, (e) => e);
  });

  router.get('/refunds/', async (ctx) => {
    requireAdmin(ctx.state);
    const query = validateQuery<{ page: number; page_size: number; state?: UnsettledRefundState }>(refundsQuery, ctx.query);
    const page = toPageRequest(query);
    ctx.body = paginated(ctx, await listUnsettledRefunds(app, page, query.state), page, serializeRefund);
  });

  router.post('/refunds/:id/settle/', async (ctx) => {
    requireAdmin(ctx.state);
    ctx.body = serializeRefund(await settleRefund(app, parseId(ctx.params.id)));
  });

  router.get('/notifications/failed/', async (ctx) => {
    requireAdmin(ctx.state);
    const page = toPageRequest(validateQuery<{ page: number; page_size: number }>(pageQuery, ctx.query));
    ctx.body = paginated(ctx, await listFailedEmails(app, page), page, serializeEmail);
  });

  router.post('/notifications/:id/retry/', async (ctx) => {
    requireAdmin(ctx.state);
    ctx.status = 202;
    ctx.body = serializeEmail(await retryFailedEmail(app, parseId(ctx.params.id)));
  });

  return router;
}

// What the serializers above answer (docs/api-conventions.md#the-openapi-document).

const refundKeys = {
  id: int(),
  booking_id: int(),
  provider: oneOf(['offline', 'stripe']),
  provider_id: nullable(str()).description("The provider's refund id; null until the provider answered (or for an offline refund)."),
  amount_cents: int(),
  amount: money(),
  currency: currency(),
  state: oneOf(PAYMENT_STATES),
  flag: nullable(str()).description('`duplicate_payment` (gives back a payment the booking did not need) or `refund_refused`.'),
  refund_of: nullable(int()).description("The payment this refund gives back, for a duplicate payment; null: the booking's own payment."),
  last_error: nullable(str()).description("The provider's last error (unreachable) or refusal."),
  created_at: time(),
  updated_at: time(),
};
const refundSchema = component(
  'Refund',
  fields(refundKeys).keys({ age_seconds: int().description('Seconds since the refund was recorded (in the list of unsettled refunds only).') }),
);

const failedEmailSchema = component(
  'FailedEmail',
  fields({
    id: int().description("The notification's id (POST /api/v1/admin/notifications/{id}/retry/)."),
    booking_id: nullable(int()),
    recipient_id: int().description("The user it was for (the booking's client or practitioner). Never the address."),
    event: nullable(str()).example('booking.confirmed'),
    kind: str().example('booking_confirmed'),
    subject: str().example('Booking confirmed'),
    email_status: oneOf(['not_sent', 'pending', 'sending', 'logged', 'sent', 'failed', 'skipped']).description('`failed` in the list; `pending` once a retry is queued.'),
    attempts: int().description('Tries so far, retries by an operator included.'),
    last_error: nullable(str())
      .example('451 4.3.0 <[address]>: mailbox temporarily unavailable')
      .description("The last failed try's error, addresses redacted."),
    failed_at: nullable(time()).description('When the last retry failed (null once a retry is queued).'),
    created_at: time(),
  }),
);

const flaggedEventSchema = component(
  'FlaggedPaymentEvent',
  fields({
    id: int().description('Our id of the stored event.'),
    provider_event_id: str().example('evt_1Nx…'),
    type: str().example('payment_intent.succeeded'),
    booking_ref: nullable(str()).description('`data.object.metadata.booking_id` as received.'),
    booking_id: nullable(int()).description('The booking it was applied to; null when none was found.'),
    flag: str().description('`unknown_booking` (no booking matches `booking_ref`; the event is kept), `amount_mismatch` or `malformed_event`.'),
    outcome: nullable(str()).description('What the payments worker did: `kept`, `recorded`, `ignored`, …'),
    received_at: time(),
    processed_at: nullable(time()),
  }),
);

export const ADMIN_RESPONSE_SCHEMAS = [
  refundSchema,
  pageOf('RefundPage', refundSchema),
  flaggedEventSchema,
  pageOf('FlaggedPaymentEventPage', flaggedEventSchema),
  failedEmailSchema,
  pageOf('FailedEmailPage', failedEmailSchema),
];
