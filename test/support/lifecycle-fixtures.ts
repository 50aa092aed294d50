import { expect } from 'chai';
import { aBookablePractitioner, aBooking, aUser, type TestUser } from './builders';
import { DEFAULT_NOW, startHarness, type Harness } from './harness';

export const BOOKINGS = '/api/v1/drf/bookings';
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** Everyone who may look at one booking: its two parties, two strangers and an admin. */
export interface Cast {
  client: TestUser;
  practitioner: TestUser;
  service: { id: number; price_cents: number; duration_minutes: number; [key: string]: unknown };
  otherClient: TestUser;
  otherPractitioner: TestUser;
  admin: TestUser;
}

export type Role = 'client' | 'practitioner' | 'otherPractitioner' | 'otherClient' | 'admin';
export const ROLES: readonly Role[] = ['client', 'practitioner', 'otherPractitioner', 'otherClient', 'admin'];

export interface Strangers {
  otherClient: TestUser;
  otherPractitioner: TestUser;
  admin: TestUser;
}

/** The people no booking of a test belongs to, made once per file. */
export async function someStrangers(h: Harness): Promise<Strangers> {
  const [otherClient, otherPractitioner, admin] = await Promise.all([aUser(h, 'client'), aUser(h, 'practitioner'), aUser(h, 'admin')]);
  return { otherClient, otherPractitioner, admin };
}

/** A fresh practitioner (open every day 08:00–20:00 UTC, one 60-minute $50 service) and a fresh client. */
export async function aCast(h: Harness, strangers: Strangers, serviceOverrides: Record<string, unknown> = {}): Promise<Cast> {
  const [{ practitioner, service }, client] = await Promise.all([aBookablePractitioner(h, serviceOverrides), aUser(h, 'client')]);
  return { ...strangers, practitioner, service, client };
}

/** POST /bookings/{id}/{action}/ as `who`. */
export const act = (h: Harness, who: TestUser, id: number, action: string, body: Record<string, unknown> = {}) =>
  h.http.post(`${BOOKINGS}/${id}/${action}/`).set(who.auth).send(body);

/** GET /bookings/{id}/ as `who`, expecting 200. */
export async function detailOf(h: Harness, who: TestUser, id: number) {
  const res = await h.http.get(`${BOOKINGS}/${id}/`).set(who.auth);
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return res.body;
}

/** A booking by the cast's client, in pending_payment (the service is paid). */
export async function aPendingBooking(h: Harness, cast: Cast, start: string, extra: Record<string, unknown> = {}) {
  const booking = await aBooking(h, cast.client, cast, start, extra);
  expect(booking.status).to.equal('pending_payment');
  return booking as { id: number; [key: string]: unknown };
}

/** A booking by the cast's client that its practitioner confirmed (paid offline). */
export async function aConfirmedBooking(h: Harness, cast: Cast, start: string) {
  const booking = await aPendingBooking(h, cast, start);
  const res = await act(h, cast.practitioner, booking.id, 'confirm');
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  expect(res.body).to.include({ status: 'confirmed', payment_status: 'paid' });
  return res.body as { id: number; [key: string]: unknown };
}

/** The error body every 4xx carries, with the code expected. */
export function expectError(res: { status: number; body: { detail?: unknown; code?: unknown } }, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.body.code, JSON.stringify(res.body)).to.equal(code);
  expect(res.body.detail).to.be.a('string').with.length.greaterThan(0);
}

/** The history rows as stored, with the details the API does not show. */
export const storedHistory = (h: Harness, bookingId: number) =>
  h.app.db('booking_status_history').where({ booking_id: bookingId }).orderBy('id').select('from_status', 'to_status', 'actor_id', 'actor_role', 'reason', 'details');

/**
 * The setup every lifecycle test file shares, as mocha hooks: one harness for the file, the strangers,
 * the clock back at DEFAULT_NOW after each test. Read `h` inside tests and hooks (it is set in before()).
 */
export function lifecycleSuite(): { readonly h: Harness; newCast: (serviceOverrides?: Record<string, unknown>) => Promise<Cast> } {
  let harness: Harness | undefined;
  let strangers: Strangers | undefined;
  before(async () => {
    harness = await startHarness();
    strangers = await someStrangers(harness);
  });
  after(() => harness?.close());
  afterEach(() => harness?.clock.set(DEFAULT_NOW));
  return {
    get h() {
      return harness!;
    },
    newCast: (serviceOverrides = {}) => aCast(harness!, strangers!, serviceOverrides),
  };
}
