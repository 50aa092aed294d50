import { DateTime } from 'luxon';
import type { NotificationKind } from '../../jobs/job-contracts';

/** What an e-mail may say about its booking, in the recipient's zone. */
export interface EmailContext {
  kind: NotificationKind;
  role: 'client' | 'practitioner';
  recipientName: string;
  /** IANA zone every time is shown in: the booking's for its client, the schedule's for its practitioner. */
  zone: string;
  booking: {
    serviceName: string;
    clientName: string;
    practitionerName: string;
    start: Date | null;
    end: Date | null;
    status: string;
    location: { name: string; address: string } | null;
    meetingUrl: string;
  };
  /** The event's details (a reschedule's `from` times). */
  details: Record<string, unknown> | null;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** A template's content: plain sentences, escaped once for HTML by the layout. */
interface Content {
  subject: string;
  lead: string;
  notes?: string[];
}

/** "Monday 7 January 2030, 10:00–11:00 (Europe/Berlin, GMT+1)" in the zone. */
export function formatWhen(start: Date | null, end: Date | null, zone: string): string {
  if (!start) return 'not scheduled yet';
  const from = DateTime.fromJSDate(start, { zone });
  const until = end ? `–${DateTime.fromJSDate(end, { zone }).toFormat('HH:mm')}` : '';
  return `${from.toFormat('cccc d LLLL yyyy, HH:mm')}${until} (${zone}, ${from.toFormat('ZZZZ')})`;
}

const withWhom = (c: EmailContext) => (c.role === 'client' ? `with ${c.booking.practitionerName}` : `with your client ${c.booking.clientName}`);
const what = (c: EmailContext) => `${c.booking.serviceName} ${withWhom(c)}`;

function previousStart(c: EmailContext): Date | null {
  const from = (c.details?.from as { start_time?: string | null } | undefined)?.start_time;
  return from ? new Date(from) : null;
}

/** One template per event kind. */
const TEMPLATES: Record<NotificationKind, (c: EmailContext) => Content> = {
  booking_created: (c) => ({
    subject: `Booking received: ${c.booking.serviceName}`,
    lead: c.role === 'client' ? `We have received your booking of ${what(c)}.` : `${c.booking.clientName} booked ${c.booking.serviceName} with you.`,
    notes: c.booking.status === 'pending_payment' ? ['It is held for you until it is paid; it is confirmed once payment arrives.'] : [],
  }),
  booking_confirmed: (c) => ({ subject: `Booking confirmed: ${c.booking.serviceName}`, lead: `Your booking of ${what(c)} is confirmed.` }),
  booking_rescheduled: (c) => {
    const before = previousStart(c);
    return {
      subject: `Booking rescheduled: ${c.booking.serviceName}`,
      lead: `Your booking of ${what(c)} has moved to a new time.`,
      notes: before ? [`It was at ${formatWhen(before, null, c.zone)}.`] : [],
    };
  },
  booking_canceled: (c) => ({
    subject: `Booking canceled: ${c.booking.serviceName}`,
    lead: `Your booking of ${what(c)} is canceled.`,
    notes: ['The attached calendar update removes it from your calendar.'],
  }),
  reminder_24h: (c) => ({ subject: `Reminder: ${c.booking.serviceName} tomorrow`, lead: `A reminder of your booking of ${what(c)}, in 24 hours.` }),
  reminder_1h: (c) => ({ subject: `Reminder: ${c.booking.serviceName} in an hour`, lead: `A reminder of your booking of ${what(c)}, in one hour.` }),
  booking_started: (c) => ({ subject: `Session started: ${c.booking.serviceName}`, lead: `Your session of ${what(c)} has started.` }),
  booking_completed: (c) => ({ subject: `Session completed: ${c.booking.serviceName}`, lead: `Your session of ${what(c)} is completed. Thank you.` }),
  booking_no_show: (c) => ({ subject: `Marked as no-show: ${c.booking.serviceName}`, lead: `Your booking of ${what(c)} was marked as a no-show.` }),
  payment_refunded: (c) => ({ subject: `Refund sent: ${c.booking.serviceName}`, lead: `A refund for your booking of ${what(c)} has been sent.` }),
};

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);

/** The e-mail of one event for one recipient, as text and as HTML saying the same. */
export function renderEmail(c: EmailContext): RenderedEmail {
  const content = TEMPLATES[c.kind](c);
  const facts: Array<[string, string]> = [
    ['When', formatWhen(c.booking.start, c.booking.end, c.zone)],
    ['Service', c.booking.serviceName],
    [c.role === 'client' ? 'Practitioner' : 'Client', c.role === 'client' ? c.booking.practitionerName : c.booking.clientName],
    ...(c.booking.location ? [['Where', [c.booking.location.name, c.booking.location.address].filter(Boolean).join(', ')] as [string, string]] : []),
    ...(c.booking.meetingUrl ? [['Online', c.booking.meetingUrl] as [string, string]] : []),
    ['Status', c.booking.status.replace(/_/g, ' ')],
  ];
  const greeting = `Hello ${c.recipientName},`;
  const notes = content.notes ?? [];
  const text = [greeting, '', content.lead, ...notes, '', ...facts.map(([k, v]) => `${k}: ${v}`), '', '— Estuary Bookings', ''].join('\n');
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(content.subject)}</title></head><body>`,
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>${escapeHtml(content.lead)}</p>`,
    ...notes.map((note) => `<p>${escapeHtml(note)}</p>`),
    '<table>',
    ...facts.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
    '<p>— Estuary Bookings</p>',
    '</body></html>',
    '',
  ].join('\n');
  return { subject: content.subject, text, html };
}
