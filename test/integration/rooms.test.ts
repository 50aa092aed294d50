import { expect } from 'chai';
import { SYSTEM, transitionBooking } from '../../src/app/bookings/transition-booking';
import { aSchedule, aService, aUser, manyUsers, slot, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { expectError, footprint } from '../support/parent-fixtures';

// docs/api-conventions.md#rooms-and-pricing / issue 16: rooms per location, shared with members, never double-booked, through HTTP
// against real Postgres (the harness listens on a real port, so Promise.all really races).

const BOOKINGS = '/api/v1/drf/bookings/';
const LOCATIONS = '/api/v1/drf/locations/';
const DAY = '2030-01-08';
const at = (hhmm: string, date = DAY) => `${date}T${hhmm}:00.000Z`;

type Service = Awaited<ReturnType<typeof aService>>;
interface Studio {
  owner: TestUser;
  location: { id: number; name: string; address: string; timezone: string };
  rooms: Array<{ id: number; name: string; capacity: number }>;
}

describe('rooms (docs/api-conventions.md#rooms-and-pricing, issue 16)', () => {
  let h: Harness;
  let client: TestUser;
  before(async () => {
    h = await startHarness();
    client = await aUser(h, 'client');
  });
  after(() => h.close());

  async function aStudio(capacities: number[] = [1, 4]): Promise<Studio> {
    const owner = await aUser(h, 'practitioner');
    await aSchedule(h, owner);
    const res = await h.http.post(LOCATIONS).set(owner.auth).send({ name: 'Harbour Studio', address: '1 Quay St', timezone: 'Europe/London' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const rooms = [];
    for (const [i, capacity] of capacities.entries()) {
      const room = await h.http.post(`${LOCATIONS}${res.body.id}/rooms/`).set(owner.auth).send({ name: `Room ${i + 1}`, capacity });
      expect(room.status, JSON.stringify(room.body)).to.equal(201);
      rooms.push(room.body);
    }
    return { owner, location: res.body, rooms };
  }

  /** A practitioner who works at the studio (a member), with a schedule and a session service that requires a room. */
  async function aMember(studio: Studio, serviceOverrides: Record<string, unknown> = {}): Promise<{ practitioner: TestUser; service: Service }> {
    const practitioner = await aUser(h, 'practitioner');
    await aSchedule(h, practitioner);
    const members = await h.http.get(`${LOCATIONS}${studio.location.id}/members/`).set(studio.owner.auth);
    const put = await h.http
      .put(`${LOCATIONS}${studio.location.id}/members/`)
      .set(studio.owner.auth)
      .send({ practitioner_ids: [...members.body.practitioner_ids, practitioner.id] });
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
    const service = await aService(h, practitioner, { location_id: studio.location.id, requires_room: true, ...serviceOverrides });
    return { practitioner, service };
  }

  const book = (who: TestUser, target: { practitioner: TestUser; service: Service }, start: string, extra: Record<string, unknown> = {}) =>
    h.http.post(BOOKINGS).set(who.auth).send({ practitioner_id: target.practitioner.id, service_id: target.service.id, ...slot(start, target.service.duration_minutes), ...extra });

  async function booked(target: { practitioner: TestUser; service: Service }, start: string, extra: Record<string, unknown> = {}) {
    const res = await book(client, target, start, extra);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body;
  }

  describe('rooms and members', () => {
    it('when the owner creates, lists, renames and deletes rooms, then each answers as documented and anyone signed in may read them', async () => {
      const studio = await aStudio([2]);
      const created = await h.http.post(`${LOCATIONS}${studio.location.id}/rooms/`).set(studio.owner.auth).send({ name: 'Garden room', capacity: 8 });
      expect(created.status).to.equal(201);
      expect(created.body).to.include({ location_id: studio.location.id, name: 'Garden room', capacity: 8 });
      const list = await h.http.get(`${LOCATIONS}${studio.location.id}/rooms/`).set(client.auth);
      expect(list.status).to.equal(200);
      expect(list.body.map((r: { name: string }) => r.name)).to.deep.equal(['Room 1', 'Garden room']);
      const renamed = await h.http.patch(`${LOCATIONS}${studio.location.id}/rooms/${created.body.id}/`).set(studio.owner.auth).send({ name: 'Sun room' });
      expect(renamed.status).to.equal(200);
      expect(renamed.body).to.include({ name: 'Sun room', capacity: 8 });
      expectError(await h.http.post(`${LOCATIONS}${studio.location.id}/rooms/`).set(studio.owner.auth).send({ name: 'sun ROOM' }), 400, 'unique');
      expect((await h.http.delete(`${LOCATIONS}${studio.location.id}/rooms/${created.body.id}/`).set(studio.owner.auth)).status).to.equal(204);
      expectError(await h.http.get(`${LOCATIONS}${studio.location.id}/rooms/${created.body.id}/`).set(client.auth), 404);
    });

    it('when a member or a stranger writes rooms or members, then 403 and nothing is written', async () => {
      const studio = await aStudio([1]);
      const { practitioner: member } = await aMember(studio);
      const before = await h.app.db('rooms').where({ location_id: studio.location.id });
      for (const who of [member, client]) {
        expectError(await h.http.post(`${LOCATIONS}${studio.location.id}/rooms/`).set(who.auth).send({ name: 'Mine', capacity: 1 }), 403);
        expectError(await h.http.patch(`${LOCATIONS}${studio.location.id}/rooms/${studio.rooms[0]!.id}/`).set(who.auth).send({ capacity: 9 }), 403);
        expectError(await h.http.delete(`${LOCATIONS}${studio.location.id}/rooms/${studio.rooms[0]!.id}/`).set(who.auth), 403);
        expectError(await h.http.put(`${LOCATIONS}${studio.location.id}/members/`).set(who.auth).send({ practitioner_ids: [] }), 403);
      }
      expect(await h.app.db('rooms').where({ location_id: studio.location.id })).to.deep.equal(before);
      expect((await h.http.get(`${LOCATIONS}${studio.location.id}/members/`).set(member.auth)).body.practitioner_ids).to.deep.equal([member.id]);
    });

    it('when members are set, then a member puts a service at the location and a non-member gets 403 not_a_member, nothing written', async () => {
      const studio = await aStudio([1]);
      const { service } = await aMember(studio);
      expect(service).to.include({ location_id: studio.location.id, requires_room: true });
      const stranger = await aUser(h, 'practitioner');
      const services = await h.app.db('services').count<{ n: string }[]>({ n: '*' });
      const res = await h.http
        .post('/api/v1/drf/services/')
        .set(stranger.auth)
        .send({ name: 'Intruder', service_type: 'session', duration_minutes: 60, price_cents: 0, location_id: studio.location.id });
      expectError(res, 403, 'not_a_member');
      expect(res.body.errors).to.have.property('location_id');
      expect(await h.app.db('services').count<{ n: string }[]>({ n: '*' })).to.deep.equal(services);
      expectError(await h.http.put(`${LOCATIONS}${studio.location.id}/members/`).set(studio.owner.auth).send({ practitioner_ids: [client.id] }), 400, 'does_not_exist');
    });

    it('when a service requires a room without a location, then 400 naming requires_room', async () => {
      const practitioner = await aUser(h, 'practitioner');
      const res = await h.http
        .post('/api/v1/drf/services/')
        .set(practitioner.auth)
        .send({ name: 'Roomless', service_type: 'session', duration_minutes: 60, price_cents: 0, requires_room: true });
      expectError(res, 400);
      expect(res.body.errors).to.have.property('requires_room');
    });
  });

  describe('bookings take rooms', () => {
    it('when a booking of a service that requires a room is made, then it takes the smallest free room and the detail shows location, room and pricing', async () => {
      const studio = await aStudio([4, 1]);
      const target = await aMember(studio);
      const first = await booked(target, at('10:00'));
      expect(first.location).to.deep.equal({ id: studio.location.id, name: 'Harbour Studio', address: '1 Quay St', timezone: 'Europe/London' });
      expect(first.room).to.deep.equal({ id: studio.rooms[1]!.id, name: 'Room 2' });
      expect(first.pricing).to.deep.equal({ list_price_cents: 5000, discount_cents: 0, credits_used: 0, charged_cents: 5000, refunded_cents: 0, currency: 'USD' });
      const other = await aMember(studio);
      const second = await booked(other, at('10:00'));
      expect(second.room).to.deep.equal({ id: studio.rooms[0]!.id, name: 'Room 1' });
      const got = await h.http.get(`${BOOKINGS}${second.id}/`).set(other.practitioner.auth);
      expect(got.body.room).to.deep.equal(second.room);
    });

    it('when a client chooses a room with room_id, then that room is taken; taken already → 409 no_room_available', async () => {
      const studio = await aStudio([1, 1]);
      const a = await aMember(studio);
      const b = await aMember(studio);
      const chosen = await booked(a, at('11:00'), { room_id: studio.rooms[1]!.id });
      expect(chosen.room.id).to.equal(studio.rooms[1]!.id);
      const before = await footprint(h);
      expectError(await book(client, b, at('11:00'), { room_id: studio.rooms[1]!.id }), 409, 'no_room_available');
      expect(await footprint(h)).to.deep.equal(before);
      expect((await booked(b, at('11:00'))).room.id).to.equal(studio.rooms[0]!.id);
    });

    it('when every room is taken at that hour, then 409 no_room_available and nothing is written', async () => {
      const studio = await aStudio([1]);
      await booked(await aMember(studio), at('12:00'));
      const late = await aMember(studio);
      const before = await footprint(h);
      const res = await book(client, late, at('12:30'), {});
      expectError(res, 409, 'no_room_available');
      expect(await footprint(h)).to.deep.equal(before);
    });

    it('when a room of another practitioner\'s location is named, then 404 and nothing is written', async () => {
      const studio = await aStudio([1]);
      const elsewhere = await aStudio([1]);
      const target = await aMember(studio);
      const before = await footprint(h);
      expectError(await book(client, target, at('13:00'), { room_id: elsewhere.rooms[0]!.id }), 404);
      expectError(await book(client, target, at('13:00'), { room_id: 99_999_999 }), 404);
      expect(await footprint(h)).to.deep.equal(before);
    });

    it('when room_id is sent for a service without a location (or one that needs no room), then 400 room_not_used and nothing is written', async () => {
      const studio = await aStudio([1]);
      const practitioner = await aUser(h, 'practitioner');
      await aSchedule(h, practitioner);
      const noLocation = { practitioner, service: await aService(h, practitioner) };
      const noRoomNeeded = { practitioner: studio.owner, service: await aService(h, studio.owner, { location_id: studio.location.id }) };
      const before = await footprint(h);
      for (const target of [noLocation, noRoomNeeded]) {
        const res = await book(client, target, at('14:00'), { room_id: studio.rooms[0]!.id });
        expectError(res, 400, 'room_not_used');
        expect(res.body.errors).to.have.property('room_id');
      }
      expect(await footprint(h)).to.deep.equal(before);
    });

    it('when 30 practitioners\' clients race for the last free room at the same hour, then exactly one 201 and 29 × 409 no_room_available', async function () {
      this.timeout(120_000);
      const studio = await aStudio([1]);
      const owner = studio.owner;
      const practitioners = await manyUsers(h, 30, 'practitioner');
      expect((await h.http.put(`${LOCATIONS}${studio.location.id}/members/`).set(owner.auth).send({ practitioner_ids: practitioners.map((p) => p.id) })).status).to.equal(200);
      const targets = await Promise.all(
        practitioners.map(async (practitioner) => {
          await aSchedule(h, practitioner);
          return { practitioner, service: await aService(h, practitioner, { location_id: studio.location.id, requires_room: true }) };
        }),
      );
      const responses = await Promise.all(targets.map((t) => book(client, t, at('15:00'))));
      const tally = responses.reduce<Record<string, number>>((acc, r) => {
        const key = r.status === 201 ? '201' : `${r.status} ${r.body.code}`;
        acc[key] = (acc[key] ?? 0) + 1;
        return acc;
      }, {});
      expect(tally).to.deep.equal({ '201': 1, '409 no_room_available': 29 });
      const rows = await h.app.db('bookings').where({ room_id: studio.rooms[0]!.id }).whereIn('status', ['pending_payment', 'confirmed']);
      expect(rows).to.have.length(1);
      expect(await h.app.db('room_blocks').where({ room_id: studio.rooms[0]!.id })).to.have.length(1);
    });

    it('when the app is bypassed, then the database refuses a second booking in the same room at an overlapping time (room_blocks_no_overlap)', async () => {
      const studio = await aStudio([1]);
      const first = await booked(await aMember(studio), at('16:00'));
      const other = await aMember(studio);
      const row = await h.app.db('bookings').where({ id: first.id }).first();
      const { id: _id, public_uuid: _uuid, ...copy } = row;
      let error: unknown;
      try {
        await h.app.db('bookings').insert({ ...copy, practitioner_id: other.practitioner.id, service_id: other.service.id });
      } catch (e) {
        error = e;
      }
      expect(error).to.include({ code: '23P01', constraint: 'room_blocks_no_overlap' });
    });
  });

  describe('availability, moves, cancels, holds', () => {
    it('when the only room is taken by another practitioner, then check-availability leaves that hour out (and offers it once freed by a cancel)', async () => {
      const studio = await aStudio([1]);
      const a = await aMember(studio);
      const b = await aMember(studio);
      const taken = await booked(a, at('10:00'));
      const ask = () =>
        h.http.post(`${BOOKINGS}check-availability/`).set(client.auth).send({ practitioner_id: b.practitioner.id, service_id: b.service.id, date: DAY });
      const starts = async () => ((await ask()).body.slots as Array<{ start_time: string }>).map((s) => new Date(s.start_time).toISOString());
      const offered = await starts();
      expect(offered).to.not.include(at('10:00'));
      expect(offered).to.not.include(at('09:30'));
      expect(offered).to.include(at('11:00'));
      expect((await h.http.post(`${BOOKINGS}${taken.id}/cancel/`).set(client.auth).send({})).status).to.equal(200);
      expect(await starts()).to.include(at('10:00'));
      expect(await h.app.db('room_blocks').where({ booking_id: taken.id })).to.have.length(0);
    });

    it('when a booking is rescheduled, then it keeps its room if free, else takes another free one', async () => {
      const studio = await aStudio([1, 1]);
      const a = await aMember(studio);
      const b = await aMember(studio);
      const mine = await booked(a, at('10:00'), { room_id: studio.rooms[0]!.id });
      const moved = await h.http.post(`${BOOKINGS}${mine.id}/reschedule/`).set(client.auth).send(slot(at('12:00')));
      expect(moved.status, JSON.stringify(moved.body)).to.equal(200);
      expect(moved.body.room.id).to.equal(studio.rooms[0]!.id);
      await booked(b, at('14:00'), { room_id: studio.rooms[0]!.id });
      const again = await h.http.post(`${BOOKINGS}${mine.id}/reschedule/`).set(client.auth).send(slot(at('14:00')));
      expect(again.status, JSON.stringify(again.body)).to.equal(200);
      expect(again.body.room.id).to.equal(studio.rooms[1]!.id);
      const blocks = await h.app.db('room_blocks').where({ booking_id: mine.id });
      expect(blocks.map((r: { room_id: number }) => Number(r.room_id))).to.deep.equal([studio.rooms[1]!.id]);
    });

    it('when a reschedule would overlap another practitioner\'s booking in the only room, then 409 no_room_available and nothing is written', async () => {
      const studio = await aStudio([1]);
      await booked(await aMember(studio), at('10:00'));
      const b = await aMember(studio);
      const mine = await booked(b, at('13:00'));
      const before = await footprint(h);
      const blocks = await h.app.db('room_blocks').where({ booking_id: mine.id });
      expectError(await h.http.post(`${BOOKINGS}${mine.id}/reschedule/`).set(client.auth).send(slot(at('10:30'))), 409, 'no_room_available');
      expectError(
        await h.http.post(`${BOOKINGS}${mine.id}/reschedule/`).set(client.auth).send({ ...slot(at('16:00')), room_id: 99_999_999 }),
        404,
      );
      expect(await footprint(h)).to.deep.equal(before);
      expect(await h.app.db('room_blocks').where({ booking_id: mine.id })).to.deep.equal(blocks);
    });

    it('when an unpaid hold expires, then its room is free again', async () => {
      const studio = await aStudio([1]);
      const a = await aMember(studio);
      const held = await booked(a, at('17:00'));
      expect(held.status).to.equal('pending_payment');
      h.clock.set(new Date(new Date(held.hold_expires_at).getTime() + 1000));
      try {
        await transitionBooking(h.app, SYSTEM, held.id, 'expire_hold');
      } finally {
        h.clock.set(new Date('2030-01-07T08:00:00Z'));
      }
      expect(await h.app.db('room_blocks').where({ booking_id: held.id })).to.have.length(0);
      expect((await booked(await aMember(studio), at('17:00'))).room.id).to.equal(studio.rooms[0]!.id);
    });

    it('when a room holds a booking still to come, then deleting it (or its location) is a 409 room_in_use; once canceled, 204', async () => {
      const studio = await aStudio([1]);
      const booking = await booked(await aMember(studio), at('18:00'));
      const before = await footprint(h);
      expectError(await h.http.delete(`${LOCATIONS}${studio.location.id}/rooms/${studio.rooms[0]!.id}/`).set(studio.owner.auth), 409, 'room_in_use');
      expectError(await h.http.delete(`${LOCATIONS}${studio.location.id}/`).set(studio.owner.auth), 409, 'room_in_use');
      expect(await footprint(h)).to.deep.equal(before);
      expect(await h.app.db('rooms').where({ id: studio.rooms[0]!.id }).whereNull('deleted_at')).to.have.length(1);
      expect((await h.http.post(`${BOOKINGS}${booking.id}/cancel/`).set(client.auth).send({})).status).to.equal(200);
      expect((await h.http.delete(`${LOCATIONS}${studio.location.id}/rooms/${studio.rooms[0]!.id}/`).set(studio.owner.auth)).status).to.equal(204);
      // The canceled booking still names the room it had.
      expect((await h.http.get(`${BOOKINGS}${booking.id}/`).set(client.auth)).body.room).to.deep.equal({ id: studio.rooms[0]!.id, name: 'Room 1' });
    });
  });

  describe('workshop and course sessions take rooms', () => {
    const sessionsOf = (serviceId: number) => `/api/v1/drf/services/${serviceId}/sessions/`;

    it('when a session is created, then it takes the smallest room that seats max_participants, and its seats show that room', async () => {
      const studio = await aStudio([2, 10, 6]);
      const { practitioner, service } = await aMember(studio, { service_type: 'workshop', max_participants: 5, price_cents: 0 });
      const session = await h.http.post(sessionsOf(service.id)).set(practitioner.auth).send({ start_time: at('10:00') });
      expect(session.status, JSON.stringify(session.body)).to.equal(201);
      expect(session.body.room_id).to.equal(studio.rooms[2]!.id);
      const seat = await h.http.post(BOOKINGS).set(client.auth).send({ practitioner_id: practitioner.id, service_id: service.id, service_session_id: session.body.id });
      expect(seat.status, JSON.stringify(seat.body)).to.equal(201);
      expect(seat.body.room).to.deep.equal({ id: studio.rooms[2]!.id, name: 'Room 3' });
      // The room is the session's: a one-to-one booking there then is refused.
      const solo = await aMember(studio);
      expect((await book(client, solo, at('10:00'), { room_id: studio.rooms[2]!.id })).body.code).to.equal('no_room_available');
    });

    it('when a session names a room too small for its seats, then 400 room_too_small and nothing is written; no room seats them → 409', async () => {
      const studio = await aStudio([2, 3]);
      const { practitioner, service } = await aMember(studio, { service_type: 'course', max_participants: 8, price_cents: 0 });
      const before = await footprint(h);
      const sessions = await h.app.db('service_sessions').count<{ n: string }[]>({ n: '*' });
      const small = await h.http.post(sessionsOf(service.id)).set(practitioner.auth).send({ start_time: at('11:00'), room_id: studio.rooms[0]!.id });
      expectError(small, 400, 'room_too_small');
      expect(small.body.errors).to.have.property('room_id');
      expectError(await h.http.post(sessionsOf(service.id)).set(practitioner.auth).send({ start_time: at('11:00') }), 409, 'no_room_available');
      expect(await footprint(h)).to.deep.equal(before);
      expect(await h.app.db('service_sessions').count<{ n: string }[]>({ n: '*' })).to.deep.equal(sessions);
    });
  });
});
