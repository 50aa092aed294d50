import { ACTOR_ROLES, BOOKING_STATUSES, BOOKING_TYPES, PAYMENT_STATUSES, SERVICE_TYPES, USER_ROLES } from '../../domain/types';
import type { Json } from './joi-openapi';

// Response schemas, written by hand from the serializers (src/api/*serializers.ts,
// src/api/routes/booking-serializer.ts): responses are not validated, so there is no Joi to generate
// them from. Keep them in step with the serializers.

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
});

const location = object({ id: int, practitioner_id: int, name: str, address: str, timezone: str, created_at: time, updated_at: time });

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
  parent_booking_id: nullable(int),
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
  details: nullable({ type: 'object', additionalProperties: true, description: 'What else changed; a reschedule gives `{rescheduled: {from: {start_time, end_time}, to: {start_time, end_time}}}`.' }),
  created_at: time,
});

const bookingDetail: Json = {
  allOf: [
    ref('BookingSummary'),
    object({
      location: nullable(object({ id: int, name: str, address: str, timezone: str })),
      location_id: nullable(int),
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
      child_bookings: { type: 'array', items: ref('BookingSummary'), description: 'Bookings of a package or course.' },
      notes: { type: 'array', items: ref('Note'), description: 'Private notes of others are left out.' },
      status_history: { type: 'array', items: ref('StatusHistoryEntry'), description: 'Every status change, oldest first.' },
    }),
  ],
};

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

export const schemas: Record<string, Json> = {
  Error: error,
  User: user,
  Service: service,
  ServiceSession: session,
  Location: location,
  Schedule: schedule,
  PractitionerProfile: profile,
  PractitionerDetail: { allOf: [ref('PractitionerProfile'), object({ services: { type: 'array', items: ref('Service'), description: 'Active services.' } })] },
  BookingSummary: bookingSummary,
  BookingDetail: bookingDetail,
  Note: note,
  StatusHistoryEntry: historyEntry,
  Availability: availability,
  ServicePage: pageOf('Service'),
  ServiceSessionPage: pageOf('ServiceSession'),
  LocationPage: pageOf('Location'),
  PractitionerPage: pageOf('PractitionerProfile'),
  BookingPage: pageOf('BookingSummary'),
};

const errorExample = (code: string, detail: string, errors?: Record<string, string[]>) => ({ value: errors ? { detail, code, errors } : { detail, code } });
const errorResponse = (description: string, examples: Record<string, { value: unknown }>, headers?: Json): Json => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref('Error'), examples } },
});

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
} as const;

export const securitySchemes: Record<string, Json> = {
  tokenAuth: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'DRF-style token: send `Authorization: Token <key>` (the word `Token`, a space, the key; the scheme is case-insensitive). ' +
      'Get a key from POST /api/v1/auth/register/ or /api/v1/auth/token/; each call issues a new key and earlier keys stay valid. ' +
      'Keys are stored hashed. In "Authorize" below, paste the whole value, `Token <key>`.',
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
