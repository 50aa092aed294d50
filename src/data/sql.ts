import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { CustomTypesConfig, QueryResultRow } from 'pg';

/** A LIKE/ILIKE pattern matching `text` anywhere, with LIKE's own wildcards in it taken literally. */
export const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** A statement prepared before a migration changed the columns it returns (`SELECT *`): Postgres refuses to reuse it. */
const isStalePlan = (error: unknown) => (error as { code?: string }).code === '0A000' && /cached plan must not change result type/.test(String((error as Error).message));

/** Bumped when a prepared statement went stale, so that every connection prepares its statements anew. */
let generation = 0;

const nameOf = (text: string) => `q${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;

/** Runs `attempt` with the current generation; once more with a new one if the statement had gone stale. */
async function withFreshPlans<T>(attempt: (generation: number) => Promise<T>): Promise<T> {
  try {
    return await attempt(generation);
  } catch (error) {
    if (!isStalePlan(error)) throw error;
    generation += 1;
    return attempt(generation);
  }
}

/** SQL with positional parameters ($1, $2…), written once, and the name it is prepared under. */
export interface Statement {
  readonly text: string;
  readonly name: string;
}

export const statement = (text: string): Statement => ({ text, name: nameOf(text) });

/**
 * A family of Statements whose text depends on a few inputs (the statuses written into it, say), each
 * made on first use: `keyOf` names the inputs that make a different text.
 */
export function statementsBy<T>(keyOf: (input: T) => string, text: (input: T) => string): (input: T) => Statement {
  const made = new Map<string, Statement>();
  return (input) => {
    const key = keyOf(input);
    let found = made.get(key);
    if (!found) made.set(key, (found = statement(text(input))));
    return found;
  };
}

const madeFromText = new Map<string, Statement>();

/**
 * The Statement of a text built per request (the list's, whose shape follows its filters): named once per
 * distinct text, at most a thousand remembered.
 */
export function statementOf(text: string): Statement {
  let found = madeFromText.get(text);
  if (!found) {
    if (madeFromText.size >= 1000) madeFromText.clear();
    madeFromText.set(text, (found = statement(text)));
  }
  return found;
}

/** What knex's pool hands out for pg: a pg Client, plus knex's own id. */
interface PooledConnection {
  __knexUid?: string;
  query(config: { name: string; text: string; values: readonly unknown[]; types?: CustomTypesConfig }): Promise<{ rows: QueryResultRow[]; rowCount: number | null }>;
}

let queryUid = 0;

/**
 * Runs a Statement as a named prepared statement on a connection of knex's pool, without knex building or
 * compiling anything: on the hot paths that cost more CPU than the rest of the request (docs/benchmarks.md).
 * knex's 'query', 'query-response' and 'query-error' events are emitted as knex would when something listens,
 * so the statement counts and probes still see it. `types` replaces pg's parsers for this result. Not in a
 * transaction: each runs on its own.
 */
export async function runStatement<Row>(db: Knex, { text, name }: Statement, values: readonly unknown[], options: { types?: CustomTypesConfig } = {}): Promise<{ rows: Row[] }> {
  const { client } = db;
  const connection = (await client.acquireConnection()) as PooledConnection;
  const listening = db.listenerCount('query') + db.listenerCount('query-response') + db.listenerCount('query-error') > 0;
  const event = listening ? { __knexUid: connection.__knexUid, __knexQueryUid: `statement-${++queryUid}`, method: 'raw', sql: text, bindings: values, options: { name: `${name}_${generation}` } } : null;
  if (event) client.emit('query', event);
  try {
    const result = await withFreshPlans((g) => connection.query({ name: `${name}_${g}`, text, values, ...(options.types ? { types: options.types } : {}) }));
    if (event) client.emit('query-response', result, event);
    return result as unknown as { rows: Row[] };
  } catch (error) {
    if (event) client.emit('query-error', error, event);
    throw error;
  } finally {
    await client.releaseConnection(connection);
  }
}
