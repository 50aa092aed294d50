import type { Json } from './joi-openapi';

// What every operation shares: error responses (their body is the generated `Error` schema), 409 codes,
// security schemes. The response bodies' schemas are generated (./response-schemas.ts).

export const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

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
  ServerError: errorResponse('Something failed on our side (`server_error`); the detail says nothing more. Safe to retry with the same Idempotency-Key.', {
    server_error: errorExample('server_error', 'A server error occurred.'),
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
