import type { Knex } from 'knex';

export interface SnapshotOptions {
  /** The tables to digest; every table of the schema (but knex's own) by default. */
  tables?: string[];
  /** Columns left out of a table's digest: bookkeeping a read may write (auth_tokens.last_used_at). */
  ignoreColumns?: Record<string, string[]>;
}

export type TableSnapshot = Record<string, string>;

export async function everyTable(db: Knex): Promise<string[]> {
  const { rows } = await db.raw(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE 'knex\\_%' ORDER BY tablename`);
  return rows.map((row: { tablename: string }) => row.tablename);
}

/** Row count and a digest of the content of each table, in one query: equal snapshots mean nothing was written. */
export async function snapshotTables(db: Knex, options: SnapshotOptions = {}): Promise<TableSnapshot> {
  const tables = options.tables ?? (await everyTable(db));
  const parts = tables.map((table) => {
    const ignored = options.ignoreColumns?.[table] ?? [];
    const row = db.raw(`(to_jsonb(t) - ?::text[])::text`, [ignored]).toQuery();
    // A sum of row hashes needs no sort: the same rows in any order give the same digest.
    return db.raw(`SELECT ? AS name, count(*)::text || ':' || coalesce(sum(hashtextextended(${row}, 0)::numeric), 0)::text AS digest FROM ?? t`, [table, table]).toQuery();
  });
  const { rows } = await db.raw(parts.join(' UNION ALL '));
  return Object.fromEntries(rows.map((row: { name: string; digest: string }) => [row.name, row.digest]));
}

/** The tables whose digest differs between two snapshots. */
export const changedTables = (before: TableSnapshot, after: TableSnapshot): string[] =>
  [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((table) => before[table] !== after[table]).sort();
