import './koa-augment';
import Koa from 'koa';
import session from 'koa-session';
import type { AppContext } from '../app/app-context';
import { authenticate, configurePassport } from './auth';
import { errorHandler, notFoundFallback } from './middleware/errors';
import { jsonBody } from './middleware/json-body';
import { requestContext } from './middleware/request-context';
import { docsRoutes } from './openapi/docs.routes';
import { authRoutes } from './routes/auth.routes';
import { addBookingActions } from './routes/booking-actions.routes';
import { bookingsRoutes } from './routes/bookings.routes';
import { catalogRoutes } from './routes/catalog.routes';
import { opsRoutes, type ReadinessCheck } from './routes/ops.routes';

export interface ApiDeps {
  app: AppContext;
  readiness: ReadinessCheck[];
}

/** Builds the Koa application; main.ts (and the tests) decide where it listens. */
export function createApi({ app, readiness }: ApiDeps): Koa {
  const api = new Koa({ proxy: app.config.trustProxy });
  api.keys = [app.config.sessionSecret];
  const passport = configurePassport(app);

  api.use(requestContext(app.logger));
  api.use(errorHandler());
  api.use(notFoundFallback());
  api.use(
    session(
      {
        key: 'estuary.sid',
        maxAge: 14 * 24 * 3600 * 1000,
        httpOnly: true,
        sameSite: 'lax',
        secure: app.config.env === 'production',
        signed: true,
        renew: true,
      },
      api,
    ),
  );
  api.use(jsonBody(app.config.bodyLimitBytes));
  api.use(passport.initialize());
  api.use(passport.session());
  api.use(authenticate());

  for (const router of [opsRoutes(readiness), docsRoutes(), authRoutes(app), catalogRoutes(app), addBookingActions(app, bookingsRoutes(app))]) {
    api.use(router.routes());
    api.use(router.allowedMethods({ throw: true }));
  }
  return api;
}
