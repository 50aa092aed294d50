import { randomBytes } from 'node:crypto';
import { registerUser } from '../src/app/auth/auth-service';
import type { UserRole } from '../src/domain/types';
import type { BenchContext } from './support';

/**
 * scrypt of "bench-password", computed once with src/app/auth/password.ts. Users the benchmark never
 * logs in as get this hash straight into `users`: hashing thousands of passwords would take minutes.
 */
export const BENCH_PASSWORD_HASH = 'scrypt$32768$8$1$27Mf3/rehXDlWyG4Zw0Zig==$kE+fqeIU0voczUEbOQlZttikfLj/GpzgauPtgjHj7P4=';

export interface BenchUser {
  id: number;
  role: UserRole;
  token: string;
}

/**
 * Users whose tokens a scenario sends, registered through the real use case (scrypt, ~50-100 ms each, so
 * keep the number small; they hash in parallel on libuv's thread pool).
 */
export async function registerUsers(ctx: BenchContext, role: UserRole, count: number): Promise<BenchUser[]> {
  const run = randomBytes(3).toString('hex');
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const { user, token } = await registerUser(ctx.app, {
        email: `bench-${role}-${run}-${i}@example.test`,
        password: 'bench-password',
        name: `Bench ${role} ${i}`,
        role,
      });
      return { id: user.id, role, token };
    }),
  );
}

/** Many users at once with one INSERT … SELECT (practitioners get their practitioners row too). Returns their ids. */
export async function bulkInsertUsers(ctx: BenchContext, role: UserRole, count: number): Promise<number[]> {
  const run = randomBytes(3).toString('hex');
  const { rows } = await ctx.app.db.raw<{ rows: Array<{ id: number }> }>(
    `INSERT INTO users (email, name, role, password_hash)
     SELECT format('bench-bulk-%s-%s-%s@example.test', r.role, r.run, g), format('Bulk %s %s', r.role, g), r.role, r.hash
     FROM (SELECT ?::text AS role, ?::text AS run, ?::text AS hash) AS r, generate_series(1, ?::int) AS g
     ORDER BY g
     RETURNING id`,
    [role, run, BENCH_PASSWORD_HASH, count],
  );
  const ids = rows.map((r) => r.id);
  if (role === 'practitioner') await ctx.app.db.raw(`INSERT INTO practitioners (user_id) SELECT unnest(?::bigint[])`, [ids]);
  return ids;
}

/** Round-robin over tokens: spreads load over users, as real traffic (and per-user rate limits) would. */
export function tokenRotation(users: BenchUser[]): () => string {
  if (!users.length) throw new Error('tokenRotation needs at least one user');
  let next = 0;
  return () => `Token ${users[next++ % users.length]!.token}`;
}

/** A JSON call to the running API for setup steps; throws unless the status is the expected one. */
export async function callApi<T = Record<string, unknown>>(
  ctx: BenchContext,
  request: { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; path: string; token?: string; body?: unknown; expect?: number },
): Promise<T> {
  const response = await fetch(`${ctx.baseUrl}${request.path}`, {
    method: request.method,
    headers: {
      ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(request.token ? { Authorization: `Token ${request.token}` } : {}),
    },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  });
  const text = await response.text();
  const expected = request.expect ?? (request.method === 'POST' ? 201 : 200);
  if (response.status !== expected) {
    throw new Error(`${request.method} ${request.path}: expected ${expected}, got ${response.status}: ${text.slice(0, 500)}`);
  }
  return (text ? JSON.parse(text) : {}) as T;
}

const EVERY_WEEKDAY = [1, 2, 3, 4, 5, 6, 7];

/**
 * Opens a practitioner every day, all day, in UTC, with no notice and max_advance_days as far as the
 * API allows. Returns the hour of day (UTC) that is NOT bookable for a 60-minute session, if any: the
 * engine accepts "24:00" as an end but the schedule endpoint may not, and then the day ends at 23:59.
 */
export async function openAllDayEveryDay(ctx: BenchContext, practitioner: BenchUser): Promise<{ lastBookableHour: number }> {
  const put = (end: string, expect: number) =>
    fetch(`${ctx.baseUrl}/api/v1/drf/practitioners/me/schedule/`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Authorization: `Token ${practitioner.token}` },
      body: JSON.stringify({
        timezone: 'UTC',
        buffer_minutes: 0,
        min_notice_hours: 0,
        max_advance_days: 730,
        slot_interval_minutes: 60,
        weekly_hours: EVERY_WEEKDAY.map((weekday) => ({ weekday, start: '00:00', end })),
      }),
    }).then(async (res) => ({ ok: res.status === expect, status: res.status, text: await res.text() }));
  const fullDay = await put('24:00', 200);
  if (fullDay.ok) return { lastBookableHour: 23 };
  if (fullDay.status !== 400) throw new Error(`PUT schedule: ${fullDay.status} ${fullDay.text.slice(0, 500)}`);
  const almostFullDay = await put('23:59', 200);
  if (!almostFullDay.ok) throw new Error(`PUT schedule: ${almostFullDay.status} ${almostFullDay.text.slice(0, 500)}`);
  return { lastBookableHour: 22 };
}

/** A 60-minute paid individual session service of the practitioner, through the API. */
export async function createSessionService(ctx: BenchContext, practitioner: BenchUser, priceCents = 5000): Promise<{ id: number; duration_minutes: number }> {
  return callApi(ctx, {
    method: 'POST',
    path: '/api/v1/drf/services/',
    token: practitioner.token,
    body: { name: `Bench session ${practitioner.id}`, service_type: 'session', duration_minutes: 60, price_cents: priceCents },
  });
}
