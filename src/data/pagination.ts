import type { Knex } from 'knex';

export interface PageRequest {
  page: number;
  pageSize: number;
}

export interface Page<T> {
  count: number;
  results: T[];
}

/**
 * Runs the count and the page of one query; the query must already carry its ORDER BY. A cheaper
 * query that matches the same rows may be given for the count.
 */
export async function fetchPage<T>(query: Knex.QueryBuilder, { page, pageSize }: PageRequest, countFrom: Knex.QueryBuilder = query): Promise<Page<T>> {
  const countQuery = countFrom.clone().clearSelect().clearOrder().count<{ count: string }[]>({ count: '*' });
  const [counted, results] = await Promise.all([countQuery, query.clone().limit(pageSize).offset((page - 1) * pageSize)]);
  return { count: Number(counted[0]?.count ?? 0), results: results as T[] };
}
