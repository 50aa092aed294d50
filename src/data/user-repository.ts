import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { conflict } from '../domain/errors';
import type { UserRole } from '../domain/types';
import { isUniqueViolation, translateConstraintErrors } from './pg-errors';

export interface UserRecord {
  id: number;
  email: string;
  name: string;
  role: UserRole;
  password_hash: string;
  is_active: boolean;
  created_at: Date;
}

export type PublicUser = Omit<UserRecord, 'password_hash'>;

const PUBLIC_COLUMNS = ['id', 'email', 'name', 'role', 'is_active', 'created_at'];

export const hashTokenKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export function createUserRepository(db: Knex) {
  return {
    async insertUser(
      trx: Knex.Transaction,
      user: { email: string; name: string; role: UserRole; passwordHash: string },
    ): Promise<PublicUser> {
      return translateConstraintErrors(
        async () => {
          const [row] = await trx('users')
            .insert({ email: user.email, name: user.name, role: user.role, password_hash: user.passwordHash })
            .returning(PUBLIC_COLUMNS);
          if (user.role === 'practitioner') await trx('practitioners').insert({ user_id: row.id });
          return row as PublicUser;
        },
        [{ when: (e) => isUniqueViolation(e, 'users_email_key'), then: () => conflict('email_taken', 'A user with this email already exists.') }],
      );
    },

    async findByEmail(email: string): Promise<UserRecord | undefined> {
      return db('users').where({ email: email.toLowerCase() }).first();
    },

    async findById(id: number): Promise<PublicUser | undefined> {
      return db('users').select(PUBLIC_COLUMNS).where({ id }).first();
    },

    /** Issues a new API key; only its hash is stored, so the key is returned once, here. */
    async issueToken(trx: Knex | Knex.Transaction, userId: number): Promise<string> {
      const key = randomBytes(20).toString('hex');
      await trx('auth_tokens').insert({ user_id: userId, key_hash: hashTokenKey(key), key_prefix: key.slice(0, 8) });
      return key;
    },

    async findByTokenKey(key: string): Promise<PublicUser | undefined> {
      return db('users')
        .select(PUBLIC_COLUMNS.map((c) => `users.${c}`))
        .join('auth_tokens', 'auth_tokens.user_id', 'users.id')
        .where('auth_tokens.key_hash', hashTokenKey(key))
        .andWhere('users.is_active', true)
        .first();
    },

    async revokeToken(key: string): Promise<void> {
      await db('auth_tokens').where({ key_hash: hashTokenKey(key) }).delete();
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
