import type { Middleware } from 'koa';

/**
 * docs/api-conventions.md#paths: the trailing slash is optional. Routes are declared with it, as in the spec, and
 * @koa/router only forgives a slash too many, not one missing; so an API path without it is routed
 * as if it had it. File names (docs assets) are left alone.
 */
export function optionalTrailingSlash(): Middleware {
  return async (ctx, next) => {
    if (ctx.path.startsWith('/api/') && !ctx.path.endsWith('/') && !/\.[^/]*$/.test(ctx.path)) ctx.path = `${ctx.path}/`;
    await next();
  };
}
