import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { registerUser } from '../../src/app/auth/auth-service';
import type { Clock } from '../../src/platform/clock';
import type { Harness } from './harness';

export interface TestUser {
  id: number;
  email: string;
  token: string;
  role: 'client' | 'practitioner' | 'admin';
  auth: { Authorization: string };
}

const unique = () => randomBytes(4).toString('hex');

/** A user registered through the use case, not HTTP: the only way to an admin, and no rate limit in the way. */
async function aRegisteredUser(h: Harness<Clock>, role: TestUser['role'], name: string): Promise<TestUser> {
  const email = `${role}-${unique()}@example.test`;
  const { user, token } = await registerUser(h.app, { email, password: 'password123', name, role });
  return { id: user.id, email, token, role, auth: { Authorization: `Token ${token}` } };
}

export async function aUser(h: Harness<Clock>, role: TestUser['role'] = 'client', name = `${role} ${unique()}`): Promise<TestUser> {
  if (role === 'admin') return aRegisteredUser(h, role, name);
  const email = `${role}-${unique()}@example.test`;
  const res = await h.http.post('/api/v1/auth/register/').send({ email, password: 'password123', name, role });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return { id: res.body.id, email, token: res.body.token, role, auth: { Authorization: `Token ${res.body.token}` } };
}

/** `n` users for a race, registered through the use case `batch` at a time (scrypt is slow). */
export async function manyUsers(h: Harness<Clock>, n: number, role: TestUser['role'], batch = 10): Promise<TestUser[]> {
  const users: TestUser[] = [];
  for (let i = 0; i < n; i += batch) {
    users.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, () => aRegisteredUser(h, role, 'Racer')))));
  }
  return users;
}

export const EVERY_DAY_8_TO_20 = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '20:00' }));

export async function aSchedule(h: Harness<Clock>, practitioner: TestUser, overrides: Record<string, unknown> = {}) {
  const res = await h.http
    .put('/api/v1/drf/practitioners/me/schedule/')
    .set(practitioner.auth)
    .send({ timezone: 'UTC', max_advance_days: 365, weekly_hours: EVERY_DAY_8_TO_20, ...overrides });
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return res.body;
}

export async function aService(h: Harness<Clock>, practitioner: TestUser, overrides: Record<string, unknown> = {}) {
  const res = await h.http
    .post('/api/v1/drf/services/')
    .set(practitioner.auth)
    .send({ name: `Service ${unique()}`, service_type: 'session', duration_minutes: 60, price_cents: 5000, ...overrides });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body as { id: number; price_cents: number; duration_minutes: number; [key: string]: unknown };
}

/** A practitioner open every day 08:00–20:00 UTC with one 60-minute paid session service. */
export async function aBookablePractitioner(h: Harness<Clock>, serviceOverrides: Record<string, unknown> = {}, scheduleOverrides: Record<string, unknown> = {}) {
  const practitioner = await aUser(h, 'practitioner');
  await aSchedule(h, practitioner, scheduleOverrides);
  const service = await aService(h, practitioner, serviceOverrides);
  return { practitioner, service };
}

/** `start` and `start + minutes` as ISO strings. */
export function slot(start: string | Date, minutes = 60): { start_time: string; end_time: string } {
  const begin = new Date(start);
  return { start_time: begin.toISOString(), end_time: new Date(begin.getTime() + minutes * 60_000).toISOString() };
}

/**
 * The columns of a confirmed, paid individual booking of `client` with the practitioner and service of an
 * existing booking, for tests that insert rows directly (below the API) to reach the database's own guards.
 */
export async function directBookingColumns(h: Harness<Clock>, client: { id: number }, existingBookingId: number): Promise<Record<string, unknown>> {
  const row = await h.app.db('bookings').where({ id: existingBookingId }).first();
  return {
    client_id: client.id,
    practitioner_id: row.practitioner_id,
    service_id: row.service_id,
    booking_type: 'individual',
    status: 'confirmed',
    payment_status: 'paid',
    price_charged_cents: row.price_charged_cents,
    cancellation_notice_hours: 24,
  };
}

export async function aBooking(
  h: Harness<Clock>,
  client: TestUser,
  target: { practitioner: TestUser; service: { id: number; duration_minutes: number } },
  start: string | Date,
  extra: Record<string, unknown> = {},
) {
  const res = await h.http
    .post('/api/v1/drf/bookings/')
    .set(client.auth)
    .send({ practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot(start, target.service.duration_minutes), ...extra });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body;
}
