import type { Context, Middleware } from 'koa';
import { notFound } from '../../domain/errors';
import { toHttpError } from '../error-mapper';

/** @koa/router throws its 405 without the Allow header RFC 9110 requires; the routes that matched the path name the methods. */
const allowedMethodsOf = (ctx: Context): string =>
  [...new Set(((ctx as { matched?: Array<{ methods: string[] }> }).matched ?? []).flatMap((layer) => layer.methods))].join(', ');

export function errorHandler(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const { status, body, expose } = toHttpError(error);
      ctx.status = status;
      ctx.body = body;
      if (status === 401) ctx.set('WWW-Authenticate', 'Token');
      if (status === 405) ctx.set('Allow', allowedMethodsOf(ctx));
      if (!expose) ctx.log.error({ err: error }, 'unhandled error');
      else ctx.log.debug({ code: body.code }, body.detail);
    }
  };
}

/** Nothing answered: a JSON 404 (after the routers had their chance to answer 405). */
export function notFoundFallback(): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) throw notFound();
  };
}
