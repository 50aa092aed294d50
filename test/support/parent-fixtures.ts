import { expect } from 'chai';
import type { Clock } from '../../src/platform/clock';
import { aService, type TestUser } from './builders';
import type { Harness } from './harness';
import { eventually } from './workers';

export const BOOKINGS = '/api/v1/drf/bookings';

export interface SessionInfo {
  id: number;
  start_time: string;
  end_time: string;
}

/** A course of `starts` (ISO instants, created in that order) with 60-minute sessions. */
export async function aCourse(h: Harness<Clock>, practitioner: TestUser, starts: string[], overrides: Record<string, unknown> = {}) {
  const service = await aService(h, practitioner, { service_type: 'course', price_cents: 30000, max_participants: 10, ...overrides });
  const sessions: SessionInfo[] = [];
  for (const start of starts) {
    const res = await h.http.post(`/api/v1/drf/services/${service.id}/sessions/`).set(practitioner.auth).send({ start_time: start });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    sessions.push({ id: res.body.id, start_time: new Date(res.body.start_time).toISOString(), end_time: new Date(res.body.end_time).toISOString() });
  }
  return { service, sessions };
}

/** POST bookings/create-<kind>/ as `who`. */
export const buy = (h: Harness<Clock>, who: TestUser, kind: 'course' | 'package' | 'bundle', serviceId: number, extra: Record<string, unknown> = {}) =>
  h.http.post(`${BOOKINGS}/create-${kind}/`).set(who.auth).send({ service_id: serviceId, ...extra });

/** POST bookings/create-<kind>/ expecting 201; the parent's detail. */
export async function bought(h: Harness<Clock>, who: TestUser, kind: 'course' | 'package' | 'bundle', serviceId: number) {
  const res = await buy(h, who, kind, serviceId);
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body as { id: number; [key: string]: unknown };
}

/** The parent's detail once its expansion has run to `status` (default done). */
export function expanded(h: Harness<Clock>, who: TestUser, id: number, status: 'done' | 'failed' = 'done', timeoutMs = 10_000) {
  return eventually(async () => {
    const res = await h.http.get(`${BOOKINGS}/${id}/`).set(who.auth);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.expansion_status, `expansion of booking ${id}`).to.equal(status);
    return res.body;
  }, timeoutMs);
}

/** seats_taken of each session of the service, in start order. */
export const seatsOf = async (h: Harness<Clock>, serviceId: number): Promise<number[]> =>
  (await h.app.db('service_sessions').where({ service_id: serviceId }).orderBy(['start_time', 'id']).select('seats_taken')).map((r: { seats_taken: number }) => r.seats_taken);

/** The stored children of a parent, by id. */
export const childRows = (h: Harness<Clock>, parentId: number) =>
  h.app.db('bookings').where({ parent_booking_id: parentId }).orderBy('id') as Promise<Array<Record<string, unknown> & { id: number; status: string; component_key: string }>>;

/** Row counts (and seats taken) a rejected request must leave as they were. */
export async function footprint(h: Harness<Clock>) {
  const count = async (table: string) => Number((await h.app.db(table).count<{ n: string }[]>({ n: '*' }))[0]!.n);
  const seats = await h.app.db('service_sessions').sum<{ n: string | null }[]>({ n: 'seats_taken' });
  return {
    bookings: await count('bookings'),
    booking_components: await count('booking_components'),
    booking_status_history: await count('booking_status_history'),
    outbox: await count('outbox'),
    seats_taken: Number(seats[0]!.n ?? 0),
    bookings_digest: (await h.app.db.raw(`SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '') AS d FROM bookings t`)).rows[0].d as string,
  };
}

/** The error body every 4xx carries, with the code expected. */
export function expectError(res: { status: number; body: { detail?: unknown; code?: unknown } }, status: number, code?: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  if (code) expect(res.body.code, JSON.stringify(res.body)).to.equal(code);
  expect(res.body.detail, JSON.stringify(res.body)).to.be.a('string').with.length.greaterThan(0);
}
