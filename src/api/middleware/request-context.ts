import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../../platform/logger';

const VALID_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Where a context keeps its request's logger once made. */
const CHILD = Symbol('request logger');

/**
 * A request id (the caller's X-Request-Id when sane), a logger carrying it, one log line per request, and
 * the server's own time for it in a `Server-Timing: app;dur=<ms>` header (docs/development.md#logs), the
 * same figure as the log line's `ms`: a client subtracts it from what it observed to see the network and
 * queueing. The child logger is made on first use only: most requests log nothing but their line, which
 * goes through the root logger with the id, and only when its level is on (a child and the line's fields
 * cost about 7 µs a request even at LOG_LEVEL=silent, measured with bench/middleware-cost).
 */
export function requestContext(logger: Logger): Middleware {
  // The request's logger: a getter on the contexts' prototype (installed on the first request), made on first
  // use and kept on the context; defining it on each context cost more than the rest of this middleware.
  let installedOn: object | undefined;
  const install = (proto: object) => {
    Object.defineProperty(proto, 'log', {
      get(this: { requestId: string; [CHILD]?: Logger }) {
        return (this[CHILD] ??= logger.child({ reqId: this.requestId }));
      },
      set(this: { [CHILD]?: Logger }, value: Logger) {
        this[CHILD] = value;
      },
      configurable: true,
      enumerable: true,
    });
    installedOn = proto;
  };
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    const reqId = VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.requestId = reqId;
    ctx.set('X-Request-Id', reqId);
    const proto = Object.getPrototypeOf(ctx) as object;
    if (proto !== installedOn) install(proto);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (!ctx.headerSent) ctx.set('Server-Timing', `app;dur=${ms.toFixed(2)}`);
      if (logger.isLevelEnabled('info')) {
        logger.info({ reqId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10, userId: ctx.state.user?.id }, 'request');
      }
    }
  };
}
