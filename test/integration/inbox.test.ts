import { expect } from 'chai';
import { sendBookingNotification } from '../../src/app/notifications/send-notification';
import { aBookablePractitioner, aBooking, aUser, slot, type TestUser } from '../support/builders';
import { DEFAULT_NOW, startHarness, type Harness } from '../support/harness';
import { expectError } from '../support/lifecycle-fixtures';
import { deleteRedisKeys, eventually, startWorkersInProcess } from '../support/workers';

const INBOX = '/api/v1/drf/notifications/';
const BOOKINGS = '/api/v1/drf/bookings/';

describe('events and the in-app inbox (docs/api-conventions.md#notifications)', () => {
  let h: Harness;
  let workers: Awaited<ReturnType<typeof startWorkersInProcess>>;
  before(async () => {
    h = await startHarness();
    workers = await startWorkersInProcess(h.app);
  });
  after(async () => {
    await workers.close();
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
    await h.close();
  });

  const inbox = async (who: TestUser, query = '') => {
    const res = await h.http.get(`${INBOX}${query}`).set(who.auth);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as { count: number; results: Array<{ id: number; event: string; booking_id: number; title: string; body: string; read_at: string | null }> };
  };

  it('when a booking is created, confirmed, rescheduled and canceled, then each change is one event with a rising sequence, and both parties get each in their inbox, newest first', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h, 'client');
    const booking = await aBooking(h, client, target, '2030-01-10T10:00:00Z');
    await h.http.post(`${BOOKINGS}${booking.id}/confirm/`).set(target.practitioner.auth).send({}).expect(200);
    await h.http.post(`${BOOKINGS}${booking.id}/reschedule/`).set(target.practitioner.auth).send(slot('2030-01-11T10:00:00Z')).expect(200);
    await h.http.post(`${BOOKINGS}${booking.id}/cancel/`).set(client.auth).send({}).expect(200);
    const events = await h.app.db('booking_events').where({ booking_id: booking.id }).orderBy('sequence').select('type', 'sequence');
    expect(events).to.deep.equal([
      { type: 'booking.created', sequence: 1 },
      { type: 'booking.confirmed', sequence: 2 },
      { type: 'booking.rescheduled', sequence: 3 },
      { type: 'booking.canceled', sequence: 4 },
    ]);
    for (const who of [client, target.practitioner]) {
      const page = await eventually(async () => {
        const p = await inbox(who);
        expect(p.count).to.equal(4);
        return p;
      });
      expect(page.results.map((n) => n.event)).to.deep.equal(['booking.canceled', 'booking.rescheduled', 'booking.confirmed', 'booking.created']);
      expect(page.results.every((n) => n.booking_id === booking.id && n.read_at === null)).to.equal(true);
      expect(page.results[0]!.title).to.equal('Booking canceled');
    }
  });

  it('when notifications are read one by one or all at once, then unread-count and unread=true follow, and another user\'s notification is a 404', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h, 'client');
    const stranger = await aUser(h, 'client');
    const booking = await aBooking(h, client, target, '2030-01-12T10:00:00Z');
    await h.http.post(`${BOOKINGS}${booking.id}/confirm/`).set(target.practitioner.auth).send({}).expect(200);
    const page = await eventually(async () => {
      const p = await inbox(client);
      expect(p.count).to.equal(2);
      return p;
    });
    expect((await h.http.get(`${INBOX}unread-count/`).set(client.auth)).body).to.deep.equal({ count: 2 });
    const first = page.results[1]!;
    expectError(await h.http.get(`${INBOX}${first.id}/`).set(stranger.auth), 404, 'not_found');
    expectError(await h.http.post(`${INBOX}${first.id}/read/`).set(stranger.auth).send({}), 404, 'not_found');
    const read = await h.http.post(`${INBOX}${first.id}/read/`).set(client.auth).send({});
    expect(read.status, JSON.stringify(read.body)).to.equal(200);
    expect(read.body.read_at).to.be.a('string');
    const again = await h.http.post(`${INBOX}${first.id}/read/`).set(client.auth).send({});
    expect(again.body.read_at, 'the first reading time is kept').to.equal(read.body.read_at);
    expect((await h.http.get(`${INBOX}unread-count/`).set(client.auth)).body).to.deep.equal({ count: 1 });
    expect((await inbox(client, '?unread=true')).results.map((n) => n.id)).to.deep.equal([page.results[0]!.id]);
    expect((await h.http.post(`${INBOX}read-all/`).set(client.auth).send({})).body).to.deep.equal({ updated: 1 });
    expect((await h.http.get(`${INBOX}unread_count/`).set(client.auth)).body).to.deep.equal({ count: 0 });
    expect((await inbox(stranger)).count).to.equal(0);
    expectError(await h.http.get(`${INBOX}?unread=maybe`).set(client.auth), 400, 'invalid');
    expectError(await h.http.post(`${INBOX}read-all/`).set(client.auth).send({ all: true }), 400, 'invalid');
    expectError(await h.http.get(`${INBOX}abc/`).set(client.auth), 404, 'not_found');
    expect((await h.http.get(INBOX)).status).to.equal(401);
  });

  it('when a refund is paid (an operator settles an offline one), then payment.refunded reaches both parties, after booking.canceled', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h, 'client');
    const admin = await aUser(h, 'admin');
    const booking = await aBooking(h, client, target, '2030-01-17T10:00:00Z');
    await h.http.post(`${BOOKINGS}${booking.id}/confirm/`).set(target.practitioner.auth).send({}).expect(200);
    await h.http.post(`${BOOKINGS}${booking.id}/cancel/`).set(target.practitioner.auth).send({}).expect(200);
    const refund = await eventually(async () => {
      const row = await h.app.db('payments').where({ booking_id: booking.id, kind: 'refund', state: 'awaiting_operator' }).first();
      expect(row, 'the offline refund awaits an operator').to.not.equal(undefined);
      return row;
    });
    const settled = await h.http.post(`/api/v1/admin/refunds/${refund.id}/settle/`).set(admin.auth).send({});
    expect(settled.status, JSON.stringify(settled.body)).to.equal(200);
    const events = await h.app.db('booking_events').where({ booking_id: booking.id }).orderBy('sequence').pluck('type');
    expect(events).to.deep.equal(['booking.created', 'booking.confirmed', 'booking.canceled', 'payment.refunded']);
    const page = await eventually(async () => {
      const p = await inbox(client);
      expect(p.results[0]?.event).to.equal('payment.refunded');
      return p;
    });
    expect(page.results[0]!.title).to.equal('Refund sent');
  });

  describe('reminders (the notify job run as it would be at its time, clock fixed)', () => {
    const remind = (bookingId: number, kind: 'reminder_24h' | 'reminder_1h', startTime: string) => sendBookingNotification(h.app, { bookingId, kind, occasion: new Date(startTime).toISOString() });

    it('when a confirmed booking is still at that start, then the reminder is one event and one notification each, however often the job runs', async () => {
      const target = await aBookablePractitioner(h);
      const client = await aUser(h, 'client');
      const booking = await aBooking(h, client, target, '2030-01-14T10:00:00Z');
      await h.http.post(`${BOOKINGS}${booking.id}/confirm/`).set(target.practitioner.auth).send({}).expect(200);
      h.clock.set(new Date('2030-01-13T10:00:00Z'));
      try {
        expect(await remind(booking.id, 'reminder_24h', '2030-01-14T10:00:00Z')).to.equal(2);
        expect(await remind(booking.id, 'reminder_24h', '2030-01-14T10:00:00Z')).to.equal(0);
      } finally {
        h.clock.set(DEFAULT_NOW);
      }
      const reminders = await h.app.db('booking_events').where({ booking_id: booking.id, type: 'booking.reminder' });
      expect(reminders).to.have.length(1);
      expect(await h.app.db('notifications').where({ booking_id: booking.id, event: 'booking.reminder' })).to.have.length(2);
    });

    it('when the booking was rescheduled or canceled since, then the old reminder sends nothing and records no event', async () => {
      const target = await aBookablePractitioner(h);
      const client = await aUser(h, 'client');
      const moved = await aBooking(h, client, target, '2030-01-15T10:00:00Z');
      await h.http.post(`${BOOKINGS}${moved.id}/confirm/`).set(target.practitioner.auth).send({}).expect(200);
      await h.http.post(`${BOOKINGS}${moved.id}/reschedule/`).set(target.practitioner.auth).send(slot('2030-01-16T10:00:00Z')).expect(200);
      const canceled = await aBooking(h, client, target, '2030-01-15T14:00:00Z');
      await h.http.post(`${BOOKINGS}${canceled.id}/confirm/`).set(target.practitioner.auth).send({}).expect(200);
      await h.http.post(`${BOOKINGS}${canceled.id}/cancel/`).set(client.auth).send({}).expect(200);
      h.clock.set(new Date('2030-01-15T09:00:00Z'));
      try {
        expect(await remind(moved.id, 'reminder_1h', '2030-01-15T10:00:00Z')).to.equal(0);
        expect(await remind(canceled.id, 'reminder_1h', '2030-01-15T14:00:00Z')).to.equal(0);
        // The moved booking's reminder for its new start still goes out when its time comes.
        h.clock.set(new Date('2030-01-16T09:00:00Z'));
        expect(await remind(moved.id, 'reminder_1h', '2030-01-16T10:00:00Z')).to.equal(2);
      } finally {
        h.clock.set(DEFAULT_NOW);
      }
      expect(await h.app.db('booking_events').where({ booking_id: canceled.id, type: 'booking.reminder' })).to.have.length(0);
      expect(await h.app.db('booking_events').where({ booking_id: moved.id, type: 'booking.reminder' })).to.have.length(1);
    });
  });
});
