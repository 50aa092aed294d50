import Router from '@koa/router';
import Joi from 'joi';
import type { AppContext } from '../../app/app-context';
import { countUnreadNotifications, getNotification, listNotifications, readAllNotifications, readNotification } from '../../app/notifications/inbox';
import type { NotificationRow } from '../../data/notification-repository';
import { EVENT_TYPES } from '../../domain/booking-events';
import { requireCaller } from '../auth';
import { paginated } from '../pagination';
import { component, fields, int, nullable, oneOf, pageOf, str, time } from '../response-schema';
import { paginationKeys, parseId, toPageRequest, validate, validateQuery } from '../validation';

export const listNotificationsQuery = Joi.object({
  ...paginationKeys,
  unread: Joi.boolean().description('`true`: only those not read yet; `false`: only those read.'),
});

/** Notifications written before events had names carry only their kind. */
const EVENT_OF_KIND: Record<string, string> = { reminder_24h: 'booking.reminder', reminder_1h: 'booking.reminder' };
const eventOf = (n: NotificationRow) => n.event ?? EVENT_OF_KIND[n.kind] ?? `booking.${n.kind.replace(/^booking_/, '').replace(/^payment_/, 'payment.')}`;

export const serializeNotification = (n: NotificationRow) => ({
  id: n.id,
  event: eventOf(n),
  booking_id: n.booking_id,
  title: n.subject,
  body: n.body,
  created_at: n.created_at,
  read_at: n.read_at,
});

// What the routes below answer (docs/api-conventions.md#the-openapi-document).
const notificationSchema = component(
  'Notification',
  fields({
    id: int(),
    event: oneOf([...EVENT_TYPES, 'webhook_endpoint.disabled']).description(
      'What happened: an event of one of the caller\'s bookings, or (`webhook_endpoint.disabled`, booking_id null) one of their webhook endpoints disabled after failing for days.',
    ),
    booking_id: nullable(int()),
    title: str().example('Booking confirmed'),
    body: str().example('60-minute Consultation with Dr. Maya Rivers, Monday 7 January 2030 at 09:00 EST. Status: confirmed.'),
    created_at: time(),
    read_at: nullable(time()),
  }),
);
export const NOTIFICATION_RESPONSE_SCHEMAS = [
  notificationSchema,
  pageOf('NotificationPage', notificationSchema),
  component('UnreadCount', fields({ count: int().min(0).example(2) })),
  component('ReadAllResult', fields({ updated: int().min(0).example(3).description('How many were unread.') })),
];

/** The caller's in-app inbox (docs/api-conventions.md#notifications). */
export function notificationsRoutes(app: AppContext): Router {
  const router = new Router({ prefix: '/api/v1/drf/notifications' });
  const noBody = Joi.object({});

  router.get('/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const q = validateQuery<{ page: number; page_size: number; unread?: boolean }>(listNotificationsQuery, ctx.query);
    const page = toPageRequest(q);
    ctx.body = paginated(ctx, await listNotifications(app, caller, { unread: q.unread }, page), page, serializeNotification);
  });

  for (const path of ['unread-count', 'unread_count']) {
    router.get(`/${path}/`, async (ctx) => {
      ctx.body = { count: await countUnreadNotifications(app, requireCaller(ctx.state)) };
    });
  }

  for (const path of ['read-all', 'read_all']) {
    router.post(`/${path}/`, async (ctx) => {
      const caller = requireCaller(ctx.state);
      validate(noBody, ctx.request.body ?? {});
      ctx.body = { updated: await readAllNotifications(app, caller) };
    });
  }

  router.get('/:id/', async (ctx) => {
    ctx.body = serializeNotification(await getNotification(app, requireCaller(ctx.state), parseId(ctx.params.id)));
  });

  router.post('/:id/read/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    validate(noBody, ctx.request.body ?? {});
    ctx.body = serializeNotification(await readNotification(app, caller, parseId(ctx.params.id)));
  });

  return router;
}
