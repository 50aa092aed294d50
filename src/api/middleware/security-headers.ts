import helmet from 'koa-helmet';
import type { Context, Middleware } from 'koa';

type HeaderOp = readonly [name: string, value: string | null];

/**
 * What a helmet middleware does to a response, recorded once: with static options (no directive computed
 * per request) it sets the same headers, in the same order, on every response and removes X-Powered-By.
 * Replaying that list costs a fraction of running helmet's dozen middlewares and its promise per request.
 * Anything else helmet would touch (the request, another response method) fails here, at startup.
 */
async function recordHelmet(middleware: Middleware): Promise<HeaderOp[]> {
  const ops: HeaderOp[] = [];
  const unexpected = (what: string) => () => {
    throw new Error(`security headers: helmet used ${what}; its headers are not static`);
  };
  const res = new Proxy(
    {
      setHeader: (name: string, value: string) => void ops.push([name, String(value)]),
      removeHeader: (name: string) => void ops.push([name, null]),
    },
    { get: (target, key) => (key in target ? target[key as keyof typeof target] : unexpected(`res.${String(key)}`)()) },
  );
  const req = new Proxy({}, { get: (_target, key) => unexpected(`req.${String(key)}`)() });
  await middleware({ req, res } as unknown as Context, () => Promise.resolve());
  return ops;
}

const replay = (ops: readonly HeaderOp[]): Middleware => (ctx, next) => {
  const { res } = ctx;
  for (const [name, value] of ops) {
    if (value === null) res.removeHeader(name);
    else res.setHeader(name, value);
  }
  return next();
};

/**
 * helmet's headers on every response: X-Content-Type-Options: nosniff and Referrer-Policy: no-referrer
 * everywhere (docs/api-conventions.md#security-headers), plus helmet's other defaults (HSTS, COOP, CORP, …), kept current by the library.
 * API responses are JSON that no page should frame or run: X-Frame-Options: DENY and a CSP that allows
 * nothing. The HTML apps (the docs at /api/v1/docs/, bull-board) get neither: they load their own
 * scripts and styles (bull-board inline ones), and their cookies are SameSite=Lax, so a page framed by
 * another site is anonymous there. helmet runs once per kind, at the first request (recordHelmet).
 */
export function securityHeaders(htmlAppPrefixes: readonly string[]): Middleware {
  const api = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  const htmlApp = helmet({ contentSecurityPolicy: false, frameguard: false, referrerPolicy: { policy: 'no-referrer' } });
  const recorded = Promise.all([recordHelmet(api), recordHelmet(htmlApp)]).then(([apiOps, htmlOps]) => ({ api: replay(apiOps), htmlApp: replay(htmlOps) }));
  let ready: { api: Middleware; htmlApp: Middleware } | undefined;
  void recorded.then((made) => (ready = made));
  const isHtmlApp = (path: string) => htmlAppPrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
  const pick = (kinds: { api: Middleware; htmlApp: Middleware }, ctx: Context, next: () => Promise<unknown>) => (isHtmlApp(ctx.path) ? kinds.htmlApp(ctx, next) : kinds.api(ctx, next));
  return (ctx, next) => (ready ? pick(ready, ctx, next) : recorded.then((kinds) => pick(kinds, ctx, next)));
}
