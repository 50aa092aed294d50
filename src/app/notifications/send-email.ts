import { redactEmailAddresses } from '../../domain/personal-data';
import type { EmailRow } from '../../data/email-repository';
import { conflict, notFound } from '../../domain/errors';
import type { NotificationKind } from '../../jobs/job-contracts';
import { recordJobs } from '../../jobs/outbox-writer';
import type { Mail } from '../../platform/mailer';
import type { AppContext } from '../app-context';
import { buildBookingInvite } from './booking-invite';
import { renderEmail } from './email-templates';
import { isReminderStillDue } from './send-notification';

export type EmailOutcome = 'sent' | 'logged' | 'already_done' | 'interrupted' | 'skipped';

const INTERRUPTED =
  'an earlier try was cut off while sending (worker stopped or lost its lock): the message may have been delivered, so it is not sent again automatically';

/** The e-mail of one notification, rendered now from the booking as it is; `skip` when it has nothing to say any more. */
async function composeEmail(app: AppContext, row: EmailRow): Promise<Mail | { skip: string }> {
  const booking = row.booking_id === null ? undefined : await app.bookings.findView(row.booking_id);
  if (!booking) return { skip: 'the booking no longer exists' };
  const kind = row.kind as NotificationKind;
  const event = row.event_id === null ? undefined : await app.events.find(row.event_id);
  if (kind === 'reminder_24h' || kind === 'reminder_1h') {
    // A reminder whose e-mail was retried past a cancel or a move must not go out after all.
    const occasion = String(event?.details?.start_time ?? '');
    if (!isReminderStillDue(booking, occasion, app.clock.now())) return { skip: 'the booking moved on before the reminder could be sent' };
  }
  const isClient = row.user_id === booking.client_id;
  const recipient = isClient ? booking.client : booking.practitioner;
  const zone = isClient ? booking.timezone : ((await app.practitioners.find(booking.practitioner_id))?.timezone ?? booking.timezone);
  const rendered = renderEmail({
    kind,
    role: isClient ? 'client' : 'practitioner',
    recipientName: recipient.name,
    zone,
    booking: {
      serviceName: booking.service.name,
      clientName: booking.client.name,
      practitionerName: booking.practitioner.name,
      start: booking.start_time,
      end: booking.end_time,
      status: booking.status,
      location: booking.location,
      meetingUrl: booking.meeting_url,
    },
    details: event?.details ?? null,
  });
  // An invite sent late (SMTP was down) for a booking canceled since must not put it back in a
  // calendar: the cancel's own e-mail carries the CANCEL.
  const staleInvite = booking.status === 'canceled' && kind !== 'booking_canceled';
  const invite = event && !staleInvite
    ? buildBookingInvite({
        kind,
        publicUuid: booking.public_uuid,
        sequence: event.sequence,
        start: booking.start_time,
        end: booking.end_time,
        status: booking.status,
        summary: `${booking.service.name}: ${booking.client.name} with ${booking.practitioner.name}`,
        description: rendered.text,
        location: booking.location ? [booking.location.name, booking.location.address].filter(Boolean).join(', ') : '',
        meetingUrl: booking.meeting_url,
        organizer: { name: booking.practitioner.name, email: booking.practitioner.email },
        attendee: { name: booking.client.name, email: booking.client.email },
        stamp: event.occurred_at,
      })
    : null;
  return {
    to: { name: recipient.name, address: recipient.email },
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: `<notification-${row.id}@estuary>`,
    attachments: invite ? [{ filename: invite.filename, content: invite.content, contentType: `text/calendar; charset=utf-8; method=${invite.method}` }] : [],
  };
}

/** What went wrong, without the addresses SMTP servers like to quote back. */
function describeFailure(error: unknown): string {
  const err = error as { code?: unknown; responseCode?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? `${err.code}: ` : '';
  return redactEmailAddresses(`${code}${typeof err.message === 'string' ? err.message : String(error)}`).slice(0, 1000);
}

/**
 * Sends the e-mail of one notification, once. The row is claimed (pending → sending) before the send
 * and marked sent after it, so a job delivered again after a send finds it sent and does nothing, and
 * one that finds a try cut off mid-send marks it failed for an operator rather than risk a second copy.
 * A failed try throws (the job is retried with backoff) and, when it was the last, marks it failed.
 */
export async function sendNotificationEmail(app: AppContext, input: { notificationId: number; finalAttempt: boolean }): Promise<EmailOutcome> {
  const id = input.notificationId;
  const row = await app.emails.claim(id);
  if (!row) {
    const current = await app.emails.find(id);
    if (current?.email_status === 'sending' && (await app.emails.markInterrupted(id, INTERRUPTED, app.clock.now()))) {
      app.logger.warn({ notificationId: id }, 'e-mail try was interrupted earlier; marked failed, not sent again');
      return 'interrupted';
    }
    return 'already_done';
  }
  try {
    const mail = await composeEmail(app, row);
    if ('skip' in mail) {
      await app.emails.markSkipped(id, mail.skip);
      return 'skipped';
    }
    const outcome = await app.mailer.send(mail);
    await app.emails.markSent(id, outcome, app.clock.now());
    return outcome;
  } catch (error) {
    const failure = describeFailure(error);
    await app.emails.markTryFailed(id, failure, input.finalAttempt, app.clock.now());
    app.logger.warn({ notificationId: id, attempt: row.email_attempts, final: input.finalAttempt, error: failure }, input.finalAttempt ? 'e-mail failed for good' : 'e-mail failed; will retry');
    // A new error carrying only the redacted text: the worker logs what a job throws, and the original
    // (its message, its `response`) may quote the recipient's address.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(failure);
  }
}

/** failed → pending, and a new send-email job through the outbox, in one transaction. */
export async function retryFailedEmail(app: AppContext, notificationId: number): Promise<EmailRow> {
  return app.db.transaction(async (trx) => {
    const row = await app.emails.requeueFailed(trx, notificationId);
    if (!row) {
      const current = await app.emails.find(notificationId, trx);
      if (!current) throw notFound();
      throw conflict('not_failed', `This e-mail is ${current.email_status}; only a failed e-mail can be retried.`);
    }
    await recordJobs(trx, [{ queue: 'notifications', name: 'send-email', payload: { notificationId } }]);
    return row;
  });
}
