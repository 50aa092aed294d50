import type { Middleware } from 'koa';

/**
 * `middleware` for requests under `prefix` only (the prefix itself, or below it); every other request
 * goes straight on. For middleware that can do nothing elsewhere but costs something to find that out:
 * a router tests each of its routes' patterns, bull-board's mounted router its own.
 */
export function onlyUnder(prefix: string, middleware: Middleware): Middleware {
  const exact = prefix.replace(/\/$/, '');
  const below = `${exact}/`;
  return (ctx, next) => (ctx.path === exact || ctx.path.startsWith(below) ? middleware(ctx, next) : next());
}
