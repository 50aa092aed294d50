import { DateTime } from 'luxon';
import type { EventType } from '../../domain/booking-events';
import type { BookingView } from '../../data/booking-repository';
import type { NotificationKind } from '../../jobs/job-contracts';
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

const isReminderStillDue = (booking: { status: string; start_time: Date | null }, occasion: string, now: Date) =>
  booking.status === 'confirmed' && booking.start_time?.toISOString() === occasion && booking.start_time.getTime() > now.getTime();

function describe(booking: BookingView): string {
  const when = booking.start_time
    ? DateTime.fromJSDate(booking.start_time, { zone: booking.timezone }).toFormat("cccc d LLLL yyyy 'at' HH:mm ZZZZ")
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
      await recordJobs(trx, await webhookJobsFor(app, trx, [event]));
      return event.id;
    }
    const seen = await trx('booking_events').where({ booking_id: bookingId, dedupe_key: `${kind}:${occasion}` }).first('id');
    return seen?.id ?? null;
  });
}

/**
 * Tells the client and the practitioner about a booking event: one in-app notification each and an
 * e-mail. The dedupe key makes a re-delivered job a no-op.
 */
export async function sendBookingNotification(app: AppContext, input: { bookingId: number; kind: NotificationKind; occasion: string; eventId?: number }): Promise<number> {
  const eventId = isReminder(input.kind) && input.eventId === undefined ? await recordReminder(app, input.bookingId, input.kind, input.occasion) : (input.eventId ?? null);
  if (isReminder(input.kind) && eventId === null) return 0;
  const booking = await app.bookings.findView(input.bookingId);
  if (!booking) return 0;
  const event: EventType | null = eventId === null ? null : ((await app.events.find(eventId))?.type ?? null);
  const subject = SUBJECTS[input.kind];
  const body = describe(booking);
  let sent = 0;
  for (const recipient of [booking.client, booking.practitioner]) {
    const dedupeKey = `${booking.id}:${input.kind}:${input.occasion}:${recipient.id}`;
    const inserted = await app.db('notifications')
      .insert({ user_id: recipient.id, booking_id: booking.id, kind: input.kind, dedupe_key: dedupeKey, subject, body, channel: 'email', event_id: eventId, event })
      .onConflict('dedupe_key')
      .ignore()
      .returning('id');
    if (!inserted.length) continue;
    // Recorded first, sent second: a crash between the two loses an e-mail, never sends one twice.
    let status: 'sent' | 'logged' | 'failed';
    try {
      status = await app.mailer.send({ to: recipient.email, subject, text: body });
    } catch (error) {
      app.logger.warn({ err: error, notificationId: inserted[0].id }, 'e-mail failed');
      status = 'failed';
    }
    await app.db('notifications').where({ id: inserted[0].id }).update({ email_status: status });
    sent++;
  }
  return sent;
}
