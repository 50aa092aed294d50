import './koa-augment';
import Koa from 'koa';
import type Router from '@koa/router';
import session from 'koa-session';
import type { AppContext } from '../app/app-context';
import { createTokenCache } from '../app/auth/token-cache';
import type { InvalidationChannel } from '../platform/invalidation-channel';
import { databaseGauges } from '../app/operations/operator-views';
import { authenticate, configurePassport, sessionsWhereNeeded } from './auth';
import compose from 'koa-compose';
import { errorHandler, notFoundFallback } from './middleware/errors';
import { idempotency } from './middleware/idempotency';
import { jsonBody } from './middleware/json-body';
import { optionalTrailingSlash } from './middleware/trailing-slash';
import { onlyUnder } from './middleware/path-scope';
import { requestContext } from './middleware/request-context';
import { securityHeaders } from './middleware/security-headers';
import { DOCS_PATH, docsRoutes } from './openapi/docs.routes';
import { SESSION_PATHS, authRoutes } from './routes/auth.routes';
import { addBookingActions } from './routes/booking-actions.routes';
import { bookingsRoutes } from './routes/bookings.routes';
import { catalogRoutes } from './routes/catalog.routes';
import { roomsRoutes } from './routes/rooms.routes';
import { opsRoutes, type ReadinessCheck } from './routes/ops.routes';
import { webhooksRoutes } from './routes/webhooks.routes';
import { adminRoutes } from './routes/admin.routes';
import { calendarRoutes } from './routes/calendar.routes';
import { waitlistRoutes } from './routes/waitlist.routes';
import { notificationsRoutes } from './routes/notifications.routes';
import { webhookEndpointsRoutes } from './routes/webhook-endpoints.routes';
import type { RedisClient } from '../platform/redis';
import type { Queues } from '../jobs/queues';
import { createRateLimits } from './middleware/rate-limit';
import { createMetrics } from './metrics';
import { DASHBOARD_PATH, queueDashboard } from './queue-dashboard';

/** Middlewares the middleware-cost benchmark may leave out, one at a time (bench/api-server.ts); never in production. */
export const OPTIONAL_MIDDLEWARE = ['security-headers', 'logging', 'metrics', 'trailing-slash', 'session', 'body', 'rate-limit', 'idempotency'] as const;
export type OptionalMiddleware = (typeof OPTIONAL_MIDDLEWARE)[number];

export interface ApiDeps {
  app: AppContext;
  readiness: ReadinessCheck[];
  /** The BullMQ queues, for the dashboard and the queue metrics (absent: neither is served). */
  queues?: Queues;
  /** Redis for rate limits shared by every web instance (absent: each process counts on its own). */
  rateLimitStore?: RedisClient;
  /**
   * Redis pub/sub shared by every web instance, on which revocations are announced (see
   * tokenInvalidationChannel); absent: tokens are not cached and every request reads the database.
   */
  tokenInvalidations?: InvalidationChannel;
  /** Leave these out (the middleware-cost benchmark only): the figures say what each one costs. */
  without?: readonly OptionalMiddleware[];
}

/**
 * A router's middleware, run only for paths under the static part of its prefix (up to its first
 * parameter): elsewhere none of its routes can match. Routers without a prefix always run.
 */
function withinPrefix(router: Router, middleware: Koa.Middleware): Koa.Middleware {
  const scope = (router.opts.prefix ?? '').split(':')[0]!;
  return scope ? onlyUnder(scope, middleware) : middleware;
}

/** The session cookie's name. */
const SESSION_COOKIE = 'estuary.sid';

/** The channel of token invalidations; under QUEUE_PREFIX like every Redis name the service uses. */
export const tokenInvalidationChannel = (queuePrefix: string): string => `${queuePrefix}:auth:invalidate`;

/** Builds the Koa application; main.ts (and the tests) decide where it listens. */
export function createApi({ app: base, readiness, queues, rateLimitStore, tokenInvalidations, without = [] }: ApiDeps): Koa {
  const { authCache } = base.config;
  const app: AppContext = {
    ...base,
    tokenCache: createTokenCache({ ttlMs: authCache.ttlMs, max: authCache.max, clock: base.clock, logger: base.logger, channel: tokenInvalidations }),
  };
  // ctx.ip is then the entry `trustProxyHops` from the right of X-Forwarded-For (koa slices the list to
  // its last maxIpsCount entries and takes the first), never a left-most entry the client wrote itself.
  const hops = app.config.trustProxyHops;
  const api = new Koa({ proxy: hops > 0, maxIpsCount: hops });
  api.keys = [app.config.sessionSecret];
  const passport = configurePassport(app);

  const metrics = createMetrics({ db: app.db, queues, clock: app.clock, ...databaseGauges(app) });
  const left = new Set(without);
  const use = (name: OptionalMiddleware, middleware: Koa.Middleware) => void (left.has(name) || api.use(middleware));
  // First, so that every answer carries them, errors included.
  use('security-headers', securityHeaders([DOCS_PATH, DASHBOARD_PATH]));
  // Without logging, the error handler still needs a logger.
  api.use(left.has('logging') ? (ctx, next) => ((ctx.log = app.logger), next()) : requestContext(app.logger));
  use('metrics', metrics.observe);
  api.use(errorHandler());
  api.use(notFoundFallback());
  use('trailing-slash', optionalTrailingSlash());
  use('body', jsonBody(app.config.bodyLimitBytes));
  const sessions = session(
    {
      key: SESSION_COOKIE,
      maxAge: 14 * 24 * 3600 * 1000,
      httpOnly: true,
      sameSite: 'lax',
      secure: app.config.env === 'production',
      signed: true,
      renew: true,
      store: app.sessions,
    },
    api,
  );
  // Only for requests that have a session or make one; without the session middleware (the benchmark), passport still initializes there.
  const passportParts = left.has('session') ? [passport.initialize()] : [sessions, passport.initialize(), passport.session()];
  api.use(sessionsWhereNeeded(compose(passportParts), { cookie: SESSION_COOKIE, paths: SESSION_PATHS }));
  const limits = createRateLimits(app.config, rateLimitStore);
  // bull-board's own UI cannot send X-CSRFToken; its session cookie is SameSite=Lax, so no other
  // site can make the browser POST there with it.
  api.use(authenticate(app, { csrfExemptPrefix: DASHBOARD_PATH, ...(left.has('rate-limit') ? {} : { guardLookup: limits.tokenLookups }) }));
  use('rate-limit', limits.requests);
  // After authentication (keys are per caller) and the limits (a throttled request claims no key).
  use('idempotency', idempotency(app));
  api.use(async (ctx, next) => (ctx.path === '/metrics' && ctx.method === 'GET' ? metrics.serve(ctx, next) : next()));
  if (queues) api.use(queueDashboard(queues));

  for (const router of [opsRoutes(readiness), docsRoutes(), authRoutes(app, passport, limits.logins), catalogRoutes(app), roomsRoutes(app), addBookingActions(app, bookingsRoutes(app)), notificationsRoutes(app), calendarRoutes(app), waitlistRoutes(app), webhookEndpointsRoutes(app), webhooksRoutes(app), adminRoutes(app)]) {
    api.use(withinPrefix(router, compose([router.routes() as Koa.Middleware, router.allowedMethods({ throw: true }) as Koa.Middleware])));
  }
  return api;
}
