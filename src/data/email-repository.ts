import type { Knex } from 'knex';
import { fetchPage, type Page, type PageRequest } from './pagination';

export type EmailStatus = 'not_sent' | 'pending' | 'sending' | 'logged' | 'sent' | 'failed' | 'skipped';

/** A notification as its e-mail sees it (no body: the e-mail is rendered from the booking when sent). */
export interface EmailRow {
  id: number;
  user_id: number;
  booking_id: number | null;
  event_id: number | null;
  kind: string;
  event: string | null;
  subject: string;
  email_status: EmailStatus;
  email_attempts: number;
  email_last_error: string | null;
  email_sent_at: Date | null;
  email_failed_at: Date | null;
  created_at: Date;
}

const COLUMNS = ['id', 'user_id', 'booking_id', 'event_id', 'kind', 'event', 'subject', 'email_status', 'email_attempts', 'email_last_error', 'email_sent_at', 'email_failed_at', 'created_at'];

/** The e-mail side of notifications, for the sender and for operators (not scoped to a user). */
export function createEmailRepository(db: Knex) {
  return {
    async find(id: number, q: Knex | Knex.Transaction = db): Promise<EmailRow | undefined> {
      return q('notifications').where({ id }).first(COLUMNS);
    },

    /** pending → sending, counting the try; undefined when it is not pending (sent, failed, or a try is under way). */
    async claim(id: number): Promise<EmailRow | undefined> {
      const [row] = await db('notifications')
        .where({ id, email_status: 'pending' })
        .update({ email_status: 'sending', email_attempts: db.raw('email_attempts + 1') })
        .returning(COLUMNS);
      return row;
    },

    /** The try went through (or was only logged). Whatever happened meanwhile, the mail is out. */
    async markSent(id: number, status: 'sent' | 'logged', at: Date): Promise<void> {
      await db('notifications').where({ id }).update({ email_status: status, email_sent_at: at, email_failed_at: null });
    },

    /** The try failed: pending again for the next one, or failed for good when it was the last. */
    async markTryFailed(id: number, error: string, final: boolean, at: Date): Promise<void> {
      await db('notifications')
        .where({ id, email_status: 'sending' })
        .update({ email_status: final ? 'failed' : 'pending', email_last_error: error, email_failed_at: final ? at : null });
    },

    /** A try that was cut off mid-send: it may have gone out, so it is not sent again by itself. */
    async markInterrupted(id: number, error: string, at: Date): Promise<boolean> {
      return (await db('notifications').where({ id, email_status: 'sending' }).update({ email_status: 'failed', email_last_error: error, email_failed_at: at })) > 0;
    },

    async markSkipped(id: number, reason: string): Promise<void> {
      await db('notifications').where({ id, email_status: 'sending' }).update({ email_status: 'skipped', email_last_error: reason });
    },

    /** Failed e-mails, newest failure first. */
    async listFailed(page: PageRequest): Promise<Page<EmailRow>> {
      return fetchPage<EmailRow>(db('notifications').select(COLUMNS).where({ email_status: 'failed' }).orderBy('id', 'desc'), page);
    },

    /** failed → pending, in the caller's transaction (which records the job); undefined when it was not failed. */
    async requeueFailed(trx: Knex.Transaction, id: number): Promise<EmailRow | undefined> {
      const [row] = await trx('notifications').where({ id, email_status: 'failed' }).update({ email_status: 'pending', email_failed_at: null }).returning(COLUMNS);
      return row;
    },

    /** How many notifications' e-mails are in each status. */
    async countByStatus(): Promise<Array<{ status: EmailStatus; count: number }>> {
      const rows = await db('notifications').select({ status: 'email_status' }).count<Array<{ status: EmailStatus; count: string }>>({ count: '*' }).groupBy('email_status');
      return rows.map((r) => ({ status: r.status, count: Number(r.count) }));
    },
  };
}

export type EmailRepository = ReturnType<typeof createEmailRepository>;
