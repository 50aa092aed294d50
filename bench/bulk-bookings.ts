import type { BenchContext } from './support';

export interface BulkBookingsSpec {
  /** Each with one session service; bookings go round-robin over them. */
  practitioners: Array<{ id: number; serviceId: number; priceCents: number }>;
  clientIds: number[];
  total: number;
  /** Start of each practitioner's first booking; theirs follow every spacingMinutes. */
  firstStart: Date;
  spacingMinutes: number;
  durationMinutes: number;
}

/** One session service per practitioner, bulk-inserted; prices vary so ordering by price means something. */
export async function bulkInsertServices(ctx: BenchContext, practitionerIds: number[]): Promise<BulkBookingsSpec['practitioners']> {
  const { rows } = await ctx.app.db.raw<{ rows: Array<{ id: number; practitioner_id: number; price_cents: number }> }>(
    `INSERT INTO services (practitioner_id, name, service_type, duration_minutes, price_cents)
     SELECT u.id, format('Bench session %s', u.ord), 'session', 60, 4000 + (u.ord % 7) * 1000
     FROM unnest(?::bigint[]) WITH ORDINALITY AS u(id, ord)
     RETURNING id, practitioner_id, price_cents`,
    [practitionerIds],
  );
  const byPractitioner = new Map(rows.map((r) => [r.practitioner_id, r]));
  return practitionerIds.map((id) => ({ id, serviceId: byPractitioner.get(id)!.id, priceCents: byPractitioner.get(id)!.price_cents }));
}

/**
 * `total` individual bookings in one INSERT … SELECT FROM generate_series, with a status history.
 *
 * Booking g belongs to practitioner g % P as their (g / P)-th booking, starting spacingMinutes after
 * their previous one (plus 0-15 min of jitter), so one practitioner's bookings never overlap and the
 * exclusion constraint holds whatever the status. Clients: each practitioner's consecutive bookings walk
 * a permutation of the clients (7919 is prime), offset per practitioner. Finished ones are completed,
 * canceled or no-show; future ones confirmed, pending payment, canceled or draft.
 */
export async function bulkInsertBookings(ctx: BenchContext, spec: BulkBookingsSpec): Promise<Record<string, number>> {
  if (spec.spacingMinutes < spec.durationMinutes + 15) throw new Error('spacingMinutes must leave room for the 0-15 min jitter');
  const db = ctx.app.db;
  const { rows: maxRows } = await db.raw<{ rows: Array<{ before: number }> }>(`SELECT coalesce(max(id), 0) AS before FROM bookings`);
  const before = maxRows[0]!.before;
  await db.raw(
    `WITH p AS (
       SELECT ?::bigint[] AS pids, ?::bigint[] AS sids, ?::int[] AS prices, ?::bigint[] AS cids,
              ?::timestamptz AS first_start, ?::int AS spacing, ?::int AS duration, ?::int AS total
     ), slots AS (
       SELECT g,
              p.pids[1 + g % cardinality(p.pids)] AS practitioner_id,
              p.sids[1 + g % cardinality(p.pids)] AS service_id,
              p.prices[1 + g % cardinality(p.pids)] AS price,
              p.cids[1 + ((g / cardinality(p.pids))::bigint * 7919 + (g % cardinality(p.pids)) * 104729) % cardinality(p.cids)] AS client_id,
              p.first_start + make_interval(mins => (g / cardinality(p.pids)) * p.spacing + (g % 4) * 5) AS start_time,
              p.duration,
              (g * 37) % 100 AS roll
       FROM p, generate_series(0, p.total - 1) AS g
     ), decided AS (
       SELECT s.*, s.start_time + make_interval(mins => s.duration) AS end_time,
              CASE WHEN s.start_time + make_interval(mins => s.duration) <= now()
                THEN CASE WHEN roll < 75 THEN 'completed' WHEN roll < 90 THEN 'canceled' ELSE 'no_show' END
                ELSE CASE WHEN roll < 70 THEN 'confirmed' WHEN roll < 82 THEN 'pending_payment' WHEN roll < 95 THEN 'canceled' ELSE 'draft' END
              END AS status,
              least(s.start_time - make_interval(days => 1 + g % 30), now()) - make_interval(secs => g % 3600) AS created_at
       FROM slots s
     )
     INSERT INTO bookings (client_id, practitioner_id, service_id, booking_type, title, timezone, start_time, end_time,
       blocked_until, status, payment_status, price_charged_cents, cancellation_notice_hours, hold_expires_at, confirmed_at,
       started_at, completed_at, canceled_at, no_show_at, canceled_by, cancellation_reason, created_at, updated_at)
     SELECT client_id, practitioner_id, service_id, 'individual', 'Bench session', 'UTC', start_time, end_time,
       end_time, status,
       CASE status WHEN 'pending_payment' THEN 'unpaid' WHEN 'draft' THEN 'unpaid'
         WHEN 'canceled' THEN CASE WHEN roll % 2 = 0 THEN 'refunded' ELSE 'paid' END ELSE 'paid' END,
       price, 24,
       CASE WHEN status = 'pending_payment' THEN now() + interval '15 minutes' END,
       CASE WHEN status IN ('confirmed', 'completed', 'no_show') THEN created_at + interval '1 minute' END,
       CASE WHEN status = 'completed' THEN start_time END,
       CASE WHEN status = 'completed' THEN end_time END,
       CASE WHEN status = 'canceled' THEN least(start_time - interval '2 hours', now()) END,
       CASE WHEN status = 'no_show' THEN start_time + interval '15 minutes' END,
       CASE WHEN status = 'canceled' THEN CASE WHEN roll % 3 = 0 THEN 'practitioner' ELSE 'client' END END,
       CASE WHEN status = 'canceled' THEN 'Bench cancellation' ELSE '' END,
       created_at, created_at
     FROM decided
     ORDER BY g`,
    [
      spec.practitioners.map((p) => p.id),
      spec.practitioners.map((p) => p.serviceId),
      spec.practitioners.map((p) => p.priceCents),
      spec.clientIds,
      spec.firstStart,
      spec.spacingMinutes,
      spec.durationMinutes,
      spec.total,
    ],
  );
  await db.raw(
    `INSERT INTO booking_status_history (booking_id, from_status, to_status, actor_id, actor_role, reason, created_at)
     SELECT id, NULL, CASE WHEN status = 'draft' THEN 'draft' ELSE 'pending_payment' END, client_id, 'client', 'created', created_at
       FROM bookings WHERE id > ?
     UNION ALL
     SELECT id, 'pending_payment', 'confirmed', NULL, 'system', 'payment_succeeded', confirmed_at
       FROM bookings WHERE id > ? AND confirmed_at IS NOT NULL
     UNION ALL
     SELECT id, CASE WHEN confirmed_at IS NULL THEN 'pending_payment' ELSE 'confirmed' END, status,
            CASE WHEN status = 'canceled' AND canceled_by = 'client' THEN client_id WHEN status <> 'completed' THEN practitioner_id END,
            CASE WHEN status = 'canceled' THEN canceled_by WHEN status = 'no_show' THEN 'practitioner' ELSE 'system' END,
            status, coalesce(canceled_at, completed_at, no_show_at)
       FROM bookings WHERE id > ? AND status IN ('completed', 'canceled', 'no_show')`,
    [before, before, before],
  );
  // As autovacuum would have by the time a real table holds this many rows: fresh statistics for the
  // planner and a visibility map for index-only scans.
  for (const table of ['users', 'auth_tokens', 'practitioners', 'services', 'bookings', 'booking_status_history']) {
    await db.raw(`VACUUM (ANALYZE) ??`, [table]);
  }
  const { rows: counts } = await db.raw<{ rows: Array<{ status: string; n: number }> }>(
    `SELECT status, count(*)::int AS n FROM bookings WHERE id > ? GROUP BY status ORDER BY status`,
    [before],
  );
  return Object.fromEntries(counts.map((r) => [r.status, r.n]));
}
