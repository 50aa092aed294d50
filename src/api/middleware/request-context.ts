import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../../platform/logger';

const VALID_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * A request id (the caller's X-Request-Id when sane), a child logger carrying it, one log line per
 * request, and the server's own time for it in a `Server-Timing: app;dur=<ms>` header (docs/development.md#logs),
 * the same figure as the log line's `ms`: a client subtracts it from what it observed to see the network
 * and queueing.
 */
export function requestContext(logger: Logger): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    ctx.requestId = VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.set('X-Request-Id', ctx.requestId);
    ctx.log = logger.child({ reqId: ctx.requestId });
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (!ctx.headerSent) ctx.set('Server-Timing', `app;dur=${ms.toFixed(2)}`);
      ctx.log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10, userId: ctx.state.user?.id }, 'request');
    }
  };
}
