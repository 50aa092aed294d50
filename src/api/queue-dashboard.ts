import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import type { Middleware } from 'koa';
import compose from 'koa-compose';
import type { Queues } from '../jobs/queues';
import { requireAdmin } from './auth';

export const DASHBOARD_PATH = '/admin/queues';

/** bull-board for admins only (token or session): 401 without credentials, 403 for anyone else. */
export function queueDashboard(queues: Queues): Middleware {
  const adapter = new KoaAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: Object.values(queues).map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  const guard: Middleware = async (ctx, next) => {
    if (ctx.path === DASHBOARD_PATH || ctx.path.startsWith(`${DASHBOARD_PATH}/`)) requireAdmin(ctx.state);
    await next();
  };
  return compose([guard, adapter.registerPlugin() as Middleware]);
}
