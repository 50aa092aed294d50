import Router from '@koa/router';
import type { Middleware } from 'koa';
import Joi from 'joi';
import type { AppContext } from '../../app/app-context';
import { listTokens, obtainToken, registerUser, revokeToken } from '../../app/auth/auth-service';
import type { PublicUser, TokenInfo } from '../../data/user-repository';
import { invalid } from '../../domain/errors';
import { USER_ROLES } from '../../domain/types';
import { CSRF_COOKIE, newCsrfToken, requireCaller, type Passport } from '../auth';
import { paginated } from '../pagination';
import { bool, component, fields, int, nullable, oneOf, pageOf, str, time } from '../response-schema';
import { paginationKeys, parseId, toPageRequest, validate, validateQuery } from '../validation';

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

const serializeToken = (t: TokenInfo, currentTokenId: number | undefined) => ({ id: t.id, created_at: t.created_at, last_used_at: t.last_used_at, current: t.id === currentTokenId });

// What the routes below answer (docs/api-conventions.md#the-openapi-document).
const userKeys = { id: int(), email: Joi.string().email(), name: str(), role: oneOf(USER_ROLES) };
const token = () => Joi.string().description('The API key: send it as `Authorization: Token <key>`.');
const apiTokenSchema = component(
  'ApiToken',
  fields({
    id: int().description('Names the token in DELETE /api/v1/auth/tokens/{id}/.'),
    created_at: time(),
    last_used_at: nullable(time()).description('When it last authenticated a request (to the minute), or null if never.'),
    current: bool().description('This is the token that authenticates the listing request.'),
  }),
);
export const AUTH_RESPONSE_SCHEMAS = [
  component('User', fields(userKeys)),
  component('UserWithToken', fields({ ...userKeys, token: token() })),
  component('UserWithCsrfToken', fields({ ...userKeys, csrftoken: Joi.string().description('Echo it in `X-CSRFToken` on unsafe requests.') })),
  component('Token', fields({ token: token() })),
  apiTokenSchema,
  pageOf('ApiTokenPage', apiTokenSchema),
];

const pageQuery = Joi.object(paginationKeys);

/** The id of the token that authenticates this request (a 400 with a session: there is none to revoke). */
function tokenOfRequest(state: { authScheme?: string; tokenId?: number }): number {
  if (state.authScheme !== 'token' || state.tokenId === undefined) {
    throw invalid('This request is not authenticated with a token; log out to end a session.', undefined, 'no_token');
  }
  return state.tokenId;
}

/** Login and logout: they get the session machinery even without a session cookie (they make or end one). */
export const SESSION_PATHS: ReadonlySet<string> = new Set(['/api/v1/auth/login/', '/api/v1/auth/logout/']);

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

  // With a token, logging out revokes it (DRF's knox does the same); with a session, it ends the session.
  router.post('/logout/', async (ctx) => {
    if (ctx.state.authScheme === 'token') {
      await revokeToken(app, requireCaller(ctx.state), tokenOfRequest(ctx.state));
      ctx.status = 204;
      return;
    }
    if (ctx.isAuthenticated()) await ctx.logout();
    ctx.session = null;
    ctx.cookies.set(CSRF_COOKIE, null);
    ctx.status = 204;
  });

  router.delete('/token/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    await revokeToken(app, caller, tokenOfRequest(ctx.state));
    ctx.status = 204;
  });

  router.get('/tokens/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const page = toPageRequest(validateQuery<{ page: number; page_size: number }>(pageQuery, ctx.query));
    ctx.body = paginated(ctx, await listTokens(app, caller, page), page, (t) => serializeToken(t, ctx.state.tokenId));
  });

  router.delete('/tokens/:id/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    await revokeToken(app, caller, parseId(ctx.params.id));
    ctx.status = 204;
  });

  router.get('/me/', (ctx) => {
    requireCaller(ctx.state);
    ctx.body = serializeUser(ctx.state.user);
  });

  return router;
}
