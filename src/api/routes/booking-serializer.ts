import Joi from 'joi';
import type { CancellationReason, CancellationRefund } from '../../domain/cancellation-policy';
import { PAYMENT_STATES } from '../../domain/payment-ledger';
import { ACTOR_ROLES, BOOKING_STATUSES, BOOKING_TYPES, PAYMENT_STATUSES, SERVICE_TYPES } from '../../domain/types';
import { bool, component, currency, fields, int, money, nullable, oneOf, pageOf, str, time } from '../response-schema';
import { formatCents } from '../../domain/pricing';

// The representation lives in src/app: the webhooks worker sends the same booking JSON the API answers with.
export { serializeBookingDetail, serializeBookingListItem, serializeBookingSummary, serializeNote } from '../../app/bookings/booking-representation';

/** GET bookings/{id}/cancellation-quote/ (docs/retries-and-concurrency.md). */
export const serializeCancellationQuote = (q: CancellationRefund) => ({
  refund_cents: q.refundDueCents,
  refund: formatCents(q.refundDueCents),
  full_refund_until: q.fullRefundUntil === null ? null : q.fullRefundUntil.toISOString(),
  reason: q.reason,
  credit_returned: q.creditReturned,
});

// What the serializers answer (docs/api-conventions.md#the-openapi-document).

const party = () => fields({ id: int().description("The user id (a practitioner's id is their user id)."), name: str(), email: str() });

const summaryKeys = {
  id: int(),
  public_uuid: Joi.string().guid(),
  booking_type: oneOf(BOOKING_TYPES).description('A workshop booking is a `group` booking.'),
  practitioner: party(),
  client: party(),
  service: fields({ id: int(), name: str(), service_type: oneOf(SERVICE_TYPES), duration_minutes: int(), price_cents: int() }),
  title: str(),
  start_time: nullable(time()).description('null for package and bundle parents, which have no session of their own.'),
  end_time: nullable(time()),
  timezone: Joi.string().description('The IANA zone the booking is shown in to its client.'),
  status: oneOf(BOOKING_STATUSES),
  payment_status: oneOf(PAYMENT_STATUSES),
  price_charged: money(),
  price_charged_cents: int(),
  currency: currency(),
  service_session_id: nullable(int()),
  parent_booking_id: nullable(int()).description('The course or package this booking is part of.'),
  bundle_booking_id: nullable(int()).description('The bundle whose credit paid for this booking.'),
  expansion_status: nullable(oneOf(['pending', 'done', 'failed'])).description(
    'Course and package parents: `pending` until the expansion worker has created every child, then `done`; `failed` (with `expansion_error`) ' +
      'when a child could not be created after its retries — operators list them with `expansion_status=failed`. null for other bookings.',
  ),
  version: int().min(1).description('1 when created, +1 on every change (status, times, payment, notes on the row). The SEQUENCE of its calendar-feed event.'),
  is_upcoming: bool().description('Starts in the future and is pending_payment or confirmed.'),
  can_be_canceled: bool().description('Whether the caller may cancel it now (same rules as the cancel action).'),
  can_be_rescheduled: bool().description('Whether the caller may reschedule it now.'),
  created_at: time(),
};
export const bookingSummarySchema = component('BookingSummary', fields(summaryKeys));

export const noteSchema = component('Note', fields({ id: int(), author_id: int(), content: str(), is_private: bool(), created_at: time() }));

const historySchema = component(
  'StatusHistoryEntry',
  fields({
    from_status: nullable(oneOf(BOOKING_STATUSES)),
    to_status: oneOf(BOOKING_STATUSES),
    actor_id: nullable(int()).description('null for the system.'),
    actor_role: oneOf(ACTOR_ROLES),
    reason: str(),
    details: nullable(
      Joi.object({
        rescheduled: fields({
          from: fields({ start_time: nullable(time()), end_time: nullable(time()) }).keys({ room_id: nullable(int()).description('Only when a room is involved.') }),
          to: fields({ start_time: time(), end_time: time() }).keys({ room_id: nullable(int()).description('Only when a room is involved.') }),
        }),
      })
        .unknown(true)
        // Open on purpose: each kind of change adds its own key.
        .meta({ swagger: { additionalProperties: true } }),
    )
      .description('What else changed, or null. A reschedule (from_status = to_status) gives the old and the new times.')
      .example({ rescheduled: { from: { start_time: '2030-01-08T14:00:00Z', end_time: '2030-01-08T15:00:00Z' }, to: { start_time: '2030-01-09T14:00:00Z', end_time: '2030-01-09T15:00:00Z' } } }),
    created_at: time(),
  }),
);

const PROVIDERS = ['offline', 'stripe'] as const;

const paymentSchema = component(
  'Payment',
  fields({
    id: int(),
    kind: oneOf(['payment', 'refund']),
    provider: oneOf(PROVIDERS),
    amount_cents: int(),
    amount: money(),
    currency: currency(),
    state: oneOf(PAYMENT_STATES).description(
      '`pending`: started, not settled (a Stripe PaymentIntent not yet paid, a refund in flight); `succeeded`: money moved; `failed`: the provider ' +
        'refused it; `awaiting_operator`: an offline refund an operator must pay by hand, then settle (POST /api/v1/admin/refunds/{id}/settle/).',
    ),
    flag: nullable(str()).description(
      'Set when an operator should look: `amount_mismatch` (a payment of another amount or currency than the price; the booking is not ' +
        'confirmed); `duplicate_payment` (a payment the booking did not need, and the refund that gives it back in full: neither counts in ' +
        'payment_status); `refund_refused` (the provider refused this refund; nothing went back). An offline payment (provider `offline`) is ' +
        'the one a practitioner or admin recorded by confirming the booking by hand.',
    ),
    created_at: time(),
    updated_at: time(),
  }),
);

const detailKeys = {
  ...summaryKeys,
  location: nullable(fields({ id: int(), name: str(), address: str(), timezone: str() })),
  location_id: nullable(int()),
  room: nullable(fields({ id: int(), name: str() })).description(
    "The room it holds (a service that requires a room), or its session's for a workshop/course seat; null otherwise.",
  ),
  room_id: nullable(int()),
  pricing: fields({
    list_price_cents: int().description("The service's price when it was priced (0 for children of courses and packages, priced with their parent)."),
    discount_cents: int(),
    credits_used: int().description('1 for a session paid with a bundle credit (0 once the credit came back on an early cancel).'),
    charged_cents: int().description('What the client pays in money: list − discount, or 0 when a credit paid.'),
    refunded_cents: int().description("Succeeded refunds in the payments ledger (a duplicate payment's refund aside)."),
    currency: currency(),
  }).description('The pricing breakdown (docs/api-conventions.md#rooms-and-pricing).'),
  description: str(),
  client_notes: str(),
  meeting_url: str(),
  meeting_id: str(),
  duration_minutes: nullable(int()),
  discount_amount_cents: int(),
  cancellation_notice_hours: int().description('The policy snapshotted when the booking was created.'),
  refund_due_cents: nullable(int()).description('Decided at cancellation; null until then.'),
  refund_due: nullable(money()),
  canceled_by: nullable(oneOf(ACTOR_ROLES)),
  cancellation_reason: str(),
  hold_expires_at: nullable(time()).description('When an unpaid hold lapses (pending_payment only).'),
  confirmed_at: nullable(time()),
  started_at: nullable(time()),
  completed_at: nullable(time()),
  canceled_at: nullable(time()),
  no_show_at: nullable(time()),
  updated_at: time(),
  expansion_error: nullable(str()).description('Why the expansion failed (expansion_status `failed`).'),
  child_bookings: Joi.array().items(bookingSummarySchema).description('Bookings of a package or course, in start order, unscheduled ones last.'),
  credits: nullable(
    fields({
      total: int().description('sessions_included + bonus_sessions, granted when the bundle was confirmed.'),
      used: int().description('Redeemed, minus credits returned by early cancels.'),
      remaining: int(),
      expires_at: time(),
      expired_at: nullable(time()).description('When the remaining credits expired (at expires_at, or when the bundle was canceled).'),
    }),
  ),
  notes: Joi.array().items(noteSchema).description('Private notes of others are left out.'),
  status_history: Joi.array().items(historySchema).description('Every status change, oldest first.'),
  payments: Joi.array().items(paymentSchema).description('The payment ledger: every payment attempt and refund, oldest first.'),
};
export const bookingDetailSchema = component('BookingDetail', fields(detailKeys));

/** What src/app/payments/start-payment.ts returns: a client_secret (Stripe), instructions (offline), or an error. */
export const paymentStartSchema = component(
  'PaymentStart',
  Joi.object({
    provider: oneOf(PROVIDERS).required(),
    amount_cents: int().required(),
    currency: currency().required(),
    client_secret: Joi.string().description('Stripe only: the PaymentIntent client secret, for Stripe.js.').example('pi_3Nx…_secret_…'),
    instructions: Joi.string()
      .description('Offline only: how to pay.')
      .example('Pay 50.00 USD to the practitioner, quoting booking reference 3f2b…. The practitioner confirms the booking once paid.'),
    error: Joi.string().description('Only when the provider could not be reached.').example('The payment provider is unavailable; try again shortly.'),
  }).description(
    'What the client needs to pay a booking now pending_payment; null when nothing is to be paid (free, or a draft). ' +
      'With Stripe (`STRIPE_SECRET_KEY` set): `client_secret` of a PaymentIntent whose metadata carries `booking_id`; the booking is confirmed by the ' +
      'payments worker when Stripe reports `payment_intent.succeeded`. Offline (the default): `instructions`; the practitioner confirms once paid. ' +
      'If the provider could not be reached, `error` says so and the booking still holds its slot until `hold_expires_at`.',
  ),
);

export const bookingWithPaymentSchema = component(
  'BookingWithPayment',
  fields({ ...detailKeys, payment: nullable(paymentStartSchema) }),
);

const CANCELLATION_REASONS = [
  'nothing_paid',
  'full_refund',
  'partial_refund',
  'inside_notice',
  'already_refunded',
  'no_credits_left',
  'credit_returned',
  'credit_forfeited',
] as const satisfies readonly CancellationReason[];

export const cancellationQuoteSchema = component(
  'CancellationQuote',
  fields({
    refund_cents: int().min(0).description('What a cancel by the caller now would set as `refund_due_cents`.'),
    refund: money().description('`refund_cents` as a decimal string.'),
    full_refund_until: nullable(time()).description(
      'Until when a cancel by this caller still gets the full refund (or the credit back): the start (a parent: its first session to come) less the notice. null: no deadline applies (practitioner or admin, nothing paid, a bundle).',
    ),
    reason: oneOf(CANCELLATION_REASONS),
    credit_returned: nullable(bool()).description('A session paid with a bundle credit: whether the cancel gives the credit back; null otherwise.'),
  }),
);

/** What src/app/bookings/check-availability.ts answers. */
export const availabilitySchema = component(
  'Availability',
  fields({
    practitioner_id: int(),
    service_id: int(),
    date: Joi.string().isoDate().meta({ swagger: { format: 'date' } }),
    timezone: str(),
    practitioner_timezone: str(),
    duration_minutes: int(),
    slots: Joi.array().items(
      fields({
        start_time: time(),
        end_time: time(),
        local_start_time: Joi.string().isoDate().description('start_time in the requested time zone, with its offset.').example('2030-01-08T09:00:00-05:00'),
        local_end_time: Joi.string().isoDate().description('end_time in the requested time zone, with its offset.'),
      }),
    ),
  }),
);

export const BOOKING_RESPONSE_SCHEMAS = [
  bookingSummarySchema,
  bookingDetailSchema,
  bookingWithPaymentSchema,
  paymentStartSchema,
  noteSchema,
  component('NoteList', Joi.array().items(noteSchema)),
  cancellationQuoteSchema,
  availabilitySchema,
  pageOf('BookingPage', bookingSummarySchema),
];
