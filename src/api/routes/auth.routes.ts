import Router from '@koa/router';
import type { Middleware } from 'koa';
import Joi from 'joi';
import type { AppContext } from '../../app/app-context';
import { obtainToken, registerUser } from '../../app/auth/auth-service';
import type { PublicUser } from '../../data/user-repository';
import { CSRF_COOKIE, newCsrfToken, requireCaller, type Passport } from '../auth';
import { validate } from '../validation';

const credentials = {
  email: Joi.string().trim().lowercase().email({ tlds: false }).max(254).required(),
  password: Joi.string().min(1).max(1024).required(),
};

export const registerSchema = Joi.object({
  ...credentials,
  password: Joi.string().min(8).max(1024).required(),
  name: Joi.string().trim().min(1).max(200).required(),
  role: Joi.string().valid('client', 'practitioner').default('client'),
});

export const credentialsSchema = Joi.object(credentials);

export const serializeUser = (u: PublicUser) => ({ id: u.id, email: u.email, name: u.name, role: u.role });

export function authRoutes(app: AppContext, passport: Passport, throttleLogins: Middleware): Router {
  const router = new Router({ prefix: '/api/v1/auth' });

  router.post('/register/', async (ctx) => {
    const input = validate<{ email: string; password: string; name: string; role: 'client' | 'practitioner' }>(registerSchema, ctx.request.body);
    const { user, token } = await registerUser(app, input);
    ctx.status = 201;
    ctx.body = { ...serializeUser(user), token };
  });

  router.post('/token/', throttleLogins, async (ctx) => {
    const { email, password } = validate<{ email: string; password: string }>(credentialsSchema, ctx.request.body);
    ctx.body = { token: await obtainToken(app, email, password) };
  });

  router.post('/login/', throttleLogins, async (ctx) => {
    validate(credentialsSchema, ctx.request.body);
    await passport.authenticate('local', async (error: unknown, user: PublicUser | false) => {
      if (error) throw error;
      if (!user) throw new Error('local strategy returned no user');
      await ctx.login(user);
      const csrf = newCsrfToken();
      ctx.session!.csrf = csrf;
      ctx.cookies.set(CSRF_COOKIE, csrf, { httpOnly: false, sameSite: 'lax', overwrite: true });
      ctx.body = { ...serializeUser(user), csrftoken: csrf };
    })(ctx, async () => undefined);
  });

  router.post('/logout/', async (ctx) => {
    if (ctx.isAuthenticated()) await ctx.logout();
    ctx.session = null;
    ctx.cookies.set(CSRF_COOKIE, null);
    ctx.status = 204;
  });

  router.get('/me/', (ctx) => {
    requireCaller(ctx.state);
    ctx.body = serializeUser(ctx.state.user);
  });

  return router;
}
