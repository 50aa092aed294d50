import { listNotificationsQuery } from '../routes/notifications.routes';
import { DRF } from './catalog-paths';
import { queryParametersOf } from './joi-openapi';
import type { Operation, PathTable } from './openapi-operation';

const NOTIFICATIONS = `${DRF}/notifications`;

const one = (id: string, summary: string, description: string, method: 'get' | 'post'): Operation => ({
  id,
  tag: 'notifications',
  summary,
  description,
  ...(method === 'post' ? { bodyRequired: false } : {}),
  ok: [200, 'The notification.', 'Notification'],
});

const readAll: Operation = {
  id: 'readAllNotifications',
  tag: 'notifications',
  summary: 'Mark every notification read',
  description: 'Marks all of the caller\'s unread notifications read and says how many there were.',
  bodyRequired: false,
  ok: [200, 'How many were unread.', 'ReadAllResult'],
};
const unreadCount: Operation = {
  id: 'countUnreadNotifications',
  tag: 'notifications',
  summary: 'How many are unread',
  ok: [200, 'The number of unread notifications.', 'UnreadCount'],
};

/** The caller's in-app inbox (docs/api-conventions.md#notifications). Another user's notification is a 404. */
export const NOTIFICATION_PATHS: PathTable = {
  [`${NOTIFICATIONS}/`]: {
    get: {
      id: 'listNotifications',
      tag: 'notifications',
      summary: 'List my notifications',
      description:
        'The caller\'s own, newest first, paginated. One for each event of a booking they are the client or the practitioner of (the same ' +
        'event also goes out by e-mail when SMTP is configured). Reminders come 24 h and 1 h before a confirmed booking and never for one that ' +
        'was canceled or moved.',
      query: queryParametersOf(listNotificationsQuery, {}),
      ok: [200, 'A page of notifications.', 'NotificationPage'],
    },
  },
  [`${NOTIFICATIONS}/unread-count/`]: { get: unreadCount },
  [`${NOTIFICATIONS}/unread_count/`]: { get: { ...unreadCount, id: 'countUnreadNotificationsAlias', summary: 'How many are unread (alias of unread-count/)' } },
  [`${NOTIFICATIONS}/read-all/`]: { post: readAll },
  [`${NOTIFICATIONS}/read_all/`]: { post: { ...readAll, id: 'readAllNotificationsAlias', summary: 'Mark every notification read (alias of read-all/)' } },
  [`${NOTIFICATIONS}/{id}/`]: { get: one('getNotification', 'Get one of my notifications', 'Another user\'s is a 404.', 'get') },
  [`${NOTIFICATIONS}/{id}/read/`]: {
    post: one('readNotification', 'Mark one read', 'Sets `read_at` (the first reading time is kept; reading again changes nothing). Another user\'s is a 404.', 'post'),
  },
};
