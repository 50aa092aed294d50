import { DateTime } from 'luxon';
import { bulkInsertBookings, bulkInsertServices } from './bulk-bookings';
import { bulkInsertUsers, callApi, registerUsers, type BenchUser } from './fixtures';
import type { BenchContext } from './support';

/**
 * A practitioner in Europe/London open 06:00-23:00 every day, with 1,000 active 30-minute check-ins
 * (10-minute buffer) over the next ~60 days, a holiday, weekly errands and a closed date: the data of
 * the check-availability scenario.
 *
 * Each working day holds 17 check-ins in two back-to-back runs, 06:00-12:00 and 15:00-20:20 (shifted by
 * 0, 15 or 30 minutes from day to day), which leaves a 60-minute session about 15 start times a day
 * (12:00-15:00 and the evening). 250 canceled check-ins lie on top of the active ones, as in a real
 * table: the exclusion constraint ignores them, the busy-range query must filter them out. 20,000
 * bookings of 20 other practitioners fill the rest of the table, so the planner chooses as it would in
 * production rather than scanning a table that holds one practitioner.
 */
export const BUSY_ZONE = 'Europe/London';
const ACTIVE_BOOKINGS = 1_000;
const CANCELED_BOOKINGS = 250;
const PER_DAY = 17;
const CHECK_IN_MINUTES = 30;
const BUFFER_MINUTES = 10;
/** Holiday (time off) on days 12-13 and a closed date override on day 25: no check-ins on them. */
const HOLIDAY_DAYS = [12, 13];
const CLOSED_DAY = 25;
const EVERY_WEEKDAY = [1, 2, 3, 4, 5, 6, 7];
const OTHER_PRACTITIONERS = 20;
const OTHER_BOOKINGS = 20_000;

export interface BusyPractitioner {
  practitioner: BenchUser;
  /** The 60-minute session service whose availability is asked for. */
  sessionServiceId: number;
  /** Day 1: tomorrow in BUSY_ZONE, "YYYY-MM-DD". */
  firstDate: string;
  bookings: Record<string, number>;
}

/** Minutes after local midnight of check-in `j` (0..16) of day `day`. */
function checkInMinute(day: number, j: number): number {
  const shift = (day % 3) * 15;
  const step = CHECK_IN_MINUTES + BUFFER_MINUTES;
  return shift + (j < 9 ? 6 * 60 + j * step : 15 * 60 + (j - 9) * step);
}

export async function createBusyPractitioner(ctx: BenchContext): Promise<BusyPractitioner> {
  const [[practitioner], clientIds] = await Promise.all([registerUsers(ctx, 'practitioner', 1), bulkInsertUsers(ctx, 'client', 200)]);
  const firstDay = DateTime.now().setZone(BUSY_ZONE).startOf('day').plus({ days: 1 });
  const day = (n: number) => firstDay.plus({ days: n - 1 });
  const at = (n: number, minute: number) => day(n).plus({ minutes: minute });

  const errandDays = Array.from({ length: 9 }, (_, i) => 7 * (i + 1)).filter((d) => !HOLIDAY_DAYS.includes(d) && d !== CLOSED_DAY);
  await callApi(ctx, {
    method: 'PUT',
    path: '/api/v1/drf/practitioners/me/schedule/',
    token: practitioner!.token,
    body: {
      timezone: BUSY_ZONE,
      buffer_minutes: BUFFER_MINUTES,
      min_notice_hours: 2,
      max_advance_days: 90,
      slot_interval_minutes: 15,
      weekly_hours: EVERY_WEEKDAY.map((weekday) => ({ weekday, start: '06:00', end: '23:00' })),
      date_overrides: [{ date: day(CLOSED_DAY).toISODate(), unavailable: true }],
      time_off: [
        { start_time: day(HOLIDAY_DAYS[0]!).toISO(), end_time: day(HOLIDAY_DAYS[HOLIDAY_DAYS.length - 1]! + 1).toISO(), reason: 'Holiday' },
        ...errandDays.map((d) => ({ start_time: at(d, 12 * 60 + 30).toISO(), end_time: at(d, 13 * 60 + 30).toISO(), reason: 'Errand' })),
      ],
    },
  });
  const checkIn = await callApi<{ id: number }>(ctx, {
    method: 'POST',
    path: '/api/v1/drf/services/',
    token: practitioner!.token,
    body: { name: 'Bench check-in', service_type: 'session', duration_minutes: CHECK_IN_MINUTES, price_cents: 3000 },
  });
  const session = await callApi<{ id: number }>(ctx, {
    method: 'POST',
    path: '/api/v1/drf/services/',
    token: practitioner!.token,
    body: { name: 'Bench session', service_type: 'session', duration_minutes: 60, price_cents: 6000 },
  });

  const starts: string[] = [];
  const statuses: string[] = [];
  for (let d = 1; starts.length < ACTIVE_BOOKINGS; d++) {
    if (HOLIDAY_DAYS.includes(d) || d === CLOSED_DAY) continue;
    for (let j = 0; j < PER_DAY && starts.length < ACTIVE_BOOKINGS; j++) {
      starts.push(at(d, checkInMinute(d, j)).toISO()!);
      statuses.push(starts.length % 7 === 3 ? 'pending_payment' : 'confirmed');
    }
  }
  // Canceled ones on top of active ones, every fourth.
  for (let i = 0; i < CANCELED_BOOKINGS; i++) {
    starts.push(starts[i * 4]!);
    statuses.push('canceled');
  }
  await ctx.app.db.raw(
    `INSERT INTO bookings (client_id, practitioner_id, service_id, booking_type, title, timezone, start_time, end_time, blocked_until,
       status, payment_status, price_charged_cents, cancellation_notice_hours, hold_expires_at, confirmed_at, canceled_at, canceled_by,
       cancellation_reason)
     SELECT c.ids[1 + (b.ord * 7919) % cardinality(c.ids)], ?, ?, 'individual', 'Bench check-in', ?, b.start_time,
       b.start_time + make_interval(mins => ?), b.start_time + make_interval(mins => ?), b.status,
       CASE b.status WHEN 'confirmed' THEN 'paid' WHEN 'canceled' THEN 'refunded' ELSE 'unpaid' END, 3000, 24,
       CASE WHEN b.status = 'pending_payment' THEN now() + interval '15 minutes' END,
       CASE WHEN b.status = 'confirmed' THEN now() END,
       CASE WHEN b.status = 'canceled' THEN now() END,
       CASE WHEN b.status = 'canceled' THEN 'client' END,
       CASE WHEN b.status = 'canceled' THEN 'Bench cancellation' ELSE '' END
     FROM unnest(?::timestamptz[], ?::text[]) WITH ORDINALITY AS b(start_time, status, ord), (SELECT ?::bigint[] AS ids) AS c`,
    [practitioner!.id, checkIn.id, BUSY_ZONE, CHECK_IN_MINUTES, CHECK_IN_MINUTES + BUFFER_MINUTES, starts, statuses, clientIds],
  );
  const others = await bulkInsertServices(ctx, await bulkInsertUsers(ctx, 'practitioner', OTHER_PRACTITIONERS));
  await bulkInsertBookings(ctx, {
    practitioners: others,
    clientIds,
    total: OTHER_BOOKINGS,
    firstStart: new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 30 * 86_400_000),
    spacingMinutes: 90,
    durationMinutes: 60,
  });
  for (const table of ['bookings', 'weekly_hours', 'time_off', 'date_overrides']) {
    await ctx.app.db.raw(`VACUUM (ANALYZE) ??`, [table]);
  }
  const { rows } = await ctx.app.db.raw<{ rows: Array<{ status: string; n: number }> }>(
    `SELECT status, count(*)::int AS n FROM bookings WHERE practitioner_id = ? GROUP BY status ORDER BY status`,
    [practitioner!.id],
  );
  return { practitioner: practitioner!, sessionServiceId: session.id, firstDate: firstDay.toISODate()!, bookings: Object.fromEntries(rows.map((r) => [r.status, r.n])) };
}
