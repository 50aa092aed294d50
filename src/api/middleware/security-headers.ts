import helmet from 'koa-helmet';
import type { Middleware } from 'koa';

/**
 * helmet's headers on every response: X-Content-Type-Options: nosniff and Referrer-Policy: no-referrer
 * everywhere (docs/api-conventions.md#security-headers), plus helmet's other defaults (HSTS, COOP, CORP, …), kept current by the library.
 * API responses are JSON that no page should frame or run: X-Frame-Options: DENY and a CSP that allows
 * nothing. The HTML apps (the docs at /api/v1/docs/, bull-board) get neither: they load their own
 * scripts and styles (bull-board inline ones), and their cookies are SameSite=Lax, so a page framed by
 * another site is anonymous there.
 */
export function securityHeaders(htmlAppPrefixes: readonly string[]): Middleware {
  const api = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  const htmlApp = helmet({ contentSecurityPolicy: false, frameguard: false, referrerPolicy: { policy: 'no-referrer' } });
  const isHtmlApp = (path: string) => htmlAppPrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
  return (ctx, next) => (isHtmlApp(ctx.path) ? htmlApp(ctx, next) : api(ctx, next));
}
