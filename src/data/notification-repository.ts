import type { Knex } from 'knex';
import { fetchPage, type Page, type PageRequest } from './pagination';

export interface NotificationRow {
  id: number;
  user_id: number;
  booking_id: number | null;
  kind: string;
  event: string | null;
  subject: string;
  body: string;
  email_status: string;
  read_at: Date | null;
  created_at: Date;
}

const COLUMNS = ['id', 'user_id', 'booking_id', 'kind', 'event', 'subject', 'body', 'email_status', 'read_at', 'created_at'];

/** One user's in-app notifications. Every query is scoped to the user: another's id is simply not found. */
export function createNotificationRepository(db: Knex) {
  return {
    async list(userId: number, filter: { unread?: boolean }, page: PageRequest): Promise<Page<NotificationRow>> {
      // Newest event first: notifications are written by concurrent jobs, so their own ids need not
      // follow the order in which the events happened; event ids do.
      const query = db('notifications').select(COLUMNS).where({ user_id: userId }).orderByRaw('event_id DESC NULLS LAST, id DESC');
      if (filter.unread === true) query.whereNull('read_at');
      if (filter.unread === false) query.whereNotNull('read_at');
      return fetchPage<NotificationRow>(query, page);
    },

    /** Records a notification once per dedupe key; a repeat records nothing and returns undefined. */
    async recordOnce(trx: Knex.Transaction, row: Record<string, unknown> & { dedupe_key: string }): Promise<number | undefined> {
      const [inserted] = await trx('notifications').insert(row).onConflict('dedupe_key').ignore().returning('id');
      return inserted?.id;
    },

    async find(userId: number, id: number): Promise<NotificationRow | undefined> {
      return db('notifications').select(COLUMNS).where({ user_id: userId, id }).first();
    },

    /** Marks one read (the first reading time is kept); undefined when it is not the user's. */
    async markRead(userId: number, id: number, at: Date): Promise<NotificationRow | undefined> {
      const [row] = await db('notifications')
        .where({ user_id: userId, id })
        .update({ read_at: db.raw('COALESCE(read_at, ?)', [at]) })
        .returning(COLUMNS);
      return row;
    },

    async markAllRead(userId: number, at: Date): Promise<number> {
      return db('notifications').where({ user_id: userId }).whereNull('read_at').update({ read_at: at });
    },

    async unreadCount(userId: number): Promise<number> {
      const row = await db('notifications').where({ user_id: userId }).whereNull('read_at').count<{ n: string }[]>({ n: '*' }).first();
      return Number(row?.n ?? 0);
    },
  };
}

export type NotificationRepository = ReturnType<typeof createNotificationRepository>;
