import Joi from 'joi';
import { credentialsSchema, registerSchema } from '../routes/auth.routes';
import { BOOKING_PATHS } from './booking-paths';
import { CATALOG_PATHS } from './catalog-paths';
import { ROOM_PATHS } from './room-paths';
import { ref, responses, securitySchemes } from './openapi-components';
import { responseComponents } from './response-schemas';
import { paginationKeys } from '../validation';
import { queryParametersOf } from './joi-openapi';
import { API_DESCRIPTION } from './openapi-description';
import type { Json } from './joi-openapi';
import { operation, SESSION_OR_TOKEN, type Method, type PathTable } from './openapi-operation';
import { NOTIFICATION_PATHS } from './notification-paths';
import { PAYMENT_PATHS, paymentEventSchema } from './payment-paths';
import { CALENDAR_WAITLIST_PATHS } from './calendar-waitlist-paths';
import { WEBHOOK_ENDPOINT_PATHS } from './webhook-endpoint-paths';

const loginThrottled = { 429: { $ref: '#/components/responses/LoginThrottled' } };
// auth.routes.ts validates its page with this same object.
const page = queryParametersOf(Joi.object(paginationKeys));

const AUTH_PATHS: PathTable = {
  '/api/v1/auth/register/': {
    post: {
      id: 'register',
      tag: 'auth',
      summary: 'Register',
      description: 'Creates a client or a practitioner (admins are made with `npm run cli -- create-user`) and returns a token.',
      open: true,
      body: registerSchema,
      conflicts: ['email_taken'],
      ok: [201, 'The user and a token.', 'UserWithToken'],
    },
  },
  '/api/v1/auth/token/': {
    post: {
      id: 'obtainToken',
      tag: 'auth',
      summary: 'Get a token',
      description:
        'Each call issues a new key; earlier keys stay valid. Wrong credentials → 400 `authentication_failed`. After LOGIN_FAILURES_PER_15_MINUTES ' +
        '(10) failures for one e-mail or from one IP, 429 `throttled` until the window passes, even with the right password.',
      open: true,
      body: credentialsSchema,
      responses: loginThrottled,
      ok: [200, 'A new token.', 'Token'],
    },
    delete: {
      id: 'revokeToken',
      tag: 'auth',
      summary: 'Revoke the token of this request',
      description:
        'Revokes the key in `Authorization: Token <key>`: from the next request on it is a 401 `authentication_failed` on this server, and within a ' +
        'second on every other one (each caches keys a few seconds and is told of the revocation). Other keys of the user keep working. A session-authenticated call is a 400 `no_token`.',
      ok: [204, 'Revoked.'],
      responses: { 400: { $ref: '#/components/responses/NoToken' } },
    },
  },
  '/api/v1/auth/login/': {
    post: {
      id: 'login',
      tag: 'auth',
      summary: 'Log in with a session cookie',
      description:
        'Sets the session cookie (the session itself is kept on the server, so logout really ends it) and the `csrftoken` cookie; send the ' +
        'latter back in `X-CSRFToken` on unsafe requests. Failed logins are limited as at /auth/token/ (same budget).',
      open: true,
      body: credentialsSchema,
      responses: loginThrottled,
      ok: [200, 'The user and the CSRF token.', 'UserWithCsrfToken'],
    },
  },
  '/api/v1/auth/logout/': {
    post: {
      id: 'logout',
      tag: 'auth',
      summary: 'Log out',
      description:
        'With a session: ends it (needs `X-CSRFToken`); the user\'s tokens are untouched. With `Authorization: Token <key>`: revokes that key, ' +
        'as DELETE /api/v1/auth/token/ does. Without credentials: nothing to do, 204.',
      open: true,
      // A session without its CSRF token is refused (csrf_failed).
      forbidden: true,
      ok: [204, 'Logged out.'],
    },
  },
  '/api/v1/auth/tokens/': {
    get: {
      id: 'listTokens',
      tag: 'auth',
      summary: 'The caller\'s API tokens',
      description: 'Newest first. Never shows a key (only its hash is stored); `current` marks the token of this request.',
      query: page,
      ok: [200, 'A page of tokens.', 'ApiTokenPage'],
    },
  },
  '/api/v1/auth/tokens/{id}/': {
    delete: {
      id: 'revokeTokenById',
      tag: 'auth',
      summary: 'Revoke one of the caller\'s tokens',
      description: 'The key is a 401 at once on every server. Another user\'s token, or one already revoked, is a 404.',
      ok: [204, 'Revoked.'],
    },
  },
  '/api/v1/auth/me/': { get: { id: 'me', tag: 'auth', summary: 'The caller', ok: [200, 'The authenticated user.', 'User'] } },
};

const OPS_PATHS: PathTable = {
  '/': {
    get: {
      id: 'apiIndex',
      tag: 'operations',
      summary: 'Links to the docs, this document, the API and the probes',
      description: 'A browser (Accept: text/html) is redirected to /api/v1/docs/.',
      open: true,
      ok: [200, 'The links.', 'ApiIndex'],
      responses: { 302: { description: 'To /api/v1/docs/, for a browser.' } },
    },
  },
  '/healthz': { get: { id: 'healthz', tag: 'operations', summary: 'Liveness', open: true, unlimited: true, ok: [200, 'The process is up.', 'Health'] } },
  '/readyz': {
    get: {
      id: 'readyz',
      tag: 'operations',
      summary: 'Readiness (Postgres and Redis reachable)',
      description: '503 with the same body when a dependency is down.',
      open: true,
      unlimited: true,
      ok: [200, 'Ready.', 'Readiness'],
      responses: { 503: { description: 'Not ready: a dependency is down.', content: { 'application/json': { schema: ref('Readiness') } } } },
    },
  },
  '/metrics': {
    get: {
      id: 'metrics',
      tag: 'operations',
      summary: 'Prometheus metrics',
      description: 'HTTP latency by route, jobs completed and failed per queue, queue depth, outbox lag in seconds, webhook deliveries by outcome, notification e-mails by status (`notification_emails_total{status="sent"|"failed"|…}`). For the scraper; keep it off the public internet.',
      open: true,
      unlimited: true,
      produces: 'text/plain',
      ok: [200, 'Prometheus text exposition format.'],
    },
  },
  '/admin/queues': {
    get: {
      id: 'queueDashboard',
      tag: 'operations',
      summary: 'Queue dashboard (bull-board)',
      description: 'An HTML application for admins (token or session); 401 without credentials, 403 for anyone else.',
      forbidden: true,
      produces: 'text/html',
      ok: [200, 'The dashboard.'],
    },
  },
  '/admin/queues/api/queues': {
    get: {
      id: 'queueDashboardData',
      tag: 'operations',
      summary: 'The queue dashboard\'s data (bull-board\'s own JSON API)',
      description: 'What the dashboard page reads; its shape is bull-board\'s, not a stable interface. Admins only, as the page.',
      forbidden: true,
      ok: [200, 'Queues, their counts and jobs.', Joi.object().unknown(true)],
    },
  },
  '/api/v1/docs/': { get: { id: 'docs', tag: 'operations', summary: 'This document, browsable (Swagger UI, works offline)', open: true, produces: 'text/html', ok: [200, 'The page.'] } },
  '/api/v1/docs/{asset}': {
    get: {
      id: 'docsAsset',
      tag: 'operations',
      summary: 'A file of the docs page (Swagger UI\'s script, styles and icons)',
      open: true,
      params: [{ name: 'asset', in: 'path', required: true, schema: { type: 'string', example: 'swagger-ui.css' }, description: 'An unknown name is a 404.' }],
      ok: [200, 'The file.'],
      responses: {
        200: {
          description: 'The file.',
          content: Object.fromEntries(['text/css', 'application/javascript', 'image/png'].map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
        },
      },
    },
  },
  '/api/v1/schema/': { get: { id: 'openApiSchema', tag: 'operations', summary: 'This document (OpenAPI 3 JSON)', open: true, ok: [200, 'The OpenAPI document.', Joi.object().unknown(true)] } },
};

const TAGS = [
  { name: 'auth', description: 'Registration, tokens and browser sessions.' },
  { name: 'services', description: 'What practitioners offer: sessions, workshops, courses, packages, bundles.' },
  { name: 'locations' },
  { name: 'practitioners' },
  { name: 'schedule', description: 'Weekly hours, date overrides, time off and booking limits.' },
  { name: 'bookings' },
  { name: 'booking actions', description: 'The lifecycle: each move is checked against the state machine and recorded in status_history.' },
  { name: 'calendar feeds', description: 'A secret iCalendar URL per user that calendar apps subscribe to.' },
  { name: 'waitlists', description: 'Queues for full workshop sessions: a freed seat is offered to the first in line.' },
  { name: 'notifications', description: 'The caller\'s in-app inbox: one notification per event of their bookings.' },
  { name: 'webhook endpoints', description: 'Outgoing webhooks: where a practitioner\'s (or an admin\'s) systems hear about bookings, signed, retried, with a delivery log. The delivered body is the WebhookEvent schema.' },
  { name: 'payments', description: 'Signed webhooks from the payment provider.' },
  { name: 'admin', description: 'What an operator settles by hand: money matters and e-mails that failed. Admins only.' },
  { name: 'operations', description: 'Probes, metrics, the queue dashboard and this document.' },
];

/** The OpenAPI 3.0 document of the API, built from the Joi schemas the routes validate with. */
export function buildOpenApiDocument(): Json {
  const schemas: Record<string, Json> = { ...responseComponents(), PaymentEvent: paymentEventSchema };
  const paths: Record<string, Json> = {};
  for (const group of [AUTH_PATHS, CATALOG_PATHS, ROOM_PATHS, BOOKING_PATHS, CALENDAR_WAITLIST_PATHS, NOTIFICATION_PATHS, WEBHOOK_ENDPOINT_PATHS, PAYMENT_PATHS, OPS_PATHS]) {
    for (const [path, methods] of Object.entries(group)) {
      paths[path] ??= {};
      for (const [method, op] of Object.entries(methods)) paths[path][method] = operation(path, method as Method, op, schemas);
    }
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Estuary Bookings API', version: 'v1', description: API_DESCRIPTION },
    servers: [{ url: '/' }],
    tags: TAGS,
    security: SESSION_OR_TOKEN,
    paths,
    components: { schemas, responses, securitySchemes },
  };
}
