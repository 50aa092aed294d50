import { hash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { conflict } from '../domain/errors';
import type { UserRole } from '../domain/types';
import { fetchPage, type Page, type PageRequest } from './pagination';
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

/** An API token as its owner may see it: never the key, nor its hash. */
export interface TokenInfo {
  id: number;
  created_at: Date;
  last_used_at: Date | null;
}

// last_used_at is written at most once a minute per token, not on every request.
const LAST_USED_RESOLUTION = "interval '1 minute'";

const PUBLIC_COLUMNS = ['id', 'email', 'name', 'role', 'is_active', 'created_at'];

/** One-shot crypto.hash: a token is hashed on every request that carries one (its cache is keyed by the hash, never the token). */
export const hashTokenKey = (key: string): string => hash('sha256', key, 'hex');

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

    /**
     * The active user a key (given by its hash) belongs to, the token's id, and whether its
     * last_used_at is older than a minute (then worth writing). The web's token cache keeps the answer
     * a few seconds (src/app/auth/token-cache.ts).
     */
    async findByTokenHash(keyHash: string): Promise<{ user: PublicUser; tokenId: number; usedLongAgo: boolean } | undefined> {
      const row = await db('users')
        .select(PUBLIC_COLUMNS.map((c) => `users.${c}`))
        .select({ token_id: 'auth_tokens.id' })
        .select(db.raw(`auth_tokens.last_used_at IS NULL OR auth_tokens.last_used_at < now() - ${LAST_USED_RESOLUTION} AS used_long_ago`))
        .join('auth_tokens', 'auth_tokens.user_id', 'users.id')
        .where('auth_tokens.key_hash', keyHash)
        .andWhere('users.is_active', true)
        .first();
      if (!row) return undefined;
      const { token_id: tokenId, used_long_ago: usedLongAgo, ...user } = row;
      return { user: user as PublicUser, tokenId, usedLongAgo };
    },

    async markTokenUsed(tokenId: number): Promise<void> {
      await db('auth_tokens').where({ id: tokenId }).update({ last_used_at: db.fn.now() });
    },

    async listTokens(userId: number, page: PageRequest): Promise<Page<TokenInfo>> {
      const query = db('auth_tokens').select('id', 'created_at', 'last_used_at').where({ user_id: userId }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
      return fetchPage<TokenInfo>(query, page);
    },

    /** Revokes (deletes) one of the user's tokens and returns its key's hash; undefined when the user has no token with that id. */
    async revokeToken(userId: number, tokenId: number): Promise<string | undefined> {
      const [row] = await db('auth_tokens').where({ id: tokenId, user_id: userId }).delete().returning('key_hash');
      return row?.key_hash;
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
