import { DomainError, notFound } from '../../domain/errors';
import type { Caller, UserRole } from '../../domain/types';
import type { Page, PageRequest } from '../../data/pagination';
import { hashTokenKey, type PublicUser, type TokenInfo } from '../../data/user-repository';
import type { AppContext } from '../app-context';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from './password';

const badCredentials = () =>
  new DomainError('invalid', 'authentication_failed', 'Unable to log in with the provided credentials.');

export async function registerUser(
  app: AppContext,
  input: { email: string; password: string; name: string; role: Exclude<UserRole, 'admin'> | UserRole },
): Promise<{ user: PublicUser; token: string }> {
  const passwordHash = await hashPassword(input.password);
  return app.db.transaction(async (trx) => {
    const user = await app.users.insertUser(trx, { email: input.email.toLowerCase(), name: input.name, role: input.role, passwordHash });
    const token = await app.users.issueToken(trx, user.id);
    return { user, token };
  });
}

/** Checks a password. Unknown emails cost the same time as wrong passwords. */
export async function verifyCredentials(app: AppContext, email: string, password: string): Promise<PublicUser> {
  const user = await app.users.findByEmail(email);
  const ok = await verifyPassword(password, user?.password_hash ?? (await DUMMY_HASH_PROMISE));
  if (!user || !ok || !user.is_active) throw badCredentials();
  const { password_hash: _omit, ...publicUser } = user;
  return publicUser;
}

export async function obtainToken(app: AppContext, email: string, password: string): Promise<string> {
  const user = await verifyCredentials(app, email, password);
  return app.users.issueToken(app.db, user.id);
}

/** The user a session cookie names, while their account is active (a deactivated user's sessions end). */
export async function sessionUser(app: AppContext, id: number): Promise<PublicUser | null> {
  const user = await app.users.findById(id);
  return user && user.is_active ? user : null;
}

/**
 * The user an API key authenticates, and which token it is, as this web process's token cache knows it
 * (seen lately, not revoked since), with no query; else undefined (then lookUpToken).
 */
export const knownToken = (app: AppContext, key: string): { user: PublicUser; tokenId: number } | undefined => app.tokenCache.get(hashTokenKey(key));

/** The token from the database (a miss of the cache), remembered there when it is good; records the use (to the minute). */
export async function lookUpToken(app: AppContext, key: string): Promise<{ user: PublicUser; tokenId: number } | null> {
  const keyHash = hashTokenKey(key);
  const mark = app.tokenCache.mark();
  const found = await app.users.findByTokenHash(keyHash);
  if (!found) return null;
  if (found.usedLongAgo) await app.users.markTokenUsed(found.tokenId);
  const entry = { user: found.user, tokenId: found.tokenId };
  app.tokenCache.remember(keyHash, entry, mark);
  return entry;
}

export const listTokens = (app: AppContext, caller: Caller, page: PageRequest): Promise<Page<TokenInfo>> => app.users.listTokens(caller.id, page);

/**
 * Revokes one of the caller's tokens; someone else's, or one already gone, is a 404. Every web process
 * drops it from its token cache before this returns (or within the offline bound if Redis is down).
 */
export async function revokeToken(app: AppContext, caller: Caller, tokenId: number): Promise<void> {
  const keyHash = await app.users.revokeToken(caller.id, tokenId);
  if (!keyHash) throw notFound();
  await app.tokenCache.forgetToken(keyHash);
}
