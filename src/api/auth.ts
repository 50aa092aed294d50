import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import koaPassport from 'koa-passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { knownToken, lookUpToken, sessionUser, verifyCredentials } from '../app/auth/auth-service';
import type { AppContext } from '../app/app-context';
import { DomainError, forbidden } from '../domain/errors';
import type { Caller } from '../domain/types';
import type { PublicUser } from '../data/user-repository';

const unauthenticated = (detail: string, code = 'not_authenticated') => new DomainError('unauthenticated', code, detail);
const TOKEN_HEADER = /^token\s+([A-Za-z0-9]{1,128})\s*$/i;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const CSRF_COOKIE = 'csrftoken';

export type Passport = InstanceType<typeof koaPassport.KoaPassport>;

/**
 * A passport of koa-passport's own class (koa-passport 6 bundles passport 0.6; a separately
 * installed passport would not fit), one per app: the module's shared instance would keep the
 * serializers of every app built in the process, and the first one (maybe closed) would win.
 * Passport does what it is good at, sessions: the login's password check and the session's user.
 * API tokens are checked by `authenticate` itself (no strategy): passport builds three request
 * mocks per request, which cost more than the rest of a cached token's authentication together.
 */
export function configurePassport(app: AppContext): Passport {
  const passport = new koaPassport.KoaPassport();
  passport.use(
    'local',
    new LocalStrategy({ usernameField: 'email', passwordField: 'password', session: true }, (email, password, done) => {
      verifyCredentials(app, email, password).then((user) => done(null, user), done);
    }),
  );
  passport.serializeUser((user, done) => done(null, (user as PublicUser).id));
  passport.deserializeUser((id: number, done) => {
    sessionUser(app, id).then((user) => done(null, user ?? false), done);
  });
  return passport;
}

/**
 * The session cookie and passport's session support, for the requests that have a session or make
 * one: those that carry the cookie, and the auth routes (login, logout). Any other request has no
 * session to restore (a token, or anonymous), and is spared the store lookup and passport's request
 * mocks; `isAuthenticated()` still answers on it.
 */
export function sessionsWhereNeeded(sessions: Middleware, options: { cookie: string; paths: ReadonlySet<string> }): Middleware {
  const marker = `${options.cookie}=`;
  return (ctx, next) => {
    if (ctx.get('Cookie').includes(marker) || options.paths.has(ctx.path)) return sessions(ctx, next);
    ctx.isAuthenticated = () => ctx.state.user !== undefined;
    ctx.isUnauthenticated = () => ctx.state.user === undefined;
    return next();
  };
}

/** Runs a token lookup (a miss of the token cache) under the per-IP budget of lookups: see createRateLimits' tokenLookups. */
export type TokenLookupGuard = <T>(ctx: Context, lookup: () => Promise<T | null>) => Promise<T | null>;

const unguarded: TokenLookupGuard = (_ctx, lookup) => lookup();

/**
 * Who is calling: a token in the Authorization header wins; otherwise the session (sessionsWhereNeeded),
 * whose unsafe requests must echo the CSRF cookie in X-CSRFToken. Anonymous requests pass through;
 * routes that need a user call requireCaller. A token this process knows (its token cache) costs no
 * query and no lookup budget; any other header — an unknown token, or no token at all — is a lookup,
 * counted against the IP by `guardLookup`.
 */
export function authenticate(app: AppContext, options: { guardLookup?: TokenLookupGuard; csrfExemptPrefix?: string } = {}): Middleware {
  const guardLookup = options.guardLookup ?? unguarded;
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    if (header) {
      const key = TOKEN_HEADER.exec(header)?.[1];
      const found = (key !== undefined && knownToken(app, key)) || (await guardLookup(ctx, async () => (key === undefined ? null : lookUpToken(app, key))));
      if (!found) throw unauthenticated(key === undefined ? 'Invalid token header. Use "Authorization: Token <key>".' : 'Invalid token.', 'authentication_failed');
      ctx.state.user = found.user;
      ctx.state.authScheme = 'token';
      ctx.state.tokenId = found.tokenId;
    } else if (ctx.isAuthenticated()) {
      ctx.state.authScheme = 'session';
      const exempt = options.csrfExemptPrefix !== undefined && ctx.path.startsWith(options.csrfExemptPrefix);
      if (UNSAFE_METHODS.has(ctx.method) && !exempt) assertCsrf(ctx.get('X-CSRFToken'), ctx.session?.csrf as string | undefined);
    }
    await next();
  };
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

// Compares digests: equal-size buffers whatever the client sent (a header value as long as the token
// in characters but not in bytes made timingSafeEqual throw, a 500), and no early exit on length.
function assertCsrf(sent: string, expected: string | undefined): void {
  const ok = !!expected && timingSafeEqual(digest(sent), digest(expected));
  if (!ok) throw new DomainError('forbidden', 'csrf_failed', 'CSRF Failed: CSRF token missing or incorrect.');
}

export const newCsrfToken = (): string => randomBytes(24).toString('hex');

export function callerOf(user: PublicUser | undefined): Caller | null {
  return user ? { id: user.id, role: user.role } : null;
}

/** The authenticated caller, or a 401. */
export function requireCaller(state: { user?: PublicUser }): Caller {
  const caller = callerOf(state.user);
  if (!caller) throw unauthenticated('Authentication credentials were not provided.');
  return caller;
}

export function requireAdmin(state: { user?: PublicUser }): Caller {
  const caller = requireCaller(state);
  if (caller.role !== 'admin') throw forbidden();
  return caller;
}
