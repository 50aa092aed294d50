import ical, { ICalCalendarMethod, ICalEventStatus, type ICalEventData } from 'ical-generator';
import type { NotificationKind } from '../../jobs/job-contracts';

/** The events whose e-mail carries a calendar invite (or its cancellation). */
const INVITE_KINDS: ReadonlySet<NotificationKind> = new Set(['booking_created', 'booking_confirmed', 'booking_rescheduled', 'booking_canceled']);

/** What a booking's VEVENT says, in e-mail invites and calendar feeds alike. */
interface EventFields {
  publicUuid: string;
  /** Rises with each change, so a calendar keeps the newest. */
  sequence: number;
  stamp: Date;
  summary: string;
  description: string;
  location: string;
  meetingUrl: string;
  organizer: { name: string; email: string };
  attendee: { name: string; email: string };
}

export interface InviteInput extends EventFields {
  kind: NotificationKind;
  start: Date | null;
  end: Date | null;
  status: string;
}

export const ESTUARY_PROD_ID = { company: 'Estuary', product: 'Estuary Bookings', language: 'EN' };

/** A booking as one VEVENT, the same in e-mail invites and calendar feeds (times in UTC). */
export function bookingEventData(input: EventFields & { start: Date; end: Date; status: ICalEventStatus; x?: Array<[string, string]> }): ICalEventData {
  return {
    id: inviteUid(input.publicUuid),
    sequence: input.sequence,
    stamp: input.stamp,
    start: input.start,
    end: input.end,
    summary: input.summary,
    description: input.description,
    location: input.location || null,
    url: input.meetingUrl || null,
    status: input.status,
    organizer: input.organizer,
    attendees: [{ name: input.attendee.name, email: input.attendee.email }],
    ...(input.x ? { x: input.x } : {}),
  };
}

/** The UID a booking has in every calendar, whatever happens to it. */
export const inviteUid = (publicUuid: string): string => `${publicUuid}@estuary`;

/**
 * An RFC 5545 / iTIP calendar object for an e-mail: METHOD:REQUEST to add or update the booking,
 * METHOD:CANCEL with STATUS:CANCELLED to remove it. Times in UTC (no VTIMEZONE needed; calendars show
 * them in their own zone). null when the event carries no invite or the booking has no time yet.
 */
export function buildBookingInvite(input: InviteInput): { filename: string; content: string; method: 'REQUEST' | 'CANCEL' } | null {
  if (!INVITE_KINDS.has(input.kind) || !input.start || !input.end) return null;
  const canceled = input.kind === 'booking_canceled';
  const method = canceled ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST;
  const calendar = ical({ prodId: ESTUARY_PROD_ID, method });
  calendar.createEvent(
    bookingEventData({
      ...input,
      status: canceled ? ICalEventStatus.CANCELLED : input.status === 'confirmed' ? ICalEventStatus.CONFIRMED : ICalEventStatus.TENTATIVE,
      start: input.start,
      end: input.end,
    }),
  );
  return { filename: canceled ? 'cancel.ics' : 'invite.ics', content: calendar.toString(), method };
}
