import path from 'node:path';
import type { Knex } from 'knex';

/** One Knex config for the app, migrations and tests. */
export function knexConfig(databaseUrl: string, pool: { min: number; max: number } = { min: 0, max: 10 }): Knex.Config {
  return {
    client: 'pg',
    connection: databaseUrl,
    pool,
    migrations: {
      directory: path.join(__dirname, 'migrations'),
      tableName: 'knex_migrations',
      loadExtensions: ['.ts'],
    },
  };
}
