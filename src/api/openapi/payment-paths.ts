import Joi from 'joi';
import { refundsQuery } from '../routes/admin.routes';
import { paginationKeys } from '../validation';
import { CONFLICTS, conflictResponse } from './openapi-components';
import { queryParametersOf, type Json } from './joi-openapi';
import type { PathTable } from './openapi-operation';

// admin.routes.ts validates its pages with this same object, inline.
const page = queryParametersOf(Joi.object(paginationKeys));

const signatureHeader = {
  name: 'Stripe-Signature',
  in: 'header',
  required: true,
  schema: { type: 'string', example: 't=1893456000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd' },
  description:
    '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` keyed with PAYMENT_WEBHOOK_SECRET, as Stripe sends it. `t` must be within 300 s ' +
    'of our clock. Several `v1` values are accepted (the provider rotating its secret), and PAYMENT_WEBHOOK_SECRET may list several secrets, ' +
    'comma-separated (ours rotating): one match is enough. The signature covers the exact bytes sent.',
};

/**
 * The request body of POST /api/v1/webhooks/payments/, written by hand: what the provider sends is far wider
 * than the Joi schema the route validates with (only id, type and data.object are required), and these
 * are the fields the payments worker reads.
 */
export const paymentEventSchema: Json = {
  type: 'object',
  required: ['id', 'type', 'data'],
  additionalProperties: true,
  description:
    'A Stripe event (docs/api-conventions.md#payment-webhooks). Only the fields below are read; anything else the provider sends is accepted and stored. ' +
    'Signed JSON that is not shaped like this is a 400 `invalid`, and nothing is stored.',
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 255, description: 'The provider\'s event id: each id is applied once.', example: 'evt_1NxYz' },
    type: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description: 'Applied: `payment_intent.succeeded`, `payment_intent.payment_failed`, `charge.refunded`. Other types are stored and ignored.',
      example: 'payment_intent.succeeded',
    },
    data: {
      type: 'object',
      required: ['object'],
      additionalProperties: true,
      properties: {
        object: {
          type: 'object',
          additionalProperties: true,
          description: 'The PaymentIntent (payment_intent.*) or the Charge (charge.refunded).',
          properties: {
            id: { type: 'string', example: 'pi_3NxYz', description: 'The PaymentIntent or Charge id.' },
            amount_received: { type: 'integer', minimum: 0, description: 'payment_intent.succeeded: cents received, checked against the booking\'s price.' },
            amount: { type: 'integer', minimum: 0, description: 'payment_intent.payment_failed: cents attempted.' },
            amount_refunded: { type: 'integer', minimum: 0, description: 'charge.refunded: cents refunded so far on the charge (cumulative).' },
            last_payment_error: { type: 'object', additionalProperties: true, properties: { message: { type: 'string' } }, description: 'payment_intent.payment_failed: why.' },
            metadata: {
              type: 'object',
              additionalProperties: true,
              properties: {
                booking_id: {
                  type: 'string',
                  maxLength: 64,
                  description: 'The booking\'s id or public_uuid, as a string (Stripe metadata values are strings). An unknown one is kept and flagged for operators.',
                  example: '42',
                },
              },
            },
          },
        },
      },
    },
  },
  example: { id: 'evt_1NxYz', type: 'payment_intent.succeeded', data: { object: { id: 'pi_3NxYz', amount_received: 5000, metadata: { booking_id: '42' } } } },
};

export const PAYMENT_PATHS: PathTable = {
  '/api/v1/webhooks/payments/': {
    post: {
      id: 'receivePaymentWebhook',
      tag: 'payments',
      summary: 'Payment provider webhook (Stripe-compatible)',
      description:
        'For the payment provider, not for clients: no token or session, the signature is the authentication, and it is not rate limited. ' +
        'A verified event is stored once (by its `id`) with its job, in one transaction, and answered 200 at once; the payments worker ' +
        'applies it afterwards. `payment_intent.succeeded` confirms a pending_payment booking whose price and currency it matches (`currency` ' +
        'compared case-insensitively, Stripe sends `usd`; an event without one is taken as the booking\'s; another amount or currency is ' +
        'recorded and flagged `amount_mismatch`, not confirmed; a payment for a booking canceled meanwhile is refunded). A payment for a booking ' +
        'already paid by another payment (confirmed offline by the practitioner, or paid twice), or one already confirmed or beyond ' +
        '(in_progress, completed, no_show), is flagged `duplicate_payment` and refunded in full through its own PaymentIntent, as Stripe-based ' +
        'platforms do with a double charge; it never counts in payment_status. `payment_intent.payment_failed` is ' +
        'recorded and the booking keeps its hold; `charge.refunded` settles our refunds in flight and records refunds made at the provider. ' +
        'payment_status is derived from the ledger, so events may arrive in any order. An event for an unknown booking is kept and flagged ' +
        '(GET /api/v1/admin/payment-events/flagged/). A re-delivered event answers 200 with `duplicate: true` and changes nothing.',
      open: true,
      unlimited: true,
      headers: [signatureHeader],
      bodySchema: 'PaymentEvent',
      ok: [200, 'Received (stored, or already stored before).', 'WebhookReceipt'],
      responses: { 400: { $ref: '#/components/responses/InvalidSignature' } },
    },
  },
  '/api/v1/admin/payment-events/flagged/': {
    get: {
      id: 'listFlaggedPaymentEvents',
      tag: 'admin',
      summary: 'Provider events an operator must look at',
      description:
        'Admins only. Events the payments worker kept or recorded with a flag: `unknown_booking` (no booking matches its metadata), ' +
        '`amount_mismatch` (paid another amount or currency than the price: the booking was not confirmed), `duplicate_payment` (a payment ' +
        'the booking did not need, refunded automatically: see GET /api/v1/admin/refunds/), `malformed_event`. Newest first.',
      forbidden: true,
      query: page,
      ok: [200, 'A page of flagged events.', 'FlaggedPaymentEventPage'],
    },
  },
  '/api/v1/admin/refunds/': {
    get: {
      id: 'listUnsettledRefunds',
      tag: 'admin',
      summary: 'Refunds not settled',
      description:
        'Admins only. Every refund whose money has not gone back yet, oldest first, with `age_seconds` (since it was recorded) and ' +
        '`last_error` (the provider\'s last error or refusal). A refund always ends `succeeded`, `failed` with flag `refund_refused`, or ' +
        '`awaiting_operator`; this list shows all but the first:\n' +
        '- `pending`: in flight. One without `provider_id` was never answered by the provider (down, timed out): the refund job retries it with ' +
        'the same idempotency key, and once its attempts are spent the reconciler asks again every 5 minutes, so the provider refunds it once. ' +
        'A pending refund with a `last_error` older than an hour means the provider is still unreachable: look at it.\n' +
        '- `awaiting_operator`: the provider cannot refund (offline payments, or no Stripe configured): pay it by hand, then settle it.\n' +
        '- `failed` (flag `refund_refused`): the provider refused it on every attempt (only the latest refused attempt of a booking is listed); ' +
        'nothing went back. Pay it by hand and settle it, or resolve it at the provider.\n' +
        '`flag` `duplicate_payment` marks the refund of a payment the booking did not need (`refund_of` names that payment).',
      forbidden: true,
      query: queryParametersOf(refundsQuery),
      ok: [200, 'A page of refunds.', 'RefundPage'],
    },
  },
  '/api/v1/admin/refunds/{id}/settle/': {
    post: {
      id: 'settleRefund',
      tag: 'admin',
      summary: 'Record that a refund was paid by hand',
      description:
        'Admins only. `awaiting_operator` or `failed` (refused by the provider, paid by hand instead) → `succeeded`, and the booking\'s ' +
        'payment_status is derived again (`refunded` or `partially_refunded`; the refund of a duplicate payment leaves it as it was). No body. ' +
        'A refund in any other state (pending, or settling twice) is a 409.',
      forbidden: true,
      ok: [200, 'The refund, now succeeded.', 'Refund'],
      responses: {
        409: conflictResponse({ invalid_transition: 'This refund is succeeded; only a refund awaiting an operator or refused by the provider can be settled.', idempotency_key_in_use: CONFLICTS.idempotency_key_in_use }),
      },
    },
  },
  '/api/v1/admin/notifications/failed/': {
    get: {
      id: 'listFailedEmails',
      tag: 'admin',
      summary: 'E-mails that failed after every retry',
      description:
        'Admins only. Notification e-mails whose send failed on every try (EMAIL_RETRY_ATTEMPTS, default 8 tries with exponential backoff ' +
        'from EMAIL_RETRY_BASE_DELAY_MS, about an hour in all), or whose try was cut off mid-send (it may have gone out, so it is not sent ' +
        'again by itself). With the attempts and the last error; no address, no body. Newest first.',
      forbidden: true,
      query: page,
      ok: [200, 'A page of failed e-mails.', 'FailedEmailPage'],
    },
  },
  '/api/v1/admin/notifications/{id}/retry/': {
    post: {
      id: 'retryFailedEmail',
      tag: 'admin',
      summary: 'Send a failed e-mail again',
      description:
        'Admins only. `failed` → `pending` and a new send job through the outbox, with the full retry policy again; the e-mail is rendered ' +
        'from the booking as it is now. No body. An e-mail that is not failed (sent, or already queued again) is a 409; an unknown id a 404.',
      forbidden: true,
      ok: [202, 'Queued: the e-mail, now pending.', 'FailedEmail'],
      responses: {
        409: conflictResponse({ not_failed: 'This e-mail is sent; only a failed e-mail can be retried.', idempotency_key_in_use: CONFLICTS.idempotency_key_in_use }),
      },
    },
  },
};
