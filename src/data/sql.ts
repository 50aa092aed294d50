import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

/** A LIKE/ILIKE pattern matching `text` anywhere, with LIKE's own wildcards in it taken literally. */
export const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** A statement prepared before a migration changed the columns it returns (`SELECT *`): Postgres refuses to reuse it. */
const isStalePlan = (error: unknown) => (error as { code?: string }).code === '0A000' && /cached plan must not change result type/.test(String((error as Error).message));

/** Bumped when a prepared statement went stale, so that every connection prepares its statements anew. */
let generation = 0;

/**
 * Runs a query as a named prepared statement: Postgres plans it once per connection and reuses the plan
 * (for the hot paths' many-joined statements, planning costs more than running them: docs/benchmarks.md).
 * The name is a hash of the query's text, so each shape has its own and a name never stands for two texts.
 * A statement gone stale under a migration (a web process older than the schema) is prepared again once.
 */
export async function runPrepared<T>(build: () => Knex.Raw<T> | Knex.QueryBuilder): Promise<T> {
  const attempt = () => {
    const query = build();
    return query.options({ name: `q${createHash('sha1').update(query.toSQL().sql).digest('hex').slice(0, 24)}_${generation}` }) as unknown as Promise<T>;
  };
  try {
    return await attempt();
  } catch (error) {
    if (!isStalePlan(error)) throw error;
    generation += 1;
    return attempt();
  }
}
