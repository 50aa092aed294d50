import type { Knex } from 'knex';

/** The SQL texts a knex instance sends while `run` runs (its 'query' events). */
export async function statementsDuring(db: Knex, run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (query: { sql: string }) => seen.push(query.sql);
  db.on('query', listener);
  try {
    await run();
  } finally {
    db.off('query', listener);
  }
  return seen;
}
