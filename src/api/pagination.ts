import type { Context } from 'koa';
import type { Page, PageRequest } from '../data/pagination';
import { DomainError } from '../domain/errors';

/** `{count, next, previous, results}` with absolute `next`/`previous` URLs, as DRF's PageNumberPagination. */
export function paginated<T, R>(ctx: Context, page: Page<T>, request: PageRequest, serialize: (item: T) => R) {
  const lastPage = Math.max(1, Math.ceil(page.count / request.pageSize));
  if (request.page > lastPage) throw new DomainError('not_found', 'invalid_page', `Invalid page: the last page is ${lastPage}.`);
  const urlFor = (n: number) => {
    const url = new URL(ctx.href);
    if (n === 1) url.searchParams.delete('page');
    else url.searchParams.set('page', String(n));
    return url.toString();
  };
  return {
    count: page.count,
    next: request.page < lastPage ? urlFor(request.page + 1) : null,
    previous: request.page > 1 ? urlFor(request.page - 1) : null,
    results: page.results.map(serialize),
  };
}
