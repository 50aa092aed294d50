import { expect } from 'chai';
import pg from 'pg';
import { OUTBOX_CHANNEL } from '../../src/jobs/outbox-writer';
import { statementsDuring } from '../support/statements';
import { aBookablePractitioner, aBooking, aSchedule, aService, aUser, slot, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';


const isCreateStatement = (sql: string) => !/auth_tokens|users u?\b.*token|idempotency|rate/i.test(sql);
const isWake = (sql: string) => /^SELECT pg_notify\(\$1::text, ''\)$/.test(sql);

/** One read, then one write (without the relay's wake-up, which follows in a statement of its own once the write has committed). */
function expectReadThenWrite(statements: string[]): void {
  const own = statements.filter((sql) => isCreateStatement(sql) && !isWake(sql));
  expect(own, own.join('\n---\n')).to.have.length(2);
  expect(own[1]).to.match(/^WITH cal AS/);
  expect(own[1]).not.to.match(/pg_notify/);
  const wakes = statements.filter(isWake);
  expect(wakes.length).to.be.at.most(1);
  if (wakes.length) expect(statements.indexOf(wakes[0]!)).to.be.greaterThan(statements.indexOf(own[1]!));
}

describe('create in two statements (issue 13)', () => {
  let h: Harness;
  before(async () => {
    // An endpoint on loopback (never called here: no worker runs).
    h = await startHarness({ env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
  });
  after(() => h.close());

  it('when a client books a paid session, then the create reads once and writes once, and its 201 is the detail GET shows', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h);
    let created: { status: number; body: Record<string, unknown>; headers: Record<string, string> } | undefined;
    const statements = await statementsDuring(h.app.db, async () => {
      created = await h.http
        .post('/api/v1/drf/bookings/')
        .set(client.auth)
        .send({ practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot('2030-01-08T10:00:00Z', target.service.duration_minutes) });
    });
    expect(created!.status, JSON.stringify(created!.body)).to.equal(201);
    expectReadThenWrite(statements);

    const detail = await h.http.get(`/api/v1/drf/bookings/${created!.body.id}/`).set(client.auth);
    const { payment, ...body } = created!.body;
    expect(payment).to.include({ provider: 'offline', amount_cents: 5000 });
    expect(body).to.deep.equal(detail.body);
    expect(created!.headers.etag).to.equal(detail.headers.etag);
  });

  it('when a client books with a title, description, notes and their own time zone, then the 201 (the values sent and those the database decided) is the detail GET shows', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h);
    const created = await h.http
      .post('/api/v1/drf/bookings/')
      .set(client.auth)
      .send({
        practitioner_id: target.practitioner.id,
        service_id: target.service.id,
        ...slot('2030-01-09T10:00:00Z', target.service.duration_minutes),
        title: 'Knee — follow-up',
        description: 'Second session "after" the scan',
        client_notes: 'Ground floor, please',
        timezone: 'Asia/Kathmandu',
      });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const detail = await h.http.get(`/api/v1/drf/bookings/${created.body.id}/`).set(client.auth);
    const { payment: _payment, ...body } = created.body;
    expect(body).to.deep.equal(detail.body);
    expect(body).to.include({ title: 'Knee — follow-up', client_notes: 'Ground floor, please', timezone: 'Asia/Kathmandu', version: 1 });
  });

  it('when a booking is created, then the relay is woken on the outbox channel after the write committed, its jobs already visible', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h);
    const listener = new pg.Client({ connectionString: h.config.databaseUrl });
    await listener.connect();
    try {
      await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
      const woken = new Promise<void>((resolve) => listener.once('notification', () => resolve()));
      const created = await aBooking(h, client, target, '2030-01-10T10:00:00Z');
      await woken;
      const jobs = await h.app.db('outbox').whereRaw("payload->>'bookingId' = ?", [String(created.id)]);
      expect(jobs.length).to.be.greaterThan(0);
    } finally {
      await listener.end();
    }
  });

  it('when a booking is created, then its history, event and jobs are written with it', async () => {
    const target = await aBookablePractitioner(h, { price_cents: 0 });
    const client = await aUser(h);
    const booking = await aBooking(h, client, target, '2030-01-09T10:00:00Z');
    expect(booking.status).to.equal('confirmed');
    const events = await h.app.db('booking_events').where({ booking_id: booking.id });
    expect(events.map((e) => [e.type, e.sequence])).to.deep.equal([['booking.created', 1]]);
    const jobs = await h.app.db('outbox').whereRaw("(payload->>'bookingId')::bigint = ?", [booking.id]).orderBy('id');
    expect(jobs.map((j) => j.job_name)).to.have.members(['start-booking', 'finish-booking', 'notify', 'notify', 'notify']);
    const notify = jobs.find((j) => j.job_name === 'notify' && j.payload.kind === 'booking_created');
    expect(notify.payload).to.deep.equal({ bookingId: booking.id, kind: 'booking_created', occasion: 'created', eventId: events[0].id });
    expect(booking.status_history).to.have.length(1);
  });

  it('when a webhook endpoint listens to the practitioner, then the created event is fanned out to it', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h);
    const endpoint = await h.http
      .post('/api/v1/drf/webhook-endpoints/')
      .set(target.practitioner.auth)
      .send({ url: 'http://127.0.0.1:9/estuary', events: ['booking.created'] });
    expect(endpoint.status, JSON.stringify(endpoint.body)).to.equal(201);
    const booking = await aBooking(h, client, target, '2030-01-10T10:00:00Z');
    const fanOut = await h.app.db('outbox').where({ queue: 'webhooks' }).whereRaw("(payload->>'bookingId')::bigint = ?", [booking.id]).first();
    expect(fanOut.payload.endpointIds).to.deep.equal([endpoint.body.id]);
  });

  it('when the schedule changes between the read and the write, then the write notices and the booking is decided on the new schedule', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h);
    // The practitioner closes the day while the create is between its read and its write.
    const original = h.app.newBookings.read.bind(h.app.newBookings);
    let closed = false;
    h.app.newBookings.read = async (req) => {
      const read = await original(req);
      if (!closed) {
        closed = true;
        await aSchedule(h, target.practitioner, { date_overrides: [{ date: '2030-01-11', unavailable: true }] });
      }
      return read;
    };
    try {
      const res = await h.http
        .post('/api/v1/drf/bookings/')
        .set(client.auth)
        .send({ practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot('2030-01-11T10:00:00Z', target.service.duration_minutes) });
      expect(res.status, JSON.stringify(res.body)).to.equal(409);
      expect(res.body.code).to.equal('slot_unavailable');
    } finally {
      h.app.newBookings.read = original;
    }
    expect(await h.app.db('bookings').where({ practitioner_id: target.practitioner.id })).to.have.length(0);
  });

  it('when the practitioner no longer exists between read and write, then nothing is written', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h);
    const res = await h.http
      .post('/api/v1/drf/bookings/')
      .set(client.auth)
      .send({ practitioner_id: target.practitioner.id + 100000, service_id: target.service.id, ...slot('2030-01-12T10:00:00Z', target.service.duration_minutes) });
    expect(res.status).to.equal(400);
    expect(res.body.code).to.be.a('string');
  });

  describe('a service that requires a room (the server picks it)', () => {
    /** A studio with rooms of these capacities, owned by a practitioner whose session service requires a room there. */
    async function aRoomService(capacities: number[]) {
      const practitioner = await aUser(h, 'practitioner');
      await aSchedule(h, practitioner);
      const location = await h.http.post('/api/v1/drf/locations/').set(practitioner.auth).send({ name: 'Two-statement studio' });
      expect(location.status, JSON.stringify(location.body)).to.equal(201);
      const rooms: Array<{ id: number; name: string }> = [];
      for (const [i, capacity] of capacities.entries()) {
        const room = await h.http.post(`/api/v1/drf/locations/${location.body.id}/rooms/`).set(practitioner.auth).send({ name: `Room ${i + 1}`, capacity });
        expect(room.status, JSON.stringify(room.body)).to.equal(201);
        rooms.push(room.body);
      }
      const service = await aService(h, practitioner, { location_id: location.body.id, requires_room: true });
      return { practitioner, service, location: location.body as { id: number }, rooms };
    }
    const bookRoom = (client: TestUser, target: Awaited<ReturnType<typeof aRoomService>>, start: string) =>
      h.http.post('/api/v1/drf/bookings/').set(client.auth).send({ practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot(start, target.service.duration_minutes) });

    it('when a client books it, then the create reads once and writes once, takes the smallest free room, and its 201 is the detail GET shows', async () => {
      const target = await aRoomService([4, 1, 1]);
      const client = await aUser(h);
      let created: { status: number; body: Record<string, unknown>; headers: Record<string, string> } | undefined;
      const statements = await statementsDuring(h.app.db, async () => {
        created = await bookRoom(client, target, '2030-01-08T10:00:00Z');
      });
      expect(created!.status, JSON.stringify(created!.body)).to.equal(201);
      expectReadThenWrite(statements);
      expect(created!.body.room).to.deep.equal({ id: target.rooms[1]!.id, name: 'Room 2' });
      const detail = await h.http.get(`/api/v1/drf/bookings/${created!.body.id}/`).set(client.auth);
      const { payment: _payment, ...body } = created!.body;
      expect(body).to.deep.equal(detail.body);
      expect(created!.headers.etag).to.equal(detail.headers.etag);
      const blocks = await h.app.db('room_blocks').where({ booking_id: created!.body.id });
      expect(blocks.map((b) => Number(b.room_id))).to.deep.equal([target.rooms[1]!.id]);
      // The practitioner is busy then: a second client at the same hour is refused on the calendar.
      const again = await bookRoom(await aUser(h), target, '2030-01-08T10:00:00Z');
      expect(again.status).to.equal(409);
      expect(again.body.code).to.equal('slot_unavailable');
    });

    it('when every room is taken at that hour, then 409 no_room_available and nothing is written', async () => {
      const target = await aRoomService([1]);
      const other = await aRoomService([]);
      // Another practitioner's booking holds the only room of the studio (written straight, as any writer would).
      const first = await bookRoom(await aUser(h), target, '2030-01-09T10:00:00Z');
      expect(first.status).to.equal(201);
      const [service] = await h.app.db('services').where({ id: other.service.id }).update({ location_id: target.location.id }).returning('*');
      expect(Number(service.location_id)).to.equal(target.location.id);
      await h.app.db('location_members').insert({ location_id: target.location.id, practitioner_id: other.practitioner.id });
      const before = await h.app.db('bookings').count<Array<{ count: string }>>('* as count');
      const res = await bookRoom(await aUser(h), other, '2030-01-09T10:30:00Z');
      expect(res.status, JSON.stringify(res.body)).to.equal(409);
      expect(res.body.code).to.equal('no_room_available');
      expect(await h.app.db('bookings').count('* as count')).to.deep.equal(before);
    });

    it('when the room the read saw free is taken by another booking before the write, then the write takes the next free room under the lock', async () => {
      const target = await aRoomService([1, 1]);
      const rival = await aRoomService([]);
      await h.app.db('services').where({ id: rival.service.id }).update({ location_id: target.location.id });
      await h.app.db('location_members').insert({ location_id: target.location.id, practitioner_id: rival.practitioner.id });
      const original = h.app.newBookings.read.bind(h.app.newBookings);
      let raced = 0;
      h.app.newBookings.read = async (req) => {
        const read = await original(req);
        if (req.practitionerId === target.practitioner.id && raced++ === 0) {
          // Between this read and its write, the rival's client takes the room this create is about to pick.
          const rivalBooking = await bookRoom(await aUser(h), rival, '2030-01-10T10:00:00Z');
          expect(rivalBooking.status, JSON.stringify(rivalBooking.body)).to.equal(201);
          expect(rivalBooking.body.room).to.deep.include({ id: target.rooms[0]!.id });
        }
        return read;
      };
      try {
        const res = await bookRoom(await aUser(h), target, '2030-01-10T10:00:00Z');
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body.room).to.deep.equal({ id: target.rooms[1]!.id, name: 'Room 2' });
      } finally {
        h.app.newBookings.read = original;
      }
      expect(raced, 'chosen under the lock: no second read').to.equal(1);
    });

    it('when the room the read saw free is deleted before the write, then nothing is written in it and another room is taken', async () => {
      const target = await aRoomService([1, 1]);
      const original = h.app.newBookings.read.bind(h.app.newBookings);
      let deleted = false;
      h.app.newBookings.read = async (req) => {
        const read = await original(req);
        if (!deleted) {
          deleted = true;
          const res = await h.http.delete(`/api/v1/drf/locations/${target.location.id}/rooms/${target.rooms[0]!.id}/`).set(target.practitioner.auth);
          expect(res.status, JSON.stringify(res.body)).to.equal(204);
        }
        return read;
      };
      try {
        const res = await bookRoom(await aUser(h), target, '2030-01-11T10:00:00Z');
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body.room).to.deep.equal({ id: target.rooms[1]!.id, name: 'Room 2' });
      } finally {
        h.app.newBookings.read = original;
      }
      expect(await h.app.db('bookings').where({ room_id: target.rooms[0]!.id })).to.have.length(0);
    });

    it('when the last free room is taken between the read and the write, then nothing is written and the answer is 409 no_room_available', async () => {
      const target = await aRoomService([1]);
      const rival = await aRoomService([]);
      await h.app.db('services').where({ id: rival.service.id }).update({ location_id: target.location.id });
      await h.app.db('location_members').insert({ location_id: target.location.id, practitioner_id: rival.practitioner.id });
      const original = h.app.newBookings.read.bind(h.app.newBookings);
      let reads = 0;
      h.app.newBookings.read = async (req) => {
        const read = await original(req);
        if (req.practitionerId === target.practitioner.id && reads++ === 0) {
          expect((await bookRoom(await aUser(h), rival, '2030-01-12T10:00:00Z')).status).to.equal(201);
        }
        return read;
      };
      const client = await aUser(h);
      try {
        const res = await bookRoom(client, target, '2030-01-12T10:00:00Z');
        expect(res.status, JSON.stringify(res.body)).to.equal(409);
        expect(res.body.code).to.equal('no_room_available');
      } finally {
        h.app.newBookings.read = original;
      }
      expect(reads, 'decided again on a fresh read').to.equal(2);
      expect(await h.app.db('bookings').where({ client_id: client.id })).to.have.length(0);
    });

    it('when 12 clients book 12 practitioners of one studio at the same hour at once, then each gets a different room, and a 13th gets 409', async () => {
      const studio = await aRoomService(Array.from({ length: 12 }, () => 1));
      const targets = [studio];
      for (let i = 0; i < 12; i++) {
        const other = await aRoomService([]);
        await h.app.db('services').where({ id: other.service.id }).update({ location_id: studio.location.id });
        await h.app.db('location_members').insert({ location_id: studio.location.id, practitioner_id: other.practitioner.id });
        targets.push(other);
      }
      const clients = await Promise.all(targets.map(() => aUser(h)));
      const responses = await Promise.all(targets.map((t, i) => bookRoom(clients[i]!, t, '2030-01-13T10:00:00Z')));
      const created = responses.filter((r) => r.status === 201);
      expect(created, JSON.stringify(responses.map((r) => r.body))).to.have.length(12);
      expect(new Set(created.map((r) => r.body.room.id)).size).to.equal(12);
      expect(responses.filter((r) => r.status === 409).map((r) => r.body.code)).to.deep.equal(['no_room_available']);
      const overlapping = await h.app.db.raw(
        `SELECT count(*)::int AS n FROM room_blocks a JOIN room_blocks b ON a.room_id = b.room_id AND a.id < b.id AND a.during && b.during`,
      );
      expect(overlapping.rows[0].n).to.equal(0);
    });
  });
});
