import Router from '@koa/router';
import type { AppContext } from '../../app/app-context';
import { joinWaitlist, leaveWaitlist, waitlistPosition } from '../../app/waitlists/waitlist';
import { requireCaller } from '../auth';
import Joi from 'joi';
import { component, fields } from '../response-schema';
import { parseId } from '../validation';

export const waitlistPositionSchema = component(
  'WaitlistPosition',
  fields({ position: Joi.number().integer().min(1).example(2).description('1 is next: the first seat that frees is offered to position 1.') }),
);

/** docs/api-conventions.md#waitlists: the caller's place in a full workshop session's queue. */
export function waitlistRoutes(app: AppContext): Router {
  const router = new Router({ prefix: '/api/v1/drf/services/:id/sessions/:sid/waitlist' });

  router.post('/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    ctx.status = 201;
    ctx.body = await joinWaitlist(app, caller, parseId(ctx.params.id), parseId(ctx.params.sid));
  });

  router.get('/', async (ctx) => {
    ctx.body = await waitlistPosition(app, requireCaller(ctx.state), parseId(ctx.params.id), parseId(ctx.params.sid));
  });

  router.delete('/', async (ctx) => {
    await leaveWaitlist(app, requireCaller(ctx.state), parseId(ctx.params.id), parseId(ctx.params.sid));
    ctx.status = 204;
  });

  return router;
}
