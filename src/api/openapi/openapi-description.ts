// The prose at the top of /api/v1/docs/: conventions that hold for every operation, and the decisions
// we took where the customer's spec and docs/api-conventions.md are silent (those are documented in the
// OpenAPI document).
export const API_DESCRIPTION = `
Booking service of the Estuary wellness marketplace: practitioners publish services and a schedule,
clients book sessions and workshop seats, and bookings move through a recorded lifecycle.

## Authentication
* **Token** — \`Authorization: Token <key>\`. Get a key from \`POST /api/v1/auth/register/\` or
  \`POST /api/v1/auth/token/\`; every call to \`/auth/token/\` issues a *new* key and earlier keys keep working until revoked:
  \`DELETE /api/v1/auth/token/\` (or \`POST /api/v1/auth/logout/\` with the token) revokes the key of the request,
  \`GET /api/v1/auth/tokens/\` lists your keys (never the keys themselves) and \`DELETE /api/v1/auth/tokens/{id}/\` revokes one.
  A revoked key is a 401 at once, on every server.
* **Session** — \`POST /api/v1/auth/login/\` sets a session cookie and a \`csrftoken\` cookie. POST, PUT, PATCH and
  DELETE with a session must send the \`csrftoken\` value in \`X-CSRFToken\` (403 \`csrf_failed\` otherwise).
* A token in the header wins over a session. Everything under \`/api/v1/drf/\` needs one of the two.
  \`/api/v1/admin/…\` and the queue dashboard \`/admin/queues\` need an admin. The payment webhook needs neither: its signature
  authenticates it.
* Roles: \`client\`, \`practitioner\` (also books as a client), \`admin\` (sees and may do everything).

## Conventions
* JSON in and out; a body of another type is a 415, one over \`BODY_LIMIT_BYTES\` (1 MB) a 413, malformed JSON a 400 \`parse_error\`.
  Bodies are typed strictly: \`"1"\` is not a number and \`"true"\` is not a boolean. Unknown body fields are a 400
  (the payment webhook excepted: provider events carry many fields).
* The trailing slash is optional: \`/api/v1/drf/bookings\` and \`/api/v1/drf/bookings/\` are the same resource.
* Times are ISO 8601; responses give UTC with \`Z\`. Money: \`*_cents\` integers, plus a decimal string
  (\`price_charged: "50.00"\`), currency USD.
* Ids are positive integers. A practitioner's id *is* their user id (\`practitioner_id\` everywhere).
  A path id that is not a positive integer, and an object the caller may not see, are both a 404.
* Lists are paginated: \`?page=N&page_size=M\` (default 20, max 100) →
  \`{count, next, previous, results}\` with absolute \`next\`/\`previous\` URLs or \`null\`. A page past the last
  is a 404 \`invalid_page\` (page 1 of an empty list is fine).
* Multi-valued filters accept \`status=a,b\` and \`status=a&status=b\`. Unknown filter values and \`ordering\` values
  are a 400 naming what is allowed; unknown query parameters are ignored, as DRF does.

## Errors
Every error body is \`{"detail": "<sentence>", "code": "<snake_case>"}\`; validation errors add
\`"errors": {"<field>": ["<message>"]}\`. Branch on \`code\`, never on \`detail\`.

| status | code | when |
|---|---|---|
| 400 | \`invalid\` | a field is wrong (see \`errors\`) |
| 400 | \`parse_error\` | the body is not valid JSON |
| 400 | \`required\`, \`duration_mismatch\`, \`does_not_exist\`, \`service_inactive\`, \`wrong_endpoint\`, \`self_booking\`, \`not_reschedulable\`, \`wrong_service_type\` | more specific validation failures, with \`errors\` |
| 400 | \`authentication_failed\` | wrong email or password at \`/auth/token/\` or \`/auth/login/\` |
| 400 | \`no_token\` | \`DELETE /auth/token/\` with a session: there is no token to revoke |
| 400 | \`invalid_signature\` | payment webhook only: missing, malformed, stale or wrong \`Stripe-Signature\` |
| 401 | \`not_authenticated\` | no credentials (with \`WWW-Authenticate: Token\`) |
| 401 | \`authentication_failed\` | a malformed \`Authorization\` header or an unknown token |
| 403 | \`permission_denied\` | authenticated, but not allowed |
| 403 | \`csrf_failed\` | session request without a valid \`X-CSRFToken\` |
| 404 | \`not_found\`, \`invalid_page\` | missing, or not visible to the caller |
| 405 | \`method_not_allowed\` | the path exists, the method does not |
| 409 | \`slot_unavailable\` | the time is taken, outside the schedule, too soon or too far ahead (\`detail\` says which) |
| 409 | \`session_full\`, \`already_booked\` | no seat left in the session; the client already holds one |
| 409 | \`invalid_transition\` | the booking's status does not allow the action (\`detail\` names the status) |
| 409 | \`too_many_unpaid_holds\` | the client already holds MAX_UNPAID_HOLDS_PER_PRACTITIONER (3) unpaid bookings with this practitioner |
| 409 | \`email_taken\`, \`service_in_use\`, \`booking_closed\` | see the operations |
| 413 | \`payload_too_large\` | body over the limit |
| 415 | \`unsupported_media_type\` | body not JSON |
| 429 | \`throttled\` | over the request budget, too many failed logins, or too many invalid tokens from one IP; wait \`Retry-After\` seconds |
| 500 | \`server_error\` | a bug: never for bad input, and nothing is half-written |

## Bookings
Statuses: draft → pending_payment → confirmed → in_progress → completed, with canceled (from draft,
pending_payment, confirmed) and no_show (from confirmed, in_progress). completed, canceled and no_show are final.
A paid booking is \`pending_payment\`/\`unpaid\` and holds its slot for \`PAYMENT_HOLD_MINUTES\` (default 15);
a free one is \`confirmed\`/\`not_required\`. \`can_be_canceled\` and \`can_be_rescheduled\` say what the caller may do now.

## Payments
A paid booking answers create (and submit) with \`payment\`: with Stripe configured, the \`client_secret\` of a PaymentIntent
whose metadata carries the booking id; otherwise offline \`instructions\`, and the practitioner confirms the booking once paid.
Stripe reports the outcome to \`POST /api/v1/webhooks/payments/\` (signed, see that operation); the payments worker then confirms
the booking, records a failure, or settles refunds, exactly once per event. Every payment and refund is in the booking's
\`payments\`, and \`payment_status\` (unpaid, paid, partially_refunded, refunded, failed, not_required) is derived from them.
Refunds owed on cancellation are paid by the payments worker: through Stripe for Stripe payments, otherwise recorded
\`awaiting_operator\` for an admin to pay by hand and settle (\`/api/v1/admin/refunds/\`).

## Rate limits
Operations answer 429 \`throttled\` with a \`Retry-After\` header (seconds) once the caller is over budget: anonymous
callers per IP (RATE_LIMIT_ANON_PER_MINUTE, default 120 a minute), authenticated callers per user (RATE_LIMIT_USER_PER_MINUTE,
default 1,200 a minute). Failed logins at \`/auth/token/\` and \`/auth/login/\` have their own budget, per e-mail and per IP
(LOGIN_FAILURES_PER_15_MINUTES, default 10 per 15 minutes), counted before the password is checked, so concurrency does not
help a guesser. Requests with an invalid token count against their IP (a budget of RATE_LIMIT_ANON_PER_MINUTE a minute); once
it is spent, requests from that IP with an \`Authorization\` header are a 429 until the minute passes. The payment webhook,
\`/healthz\`, \`/readyz\` and \`/metrics\` are never limited by the request budgets.

## Security headers
Every response carries \`X-Content-Type-Options: nosniff\` and \`Referrer-Policy: no-referrer\`; API responses also
\`X-Frame-Options: DENY\` and \`Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\` (not this page and the
queue dashboard, which load their own scripts).

## Packages, courses and bundles
\`create-course/\`, \`create-package/\` and \`create-bundle/\` buy the parent; the expansion worker creates its children
(\`expansion_status\`, \`child_bookings\`). A course takes a seat in every future session at purchase; a package's items are
scheduled one by one with \`reschedule/\` once it is paid; a bundle grants credits (\`credits\`) spent with \`bundle_booking_id\`.

## Notifications
Every change to a booking is an event (created, confirmed, rescheduled, canceled, reminder, started, completed, no-show,
refunded) with a per-booking \`sequence\`, and its client and practitioner get an in-app notification (and an e-mail when
SMTP is configured): \`/api/v1/drf/notifications/\`.

## Not in this version yet
Rooms, idempotency keys, If-Match preconditions and the cancellation quote.
`.trim();
