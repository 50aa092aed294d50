import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, migrateLatest } from '../../src/platform/db';

/**
 * One migrated template database per test run; each test file (harness) gets its own copy, so files
 * cannot disturb each other and two runs on one machine cannot either.
 */
export const RUN_ID = `${process.pid}_${randomBytes(3).toString('hex')}`;
const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TEMPLATE = `estuary_test_tpl_${RUN_ID}`;

export const databaseUrlFor = (name: string): string => {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
};

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let templateReady: Promise<void> | undefined;

function prepareTemplate(): Promise<void> {
  templateReady ??= (async () => {
    await withAdmin((c) => c.query(`CREATE DATABASE "${TEMPLATE}"`));
    const db = createDb(databaseUrlFor(TEMPLATE), { min: 0, max: 2 });
    try {
      await migrateLatest(db);
    } finally {
      await db.destroy();
    }
  })();
  return templateReady;
}

let counter = 0;

export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  await prepareTemplate();
  const name = `estuary_test_${RUN_ID}_${++counter}`;
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE}"`));
  return { url: databaseUrlFor(name), drop: () => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined) };
}

export async function dropTemplate(): Promise<void> {
  if (!templateReady) return;
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${TEMPLATE}" WITH (FORCE)`));
}
