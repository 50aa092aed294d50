import knexFactory, { type Knex } from 'knex';
import { Model } from 'objection';
import pg from 'pg';
import { knexConfig } from '../../db/knexfile';

// Postgres bigint (int8) ids fit easily in a JS number for this service's lifetime; parse them as
// numbers so the API answers `"id": 1`, as the spec shows, not `"id": "1"`.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export type Db = Knex;

export function createDb(databaseUrl: string, pool?: { min: number; max: number }): Db {
  const db = knexFactory(knexConfig(databaseUrl, pool));
  Model.knex(db);
  return db;
}

/** Creates the database named in the URL when it does not exist yet (fresh machines, test runs). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`DATABASE_URL: unsupported database name "${name}"`);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } catch (error) {
        // Another process created it between our check and our CREATE.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

export async function migrateLatest(db: Db): Promise<void> {
  // Two processes starting together (web + worker) must not both run migrations.
  await db.migrate.latest();
}
