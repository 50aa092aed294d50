import { bodyParser } from '@koa/bodyparser';
import compose from 'koa-compose';
import type { Middleware } from 'koa';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * JSON bodies only: a body of another type is a 415, one over the limit a 413 (refused from
 * Content-Length before reading when it is declared), malformed JSON a 400.
 */
export function jsonBody(limitBytes: number): Middleware {
  const guard: Middleware = async (ctx, next) => {
    if (METHODS_WITH_BODY.has(ctx.method) && ctx.request.length !== undefined && ctx.request.length > limitBytes) ctx.throw(413);
    const hasBody = ctx.request.length ? ctx.request.length > 0 : !!ctx.get('Transfer-Encoding');
    if (METHODS_WITH_BODY.has(ctx.method) && hasBody && !ctx.is('application/json', '+json')) ctx.throw(415);
    await next();
  };
  const parser = bodyParser({
    enableTypes: ['json'],
    jsonLimit: limitBytes,
    jsonStrict: true,
    encoding: 'utf-8',
    onError: (error, ctx) => {
      const status = (error as { status?: number }).status;
      ctx.throw(status === 413 ? 413 : 400);
    },
  });
  return compose([guard, parser as Middleware]) as Middleware;
}
