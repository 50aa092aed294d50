import { expect } from 'chai';
import { factsOf } from '../../src/app/bookings/booking-queries';
import { serializeBookingSummary } from '../../src/app/bookings/booking-representation';
import type { BookingFilter } from '../../src/data/booking-repository';
import { UPCOMING_STATUSES } from '../../src/domain/booking-lists';
import { actorFor } from '../../src/domain/booking-status';
import { aBooking, aBookablePractitioner, aService, aUser, type TestUser } from '../support/builders';
import { DEFAULT_NOW, startHarness, type Harness } from '../support/harness';
import { buy } from '../support/parent-fixtures';

const BOOKINGS = '/api/v1/drf/bookings/';

/** Every character JSON.stringify escapes, and some it leaves alone (non-ASCII, U+2028, DEL, `/`, `<`). */
const AWKWARD = 'A "quoted" \\ back\\slash\b\f\n\r\t\u0001\u001f é ü 漢字 😀 \u2028\u2029 \u007f </script> /';

/**
 * GET /bookings/ answers with JSON text Postgres wrote for each item (listBookingItemsPage with
 * serializeBookingListItem): its bytes must be JSON.stringify's of the rows and serializer the list used
 * before (listBookingsPage, serializeBookingSummary), for every value a column can hold.
 */
describe('bookings list as JSON text', () => {
  let h: Harness;
  let client: TestUser;
  let practitioner: TestUser;
  let admin: TestUser;
  before(async () => {
    h = await startHarness();
    const target = await aBookablePractitioner(h);
    const other = await aBookablePractitioner(h);
    practitioner = target.practitioner;
    client = await aUser(h, 'client');
    admin = await aUser(h, 'admin');
    const ids: number[] = [];
    for (let day = 8; day <= 14; day++) ids.push((await aBooking(h, client, target, `2030-01-${String(day).padStart(2, '0')}T10:00:00Z`)).id);
    // The practitioner as a client of another: the second branch of a practitioner's list.
    ids.push((await aBooking(h, practitioner, other, '2030-01-09T12:00:00Z')).id);
    // A workshop seat (service_session_id set), a bundle (no times) and a course (expansion pending).
    const workshop = await aService(h, practitioner, { service_type: 'workshop', max_participants: 4 });
    const session = await h.http.post(`/api/v1/drf/services/${workshop.id}/sessions/`).set(practitioner.auth).send({ start_time: '2030-02-01T10:00:00Z' });
    expect(session.status, JSON.stringify(session.body)).to.equal(201);
    const seat = await h.http.post(BOOKINGS).set(client.auth).send({ practitioner_id: practitioner.id, service_id: workshop.id, service_session_id: session.body.id });
    expect(seat.status, JSON.stringify(seat.body)).to.equal(201);
    const bundleService = await aService(h, practitioner, { service_type: 'bundle', price_cents: 10_000, sessions_included: 3, validity_days: 30, bundle_service_ids: [target.service.id] });
    const bundle = await buy(h, client, 'bundle', bundleService.id);
    expect(bundle.status, JSON.stringify(bundle.body)).to.equal(201);

    // Stored values of every kind: text JSON must escape, NULLs, sub-millisecond instants, the past.
    const db = h.app.db;
    await db('users').where({ id: client.id }).update({ name: AWKWARD });
    await db('users').where({ id: practitioner.id }).update({ name: `Dr. "${AWKWARD}"` });
    await db('services').where({ id: target.service.id }).update({ name: `Service ${AWKWARD}` });
    const set = (id: number, values: Record<string, unknown>) => db('bookings').where({ id }).update(values);
    await set(ids[0]!, { title: AWKWARD, status: 'confirmed', payment_status: 'paid', created_at: '2030-01-01 10:00:00.123999+00' });
    await set(ids[1]!, { title: '', created_at: '2030-01-02 00:00:00.000999+00', expansion_status: 'failed', timezone: 'America/New_York' });
    await set(ids[2]!, { created_at: '2030-01-03 00:00:00.9995+00', start_time: '2030-01-10 10:00:00.5+00' });
    await set(ids[3]!, { start_time: '2029-12-20 10:00:00+00', end_time: '2029-12-20 11:00:00+00', blocked_until: '2029-12-20 11:00:00+00', status: 'completed', payment_status: 'paid' });
    await set(ids[4]!, { price_charged_cents: 0, created_at: '1999-12-31 23:59:59.999999+00' });
    await set(ids[5]!, { price_charged_cents: 123_456_789, created_at: '2030-01-05 00:00:00.1+00' });
    await set(ids[6]!, { start_time: '2030-01-07 20:00:00+00', end_time: '2030-01-07 21:00:00+00', blocked_until: '2030-01-07 21:00:00+00', cancellation_notice_hours: 48 });
  });
  after(() => h.close());

  /** What the list answered before its items were JSON text: the rows of listBookingsPage through JSON.stringify. */
  async function expectedBody(caller: TestUser, filter: Omit<BookingFilter, 'visibleTo'>, page: { page: number; pageSize: number }, links: { next: unknown; previous: unknown }) {
    const visibleTo = { id: caller.id, role: caller.role };
    const rows = await h.app.bookings.list({ ...filter, visibleTo }, page);
    const results = rows.results.map((b) => serializeBookingSummary(b, actorFor(factsOf(b), visibleTo)!, DEFAULT_NOW));
    return JSON.stringify({ count: rows.count, next: links.next, previous: links.previous, results });
  }

  const cases: Array<{ query: string; filter: Omit<BookingFilter, 'visibleTo'>; page: number; pageSize: number }> = [
    { query: '', filter: { ordering: '-start_time' }, page: 1, pageSize: 20 },
    { query: '?page_size=3&page=2', filter: { ordering: '-start_time' }, page: 2, pageSize: 3 },
    { query: '?ordering=created_at&page_size=4', filter: { ordering: 'created_at' }, page: 1, pageSize: 4 },
    { query: '?ordering=-price_charged_cents', filter: { ordering: '-price_charged_cents' }, page: 1, pageSize: 20 },
    { query: '?status=confirmed,completed', filter: { ordering: '-start_time', status: ['confirmed', 'completed'] }, page: 1, pageSize: 20 },
    { query: '?is_upcoming=true&ordering=start_time', filter: { ordering: 'start_time', upcoming: { value: true, now: DEFAULT_NOW, statuses: UPCOMING_STATUSES } }, page: 1, pageSize: 20 },
    { query: '?search=quoted', filter: { ordering: '-start_time', search: 'quoted' }, page: 1, pageSize: 20 },
  ];

  for (const role of ['client', 'practitioner', 'admin'] as const) {
    for (const { query, filter, page, pageSize } of cases) {
      it(`as the ${role}, GET bookings/${query} answers the bytes of the rows' serializer`, async () => {
        const caller = { client, practitioner, admin }[role];
        const res = await h.http.get(`${BOOKINGS}${query}`).set(caller.auth);
        expect(res.status, res.text).to.equal(200);
        expect(res.headers['content-type']).to.equal('application/json; charset=utf-8');
        const body = JSON.parse(res.text) as { next: unknown; previous: unknown; results: unknown[] };
        expect(res.text).to.equal(await expectedBody(caller, filter, { page, pageSize }, body));
        expect(res.headers['content-length']).to.equal(String(Buffer.byteLength(res.text)));
      });
    }
  }

  it('holds items of every kind: awkward text, no times, a seat, past and sub-millisecond instants', async () => {
    const res = await h.http.get(BOOKINGS).set(client.auth);
    const items = (JSON.parse(res.text) as { results: Array<Record<string, unknown>> }).results;
    expect(items.map((b) => b.title)).to.include(AWKWARD);
    expect(items.some((b) => b.start_time === null)).to.equal(true);
    expect(items.some((b) => b.service_session_id !== null)).to.equal(true);
    expect(items.map((b) => b.created_at)).to.include.members(['2030-01-01T10:00:00.123Z', '2030-01-03T00:00:00.999Z', '1999-12-31T23:59:59.999Z']);
    expect(items.map((b) => b.expansion_status)).to.include('failed');
    expect((items[0]!.client as { name: string }).name).to.equal(AWKWARD);
  });

  it('pages past the first with links, and a 404 past the last page, as before', async () => {
    const res = await h.http.get(`${BOOKINGS}?page_size=3&page=2&search=`).set(client.auth);
    const body = JSON.parse(res.text) as { next: string; previous: string };
    expect(body.next).to.match(/\?page_size=3&page=3&search=$/);
    expect(body.previous).to.match(/\?page_size=3&search=$/);
    const past = await h.http.get(`${BOOKINGS}?page_size=3&page=99`).set(client.auth);
    expect(past.status).to.equal(404);
  });
});
