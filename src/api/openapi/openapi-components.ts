import { PAYMENT_STATES } from '../../domain/payment-ledger';
import { ACTOR_ROLES, BOOKING_STATUSES, BOOKING_TYPES, PAYMENT_STATUSES, SERVICE_TYPES, USER_ROLES } from '../../domain/types';
import type { Json } from './joi-openapi';

// Response schemas, written by hand from the serializers (src/api/*serializers.ts,
// src/api/routes/booking-serializer.ts, src/api/routes/admin.routes.ts, src/app/payments/start-payment.ts):
// responses are not validated, so there is no Joi to generate them from. Keep them in step with the
// serializers.

export const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
// In OpenAPI 3.0 an enum must list null itself for a nullable value to be null.
const nullable = (schema: Json): Json => ({ ...schema, nullable: true, ...(Array.isArray(schema.enum) ? { enum: [...schema.enum, null] } : {}) });
const int: Json = { type: 'integer' };
const str: Json = { type: 'string' };
const bool: Json = { type: 'boolean' };
const time: Json = { type: 'string', format: 'date-time', description: 'UTC, ISO 8601 with `Z`.' };
const money: Json = { type: 'string', pattern: '^\\d+\\.\\d{2}$', example: '50.00', description: 'Decimal string in `currency`.' };
const enumOf = (values: readonly string[]): Json => ({ type: 'string', enum: [...values] });
const object = (properties: Record<string, Json>, extra: Json = {}): Json => ({ type: 'object', required: Object.keys(properties), properties, ...extra });

/** `{count, next, previous, results}` around the named item schema. */
export const pageOf = (item: string): Json =>
  object({
    count: { type: 'integer', minimum: 0, description: 'Items matching the filters, over all pages.' },
    next: nullable({ type: 'string', format: 'uri', description: 'Absolute URL of the next page, or null.' }),
    previous: nullable({ type: 'string', format: 'uri', description: 'Absolute URL of the previous page, or null.' }),
    results: { type: 'array', items: ref(item) },
  });

const user = object({ id: int, email: { type: 'string', format: 'email' }, name: str, role: enumOf(USER_ROLES) });
const apiToken = object({
  id: { ...int, description: 'Names the token in DELETE /api/v1/auth/tokens/{id}/.' },
  created_at: time,
  last_used_at: nullable({ ...time, description: 'When it last authenticated a request (to the minute), or null if never.' }),
  current: { ...bool, description: 'This is the token that authenticates the listing request.' },
});
const party = object({ id: { ...int, description: 'The user id (a practitioner\'s id is their user id).' }, name: str, email: str });

const service = object({
  id: int,
  practitioner_id: int,
  name: str,
  description: str,
  service_type: enumOf(SERVICE_TYPES),
  duration_minutes: int,
  price_cents: int,
  price: money,
  currency: { type: 'string', example: 'USD' },
  max_participants: int,
  location_id: nullable(int),
  requires_room: { ...bool, description: 'Every booking and workshop/course session of it takes one room of its location (docs/api-conventions.md#rooms-and-pricing).' },
  is_active: bool,
  cancellation_notice_hours: int,
  included_services: { type: 'array', description: 'Packages only.', items: object({ service_id: int, quantity: int }) },
  sessions_included: nullable({ ...int, description: 'Bundles only.' }),
  bonus_sessions: nullable({ ...int, description: 'Bundles only.' }),
  validity_days: nullable({ ...int, description: 'Bundles only.' }),
  bundle_service_ids: { type: 'array', items: int, description: 'Bundles only: the services its credits buy.' },
  created_at: time,
  updated_at: time,
});

const session = object({
  id: int,
  service_id: int,
  start_time: time,
  end_time: time,
  max_participants: int,
  seats_taken: int,
  seats_available: int,
  room_id: nullable({ ...int, description: 'The room it holds (a service that requires a room), for its time plus the buffer.' }),
});

const location = object({ id: int, practitioner_id: int, name: str, address: str, timezone: str, created_at: time, updated_at: time });
const room = object({ id: int, location_id: int, name: str, capacity: { ...int, description: 'How many it seats: a session needs capacity ≥ its max_participants.' }, created_at: time, updated_at: time });
const locationMembers = object({
  location_id: int,
  owner_id: { ...int, description: 'The practitioner who owns the location (always a member, not listed).' },
  practitioner_ids: { type: 'array', items: int, description: 'Practitioners who may put services there and read its rooms.' },
});

const hhmm: Json = { type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', example: '09:00' };
const schedule = object({
  timezone: str,
  buffer_minutes: int,
  min_notice_hours: int,
  max_advance_days: int,
  slot_interval_minutes: int,
  weekly_hours: { type: 'array', items: object({ weekday: { ...int, minimum: 1, maximum: 7, description: '1 = Monday … 7 = Sunday' }, start: hhmm, end: hhmm }) },
  date_overrides: {
    type: 'array',
    items: {
      oneOf: [
        object({ date: { type: 'string', format: 'date' }, unavailable: { type: 'boolean', enum: [true] } }),
        object({ date: { type: 'string', format: 'date' }, start: hhmm, end: hhmm }),
      ],
    },
  },
  time_off: { type: 'array', items: object({ start_time: time, end_time: time, reason: str }) },
});

const profile = object({ id: { ...int, description: 'The practitioner\'s user id.' }, name: str, bio: str, timezone: str });

const bookingSummary = object({
  id: int,
  public_uuid: { type: 'string', format: 'uuid' },
  booking_type: { ...enumOf(BOOKING_TYPES), description: 'A workshop booking is a `group` booking.' },
  practitioner: party,
  client: party,
  service: object({ id: int, name: str, service_type: enumOf(SERVICE_TYPES), duration_minutes: int, price_cents: int }),
  title: str,
  start_time: nullable({ ...time, description: 'null for package and bundle parents, which have no session of their own.' }),
  end_time: nullable(time),
  timezone: { type: 'string', description: 'The IANA zone the booking is shown in to its client.' },
  status: enumOf(BOOKING_STATUSES),
  payment_status: enumOf(PAYMENT_STATUSES),
  price_charged: money,
  price_charged_cents: int,
  currency: { type: 'string', example: 'USD' },
  service_session_id: nullable(int),
  parent_booking_id: nullable({ ...int, description: 'The course or package this booking is part of.' }),
  bundle_booking_id: nullable({ ...int, description: 'The bundle whose credit paid for this booking.' }),
  expansion_status: nullable({
    ...enumOf(['pending', 'done', 'failed']),
    description:
      'Course and package parents: `pending` until the expansion worker has created every child, then `done`; `failed` (with `expansion_error`) ' +
      'when a child could not be created after its retries — operators list them with `expansion_status=failed`. null for other bookings.',
  }),
  version: { ...int, minimum: 1, description: '1 when created, +1 on every change (status, times, payment, notes on the row). The SEQUENCE of its calendar-feed event.' },
  is_upcoming: { ...bool, description: 'Starts in the future and is pending_payment or confirmed.' },
  can_be_canceled: { ...bool, description: 'Whether the caller may cancel it now (same rules as the cancel action).' },
  can_be_rescheduled: { ...bool, description: 'Whether the caller may reschedule it now.' },
  created_at: time,
});

const note = object({ id: int, author_id: int, content: str, is_private: bool, created_at: time });

const historyEntry = object({
  from_status: nullable(enumOf(BOOKING_STATUSES)),
  to_status: enumOf(BOOKING_STATUSES),
  actor_id: nullable({ ...int, description: 'null for the system.' }),
  actor_role: enumOf(ACTOR_ROLES),
  reason: str,
  details: nullable({
    type: 'object',
    additionalProperties: true,
    description: 'What else changed, or null. A reschedule (from_status = to_status) gives the old and the new times.',
    properties: { rescheduled: object({ from: object({ start_time: nullable(time), end_time: nullable(time) }), to: object({ start_time: time, end_time: time }) }) },
    example: { rescheduled: { from: { start_time: '2030-01-08T14:00:00Z', end_time: '2030-01-08T15:00:00Z' }, to: { start_time: '2030-01-09T14:00:00Z', end_time: '2030-01-09T15:00:00Z' } } },
  }),
  created_at: time,
});

const bookingDetail: Json = {
  allOf: [
    ref('BookingSummary'),
    object({
      location: nullable(object({ id: int, name: str, address: str, timezone: str })),
      location_id: nullable(int),
      room: nullable({
        ...object({ id: int, name: str }),
        description: 'The room it holds (a service that requires a room), or its session\'s for a workshop/course seat; null otherwise.',
      }),
      room_id: nullable(int),
      pricing: {
        ...object({
          list_price_cents: { ...int, description: 'The service\'s price when it was priced (0 for children of courses and packages, priced with their parent).' },
          discount_cents: int,
          credits_used: { ...int, description: '1 for a session paid with a bundle credit (0 once the credit came back on an early cancel).' },
          charged_cents: { ...int, description: 'What the client pays in money: list − discount, or 0 when a credit paid.' },
          refunded_cents: { ...int, description: 'Succeeded refunds in the payments ledger (a duplicate payment\'s refund aside).' },
          currency: { type: 'string', example: 'USD' },
        }),
        description: 'The pricing breakdown (docs/api-conventions.md#rooms-and-pricing).',
      },
      description: str,
      client_notes: str,
      meeting_url: str,
      meeting_id: str,
      duration_minutes: nullable(int),
      discount_amount_cents: int,
      cancellation_notice_hours: { ...int, description: 'The policy snapshotted when the booking was created.' },
      refund_due_cents: nullable({ ...int, description: 'Decided at cancellation; null until then.' }),
      refund_due: nullable(money),
      canceled_by: nullable(enumOf(ACTOR_ROLES)),
      cancellation_reason: str,
      hold_expires_at: nullable({ ...time, description: 'When an unpaid hold lapses (pending_payment only).' }),
      confirmed_at: nullable(time),
      started_at: nullable(time),
      completed_at: nullable(time),
      canceled_at: nullable(time),
      no_show_at: nullable(time),
      updated_at: time,
      expansion_error: nullable({ ...str, description: 'Why the expansion failed (expansion_status `failed`).' }),
      child_bookings: { type: 'array', items: ref('BookingSummary'), description: 'Bookings of a package or course, in start order, unscheduled ones last.' },
      credits: nullable(
        object({
          total: { ...int, description: 'sessions_included + bonus_sessions, granted when the bundle was confirmed.' },
          used: { ...int, description: 'Redeemed, minus credits returned by early cancels.' },
          remaining: int,
          expires_at: time,
          expired_at: nullable({ ...time, description: 'When the remaining credits expired (at expires_at, or when the bundle was canceled).' }),
        }),
      ),
      notes: { type: 'array', items: ref('Note'), description: 'Private notes of others are left out.' },
      status_history: { type: 'array', items: ref('StatusHistoryEntry'), description: 'Every status change, oldest first.' },
      payments: { type: 'array', items: ref('Payment'), description: 'The payment ledger: every payment attempt and refund, oldest first.' },
    }),
  ],
};

const PROVIDERS = ['offline', 'stripe'] as const;

const paymentEntry = object({
  id: int,
  kind: enumOf(['payment', 'refund']),
  provider: enumOf(PROVIDERS),
  amount_cents: int,
  amount: money,
  currency: { type: 'string', example: 'USD' },
  state: {
    ...enumOf(PAYMENT_STATES),
    description:
      '`pending`: started, not settled (a Stripe PaymentIntent not yet paid, a refund in flight); `succeeded`: money moved; `failed`: the provider ' +
      'refused it; `awaiting_operator`: an offline refund an operator must pay by hand, then settle (POST /api/v1/admin/refunds/{id}/settle/).',
  },
  flag: nullable({
    ...str,
    description:
      'Set when an operator should look: `amount_mismatch` (a payment of another amount or currency than the price; the booking is not ' +
      'confirmed); `duplicate_payment` (a payment the booking did not need, and the refund that gives it back in full: neither counts in ' +
      'payment_status); `refund_refused` (the provider refused this refund; nothing went back). An offline payment (provider `offline`) is ' +
      'the one a practitioner or admin recorded by confirming the booking by hand.',
  }),
  created_at: time,
  updated_at: time,
});

const paymentStart: Json = {
  type: 'object',
  required: ['provider', 'amount_cents', 'currency'],
  description:
    'What the client needs to pay a booking now pending_payment; null when nothing is to be paid (free, or a draft). ' +
    'With Stripe (`STRIPE_SECRET_KEY` set): `client_secret` of a PaymentIntent whose metadata carries `booking_id`; the booking is confirmed by the ' +
    'payments worker when Stripe reports `payment_intent.succeeded`. Offline (the default): `instructions`; the practitioner confirms once paid. ' +
    'If the provider could not be reached, `error` says so and the booking still holds its slot until `hold_expires_at`.',
  properties: {
    provider: enumOf(PROVIDERS),
    amount_cents: int,
    currency: { type: 'string', example: 'USD' },
    client_secret: { type: 'string', description: 'Stripe only: the PaymentIntent client secret, for Stripe.js.', example: 'pi_3Nx…_secret_…' },
    instructions: {
      type: 'string',
      description: 'Offline only: how to pay.',
      example: 'Pay 50.00 USD to the practitioner, quoting booking reference 3f2b…. The practitioner confirms the booking once paid.',
    },
    error: { type: 'string', description: 'Only when the provider could not be reached.', example: 'The payment provider is unavailable; try again shortly.' },
  },
};

const bookingWithPayment: Json = {
  allOf: [ref('BookingDetail'), object({ payment: { allOf: [ref('PaymentStart')], nullable: true } })],
};

const refund = object({
  id: int,
  booking_id: int,
  provider: enumOf(PROVIDERS),
  amount_cents: int,
  amount: money,
  currency: { type: 'string', example: 'USD' },
  state: enumOf(PAYMENT_STATES),
  provider_id: nullable({ ...str, description: 'The provider\'s refund id; null until the provider answered (or for an offline refund).' }),
  flag: nullable({ ...str, description: '`duplicate_payment` (gives back a payment the booking did not need) or `refund_refused`.' }),
  refund_of: nullable({ ...int, description: 'The payment this refund gives back, for a duplicate payment; null: the booking\'s own payment.' }),
  last_error: nullable({ ...str, description: 'The provider\'s last error (unreachable) or refusal.' }),
  age_seconds: { ...int, description: 'Seconds since the refund was recorded (in the list of unsettled refunds).' },
  created_at: time,
  updated_at: time,
});

const failedEmail = object({
  id: { ...int, description: 'The notification\'s id (POST /api/v1/admin/notifications/{id}/retry/).' },
  booking_id: nullable(int),
  recipient_id: { ...int, description: 'The user it was for (the booking\'s client or practitioner). Never the address.' },
  event: nullable({ ...str, example: 'booking.confirmed' }),
  kind: { ...str, example: 'booking_confirmed' },
  subject: { ...str, example: 'Booking confirmed' },
  email_status: { ...enumOf(['not_sent', 'pending', 'sending', 'logged', 'sent', 'failed', 'skipped']), description: '`failed` in the list; `pending` once a retry is queued.' },
  attempts: { ...int, description: 'Tries so far, retries by an operator included.' },
  last_error: nullable({ ...str, example: '451 4.3.0 <[address]>: mailbox temporarily unavailable', description: 'The last failed try\'s error, addresses redacted.' }),
  failed_at: nullable({ ...time, description: 'When the last retry failed (null once a retry is queued).' }),
  created_at: time,
});

const flaggedEvent = object({
  id: { ...int, description: 'Our id of the stored event.' },
  provider_event_id: { ...str, example: 'evt_1Nx…' },
  type: { ...str, example: 'payment_intent.succeeded' },
  booking_ref: nullable({ ...str, description: '`data.object.metadata.booking_id` as received.' }),
  booking_id: nullable({ ...int, description: 'The booking it was applied to; null when none was found.' }),
  flag: { ...str, description: '`unknown_booking` (no booking matches `booking_ref`; the event is kept), `amount_mismatch` or `malformed_event`.' },
  outcome: nullable({ ...str, description: 'What the payments worker did: `kept`, `recorded`, `ignored`, …' }),
  received_at: time,
  processed_at: nullable(time),
});

const paymentEvent: Json = {
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
            last_payment_error: { type: 'object', additionalProperties: true, properties: { message: str }, description: 'payment_intent.payment_failed: why.' },
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

const webhookReceipt = object({
  received: { type: 'boolean', enum: [true] },
  duplicate: { ...bool, description: 'true when this event id had been received before: nothing changed.' },
});

const slot = object({
  start_time: time,
  end_time: time,
  local_start_time: { type: 'string', format: 'date-time', description: 'start_time in the requested time zone, with its offset.', example: '2030-01-08T09:00:00-05:00' },
  local_end_time: { type: 'string', format: 'date-time', description: 'end_time in the requested time zone, with its offset.' },
});
const availability = object({
  practitioner_id: int,
  service_id: int,
  date: { type: 'string', format: 'date' },
  timezone: str,
  practitioner_timezone: str,
  duration_minutes: int,
  slots: { type: 'array', items: slot },
});

const error: Json = {
  type: 'object',
  required: ['detail', 'code'],
  properties: {
    detail: { type: 'string', description: 'A sentence for humans.' },
    code: { type: 'string', description: 'Stable snake_case identifier to branch on.' },
    errors: {
      type: 'object',
      description: 'Validation errors only: messages per field (`non_field_errors` for the body as a whole).',
      additionalProperties: { type: 'array', items: { type: 'string' } },
    },
  },
};

const cancellationQuote: Json = {
  type: 'object',
  required: ['refund_cents', 'refund', 'full_refund_until', 'reason', 'credit_returned'],
  properties: {
    refund_cents: { type: 'integer', minimum: 0, description: 'What a cancel by the caller now would set as `refund_due_cents`.' },
    refund: { type: 'string', example: '50.00', description: '`refund_cents` as a decimal string.' },
    full_refund_until: {
      type: 'string',
      format: 'date-time',
      nullable: true,
      description: 'Until when a cancel by this caller still gets the full refund (or the credit back): the start (a parent: its first session to come) less the notice. null: no deadline applies (practitioner or admin, nothing paid, a bundle).',
    },
    reason: { type: 'string', enum: ['nothing_paid', 'full_refund', 'partial_refund', 'inside_notice', 'already_refunded', 'no_credits_left', 'credit_returned', 'credit_forfeited'] },
    credit_returned: { type: 'boolean', nullable: true, description: 'A session paid with a bundle credit: whether the cancel gives the credit back; null otherwise.' },
  },
};

export const schemas: Record<string, Json> = {
  CancellationQuote: cancellationQuote,
  Error: error,
  User: user,
  Service: service,
  ServiceSession: session,
  Location: location,
  Room: room,
  RoomList: { type: 'array', items: ref('Room') },
  LocationMembers: locationMembers,
  Schedule: schedule,
  PractitionerProfile: profile,
  PractitionerDetail: { allOf: [ref('PractitionerProfile'), object({ services: { type: 'array', items: ref('Service'), description: 'Active services.' } })] },
  BookingSummary: bookingSummary,
  BookingDetail: bookingDetail,
  Note: note,
  StatusHistoryEntry: historyEntry,
  Availability: availability,
  PaymentStart: paymentStart,
  BookingWithPayment: bookingWithPayment,
  Payment: paymentEntry,
  Refund: refund,
  FlaggedPaymentEvent: flaggedEvent,
  PaymentEvent: paymentEvent,
  WebhookReceipt: webhookReceipt,
  ServicePage: pageOf('Service'),
  ServiceSessionPage: pageOf('ServiceSession'),
  LocationPage: pageOf('Location'),
  PractitionerPage: pageOf('PractitionerProfile'),
  BookingPage: pageOf('BookingSummary'),
  RefundPage: pageOf('Refund'),
  FlaggedPaymentEventPage: pageOf('FlaggedPaymentEvent'),
  FailedEmail: failedEmail,
  FailedEmailPage: pageOf('FailedEmail'),
  ApiToken: apiToken,
  ApiTokenPage: pageOf('ApiToken'),
};

const errorExample = (code: string, detail: string, errors?: Record<string, string[]>) => ({ value: errors ? { detail, code, errors } : { detail, code } });
const errorResponse = (description: string, examples: Record<string, { value: unknown }>, headers?: Json): Json => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref('Error'), examples } },
});

const retryAfter: Json = { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 1, example: 42 } } };

/** Error responses shared by the operations; the codes are those of src/api/error-mapper.ts and the use cases. */
export const responses: Record<string, Json> = {
  BadRequest: errorResponse('Invalid input (`invalid` with `errors` per field, or a more specific code), or malformed JSON (`parse_error`).', {
    invalid: errorExample('invalid', 'end_time: end_time must be a valid date', { end_time: ['end_time must be a valid date'] }),
    parse_error: errorExample('parse_error', 'Malformed request body.'),
  }),
  Unauthorized: errorResponse(
    'No credentials (`not_authenticated`) or bad ones (`authentication_failed`).',
    {
      not_authenticated: errorExample('not_authenticated', 'Authentication credentials were not provided.'),
      authentication_failed: errorExample('authentication_failed', 'Invalid token.'),
    },
    { 'WWW-Authenticate': { schema: { type: 'string', example: 'Token' } } },
  ),
  Forbidden: errorResponse('Authenticated but not allowed (`permission_denied`), or a session request without a valid CSRF token (`csrf_failed`).', {
    permission_denied: errorExample('permission_denied', 'You do not have permission to perform this action.'),
    csrf_failed: errorExample('csrf_failed', 'CSRF Failed: CSRF token missing or incorrect.'),
  }),
  NotFound: errorResponse('Not found, or not visible to the caller (`not_found`); a page past the last (`invalid_page`).', {
    not_found: errorExample('not_found', 'Not found.'),
  }),
  MethodNotAllowed: errorResponse('The path exists but not with this method.', { method_not_allowed: errorExample('method_not_allowed', 'Method not allowed.') }),
  PayloadTooLarge: errorResponse('The body is over BODY_LIMIT_BYTES.', { payload_too_large: errorExample('payload_too_large', 'Request body is too large.') }),
  UnsupportedMediaType: errorResponse('The body is not `application/json`.', {
    unsupported_media_type: errorExample('unsupported_media_type', 'Unsupported media type: send application/json.'),
  }),
  Throttled: errorResponse(
    'Over the request budget (`throttled`): per IP for anonymous callers (RATE_LIMIT_ANON_PER_MINUTE, default 120 a minute), per user otherwise ' +
      '(RATE_LIMIT_USER_PER_MINUTE, default 1,200 a minute). Requests with an invalid token also count against their IP, in a budget of the ' +
      'same size: once spent, any request from that IP that carries an `Authorization` header is a 429 until the minute passes. Wait the seconds `Retry-After` gives.',
    { throttled: errorExample('throttled', 'Request was throttled. Expected available in 42 seconds.') },
    retryAfter,
  ),
  LoginThrottled: errorResponse(
    'Too many failed logins for this account or from this IP (LOGIN_FAILURES_PER_15_MINUTES, default 10 per 15 minutes), or over the request budget. ' +
      'Once the failures are spent even the right password is refused until the window passes; a successful login clears the account\'s count.',
    { throttled: errorExample('throttled', 'Request was throttled. Expected available in 840 seconds.') },
    retryAfter,
  ),
  PreconditionFailed: errorResponse('The booking changed since the version If-Match names (`precondition_failed`): nothing was done. GET it again and decide again.', {
    precondition_failed: errorExample('precondition_failed', 'The booking has changed: it is at version 4, not 3. Fetch it again and retry with its ETag.'),
  }),
  IdempotencyKeyReused: errorResponse('The Idempotency-Key was used with another request (method, path or body) by this caller in the last 24 h (`idempotency_key_reused`).', {
    idempotency_key_reused: errorExample('idempotency_key_reused', 'This Idempotency-Key was used with another request (method, path or body); use a new key for a new request.'),
  }),
  NoToken: errorResponse('The request is authenticated by a session, not a token: there is no token to revoke (`no_token`).', {
    no_token: errorExample('no_token', 'This request is not authenticated with a token; log out to end a session.'),
  }),
  InvalidSignature: errorResponse(
    'Nothing was stored. `invalid_signature`: the Stripe-Signature header is missing or malformed, older or newer than 300 s, or no `v1` matches ' +
      'any secret of PAYMENT_WEBHOOK_SECRET. `parse_error`: not JSON. `invalid`: signed JSON that is not an event (no `id`, `type` or `data.object`).',
    {
      invalid_signature: errorExample('invalid_signature', 'No signature matches the payload.'),
      stale: errorExample('invalid_signature', 'Signature timestamp outside the tolerance window.'),
      parse_error: errorExample('parse_error', 'Malformed request body.'),
    },
  ),
};

/** 409s, with the examples that apply to one operation. */
export const conflictResponse = (codes: Record<string, string>): Json =>
  errorResponse(
    'Conflict with the current state.',
    Object.fromEntries(Object.entries(codes).map(([code, detail]) => [code, errorExample(code, detail)])),
  );

export const CONFLICTS = {
  slot_unavailable: 'Time slot not available',
  session_full: 'This session is full.',
  already_booked: 'You already hold a seat in this session.',
  invalid_transition: 'Cannot complete a booking that is canceled.',
  email_taken: 'A user with this email already exists.',
  service_in_use: 'This service has bookings or belongs to a package or bundle; deactivate it instead (is_active: false).',
  booking_closed: 'A completed booking can no longer be edited.',
  parent_not_confirmed: 'The package is pending_payment; its items can be scheduled once it is confirmed (paid).',
  cancel_the_parent: 'This booking is part of booking 12; a client cancels the package or course as a whole.',
  no_credits_left: 'This bundle has no credits left.',
  bundle_expired: 'This bundle has expired.',
  bundle_not_confirmed: 'This bundle is pending_payment; only a confirmed (paid) bundle can be redeemed.',
  buffer_conflicts:
    'buffer_minutes 30 would leave existing bookings or sessions too close together: booking 12 (2030-01-08T10:00:00.000Z–2030-01-08T11:00:00.000Z) and ' +
    'session 3 (2030-01-08T11:00:00.000Z–2030-01-08T12:00:00.000Z) are less than 30 minutes apart. Move or cancel one of each pair, or choose a smaller buffer; nothing was changed.',
  too_many_unpaid_holds: 'You already hold 3 unpaid bookings with this practitioner (at most 3): pay for or cancel one before booking another.',
  delivery_pending: 'The delivery is still being tried.',
  endpoint_inactive: 'The endpoint is not active: enable it (PATCH is_active: true) first.',
  session_has_seats: 'This session has a free seat: book it with POST /api/v1/drf/bookings/.',
  already_waiting: 'You are already on the waitlist of this session.',
  idempotency_key_in_use: 'A request with this Idempotency-Key is still being processed; retry shortly.',
  session_started: 'This session has already started.',
  below_seats_taken: '3 seats are taken; max_participants cannot be lower.',
  no_room_available: 'No room of this location is free then.',
  room_in_use: 'This room is held by bookings or sessions still to come; cancel or move them first.',
} as const;

export const securitySchemes: Record<string, Json> = {
  tokenAuth: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'DRF-style token: send `Authorization: Token <key>` (the word `Token`, a space, the key; the scheme is case-insensitive). ' +
      'Get a key from POST /api/v1/auth/register/ or /api/v1/auth/token/; each call issues a new key and earlier keys stay valid until revoked ' +
      '(DELETE /api/v1/auth/token/, DELETE /api/v1/auth/tokens/{id}/, or POST /api/v1/auth/logout/ with the token): a revoked key is a 401 at once ' +
      'on every server. Keys are stored hashed. In "Authorize" below, paste the whole value, `Token <key>`.',
  },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: 'estuary.sid',
    description: 'Signed session cookie set by POST /api/v1/auth/login/ (browsers). Unsafe methods also need `csrfToken`.',
  },
  csrfToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-CSRFToken',
    description:
      'With session authentication, POST/PUT/PATCH/DELETE must echo the `csrftoken` cookie (also returned as `csrftoken` by login) in this header. ' +
      'Not needed with a token. This page adds it for you from the cookie.',
  },
};
