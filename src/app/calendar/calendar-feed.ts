import { createHash, randomBytes } from 'node:crypto';
import ical, { ICalEventStatus } from 'ical-generator';
import type { BookingStatus, Caller } from '../../domain/types';
import type { FeedBookingRow, FeedOwner } from '../../data/calendar-feed-repository';
import { hashTokenKey } from '../../data/user-repository';
import type { AppContext } from '../app-context';
import { bookingEventData, ESTUARY_PROD_ID } from '../notifications/booking-invite';

const DAY_MS = 86_400_000;
/** A canceled booking stays in the feed (STATUS:CANCELLED) this long after its cancel, so calendars remove it. */
export const CANCELED_KEPT_DAYS = 30;
/** Bookings that ended longer ago than this are left out: the feed stays small for years of history. */
export const PAST_KEPT_DAYS = 365;

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const feedPath = (token: string): string => `/api/v1/calendar/${token}.ics`;

const newToken = (): string => randomBytes(32).toString('base64url');

async function issueToken(app: AppContext, userId: number, replace: boolean): Promise<string | null> {
  const token = newToken();
  const saved = await app.feeds.saveToken(userId, { hash: hashTokenKey(token), sealed: app.secretBox.seal(token) }, { replace });
  return saved ? token : null;
}

/**
 * The caller's feed token: the same one every time (kept sealed so it can be shown again), created on
 * first use. A token sealed under an earlier WEBHOOK_SECRET_KEY cannot be read back: it is replaced.
 */
export async function feedToken(app: AppContext, caller: Caller): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const sealed = await app.feeds.findSealed(caller.id);
    if (sealed !== undefined) {
      try {
        return app.secretBox.open(sealed);
      } catch {
        return (await issueToken(app, caller.id, true))!;
      }
    }
    // Two first calls at once: one insert wins, the other reads the winner's token.
    const token = await issueToken(app, caller.id, false);
    if (token) return token;
  }
  throw new Error('calendar feed token could not be stored');
}

/** A new token; the old URL answers 404 from now on. */
export async function rotateFeedToken(app: AppContext, caller: Caller): Promise<string> {
  return (await issueToken(app, caller.id, true))!;
}

const EVENT_STATUS: Partial<Record<BookingStatus, ICalEventStatus>> = {
  pending_payment: ICalEventStatus.TENTATIVE,
  canceled: ICalEventStatus.CANCELLED,
};

function summaryFor(row: FeedBookingRow, ownerId: number): string {
  const other = row.practitioner_id === ownerId ? row.client_name : row.practitioner_name;
  return `${row.title || row.service_name} with ${other}`;
}

function renderFeed(owner: FeedOwner, rows: FeedBookingRow[]): string {
  // The zone calendars show the feed in: a practitioner's schedule zone, else the zone of the caller's
  // latest booking. Each event keeps its own booking's zone in X-ESTUARY-TIMEZONE; times are UTC.
  const zone = owner.schedule_timezone ?? rows[rows.length - 1]?.timezone ?? 'UTC';
  const calendar = ical({ prodId: ESTUARY_PROD_ID, name: 'Estuary bookings', x: [['X-WR-TIMEZONE', zone]] });
  for (const row of rows) {
    calendar.createEvent(
      bookingEventData({
        publicUuid: row.public_uuid,
        sequence: row.version,
        stamp: row.updated_at,
        start: row.start_time,
        end: row.end_time,
        status: EVENT_STATUS[row.status] ?? ICalEventStatus.CONFIRMED,
        summary: summaryFor(row, owner.user_id),
        description: `${row.service_name}. Status: ${row.status}. Booking ${row.id}.`,
        location: [row.location_name, row.location_address].filter(Boolean).join(', '),
        meetingUrl: row.meeting_url,
        organizer: { name: row.practitioner_name, email: row.practitioner_email },
        attendee: { name: row.client_name, email: row.client_email },
        x: [['X-ESTUARY-TIMEZONE', row.timezone]],
      }),
    );
  }
  return calendar.toString();
}

export interface FeedAnswer {
  etag: string;
  /** Renders the calendar; not called when the client's copy is current. */
  render: () => string;
}

/**
 * The feed behind a token (null: no such feed). Two indexed reads; the ETag is a hash of the rows, so
 * a poller whose copy is current gets its 304 without the calendar being rendered.
 */
export async function readFeed(app: AppContext, token: string): Promise<FeedAnswer | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const owner = await app.feeds.findOwner(hashTokenKey(token));
  if (!owner) return null;
  const now = app.clock.now().getTime();
  const rows = await app.feeds.bookingsOf(owner.user_id, {
    endedAfter: new Date(now - PAST_KEPT_DAYS * DAY_MS),
    canceledAfter: new Date(now - CANCELED_KEPT_DAYS * DAY_MS),
  });
  const etag = createHash('sha256').update(JSON.stringify([owner, rows])).digest('base64url').slice(0, 32);
  return { etag: `"${etag}"`, render: () => renderFeed(owner, rows) };
}
