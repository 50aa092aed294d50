import { expect } from 'chai';
import { aBookablePractitioner, aService, aUser, slot, type TestUser } from '../support/builders';
import { DEFAULT_NOW, startHarness, type Harness } from '../support/harness';

const BOOKINGS = '/api/v1/drf/bookings/';
const ORDERINGS = ['start_time', '-start_time', 'created_at', '-created_at', 'price_charged_cents', '-price_charged_cents'];

type Target = Awaited<ReturnType<typeof aBookablePractitioner>>;
interface Booking {
  id: number;
  start_time: string;
  created_at: string;
  price_charged_cents: number;
  [key: string]: unknown;
}

function expectErrorBody(body: { detail?: unknown; code?: unknown }, code?: string): void {
  expect(body.detail, JSON.stringify(body)).to.be.a('string').with.length.greaterThan(0);
  expect(body.code, JSON.stringify(body)).to.match(/^[a-z]+(_[a-z]+)*$/);
  if (code) expect(body.code).to.equal(code);
}

const countBookings = async (h: Harness) => Number((await h.app.db('bookings').count({ n: '*' }).first())!.n);

describe('bookings API', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());
  afterEach(() => h.clock.set(DEFAULT_NOW));

  const post = (who: TestUser, body: Record<string, unknown>) => h.http.post(BOOKINGS).set(who.auth).send(body);
  const book = async (who: TestUser, target: Target, start: string, extra: Record<string, unknown> = {}): Promise<Booking> => {
    const res = await post(who, { practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot(start, target.service.duration_minutes), ...extra });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body;
  };

  describe('create', () => {
    let target: Target;
    let client: TestUser;
    before(async () => {
      target = await aBookablePractitioner(h);
      client = await aUser(h, 'client');
    });

    it('when a client books a paid session, then 201 pending_payment/unpaid holding the slot for the payment window', async () => {
      const res = await post(client, { practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot('2030-01-08T10:00:00Z') });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.headers.location).to.equal(`/api/v1/drf/bookings/${res.body.id}/`);
      expect(res.body).to.include({
        status: 'pending_payment',
        payment_status: 'unpaid',
        booking_type: 'individual',
        price_charged: '50.00',
        price_charged_cents: 5000,
        currency: 'USD',
        start_time: '2030-01-08T10:00:00.000Z',
        end_time: '2030-01-08T11:00:00.000Z',
        hold_expires_at: new Date(DEFAULT_NOW.getTime() + h.config.paymentHoldMinutes * 60_000).toISOString(),
        confirmed_at: null,
        title: target.service.name,
        timezone: 'UTC',
      });
      expect(res.body.client.id).to.equal(client.id);
    });

    it('when a client books a free session, then 201 confirmed/not_required with no hold', async () => {
      const free = await aBookablePractitioner(h, { price_cents: 0 });
      const booking = await book(client, free, '2030-01-08T10:00:00Z');
      expect(booking).to.include({ status: 'confirmed', payment_status: 'not_required', price_charged: '0.00', hold_expires_at: null });
      expect(booking.confirmed_at).to.equal(DEFAULT_NOW.toISOString());
    });

    it('when a client sends draft: true, then a draft is stored that holds nothing', async () => {
      const own = await aBookablePractitioner(h);
      const draft = await book(client, own, '2030-01-08T12:00:00Z', { draft: true });
      expect(draft).to.include({ status: 'draft', payment_status: 'unpaid', hold_expires_at: null });
      const other = await aUser(h, 'client');
      const same = await book(other, own, '2030-01-08T12:00:00Z');
      expect(same.status).to.equal('pending_payment');
    });

    it('when the optional fields are given, then they are stored', async () => {
      const booking = await book(client, target, '2030-01-09T09:00:00Z', {
        title: 'My session',
        description: 'Lower back',
        client_notes: 'Ring the bell',
        timezone: 'America/New_York',
      });
      expect(booking).to.include({ title: 'My session', description: 'Lower back', client_notes: 'Ring the bell', timezone: 'America/New_York' });
    });

    it('when the client sends a price, then 400 (the server prices bookings) and nothing is written', async () => {
      const before = await countBookings(h);
      for (const field of ['price_cents', 'price_charged_cents', 'price_charged', 'status', 'payment_status', 'client_id']) {
        const res = await post(client, { practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot('2030-01-09T14:00:00Z'), [field]: 1 });
        expect(res.status, field).to.equal(400);
        expectErrorBody(res.body);
        expect(res.body.errors, field).to.have.property(field);
      }
      expect(await countBookings(h)).to.equal(before);
    });

    it('when the service belongs to another practitioner, then 400 naming service_id', async () => {
      const other = await aBookablePractitioner(h);
      const res = await post(client, { practitioner_id: target.practitioner.id, service_id: other.service.id, ...slot('2030-01-09T14:00:00Z') });
      expect(res.status).to.equal(400);
      expectErrorBody(res.body);
      expect(res.body.errors).to.have.property('service_id');
    });

    it('when the service or practitioner does not exist, then 400', async () => {
      for (const ids of [
        { practitioner_id: target.practitioner.id, service_id: 99999999 },
        { practitioner_id: 99999999, service_id: target.service.id },
      ]) {
        const res = await post(client, { ...ids, ...slot('2030-01-09T14:00:00Z') });
        expect(res.status, JSON.stringify(ids)).to.equal(400);
        expectErrorBody(res.body);
      }
    });

    it('when the service is inactive, then 400 service_inactive', async () => {
      const inactive = await aService(h, target.practitioner, { is_active: false });
      const res = await post(client, { practitioner_id: target.practitioner.id, service_id: inactive.id, ...slot('2030-01-09T14:00:00Z') });
      expect(res.status).to.equal(400);
      expectErrorBody(res.body, 'service_inactive');
    });

    it('when the location is missing or another practitioner\'s, then 400 naming location_id and nothing is written', async () => {
      const stranger = await aUser(h, 'practitioner');
      const foreign = await h.http.post('/api/v1/drf/locations/').set(stranger.auth).send({ name: 'Elsewhere' });
      const before = await countBookings(h);
      for (const location_id of [99999999, foreign.body.id]) {
        const res = await post(client, { practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot('2030-01-09T14:00:00Z'), location_id });
        expect(res.status, String(location_id)).to.equal(400);
        expectErrorBody(res.body);
        expect(res.body.errors).to.have.property('location_id');
      }
      expect(await countBookings(h)).to.equal(before);
    });

    it('when the location is the practitioner\'s own, then the booking is held there', async () => {
      const own = await h.http.post('/api/v1/drf/locations/').set(target.practitioner.auth).send({ name: 'Treatment room' });
      const booking = await book(client, target, '2030-01-09T17:00:00Z', { location_id: own.body.id });
      expect(booking.location).to.deep.include({ id: own.body.id, name: 'Treatment room' });
    });

    it('when the booking lasts other than the service, then 400 duration_mismatch', async () => {
      const res = await post(client, { practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot('2030-01-09T14:00:00Z', 45) });
      expect(res.status).to.equal(400);
      expectErrorBody(res.body, 'duration_mismatch');
      expect(res.body.errors).to.have.property('end_time');
    });

    it('when the start is in the past (or now), then 400 naming start_time', async () => {
      for (const start of ['2030-01-06T10:00:00Z', DEFAULT_NOW.toISOString()]) {
        const res = await post(client, { practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot(start) });
        expect(res.status, start).to.equal(400);
        expect(res.body.errors).to.have.property('start_time');
      }
    });

    it('when the end is before the start, then 400 naming end_time', async () => {
      const res = await post(client, {
        practitioner_id: target.practitioner.id,
        service_id: target.service.id,
        start_time: '2030-01-09T14:00:00Z',
        end_time: '2030-01-09T13:00:00Z',
      });
      expect(res.status).to.equal(400);
      expectErrorBody(res.body);
      expect(res.body.errors).to.have.property('end_time');
    });

    it('when start or end is missing, then 400 naming it', async () => {
      const res = await post(client, { practitioner_id: target.practitioner.id, service_id: target.service.id, start_time: '2030-01-09T14:00:00Z' });
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.have.property('end_time');
    });

    it('when the start is not on a whole minute, then 400', async () => {
      const res = await post(client, { practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot('2030-01-09T14:00:30Z') });
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.have.property('start_time');
    });

    it('when the time has no UTC offset, then 400 (it would depend on the server\'s zone)', async () => {
      const res = await post(client, {
        practitioner_id: target.practitioner.id,
        service_id: target.service.id,
        start_time: '2030-01-09T14:00:00',
        end_time: '2030-01-09T15:00:00',
      });
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.have.property('start_time');
    });

    it('when the time carries an offset, then it is stored as that instant in UTC', async () => {
      const booking = await book(client, target, '2030-01-10T08:00:00Z', { start_time: '2030-01-10T09:00:00+01:00', end_time: '2030-01-10T10:00:00+01:00' });
      expect(booking.start_time).to.equal('2030-01-10T08:00:00.000Z');
    });

    it('when the slot is outside working hours, then 409 slot_unavailable', async () => {
      for (const start of ['2030-01-09T20:00:00Z', '2030-01-09T07:00:00Z', '2030-01-09T19:30:00Z']) {
        const res = await post(client, { practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot(start) });
        expect(res.status, start).to.equal(409);
        expectErrorBody(res.body, 'slot_unavailable');
        expect(res.body.detail).to.match(/^Time slot not available/);
      }
    });

    it('when the slot overlaps an active booking, then 409 slot_unavailable "Time slot not available…" and nothing is written', async () => {
      const own = await aBookablePractitioner(h);
      await book(client, own, '2030-01-09T10:00:00Z');
      const other = await aUser(h, 'client');
      const before = await countBookings(h);
      for (const start of ['2030-01-09T10:00:00Z', '2030-01-09T10:30:00Z', '2030-01-09T09:30:00Z']) {
        const res = await post(other, { practitioner_id: own.practitioner.id, service_id: own.service.id, ...slot(start) });
        expect(res.status, start).to.equal(409);
        expectErrorBody(res.body, 'slot_unavailable');
        expect(res.body.detail).to.match(/^Time slot not available/);
      }
      expect(await countBookings(h)).to.equal(before);
      const adjacent = await book(other, own, '2030-01-09T11:00:00Z');
      expect(adjacent.status).to.equal('pending_payment');
    });

    for (const service_type of ['course', 'package', 'bundle']) {
      it(`when a ${service_type} service is booked here, then 400 wrong_endpoint`, async () => {
        const extra: Record<string, unknown> =
          service_type === 'package'
            ? { included_services: [{ service_id: target.service.id, quantity: 1 }] }
            : service_type === 'bundle'
              ? { sessions_included: 5, validity_days: 90 }
              : {};
        const service = await aService(h, target.practitioner, { service_type, ...extra });
        const res = await post(client, { practitioner_id: target.practitioner.id, service_id: service.id, ...slot('2030-01-09T15:00:00Z') });
        expect(res.status).to.equal(400);
        expectErrorBody(res.body, 'wrong_endpoint');
        expect(res.body.detail).to.include(`create-${service_type}`);
      });
    }

    it('when a practitioner books their own service, then 400', async () => {
      const res = await post(target.practitioner, { practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot('2030-01-09T16:00:00Z') });
      expect(res.status).to.equal(400);
      expectErrorBody(res.body);
    });

    it('when a practitioner books another practitioner, then they are the client', async () => {
      const booking = await book(target.practitioner, await aBookablePractitioner(h), '2030-01-09T16:00:00Z');
      expect((booking.client as { id: number }).id).to.equal(target.practitioner.id);
    });

    it('when a workshop seat is booked, then it takes the session\'s times and a full session is 409 session_full', async () => {
      const practitioner = await aUser(h, 'practitioner');
      const workshop = await aService(h, practitioner, { service_type: 'workshop', duration_minutes: 120, max_participants: 1, price_cents: 2000 });
      const session = await h.http
        .post(`/api/v1/drf/services/${workshop.id}/sessions/`)
        .set(practitioner.auth)
        .send({ start_time: '2030-01-12T15:00:00Z' });
      expect(session.status).to.equal(201);
      const seat = await post(client, { practitioner_id: practitioner.id, service_id: workshop.id, service_session_id: session.body.id });
      expect(seat.status, JSON.stringify(seat.body)).to.equal(201);
      expect(seat.body).to.include({ booking_type: 'group', service_session_id: session.body.id, start_time: '2030-01-12T15:00:00.000Z', end_time: '2030-01-12T17:00:00.000Z' });
      const full = await post(await aUser(h, 'client'), { practitioner_id: practitioner.id, service_id: workshop.id, service_session_id: session.body.id });
      expect(full.status).to.equal(409);
      expectErrorBody(full.body, 'session_full');
    });
  });

  describe('detail', () => {
    let target: Target;
    let client: TestUser;
    let booking: Booking;
    before(async () => {
      const practitioner = await aUser(h, 'practitioner', 'Dr. Smith');
      await h.http
        .put('/api/v1/drf/practitioners/me/schedule/')
        .set(practitioner.auth)
        .send({ timezone: 'UTC', max_advance_days: 365, weekly_hours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '20:00' })) });
      const service = await aService(h, practitioner, { name: '60-minute Consultation' });
      target = { practitioner, service };
      client = await aUser(h, 'client');
      booking = await book(client, target, '2030-01-15T10:00:00Z', { client_notes: 'First visit' });
    });

    it('when the client reads it, then every field of the spec\'s detail is there', async () => {
      const res = await h.http.get(`${BOOKINGS}${booking.id}/`).set(client.auth);
      expect(res.status).to.equal(200);
      const b = res.body;
      expect(b.id).to.equal(booking.id);
      expect(b.public_uuid).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(b.practitioner).to.deep.include({ id: target.practitioner.id, name: 'Dr. Smith', email: target.practitioner.email });
      expect(b.service).to.deep.include({ id: target.service.id, name: '60-minute Consultation', duration_minutes: 60, price_cents: 5000 });
      expect(b).to.include({
        start_time: '2030-01-15T10:00:00.000Z',
        end_time: '2030-01-15T11:00:00.000Z',
        status: 'pending_payment',
        payment_status: 'unpaid',
        price_charged: '50.00',
        can_be_canceled: true,
        can_be_rescheduled: true,
        client_notes: 'First visit',
        is_upcoming: true,
        duration_minutes: 60,
      });
      expect(b.child_bookings).to.deep.equal([]);
      expect(b.notes).to.deep.equal([]);
      expect(b.status_history).to.deep.equal([
        { from_status: null, to_status: 'pending_payment', actor_id: client.id, actor_role: 'client', reason: 'created', details: null, created_at: DEFAULT_NOW.toISOString() },
      ]);
    });

    it('when the practitioner and an admin read it, then they get the same booking', async () => {
      const admin = await aUser(h, 'admin');
      for (const who of [target.practitioner, admin]) {
        const res = await h.http.get(`${BOOKINGS}${booking.id}/`).set(who.auth);
        expect(res.status, who.role).to.equal(200);
        expect(res.body.id).to.equal(booking.id);
        expect(res.body.can_be_canceled, who.role).to.equal(true);
      }
    });

    it('when the booking is canceled, then it can no longer be canceled or rescheduled and is not upcoming', async () => {
      const own = await book(client, target, '2030-01-15T14:00:00Z');
      await h.app.db('bookings').where({ id: own.id }).update({ status: 'canceled', canceled_at: DEFAULT_NOW, canceled_by: 'client' });
      const res = await h.http.get(`${BOOKINGS}${own.id}/`).set(client.auth);
      expect(res.body).to.include({ status: 'canceled', can_be_canceled: false, can_be_rescheduled: false, is_upcoming: false });
    });

    it('when an unknown id is read, then 404 not_found', async () => {
      const res = await h.http.get(`${BOOKINGS}99999999/`).set(client.auth);
      expect(res.status).to.equal(404);
      expectErrorBody(res.body, 'not_found');
    });
  });

  describe('PATCH', () => {
    let target: Target;
    let client: TestUser;
    let booking: Booking;
    before(async () => {
      target = await aBookablePractitioner(h);
      client = await aUser(h, 'client');
      booking = await book(client, target, '2030-01-16T10:00:00Z');
    });
    const patch = (who: TestUser, body: Record<string, unknown>, id = booking.id) => h.http.patch(`${BOOKINGS}${id}/`).set(who.auth).send(body);

    it('when the client changes title, description, client_notes and timezone, then the detail shows them', async () => {
      const res = await patch(client, { title: 'New title', description: 'New description', client_notes: 'Gate code 42', timezone: 'Asia/Tokyo' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ title: 'New title', description: 'New description', client_notes: 'Gate code 42', timezone: 'Asia/Tokyo' });
      const read = await h.http.get(`${BOOKINGS}${booking.id}/`).set(client.auth);
      expect(read.body).to.include({ title: 'New title', timezone: 'Asia/Tokyo' });
    });

    it('when the practitioner sets meeting_url, meeting_id and location_id, then they show', async () => {
      const location = await h.http.post('/api/v1/drf/locations/').set(target.practitioner.auth).send({ name: 'Room 1' });
      const res = await patch(target.practitioner, { meeting_url: 'https://meet.example.test/abc', meeting_id: 'abc-123', location_id: location.body.id });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ meeting_url: 'https://meet.example.test/abc', meeting_id: 'abc-123', location_id: location.body.id });
      expect(res.body.location).to.include({ id: location.body.id, name: 'Room 1' });
      const cleared = await patch(target.practitioner, { location_id: null });
      expect(cleared.status).to.equal(200);
      expect(cleared.body.location).to.equal(null);
    });

    it('when the client changes meeting_url, meeting_id or location_id, then 403 and nothing changes', async () => {
      for (const body of [{ meeting_url: 'https://evil.example.test/' }, { meeting_id: 'x' }, { location_id: null }]) {
        const res = await patch(client, body);
        expect(res.status, JSON.stringify(body)).to.equal(403);
        expectErrorBody(res.body, 'permission_denied');
      }
      const row = await h.app.db('bookings').where({ id: booking.id }).first();
      expect(row.meeting_url).to.not.equal('https://evil.example.test/');
    });

    it('when any other field is sent, then 400 naming it and nothing changes', async () => {
      const before = await h.app.db('bookings').where({ id: booking.id }).first();
      for (const field of ['status', 'start_time', 'end_time', 'price_charged_cents', 'payment_status', 'client_id', 'practitioner_id', 'service_id', 'id']) {
        const res = await patch(target.practitioner, { title: 'Sneaky', [field]: field.endsWith('_time') ? '2030-01-20T10:00:00Z' : 1 });
        expect(res.status, field).to.equal(400);
        expectErrorBody(res.body);
        expect(res.body.errors, field).to.have.property(field);
      }
      const after = await h.app.db('bookings').where({ id: booking.id }).first();
      expect(after).to.deep.equal(before);
    });

    it('when the body is empty, then 400', async () => {
      const res = await patch(client, {});
      expect(res.status).to.equal(400);
      expectErrorBody(res.body);
    });

    it('when a field has a bad value, then 400 naming it', async () => {
      for (const [field, value] of [
        ['timezone', 'Mars/Olympus'],
        ['meeting_url', 'not a url'],
        ['meeting_url', 'javascript:alert(1)'],
        ['title', 42],
        ['title', 'x'.repeat(201)],
        ['location_id', 'abc'],
      ] as Array<[string, unknown]>) {
        const who = field.startsWith('meeting') || field === 'location_id' ? target.practitioner : client;
        const res = await patch(who, { [field]: value });
        expect(res.status, `${field}=${String(value)}`).to.equal(400);
        expect(res.body.errors).to.have.property(field);
      }
    });

    it('when the location belongs to another practitioner, then 400 naming location_id', async () => {
      const other = await aUser(h, 'practitioner');
      const foreign = await h.http.post('/api/v1/drf/locations/').set(other.auth).send({ name: 'Elsewhere' });
      const res = await patch(target.practitioner, { location_id: foreign.body.id });
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.have.property('location_id');
    });

    it('when an admin patches any booking, then it is changed', async () => {
      const admin = await aUser(h, 'admin');
      const res = await patch(admin, { meeting_id: 'admin-set' });
      expect(res.status).to.equal(200);
      expect(res.body.meeting_id).to.equal('admin-set');
    });

    it('when another client patches the booking, then 404 and nothing changes', async () => {
      const stranger = await aUser(h, 'client');
      const otherPractitioner = await aUser(h, 'practitioner');
      for (const who of [stranger, otherPractitioner]) {
        const res = await patch(who, { title: 'Mine now' });
        expect(res.status, who.role).to.equal(404);
        expectErrorBody(res.body, 'not_found');
      }
      const row = await h.app.db('bookings').where({ id: booking.id }).first();
      expect(row.title).to.not.equal('Mine now');
    });

    it('when the booking is canceled, then 409 and it is not edited', async () => {
      const closed = await book(client, target, '2030-01-16T14:00:00Z');
      await h.app.db('bookings').where({ id: closed.id }).update({ status: 'canceled', canceled_at: DEFAULT_NOW, canceled_by: 'client' });
      const res = await patch(client, { title: 'Too late' }, closed.id);
      expect(res.status).to.equal(409);
      expectErrorBody(res.body);
    });
  });

  describe('visibility', () => {
    let p: Target;
    let q: Target;
    let clientA: TestUser;
    let clientB: TestUser;
    let admin: TestUser;
    let aWithP: Booking;
    let bWithP: Booking;
    let pWithQ: Booking;
    let bWithQ: Booking;
    before(async () => {
      [p, q] = await Promise.all([aBookablePractitioner(h), aBookablePractitioner(h)]);
      [clientA, clientB, admin] = await Promise.all([aUser(h, 'client'), aUser(h, 'client'), aUser(h, 'admin')]);
      aWithP = await book(clientA, p, '2030-01-20T10:00:00Z');
      bWithP = await book(clientB, p, '2030-01-20T12:00:00Z');
      pWithQ = await book(p.practitioner, q, '2030-01-20T14:00:00Z');
      bWithQ = await book(clientB, q, '2030-01-20T16:00:00Z');
    });

    const idsOf = async (who: TestUser, query = '') => {
      const res = await h.http.get(`${BOOKINGS}?page_size=100${query}`).set(who.auth);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return (res.body.results as Booking[]).map((b) => b.id).sort((x, y) => x - y);
    };
    const sorted = (...bookings: Booking[]) => bookings.map((b) => b.id).sort((x, y) => x - y);

    it('when a client lists, then they see their own bookings only', async () => {
      expect(await idsOf(clientA)).to.deep.equal(sorted(aWithP));
      expect(await idsOf(clientB)).to.deep.equal(sorted(bWithP, bWithQ));
    });

    it('when a practitioner lists, then they see their appointments and their own bookings as a client', async () => {
      expect(await idsOf(p.practitioner)).to.deep.equal(sorted(aWithP, bWithP, pWithQ));
      expect(await idsOf(q.practitioner)).to.deep.equal(sorted(pWithQ, bWithQ));
    });

    it('when a practitioner pages through their list, then appointments and their own bookings interleave in order and every page counts both', async () => {
      for (const [ordering, expected] of [
        ['start_time', [aWithP, bWithP, pWithQ]],
        ['-start_time', [pWithQ, bWithP, aWithP]],
      ] as const) {
        for (const size of [1, 2, 3, 5]) {
          const seen: number[] = [];
          for (let page = 1; page <= Math.ceil(expected.length / size); page++) {
            const res = await h.http.get(`${BOOKINGS}?ordering=${ordering}&page_size=${size}&page=${page}`).set(p.practitioner.auth);
            expect(res.status, JSON.stringify(res.body)).to.equal(200);
            expect(res.body.count, `${ordering} size ${size} page ${page}`).to.equal(expected.length);
            seen.push(...(res.body.results as Booking[]).map((b) => b.id));
          }
          expect(seen, `${ordering} size ${size}`).to.deep.equal(expected.map((b) => b.id));
        }
      }
    });

    it('when a practitioner filters by another practitioner, then only their own bookings with them show', async () => {
      expect(await idsOf(p.practitioner, `&practitioner_id=${q.practitioner.id}`)).to.deep.equal(sorted(pWithQ));
    });

    it('when an admin lists, then they see every booking', async () => {
      const res = await h.http.get(`${BOOKINGS}?page_size=1`).set(admin.auth);
      expect(res.body.count).to.equal(await countBookings(h));
      expect(await idsOf(admin, `&practitioner_id=${p.practitioner.id}`)).to.deep.equal(sorted(aWithP, bWithP));
    });

    it('when a client asks for another client\'s booking, then 404 as for one that does not exist', async () => {
      const res = await h.http.get(`${BOOKINGS}${bWithP.id}/`).set(clientA.auth);
      expect(res.status).to.equal(404);
      const missing = await h.http.get(`${BOOKINGS}99999999/`).set(clientA.auth);
      expect(res.body).to.deep.equal(missing.body);
    });

    it('when a practitioner asks for a booking with another practitioner they are not party to, then 404', async () => {
      const res = await h.http.get(`${BOOKINGS}${bWithQ.id}/`).set(p.practitioner.auth);
      expect(res.status).to.equal(404);
    });

    it('when a practitioner reads a booking they made as a client, then they see it as its client', async () => {
      const res = await h.http.get(`${BOOKINGS}${pWithQ.id}/`).set(p.practitioner.auth);
      expect(res.status).to.equal(200);
      expect(res.body.client.id).to.equal(p.practitioner.id);
    });
  });

  describe('list', () => {
    let client: TestUser;
    let p1: Target;
    let p1Free: Target;
    let p2: Target;
    let workshopService: { id: number };
    const b: Record<string, Booking> = {};
    const all = () => Object.values(b);

    before(async () => {
      const smith = await aUser(h, 'practitioner', 'Alma Quillfeather');
      await h.http
        .put('/api/v1/drf/practitioners/me/schedule/')
        .set(smith.auth)
        .send({ timezone: 'UTC', max_advance_days: 365, weekly_hours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '20:00' })) });
      p1 = { practitioner: smith, service: await aService(h, smith, { name: 'Swedish massage' }) };
      p1Free = { practitioner: smith, service: await aService(h, smith, { name: 'Intro call', price_cents: 0 }) };
      p2 = await aBookablePractitioner(h, { name: 'Reiki healing', price_cents: 8000 });
      workshopService = await aService(h, p2.practitioner, { name: 'Group breathwork', service_type: 'workshop', max_participants: 10, price_cents: 2000, duration_minutes: 120 });
      const session = await h.http.post(`/api/v1/drf/services/${workshopService.id}/sessions/`).set(p2.practitioner.auth).send({ start_time: '2030-01-13T15:00:00Z' });
      client = await aUser(h, 'client');
      // Created out of start order, so created_at and start_time orderings differ.
      b.reiki = await book(client, p2, '2030-01-10T12:00:00Z');
      b.swedish = await book(client, p1, '2030-01-08T10:00:00Z', { title: 'Morning stretch' });
      b.free = await book(client, p1Free, '2030-01-09T10:00:00Z', { description: 'Please bring a yoga mat' });
      b.draft = await book(client, p1, '2030-01-11T10:00:00Z', { draft: true });
      b.canceled = await book(client, p2, '2030-01-12T10:00:00Z');
      await h.app.db('bookings').where({ id: b.canceled.id }).update({ status: 'canceled', canceled_at: DEFAULT_NOW, canceled_by: 'client' });
      const seat = await post(client, { practitioner_id: p2.practitioner.id, service_id: workshopService.id, service_session_id: session.body.id });
      expect(seat.status, JSON.stringify(seat.body)).to.equal(201);
      b.workshop = seat.body;
    });

    const list = async (query: string) => {
      const res = await h.http.get(`${BOOKINGS}?page_size=100&${query}`).set(client.auth);
      expect(res.status, `${query}: ${JSON.stringify(res.body)}`).to.equal(200);
      return res.body as { count: number; results: Booking[] };
    };
    const idsFor = async (query: string) => (await list(query)).results.map((r) => r.id).sort((x, y) => x - y);
    const ids = (...names: string[]) => names.map((n) => b[n]!.id).sort((x, y) => x - y);

    it('when no filter is given, then every booking of the caller is listed, latest start first', async () => {
      const res = await list('');
      expect(res.count).to.equal(6);
      const starts = res.results.map((r) => r.start_time);
      expect(starts).to.deep.equal([...starts].sort().reverse());
    });

    it('when a list item is shown, then it has the spec\'s summary fields', async () => {
      const res = await list('status=pending_payment&practitioner_id=' + p1.practitioner.id);
      expect(res.results).to.have.length(1);
      const item = res.results[0]!;
      expect(item).to.include({ id: b.swedish!.id, public_uuid: b.swedish!.public_uuid, status: 'pending_payment', price_charged: '50.00', is_upcoming: true });
      expect(item.practitioner).to.deep.include({ id: p1.practitioner.id, name: 'Alma Quillfeather' });
      expect(item.service).to.deep.include({ id: p1.service.id, name: 'Swedish massage' });
      expect(item.start_time).to.equal('2030-01-08T10:00:00.000Z');
      expect(item.end_time).to.equal('2030-01-08T11:00:00.000Z');
    });

    it('when filtered by one status, then only that status shows', async () => {
      expect(await idsFor('status=pending_payment')).to.deep.equal(ids('reiki', 'swedish', 'workshop'));
      expect(await idsFor('status=draft')).to.deep.equal(ids('draft'));
      expect(await idsFor('status=completed')).to.deep.equal([]);
    });

    it('when filtered by comma-separated statuses, then any of them shows', async () => {
      expect(await idsFor('status=confirmed,canceled')).to.deep.equal(ids('free', 'canceled'));
    });

    it('when filtered by repeated status parameters, then any of them shows', async () => {
      expect(await idsFor('status=confirmed&status=draft')).to.deep.equal(ids('free', 'draft'));
      expect(await idsFor('status=confirmed,draft&status=canceled')).to.deep.equal(ids('free', 'draft', 'canceled'));
    });

    it('when a status is unknown, then 400 naming the allowed values', async () => {
      for (const query of ['status=bogus', 'status=confirmed,bogus', 'status=confirmed&status=bogus', 'status=CONFIRMED']) {
        const res = await h.http.get(`${BOOKINGS}?${query}`).set(client.auth);
        expect(res.status, query).to.equal(400);
        expectErrorBody(res.body);
        expect(res.body.detail, query).to.include('pending_payment');
        expect(res.body.detail, query).to.include('no_show');
      }
    });

    it('when filtered by payment_status, then only those show', async () => {
      expect(await idsFor('payment_status=not_required')).to.deep.equal(ids('free'));
      expect(await idsFor('payment_status=unpaid')).to.deep.equal(ids('reiki', 'swedish', 'draft', 'canceled', 'workshop'));
      expect(await idsFor('payment_status=paid,not_required')).to.deep.equal(ids('free'));
      const bad = await h.http.get(`${BOOKINGS}?payment_status=owed`).set(client.auth);
      expect(bad.status).to.equal(400);
      expect(bad.body.detail).to.include('not_required');
    });

    it('when filtered by practitioner_id or service_id, then only those show', async () => {
      expect(await idsFor(`practitioner_id=${p2.practitioner.id}`)).to.deep.equal(ids('reiki', 'canceled', 'workshop'));
      expect(await idsFor(`service_id=${p1.service.id}`)).to.deep.equal(ids('swedish', 'draft'));
      expect(await idsFor(`service_id=${p1Free.service.id}&practitioner_id=${p1.practitioner.id}`)).to.deep.equal(ids('free'));
      for (const query of ['practitioner_id=abc', 'service_id=0', 'service_id=-3', 'practitioner_id=1.5']) {
        const res = await h.http.get(`${BOOKINGS}?${query}`).set(client.auth);
        expect(res.status, query).to.equal(400);
      }
    });

    it('when filtered by start_date and end_date, then bookings within those days show', async () => {
      expect(await idsFor('start_date=2030-01-10')).to.deep.equal(ids('reiki', 'draft', 'canceled', 'workshop'));
      expect(await idsFor('end_date=2030-01-09')).to.deep.equal(ids('swedish', 'free'));
      expect(await idsFor('start_date=2030-01-09&end_date=2030-01-11')).to.deep.equal(ids('free', 'reiki', 'draft'));
      expect(await idsFor('start_date=2030-01-10T12:00:00Z')).to.deep.equal(ids('reiki', 'draft', 'canceled', 'workshop'));
      expect(await idsFor('start_date=2030-01-10T12:00:01Z')).to.deep.equal(ids('draft', 'canceled', 'workshop'));
      for (const query of ['start_date=yesterday', 'start_date=2030-13-01', 'end_date=2030-02-30', 'end_date=10']) {
        const res = await h.http.get(`${BOOKINGS}?${query}`).set(client.auth);
        expect(res.status, query).to.equal(400);
        expectErrorBody(res.body);
      }
    });

    it('when filtered by booking_type, then only that type shows', async () => {
      expect(await idsFor('booking_type=group')).to.deep.equal(ids('workshop'));
      expect(await idsFor('booking_type=individual')).to.deep.equal(ids('reiki', 'swedish', 'free', 'draft', 'canceled'));
      expect(await idsFor('booking_type=package,course,bundle')).to.deep.equal([]);
      const bad = await h.http.get(`${BOOKINGS}?booking_type=workshop`).set(client.auth);
      expect(bad.status).to.equal(400);
      expect(bad.body.detail).to.include('individual');
    });

    it('when filtered by is_upcoming, then pending and confirmed future bookings are upcoming and the rest are not', async () => {
      expect(await idsFor('is_upcoming=true')).to.deep.equal(ids('reiki', 'swedish', 'free', 'workshop'));
      expect(await idsFor('is_upcoming=false')).to.deep.equal(ids('draft', 'canceled'));
      const bad = await h.http.get(`${BOOKINGS}?is_upcoming=maybe`).set(client.auth);
      expect(bad.status).to.equal(400);
    });

    it('when time passes, then is_upcoming follows the clock', async () => {
      h.clock.set(new Date('2030-01-10T12:00:00Z'));
      expect(await idsFor('is_upcoming=true')).to.deep.equal(ids('workshop'));
      expect(await idsFor('is_upcoming=false')).to.deep.equal(ids('reiki', 'swedish', 'free', 'draft', 'canceled'));
      const item = (await list(`service_id=${p1.service.id}&status=pending_payment`)).results[0]!;
      expect(item.is_upcoming).to.equal(false);
    });

    it('when searching, then title, description, service name and practitioner name match, case-insensitively', async () => {
      expect(await idsFor('search=morning%20STRETCH')).to.deep.equal(ids('swedish'));
      expect(await idsFor('search=yoga')).to.deep.equal(ids('free'));
      expect(await idsFor('search=reiki')).to.deep.equal(ids('reiki', 'canceled'));
      expect(await idsFor('search=quillfeather')).to.deep.equal(ids('swedish', 'free', 'draft'));
      expect(await idsFor('search=breathwork')).to.deep.equal(ids('workshop'));
      expect(await idsFor('search=nothing-matches-this')).to.deep.equal([]);
    });

    it('when the search holds LIKE wildcards, then they match literally', async () => {
      expect(await idsFor('search=%25')).to.deep.equal([]);
      expect(await idsFor('search=_')).to.deep.equal([]);
      expect(await idsFor('search=%5C')).to.deep.equal([]);
    });

    it('when filters are combined, then all of them apply', async () => {
      expect(await idsFor(`status=pending_payment,canceled&practitioner_id=${p2.practitioner.id}&booking_type=individual`)).to.deep.equal(ids('reiki', 'canceled'));
    });

    for (const ordering of ORDERINGS) {
      it(`when ordered by ${ordering}, then results follow it (id breaks ties)`, async () => {
        const res = await list(`ordering=${ordering}`);
        const descending = ordering.startsWith('-');
        const key = ordering.replace(/^-/, '') as 'start_time' | 'created_at' | 'price_charged_cents';
        const value = (x: Booking) => (key === 'price_charged_cents' ? x.price_charged_cents : new Date(x[key]).getTime());
        const expected = [...all()].sort((x, y) => (value(x) - value(y) || x.id - y.id) * (descending ? -1 : 1)).map((x) => x.id);
        expect(res.results.map((r) => r.id)).to.deep.equal(expected);
      });
    }

    it('when the ordering is unknown, then 400 naming the allowed values', async () => {
      for (const ordering of ['price', 'start_time,created_at', '-id', 'client__email']) {
        const res = await h.http.get(`${BOOKINGS}?ordering=${ordering}`).set(client.auth);
        expect(res.status, ordering).to.equal(400);
        expectErrorBody(res.body);
        for (const allowed of ORDERINGS) expect(res.body.detail).to.include(allowed);
      }
    });
  });

  describe('pagination', () => {
    let client: TestUser;
    const created: number[] = [];
    before(async () => {
      const target = await aBookablePractitioner(h, { duration_minutes: 30, price_cents: 0 });
      client = await aUser(h, 'client');
      for (let i = 0; i < 23; i++) {
        const start = new Date(Date.UTC(2030, 0, 8 + Math.floor(i / 12), 8 + (i % 12)));
        created.push((await book(client, target, start.toISOString())).id);
      }
    });
    const get = (query: string) => h.http.get(`${BOOKINGS}?${query}`).set(client.auth);

    it('when no page is asked for, then the first 20 come with an absolute next URL and no previous', async () => {
      const res = await get('ordering=start_time');
      expect(res.status).to.equal(200);
      expect(res.body.count).to.equal(23);
      expect(res.body.results).to.have.length(20);
      expect(res.body.results.map((r: Booking) => r.id)).to.deep.equal(created.slice(0, 20));
      expect(res.body.previous).to.equal(null);
      expect(res.body.next).to.be.a('string');
      const next = new URL(res.body.next);
      expect(`${next.protocol}//${next.host}`).to.equal(h.baseUrl);
      expect(next.pathname).to.equal(BOOKINGS);
      expect(next.searchParams.get('page')).to.equal('2');
      expect(next.searchParams.get('ordering')).to.equal('start_time');
    });

    it('when the next URL is followed, then the rest come, with previous pointing back and no next', async () => {
      const first = await get('ordering=start_time');
      const next = new URL(first.body.next);
      const second = await h.http.get(`${next.pathname}${next.search}`).set(client.auth);
      expect(second.status).to.equal(200);
      expect(second.body.results.map((r: Booking) => r.id)).to.deep.equal(created.slice(20));
      expect(second.body.next).to.equal(null);
      const previous = new URL(second.body.previous);
      expect(`${previous.protocol}//${previous.host}`).to.equal(h.baseUrl);
      expect(previous.searchParams.get('ordering')).to.equal('start_time');
      expect(['1', null]).to.include(previous.searchParams.get('page'));
    });

    it('when page_size is given, then pages have that size and keep it in their links', async () => {
      const res = await get('ordering=start_time&page_size=5&page=3');
      expect(res.body.results.map((r: Booking) => r.id)).to.deep.equal(created.slice(10, 15));
      expect(new URL(res.body.next).searchParams.get('page_size')).to.equal('5');
      expect(new URL(res.body.next).searchParams.get('page')).to.equal('4');
      expect(new URL(res.body.previous).searchParams.get('page')).to.equal('2');
    });

    it('when page_size is 100, then it is allowed', async () => {
      const res = await get('page_size=100');
      expect(res.status).to.equal(200);
      expect(res.body.results).to.have.length(23);
      expect(res.body.next).to.equal(null);
    });

    it('when page_size is over 100, zero or not a number, then 400', async () => {
      for (const query of ['page_size=101', 'page_size=10000', 'page_size=0', 'page_size=-1', 'page_size=abc', 'page_size=2.5']) {
        const res = await get(query);
        expect(res.status, query).to.equal(400);
        expectErrorBody(res.body);
        expect(res.body.errors, query).to.have.property('page_size');
      }
    });

    it('when page is 0, negative or not a number, then 400', async () => {
      for (const query of ['page=0', 'page=-1', 'page=abc', 'page=1.5']) {
        const res = await get(query);
        expect(res.status, query).to.equal(400);
        expect(res.body.errors, query).to.have.property('page');
      }
    });

    it('when the page is beyond the last, then 404', async () => {
      const res = await get('page=3');
      expect(res.status).to.equal(404);
      expectErrorBody(res.body);
      const far = await get('page=999999');
      expect(far.status).to.equal(404);
    });

    it('when nothing matches, then page 1 is an empty page and page 2 is 404', async () => {
      const empty = await get('status=completed');
      expect(empty.status).to.equal(200);
      expect(empty.body).to.deep.equal({ count: 0, next: null, previous: null, results: [] });
      expect((await get('status=completed&page=2')).status).to.equal(404);
    });
  });
});
