import Router from '@koa/router';
import type { AppContext } from '../../app/app-context';
import { feedPath, feedToken, readFeed, rotateFeedToken } from '../../app/calendar/calendar-feed';
import { notFound } from '../../domain/errors';
import Joi from 'joi';
import { requireCaller } from '../auth';
import { component, fields } from '../response-schema';

export const feedUrlSchema = component(
  'CalendarFeedUrl',
  fields({
    url: Joi.string()
      .uri()
      .example('https://bookings.example.com/api/v1/calendar/Xq3…43 characters….ics')
      .description('Secret: anyone with it can read the feed. Rotate it if it leaked.'),
  }),
);

/** docs/api-conventions.md#calendar-feeds: the caller's secret calendar feed URL, and the feed itself (no auth: the token is the key). */
export function calendarRoutes(app: AppContext): Router {
  const router = new Router();

  router.get('/api/v1/drf/calendar/feed/', async (ctx) => {
    ctx.body = { url: `${new URL(ctx.href).origin}${feedPath(await feedToken(app, requireCaller(ctx.state)))}` };
  });

  router.post('/api/v1/drf/calendar/feed/rotate/', async (ctx) => {
    ctx.body = { url: `${new URL(ctx.href).origin}${feedPath(await rotateFeedToken(app, requireCaller(ctx.state)))}` };
  });

  router.get('/api/v1/calendar/:file', async (ctx) => {
    const file = String(ctx.params.file);
    const feed = file.endsWith('.ics') ? await readFeed(app, file.slice(0, -'.ics'.length)) : null;
    if (!feed) throw notFound('No such calendar feed.');
    ctx.status = 200;
    ctx.etag = feed.etag;
    ctx.set('Cache-Control', 'private, no-cache');
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'text/calendar; charset=utf-8';
    ctx.body = feed.render();
  });

  return router;
}
