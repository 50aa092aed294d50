import type { Knex } from 'knex';

const DAY_MS = 86_400_000;

/**
 * koa-session's external store. Sessions kept only in the signed cookie cannot be revoked: a copy of
 * the cookie taken before logout would still log in. Expiry uses the database's clock on both sides.
 */
export function createSessionStore(db: Knex) {
  return {
    async get(key: string): Promise<Record<string, unknown> | undefined> {
      const row = await db('http_sessions').where({ key }).andWhere('expires_at', '>', db.fn.now()).first('data');
      return row?.data;
    },

    async set(key: string, data: Record<string, unknown>, maxAge: number | 'session' | undefined): Promise<void> {
      // A browser-session cookie still needs an end on the server.
      const ms = typeof maxAge === 'number' ? maxAge : DAY_MS;
      await db('http_sessions')
        .insert({ key, data, expires_at: db.raw('now() + make_interval(secs => ?)', [ms / 1000]) })
        .onConflict('key')
        .merge();
    },

    async destroy(key: string): Promise<void> {
      await db('http_sessions').where({ key }).delete();
    },

    /** Expired rows are dead weight only (get ignores them); a periodic job may call this. */
    async purgeExpired(): Promise<number> {
      return db('http_sessions').where('expires_at', '<=', db.fn.now()).delete();
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
