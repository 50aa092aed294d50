import { expect } from 'chai';
import ICAL from 'ical.js';
import { DEFAULT_NOW, startHarness, type Harness } from '../support/harness';
import { aBookablePractitioner, aBooking, aService, aUser, slot, type TestUser } from '../support/builders';

const FEED = '/api/v1/drf/calendar/feed/';
const BOOKINGS = '/api/v1/drf/bookings/';
const DAY_MS = 86_400_000;

interface ParsedEvent {
  uid: string;
  sequence: number;
  status: string;
  start: Date;
  end: Date;
  startIsUtc: boolean;
  summary: string;
  zone: string;
}

/** The feed parsed back with ical.js, not the library that wrote it. */
function parseFeed(text: string): { timezone: string; events: ParsedEvent[] } {
  const calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  const events = calendar.getAllSubcomponents('vevent').map((vevent) => {
    const start = vevent.getFirstPropertyValue('dtstart') as ICAL.Time;
    return {
      uid: String(vevent.getFirstPropertyValue('uid')),
      sequence: Number(vevent.getFirstPropertyValue('sequence')),
      status: String(vevent.getFirstPropertyValue('status')),
      start: start.toJSDate(),
      end: (vevent.getFirstPropertyValue('dtend') as ICAL.Time).toJSDate(),
      startIsUtc: start.zone?.tzid === 'UTC',
      summary: String(vevent.getFirstPropertyValue('summary')),
      zone: String(vevent.getFirstPropertyValue('x-estuary-timezone')),
    };
  });
  return { timezone: String(calendar.getFirstPropertyValue('x-wr-timezone')), events };
}

describe('Calendar feeds', () => {
  let h: Harness;
  let target: Awaited<ReturnType<typeof aBookablePractitioner>>;
  let client: TestUser;

  before(async () => {
    h = await startHarness();
    target = await aBookablePractitioner(h, {}, { timezone: 'Europe/Berlin' });
    client = await aUser(h, 'client');
  });
  after(() => h.close());

  const feedPathOf = async (who: TestUser): Promise<string> => {
    const res = await h.http.get(FEED).set(who.auth);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const url = new URL(res.body.url);
    expect(url.pathname).to.match(/^\/api\/v1\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    return url.pathname;
  };
  const fetchFeed = async (path: string) => {
    const res = await h.http.get(path).buffer(true).parse((r, done) => {
      let text = '';
      r.on('data', (chunk: Buffer) => (text += chunk.toString()));
      r.on('end', () => done(null, text));
    });
    return res;
  };

  it('when a booking is created, rescheduled and canceled, then the feed (parsed by ical.js) follows it with one UID, SEQUENCE = version, UTC times, and STATUS:CANCELLED for 30 days', async () => {
    const booking = await aBooking(h, client, target, '2030-01-15T10:00:00Z', { timezone: 'America/New_York' });
    expect(booking.version).to.equal(1);
    const path = await feedPathOf(client);
    expect(await feedPathOf(client), 'the same URL every time').to.equal(path);

    const first = await fetchFeed(path);
    expect(first.status).to.equal(200);
    expect(first.headers['content-type']).to.match(/^text\/calendar/);
    expect(first.headers.etag).to.be.a('string');
    let feed = parseFeed(first.body);
    expect(feed.events).to.have.length(1);
    expect(feed.timezone).to.equal('America/New_York');
    expect(feed.events[0]).to.deep.include({
      uid: `${booking.public_uuid}@estuary`,
      sequence: 1,
      status: 'TENTATIVE',
      startIsUtc: true,
      zone: 'America/New_York',
    });
    expect(feed.events[0]!.start.toISOString()).to.equal('2030-01-15T10:00:00.000Z');
    expect(feed.events[0]!.summary).to.include('with ');

    // Conditional GET: the same content answers 304 with no body.
    const unchanged = await h.http.get(path).set('If-None-Match', first.headers.etag as string);
    expect(unchanged.status).to.equal(304);

    const confirmed = await h.http.post(`${BOOKINGS}${booking.id}/confirm/`).set(target.practitioner.auth).send({});
    expect(confirmed.status, JSON.stringify(confirmed.body)).to.equal(200);
    expect(confirmed.body.version).to.equal(2);
    const moved = await h.http.post(`${BOOKINGS}${booking.id}/reschedule/`).set(client.auth).send(slot('2030-01-16T12:00:00Z'));
    expect(moved.status, JSON.stringify(moved.body)).to.equal(200);
    expect(moved.body.version).to.equal(3);

    const second = await fetchFeed(path);
    expect(second.headers.etag).to.not.equal(first.headers.etag);
    expect((await h.http.get(path).set('If-None-Match', first.headers.etag as string)).status, 'a stale copy gets the new feed').to.equal(200);
    feed = parseFeed(second.body);
    expect(feed.events).to.have.length(1);
    expect(feed.events[0]).to.deep.include({ uid: `${booking.public_uuid}@estuary`, sequence: 3, status: 'CONFIRMED' });
    expect(feed.events[0]!.start.toISOString()).to.equal('2030-01-16T12:00:00.000Z');
    expect(feed.events[0]!.end.toISOString()).to.equal('2030-01-16T13:00:00.000Z');

    // The practitioner's feed has the same event (their appointment), in their schedule's zone.
    const practitionerFeed = parseFeed((await fetchFeed(await feedPathOf(target.practitioner))).body);
    expect(practitionerFeed.timezone).to.equal('Europe/Berlin');
    expect(practitionerFeed.events.map((e) => [e.uid, e.sequence])).to.deep.equal([[`${booking.public_uuid}@estuary`, 3]]);

    const canceled = await h.http.post(`${BOOKINGS}${booking.id}/cancel/`).set(client.auth).send({ reason: 'plans changed' });
    expect(canceled.status, JSON.stringify(canceled.body)).to.equal(200);
    feed = parseFeed((await fetchFeed(path)).body);
    expect(feed.events).to.have.length(1);
    expect(feed.events[0]).to.deep.include({ status: 'CANCELLED', sequence: 4 });

    h.clock.set(new Date(DEFAULT_NOW.getTime() + 29 * DAY_MS));
    expect(parseFeed((await fetchFeed(path)).body).events, 'still there after 29 days').to.have.length(1);
    h.clock.set(new Date(DEFAULT_NOW.getTime() + 31 * DAY_MS));
    expect(parseFeed((await fetchFeed(path)).body).events, 'gone after 30 days').to.have.length(0);
    h.clock.set(DEFAULT_NOW);
  });

  it('when the client has a draft and a package, then neither the draft nor the parent is in the feed', async () => {
    const someone = await aUser(h, 'client');
    await aBooking(h, someone, target, '2030-01-20T10:00:00Z', { draft: true });
    const pkg = await aService(h, target.practitioner, { name: 'Pack', service_type: 'package', price_cents: 9000, included_services: [{ service_id: target.service.id, quantity: 2 }] });
    const bought = await h.http.post(`${BOOKINGS}create-package/`).set(someone.auth).send({ service_id: pkg.id });
    expect(bought.status, JSON.stringify(bought.body)).to.equal(201);
    const real = await aBooking(h, someone, target, '2030-01-21T10:00:00Z');
    const feed = parseFeed((await fetchFeed(await feedPathOf(someone))).body);
    expect(feed.events.map((e) => e.uid)).to.deep.equal([`${real.public_uuid}@estuary`]);
  });

  it('when the feed is rotated, then the old URL is a 404 and the new one works; tokens are stored hashed', async () => {
    const old = await feedPathOf(client);
    const rotated = await h.http.post(`${FEED}rotate/`).set(client.auth).send({});
    expect(rotated.status, JSON.stringify(rotated.body)).to.equal(200);
    const fresh = new URL(rotated.body.url).pathname;
    expect(fresh).to.not.equal(old);
    const gone = await h.http.get(old);
    expect(gone.status).to.equal(404);
    expect(gone.body).to.include({ code: 'not_found' });
    expect((await fetchFeed(fresh)).status).to.equal(200);
    expect(await feedPathOf(client)).to.equal(fresh);
    const token = fresh.split('/').pop()!.replace('.ics', '');
    const stored = await h.app.db('calendar_feeds').where({ user_id: client.id }).first();
    expect(JSON.stringify(stored)).to.not.include(token);
  });

  it('when the URL is wrong or the caller anonymous, then 404 and 401 with detail and code', async () => {
    for (const path of ['/api/v1/calendar/nope.ics', `/api/v1/calendar/${'a'.repeat(43)}.ics`, `/api/v1/calendar/${'a'.repeat(43)}`]) {
      const res = await h.http.get(path);
      expect(res.status, path).to.equal(404);
      expect(res.body).to.have.keys('detail', 'code');
    }
    const anonymous = await h.http.get(FEED);
    expect(anonymous.status).to.equal(401);
    expect(anonymous.body).to.include({ code: 'not_authenticated' });
  });

  it('when the feed is read, then Postgres can answer from the feed indexes (no scan of every booking)', async () => {
    const rows = await h.app.db.transaction(async (trx) => {
      await trx.raw('SET LOCAL enable_seqscan = off');
      // The feed query's predicates (CalendarFeedRepository.bookingsOf).
      const sql = `SELECT b.id FROM bookings b WHERE (b.client_id = ? OR b.practitioner_id = ?) AND b.booking_type IN ('individual', 'group')
        AND b.start_time IS NOT NULL AND b.status <> 'draft' AND b.end_time > ? AND (b.status <> 'canceled' OR b.canceled_at > ?)`;
      const bindings = [client.id, client.id, new Date(DEFAULT_NOW.getTime() - 365 * DAY_MS), DEFAULT_NOW];
      return (await trx.raw(`EXPLAIN ${sql}`, bindings as never[])).rows as Array<{ 'QUERY PLAN': string }>;
    });
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan, plan).to.match(/bookings_feed_(client|practitioner)_idx/);
    expect(plan, plan).to.not.match(/Seq Scan on bookings/);
  });
});
