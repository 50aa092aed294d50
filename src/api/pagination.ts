import type { Context } from 'koa';
import type { Page, PageRequest } from '../data/pagination';
import { DomainError } from '../domain/errors';

/** `{count, next, previous, results}` with absolute `next`/`previous` URLs, as DRF's PageNumberPagination. */
export function paginated<T, R>(ctx: Context, page: Page<T>, request: PageRequest, serialize: (item: T) => R) {
  const { next, previous } = neighbours(ctx, page.count, request);
  return { count: page.count, next, previous, results: page.results.map(serialize) };
}

/**
 * `href` with its `page` parameter set to `n` (none for page 1), as URL and URLSearchParams write it;
 * remembered per href and page (a bounded map): lists are asked for with a handful of URLs, and parsing
 * one costs more than the rest of the envelope.
 */
const PAGE_URLS_KEPT = 1000;
const pageUrls = new Map<string, string>();
function pageUrl(href: string, n: number): string {
  const key = `${n} ${href}`;
  let found = pageUrls.get(key);
  if (found === undefined) {
    const url = new URL(href);
    if (n === 1) url.searchParams.delete('page');
    else url.searchParams.set('page', String(n));
    found = url.toString();
    if (pageUrls.size >= PAGE_URLS_KEPT) pageUrls.clear();
    pageUrls.set(key, found);
  }
  return found;
}

/** The URLs of the pages before and after this one (null at either end); a 404 past the last page. */
function neighbours(ctx: Context, count: number, request: PageRequest): { next: string | null; previous: string | null } {
  const lastPage = Math.max(1, Math.ceil(count / request.pageSize));
  if (request.page > lastPage) throw new DomainError('not_found', 'invalid_page', `Invalid page: the last page is ${lastPage}.`);
  const urlFor = (n: number) => pageUrl(ctx.href, n);
  return { next: request.page < lastPage ? urlFor(request.page + 1) : null, previous: request.page > 1 ? urlFor(request.page - 1) : null };
}

const jsonOrNull = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));

/**
 * paginated() as JSON text, for items that are JSON text already: the bytes JSON.stringify(paginated(…))
 * gives for the same items. The answer's Content-Type is set as Koa sets it for an object body.
 */
export function paginatedJson<T>(ctx: Context, page: Page<T>, request: PageRequest, serialize: (item: T) => string): string {
  const { next, previous } = neighbours(ctx, page.count, request);
  let results = '';
  for (let i = 0; i < page.results.length; i++) results += (i === 0 ? '' : ',') + serialize(page.results[i]!);
  ctx.type = 'application/json';
  return `{"count":${page.count},"next":${jsonOrNull(next)},"previous":${jsonOrNull(previous)},"results":[${results}]}`;
}
