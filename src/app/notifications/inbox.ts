import { notFound } from '../../domain/errors';
import type { Caller } from '../../domain/types';
import type { NotificationRow } from '../../data/notification-repository';
import type { Page, PageRequest } from '../../data/pagination';
import type { AppContext } from '../app-context';

/** The caller's in-app notifications, newest first. */
export function listNotifications(app: AppContext, caller: Caller, filter: { unread?: boolean }, page: PageRequest): Promise<Page<NotificationRow>> {
  return app.notifications.list(caller.id, filter, page);
}

export async function getNotification(app: AppContext, caller: Caller, id: number): Promise<NotificationRow> {
  const row = await app.notifications.find(caller.id, id);
  if (!row) throw notFound();
  return row;
}

export async function readNotification(app: AppContext, caller: Caller, id: number): Promise<NotificationRow> {
  const row = await app.notifications.markRead(caller.id, id, app.clock.now());
  if (!row) throw notFound();
  return row;
}

export function readAllNotifications(app: AppContext, caller: Caller): Promise<number> {
  return app.notifications.markAllRead(caller.id, app.clock.now());
}

export function countUnreadNotifications(app: AppContext, caller: Caller): Promise<number> {
  return app.notifications.unreadCount(caller.id);
}
