import { DomainError } from '../../domain/errors';
import type { UserRole } from '../../domain/types';
import type { PublicUser } from '../../data/user-repository';
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
