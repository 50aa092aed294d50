import { DateTime } from 'luxon';
import type { BookingView } from '../../data/booking-repository';
import type { NotificationKind } from '../../jobs/job-contracts';
import type { AppContext } from '../app-context';

const SUBJECTS: Record<NotificationKind, string> = {
  booking_created: 'Booking received',
  booking_confirmed: 'Booking confirmed',
  booking_canceled: 'Booking canceled',
  booking_rescheduled: 'Booking rescheduled',
  reminder_24h: 'Reminder: your session is tomorrow',
  reminder_1h: 'Reminder: your session starts in an hour',
};

const isReminder = (kind: NotificationKind) => kind === 'reminder_24h' || kind === 'reminder_1h';

const isReminderStillDue = (booking: BookingView, occasion: string, now: Date) =>
  booking.status === 'confirmed' && booking.start_time?.toISOString() === occasion && booking.start_time.getTime() > now.getTime();

function describe(booking: BookingView): string {
  const when = booking.start_time
    ? DateTime.fromJSDate(booking.start_time, { zone: booking.timezone }).toFormat("cccc d LLLL yyyy 'at' HH:mm ZZZZ")
    : 'no fixed time';
  return `${booking.service.name} with ${booking.practitioner.name}, ${when}. Status: ${booking.status}.`;
}

/**
 * Tells the client and the practitioner about a booking event: one in-app notification each and an
 * e-mail. The dedupe key makes a re-delivered job a no-op. A reminder for a booking that is no longer
 * confirmed at that start time is dropped, and so is one that runs late, once the booking has started
 * (a relay or worker that was down, jobs restored after Redis lost them).
 */
export async function sendBookingNotification(app: AppContext, input: { bookingId: number; kind: NotificationKind; occasion: string }): Promise<number> {
  const booking = await app.bookings.findView(input.bookingId);
  if (!booking) return 0;
  if (isReminder(input.kind) && !isReminderStillDue(booking, input.occasion, app.clock.now())) return 0;
  const subject = SUBJECTS[input.kind];
  const body = describe(booking);
  let sent = 0;
  for (const recipient of [booking.client, booking.practitioner]) {
    const dedupeKey = `${booking.id}:${input.kind}:${input.occasion}:${recipient.id}`;
    const inserted = await app.db('notifications')
      .insert({ user_id: recipient.id, booking_id: booking.id, kind: input.kind, dedupe_key: dedupeKey, subject, body, channel: 'email' })
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
