import type { Knex } from 'knex';

// Cookie sessions kept on the server: the cookie carries only an opaque key, so deleting the row (logout)
// ends the session for every copy of the cookie.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE http_sessions (
      key        text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
      data       jsonb NOT NULL,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX http_sessions_expires_idx ON http_sessions (expires_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS http_sessions');
}
