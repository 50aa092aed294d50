import { updateSessionSchema } from '../routes/catalog.schemas';
import { DRF } from './catalog-paths';
import type { Json } from './joi-openapi';
import type { Operation, PathTable } from './openapi-operation';

const sidParam: Json = { name: 'sid', in: 'path', required: true, schema: { type: 'integer', minimum: 1 }, description: 'The session id (a session of service `id`); anything else is a 404.' };
const WAITLIST = `${DRF}/services/{id}/sessions/{sid}/waitlist/`;
const waitlistOp = (op: Omit<Operation, 'tag' | 'params'>): Operation => ({ ...op, tag: 'waitlists', params: [sidParam] });

/** docs/api-conventions.md#calendar-feeds and #waitlists. */
export const CALENDAR_WAITLIST_PATHS: PathTable = {
  [`${DRF}/calendar/feed/`]: {
    get: {
      id: 'getCalendarFeed',
      tag: 'calendar feeds',
      summary: 'My calendar feed URL',
      description:
        'The caller\'s secret iCalendar (RFC 5545) feed URL, the same on every call (created on the first). Subscribe to it in any calendar app. ' +
        'Clients see their bookings; practitioners the appointments they give (and any they booked as a client).',
      ok: [200, 'The feed URL.', 'CalendarFeedUrl'],
    },
  },
  [`${DRF}/calendar/feed/rotate/`]: {
    post: {
      id: 'rotateCalendarFeed',
      tag: 'calendar feeds',
      summary: 'Replace my calendar feed URL',
      description: 'A new secret URL; the old one answers 404 at once. Subscriptions must be made again with the new URL.',
      bodyRequired: false,
      ok: [200, 'The new feed URL.', 'CalendarFeedUrl'],
    },
  },
  '/api/v1/calendar/{token}.ics': {
    get: {
      id: 'readCalendarFeed',
      tag: 'calendar feeds',
      summary: 'The feed (iCalendar)',
      description:
        'No credentials: the token in the URL is the key (an unknown or rotated one is a 404). One `VEVENT` per scheduled session or workshop/course ' +
        'seat: `UID` `<public_uuid>@estuary` (the same as the e-mail invites), `SEQUENCE` = the booking\'s `version`, `DTSTART`/`DTEND` in UTC, ' +
        '`STATUS` TENTATIVE (awaiting payment), CONFIRMED, or CANCELLED for 30 days after a cancel (then it leaves the feed), `X-ESTUARY-TIMEZONE` ' +
        'the booking\'s zone; the calendar\'s `X-WR-TIMEZONE` is the practitioner\'s schedule zone (a client: the zone of their latest booking). ' +
        'Drafts, unscheduled package items and course/package/bundle parents are left out (a course\'s sessions are its events); bookings that ' +
        'ended over 365 days ago too. Send the `ETag` back in `If-None-Match`: an unchanged feed is a 304 with no body (nothing is rendered).',
      open: true,
      params: [{ name: 'token', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' } }],
      headers: [{ name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'The ETag of the copy the caller holds.' }],
      produces: 'text/calendar',
      responses: { 304: { description: 'Not modified: the caller\'s copy is current.' } },
      ok: [200, 'The feed, `text/calendar; charset=utf-8`, with an `ETag`.'],
    },
  },
  [WAITLIST]: {
    post: waitlistOp({
      id: 'joinWaitlist',
      summary: 'Join the waitlist of a full workshop session',
      description:
        'The caller queues for a seat in session `sid`. 201 with their position. Refused: a session with a free seat nobody waits for → 409 ' +
        '`session_has_seats` (book it instead); the caller already holds a seat → 409 `already_booked`; already waiting → 409 `already_waiting` ' +
        '(see GET for the position); a session under way → 409 `session_started`; a course session → 400 `waitlist_workshops_only` (a course is ' +
        'bought whole); the practitioner\'s own → 400 `self_booking`. While anyone waits, a freed seat is theirs: a direct booking gets 409 ' +
        '`session_full` and may join the queue. When a seat frees (a cancel, an unpaid hold that lapsed, `max_participants` raised), the first in ' +
        'line gets a booking made for them: paid → `pending_payment` held WAITLIST_OFFER_MINUTES (60), free → `confirmed`, told like any new ' +
        'booking (`booking.created`: in-app, e-mail, webhooks). An offer not paid in time is canceled (`payment_timeout`) and passes to the next.',
      bodyRequired: false,
      badRequest: true,
      conflicts: ['session_has_seats', 'already_booked', 'already_waiting', 'session_started'],
      ok: [201, 'The caller\'s position.', 'WaitlistPosition'],
    }),
    get: waitlistOp({ id: 'getWaitlistPosition', summary: 'My position in the waitlist', description: '404 when the caller is not waiting (never joined, left, or was offered a seat).', ok: [200, 'The caller\'s position.', 'WaitlistPosition'] }),
    delete: waitlistOp({ id: 'leaveWaitlist', summary: 'Leave the waitlist', description: 'The people behind move up. 404 when the caller is not waiting. A seat already offered is a booking: cancel it instead.', ok: [204, 'Left.'] }),
  },
  [`${DRF}/services/{id}/sessions/{sid}/`]: {
    patch: {
      id: 'updateServiceSession',
      tag: 'services',
      summary: 'Change a session\'s seat count',
      description:
        'Owner or admin. Not below the seats already taken (409 `below_seats_taken`). Seats added while people wait are offered to them, first in line first.',
      params: [sidParam],
      body: updateSessionSchema,
      forbidden: true,
      conflicts: ['below_seats_taken'],
      ok: [200, 'The session.', 'ServiceSession'],
    },
  },
};
