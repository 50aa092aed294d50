import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import type { Middleware } from 'koa';
import compose from 'koa-compose';
import type { Queues } from '../jobs/queues';
import { requireAdmin } from './auth';
import { onlyUnder } from './middleware/path-scope';

export const DASHBOARD_PATH = '/admin/queues';

/**
 * bull-board's page links its web fonts from Google: an operator's browser would call out to the
 * internet (and tell it who looks at the queues) each time. The link is dropped; the page falls back to
 * the system's fonts and makes no request but to this server.
 */
const withoutExternalRequests: Middleware = async (ctx, next) => {
  await next();
  if (typeof ctx.body === 'string' && ctx.response.is('html')) ctx.body = ctx.body.replace(/<link[^>]*\bhref="https?:\/\/[^"]*"[^>]*>/g, '');
};

/** bull-board for admins only (token or session): 401 without credentials, 403 for anyone else. */
export function queueDashboard(queues: Queues): Middleware {
  const adapter = new KoaAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: Object.values(queues).map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  const guard: Middleware = async (ctx, next) => {
    requireAdmin(ctx.state);
    await next();
  };
  // bull-board mounts its own router: every other request skips it (it cost more than our own routing).
  return onlyUnder(DASHBOARD_PATH, compose([guard, withoutExternalRequests, adapter.registerPlugin() as Middleware]));
}
