import { bodyParser } from '@koa/bodyparser';
import compose from 'koa-compose';
import type { Middleware } from 'koa';
import { invalid } from '../../domain/errors';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** No request of the API nests deeper than a few levels; recursive walkers (Joi, the idempotency hash) must never meet 5,000. */
export const MAX_JSON_DEPTH = 32;

/** Whether a parsed JSON value nests arrays or objects deeper than `limit`, walked without recursion. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

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
  const depth: Middleware = async (ctx, next) => {
    if (nestsDeeperThan(ctx.request.body, MAX_JSON_DEPTH)) {
      throw invalid(`The JSON body nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep.`, undefined, 'body_too_deep');
    }
    await next();
  };
  const parse = compose([guard, parser as Middleware, depth]) as Middleware;
  // Another method (GET, HEAD, OPTIONS) has nothing for any of the three to do: the guard and the depth check
  // look at the methods above only, and the parser at POST, PUT and PATCH only.
  return (ctx, next) => (METHODS_WITH_BODY.has(ctx.method) ? parse(ctx, next) : next());
}
