import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import type pg from 'pg';
import { percentile, round } from './support';

export interface RecordedQuery {
  sql: string;
  bindings: readonly unknown[];
  /** knex 'query' → 'query-response': the round trip plus pg's parsing of the rows. */
  ms: number;
  rows: number;
}

interface QueryEvent {
  __knexQueryUid: string;
  sql: string;
  bindings?: readonly unknown[];
}

/**
 * Records every query `db` runs (transactions included) with its time, until stop(). For "where does
 * the time of one request go": run requests one after another and take() the queries after each.
 */
export function recordQueries(db: Knex): { take(): RecordedQuery[]; stop(): void } {
  const running = new Map<string, { sql: string; bindings: readonly unknown[]; at: number }>();
  const done: RecordedQuery[] = [];
  const onQuery = (query: QueryEvent) => running.set(query.__knexQueryUid, { sql: query.sql, bindings: query.bindings ?? [], at: performance.now() });
  const onResponse = (response: unknown, query: QueryEvent) => {
    const started = running.get(query.__knexQueryUid);
    if (!started) return;
    running.delete(query.__knexQueryUid);
    const rows = Array.isArray(response) ? response.length : ((response as { rowCount?: number } | null)?.rowCount ?? 0);
    done.push({ sql: started.sql, bindings: started.bindings, ms: performance.now() - started.at, rows });
  };
  db.on('query', onQuery);
  db.on('query-response', onResponse);
  return {
    take: () => done.splice(0),
    stop: () => {
      db.off('query', onQuery);
      db.off('query-response', onResponse);
    },
  };
}

/** A query's SQL on one line, cut short: the key of the per-query table. */
export const queryLabel = (sql: string): string => {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 110 ? `${flat.slice(0, 107)}...` : flat;
};

export interface QueryStats {
  query: string;
  per_request: number;
  p50_ms: number;
  p99_ms: number;
  rows_p50: number;
}

/** Per distinct query: how many times one request runs it and its time, over `requests` recorded requests. */
export function summarizeQueries(queries: RecordedQuery[], requests: number): QueryStats[] {
  const byLabel = new Map<string, RecordedQuery[]>();
  for (const q of queries) byLabel.set(queryLabel(q.sql), [...(byLabel.get(queryLabel(q.sql)) ?? []), q]);
  return [...byLabel].map(([query, list]) => {
    const ms = list.map((q) => q.ms).sort((a, b) => a - b);
    const rows = list.map((q) => q.rows).sort((a, b) => a - b);
    return { query, per_request: round(list.length / requests, 2), p50_ms: round(percentile(ms, 50), 3), p99_ms: round(percentile(ms, 99), 3), rows_p50: percentile(rows, 50) };
  });
}

/** EXPLAIN (ANALYZE, BUFFERS) of a recorded query, as the lines psql would print. */
export async function explainAnalyze(db: Knex, query: Pick<RecordedQuery, 'sql' | 'bindings'>): Promise<string[]> {
  // Recorded SQL is pg's ($1, $2 …, a parameter maybe used twice): run it on a pool connection as it was sent.
  const connection = (await db.client.acquireConnection()) as pg.ClientBase;
  try {
    const result = await connection.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`, [...query.bindings]);
    return result.rows.map((r) => r['QUERY PLAN']);
  } finally {
    await db.client.releaseConnection(connection);
  }
}

/** Runs `fn` `times` times one after another; the sorted durations in milliseconds. */
export async function timeSequentially(times: number, fn: () => unknown): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await fn();
    ms.push(performance.now() - started);
  }
  return ms.sort((a, b) => a - b);
}
