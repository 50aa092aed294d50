import { DateTime } from 'luxon';
import type { EventType } from '../../domain/booking-events';
import type { BookingView } from '../../data/booking-repository';
import type { NotificationKind, OutboxJob } from '../../jobs/job-contracts';
import { recordJobs } from '../../jobs/outbox-writer';
import type { AppContext } from '../app-context';
import { webhookJobsFor } from '../events/record-events';

const SUBJECTS: Record<NotificationKind, string> = {
  booking_created: 'Booking received',
  booking_confirmed: 'Booking confirmed',
  booking_canceled: 'Booking canceled',
  booking_rescheduled: 'Booking rescheduled',
  reminder_24h: 'Reminder: your session is tomorrow',
  reminder_1h: 'Reminder: your session starts in an hour',
  booking_started: 'Session started',
  booking_completed: 'Session completed',
  booking_no_show: 'Marked as no-show',
  payment_refunded: 'Refund sent',
};

const isReminder = (kind: NotificationKind) => kind === 'reminder_24h' || kind === 'reminder_1h';

export const isReminderStillDue = (booking: { status: string; start_time: Date | null }, occasion: string, now: Date) =>
  booking.status === 'confirmed' && booking.start_time?.toISOString() === occasion && booking.start_time.getTime() > now.getTime();

/** The in-app text, times in the recipient's zone. */
function describe(booking: BookingView, zone: string): string {
  const when = booking.start_time
    ? DateTime.fromJSDate(booking.start_time, { zone }).toFormat("cccc d LLLL yyyy 'at' HH:mm ZZZZ")
    : 'no fixed time';
  return `${booking.service.name} with ${booking.practitioner.name}, ${when}. Status: ${booking.status}.`;
}

/**
 * A reminder scheduled when the booking was confirmed becomes an event only if the booking is still
 * confirmed at that start time and has not started (a reminder that runs late, after a relay or worker
 * was down, is dropped). Checked and recorded under the booking's row lock, once per occasion.
 */
async function recordReminder(app: AppContext, bookingId: number, kind: NotificationKind, occasion: string): Promise<number | null> {
  return app.db.transaction(async (trx) => {
    const booking = await app.bookings.lockForUpdate(trx, bookingId);
    if (!booking || !isReminderStillDue(booking, occasion, app.clock.now())) return null;
    const event = await app.events.record(trx, {
      bookingId,
      type: 'booking.reminder',
      occurredAt: app.clock.now(),
      details: { reminder: kind, start_time: occasion },
      dedupeKey: `${kind}:${occasion}`,
    });
    if (event) {
      await recordJobs(trx, await webhookJobsFor(app, trx, booking.practitioner_id, [event]));
      return event.id;
    }
    const seen = await app.events.findByDedupeKey(trx, bookingId, `${kind}:${occasion}`);
    return seen?.id ?? null;
  });
}

/**
 * Tells the client and the practitioner about a booking event: one notification each (in-app, and the
 * record of its e-mail) and a send-email job each, in one transaction. The dedupe key makes a
 * re-delivered job a no-op. Recorded first, sent second: the e-mail goes out from its own job, which
 * retries a failed send (send-email.ts). Returns how many notifications were recorded.
 */
export async function sendBookingNotification(app: AppContext, input: { bookingId: number; kind: NotificationKind; occasion: string; eventId?: number }): Promise<number> {
  const eventId = isReminder(input.kind) && input.eventId === undefined ? await recordReminder(app, input.bookingId, input.kind, input.occasion) : (input.eventId ?? null);
  if (isReminder(input.kind) && eventId === null) return 0;
  const booking = await app.bookings.findView(input.bookingId);
  if (!booking) return 0;
  const event: EventType | null = eventId === null ? null : ((await app.events.find(eventId))?.type ?? null);
  const subject = SUBJECTS[input.kind];
  const practitionerZone = (await app.practitioners.find(booking.practitioner_id))?.timezone ?? booking.timezone;
  const recipients = [
    { user: booking.client, zone: booking.timezone },
    { user: booking.practitioner, zone: practitionerZone },
  ];
  // Without SMTP there is nothing to send or retry: the e-mail is recorded as logged, and no job is made.
  const sends = app.mailer.sends;
  return app.db.transaction(async (trx) => {
    const jobs: OutboxJob[] = [];
    let recorded = 0;
    for (const { user, zone } of recipients) {
      const dedupeKey = `${booking.id}:${input.kind}:${input.occasion}:${user.id}`;
      const notificationId = await app.notifications.recordOnce(trx, {
        user_id: user.id,
        booking_id: booking.id,
        kind: input.kind,
        dedupe_key: dedupeKey,
        subject,
        body: describe(booking, zone),
        channel: 'email',
        event_id: eventId,
        event,
        email_status: sends ? 'pending' : 'logged',
      });
      if (notificationId === undefined) continue;
      recorded++;
      if (sends) jobs.push({ queue: 'notifications', name: 'send-email', payload: { notificationId } });
      else app.logger.info({ notificationId, kind: input.kind }, 'e-mail not sent (no SMTP_URL): recorded only');
    }
    await recordJobs(trx, jobs);
    return recorded;
  });
}
