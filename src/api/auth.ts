import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import koaPassport from 'koa-passport';
import { Strategy as CustomStrategy } from 'passport-custom';
import { Strategy as LocalStrategy } from 'passport-local';
import { authenticateToken, sessionUser, verifyCredentials } from '../app/auth/auth-service';
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
 */
export function configurePassport(app: AppContext): Passport {
  const passport = new koaPassport.KoaPassport();
  passport.use(
    'token',
    new CustomStrategy((req, done) => {
      const match = TOKEN_HEADER.exec(String(req.headers.authorization ?? ''));
      if (!match) return done(unauthenticated('Invalid token header. Use "Authorization: Token <key>".', 'authentication_failed'));
      authenticateToken(app, match[1]!).then(
        (found) => (found ? done(null, found.user, { tokenId: found.tokenId }) : done(unauthenticated('Invalid token.', 'authentication_failed'))),
        done,
      );
    }),
  );
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
 * Who is calling: a token in the Authorization header wins; otherwise the session cookie, whose
 * unsafe requests must echo the CSRF cookie in X-CSRFToken. Anonymous requests pass through; routes
 * that need a user call requireCaller.
 */
export function authenticate(passport: Passport, options: { csrfExemptPrefix?: string } = {}): Middleware {
  return async (ctx, next) => {
    if (ctx.get('Authorization')) {
      await passport.authenticate('token', { session: false }, (error: unknown, user: PublicUser | false, info?: { tokenId?: number }) => {
        if (error) throw error;
        if (!user) throw unauthenticated('Invalid token.', 'authentication_failed');
        ctx.state.user = user;
        ctx.state.authScheme = 'token';
        ctx.state.tokenId = info?.tokenId;
      })(ctx, async () => undefined);
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
