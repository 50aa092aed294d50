import { expect } from 'chai';
import { statementsDuring } from '../support/statements';
import { aBookablePractitioner, aBooking, aSchedule, aUser, slot } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';


const isCreateStatement = (sql: string) => !/auth_tokens|users u?\b.*token|idempotency|rate/i.test(sql);

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
    const own = statements.filter(isCreateStatement);
    expect(own, own.join('\n---\n')).to.have.length(2);
    expect(own[1]).to.match(/^WITH cal AS/);

    const detail = await h.http.get(`/api/v1/drf/bookings/${created!.body.id}/`).set(client.auth);
    const { payment, ...body } = created!.body;
    expect(payment).to.include({ provider: 'offline', amount_cents: 5000 });
    expect(body).to.deep.equal(detail.body);
    expect(created!.headers.etag).to.equal(detail.headers.etag);
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
});
