import { expect } from 'chai';
import { sendNotificationEmail } from '../../src/app/notifications/send-email';
import { aBooking, aSchedule, aService, aUser, slot, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { inviteOf, SmtpCatcher, type CaughtMail } from '../support/smtp-catcher';
import { deleteRedisKeys, eventually, killSpawnedWorkers, spawnWorker, type SpawnedWorker } from '../support/workers';

const BOOKINGS = '/api/v1/drf/bookings/';

/**
 * E-mail over real SMTP (docs/api-conventions.md#e-mail): a loopback SMTP server started here, a spawned worker process
 * sending to it with a short retry backoff, mail parsed back with mailparser and the .ics with ical.js.
 */
describe('e-mail through SMTP, with calendar invites and retries (docs/api-conventions.md#e-mail)', function () {
  this.timeout(60_000);
  const smtp = new SmtpCatcher();
  let h: Harness;
  let worker: SpawnedWorker;

  before(async () => {
    await smtp.start();
    h = await startHarness({ env: { SMTP_URL: smtp.url } });
    worker = await spawnWorker(h, { env: { SMTP_URL: smtp.url, EMAIL_RETRY_ATTEMPTS: '8', EMAIL_RETRY_BASE_DELAY_MS: '300' } });
  });
  after(async () => {
    await killSpawnedWorkers();
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
    await h.close();
    await smtp.stop();
  });

  /** A practitioner whose schedule is in Tokyo (open 08:00–20:00 there), with a paid service named to need escaping. */
  async function aTokyoPractitioner(): Promise<{ practitioner: TestUser; service: { id: number; duration_minutes: number } }> {
    const practitioner = await aUser(h, 'practitioner', 'Dr. Aiko "Ai" Sato');
    await aSchedule(h, practitioner, { timezone: 'Asia/Tokyo' });
    const service = await aService(h, practitioner, { name: 'Breath & <Body> work' });
    return { practitioner, service };
  }

  const mailsTo = (who: TestUser, count: number): Promise<CaughtMail[]> =>
    eventually(() => {
      const mails = smtp.to(who.email);
      expect(mails, `e-mails to ${who.role}`).to.have.length(count);
      return mails;
    }, 20_000);

  it('when a booking is created, confirmed, rescheduled and canceled, then each party gets one e-mail per change in their own zone, with an .ics whose UID stays, SEQUENCE rises and METHOD ends in CANCEL', async () => {
    const target = await aTokyoPractitioner();
    const client = await aUser(h, 'client', 'Ann Client');
    // 01:00 UTC: 10:00 in Tokyo, 20:00 the evening before in New York.
    // Each e-mail is awaited before the next change: an e-mail shows the booking as it is when it goes out.
    const booking = await aBooking(h, client, target, '2030-01-10T01:00:00Z', { timezone: 'America/New_York' });
    await Promise.all([mailsTo(client, 1), mailsTo(target.practitioner, 1)]);
    await h.http.post(`${BOOKINGS}${booking.id}/confirm/`).set(target.practitioner.auth).send({}).expect(200);
    await Promise.all([mailsTo(client, 2), mailsTo(target.practitioner, 2)]);
    await h.http.post(`${BOOKINGS}${booking.id}/reschedule/`).set(target.practitioner.auth).send(slot('2030-01-11T02:00:00Z')).expect(200);
    await Promise.all([mailsTo(client, 3), mailsTo(target.practitioner, 3)]);
    await h.http.post(`${BOOKINGS}${booking.id}/cancel/`).set(client.auth).send({}).expect(200);

    const clientMails = await mailsTo(client, 4);
    const practitionerMails = await mailsTo(target.practitioner, 4);
    const order = (mails: CaughtMail[]) => [...mails].sort((a, b) => inviteOf(a)!.sequence - inviteOf(b)!.sequence);

    for (const mails of [clientMails, practitionerMails]) {
      const invites = order(mails).map((m) => inviteOf(m)!);
      expect(invites.map((i) => i.uid)).to.deep.equal(Array(4).fill(`${booking.public_uuid}@estuary`));
      expect(invites.map((i) => i.sequence)).to.deep.equal([1, 2, 3, 4]);
      expect(invites.map((i) => i.method)).to.deep.equal(['REQUEST', 'REQUEST', 'REQUEST', 'CANCEL']);
      expect(invites.map((i) => i.status)).to.deep.equal(['TENTATIVE', 'CONFIRMED', 'CONFIRMED', 'CANCELLED']);
      expect(invites[0]!.start.toISOString(), 'the .ics carries the booking time (in UTC)').to.equal('2030-01-10T01:00:00.000Z');
      expect(invites[2]!.start.toISOString()).to.equal('2030-01-11T02:00:00.000Z');
      expect(order(mails).map((m) => m.subject)).to.deep.equal([
        'Booking received: Breath & <Body> work',
        'Booking confirmed: Breath & <Body> work',
        'Booking rescheduled: Breath & <Body> work',
        'Booking canceled: Breath & <Body> work',
      ]);
    }

    const [created, , rescheduled] = order(clientMails);
    expect(created!.text, 'the client reads New York time').to.include('Wednesday 9 January 2030, 20:00–21:00 (America/New_York, EST)');
    expect(rescheduled!.text).to.include('Thursday 10 January 2030, 21:00–22:00 (America/New_York, EST)');
    expect(rescheduled!.text, 'and when it was before').to.include('It was at Wednesday 9 January 2030, 20:00');
    const [pCreated] = order(practitionerMails);
    expect(pCreated!.text, 'the practitioner reads their schedule\'s zone').to.include('Thursday 10 January 2030, 10:00–11:00 (Asia/Tokyo, GMT+9)');
    expect(pCreated!.text).to.include('Client: Ann Client');

    expect(created!.html, 'HTML escapes what people typed').to.include('Breath &amp; &lt;Body&gt; work').and.not.include('<Body>');
    expect(created!.html).to.include('Dr. Aiko &quot;Ai&quot; Sato');
    expect(created!.html).to.include('20:00–21:00 (America/New_York, EST)');

    const rows = await h.app.db('notifications').where({ booking_id: booking.id }).select('email_status', 'email_attempts');
    expect(rows).to.have.length(8);
    expect(rows.every((r) => r.email_status === 'sent' && r.email_attempts === 1)).to.equal(true);
  });

  it('when the SMTP server is down as a booking is made and comes back later, then exactly one e-mail arrives per recipient, and no address is logged', async () => {
    const target = await aTokyoPractitioner();
    const client = await aUser(h, 'client');
    await smtp.stop();
    let booking: { id: number };
    try {
      booking = await aBooking(h, client, target, '2030-01-12T01:00:00Z');
      // Two tries each have failed against the closed port before the server comes back.
      await eventually(async () => {
        const rows = await h.app.db('notifications').where({ booking_id: booking.id }).select('email_status', 'email_attempts', 'email_last_error');
        expect(rows).to.have.length(2);
        for (const row of rows) {
          expect(row.email_attempts).to.be.at.least(2);
          expect(row.email_status).to.be.oneOf(['pending', 'sending']);
          expect(row.email_last_error).to.match(/ECONNREFUSED/);
        }
      }, 20_000);
    } finally {
      await smtp.start();
    }
    const [toClient] = await mailsTo(client, 1);
    const [toPractitioner] = await mailsTo(target.practitioner, 1);
    expect(toClient!.subject).to.match(/^Booking received/);
    expect(inviteOf(toPractitioner!)!.method).to.equal('REQUEST');
    await eventually(async () => {
      const rows = await h.app.db('notifications').where({ booking_id: booking.id }).select('email_status');
      expect(rows.map((r) => r.email_status)).to.deep.equal(['sent', 'sent']);
    });
    // Longer than the next backoff step: had a retry been left queued, it would have sent by now.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(smtp.to(client.email)).to.have.length(1);
    expect(smtp.to(target.practitioner.email)).to.have.length(1);
    expect(worker.output(), 'the failures were logged').to.match(/e-mail failed; will retry/);
    expect(worker.output()).to.not.include(client.email).and.not.include(target.practitioner.email);
  });

  it('when a send-email job runs again after its e-mail went out, or finds a try cut off mid-send, then nothing is sent again', async () => {
    const target = await aTokyoPractitioner();
    const client = await aUser(h, 'client');
    const booking = await aBooking(h, client, target, '2030-01-13T01:00:00Z');
    await Promise.all([mailsTo(client, 1), mailsTo(target.practitioner, 1)]);
    const rows = await eventually(async () => {
      const found = await h.app.db('notifications').where({ booking_id: booking.id }).orderBy('id').select('id', 'email_status');
      expect(found.map((r) => r.email_status)).to.deep.equal(['sent', 'sent']);
      return found;
    });
    // The job delivered again (at-least-once), in this process against the same SMTP server.
    expect(await sendNotificationEmail(h.app, { notificationId: rows[0]!.id, finalAttempt: false })).to.equal('already_done');
    // A worker that died between claiming and marking: the message may be out; an operator decides.
    await h.app.db('notifications').where({ id: rows[1]!.id }).update({ email_status: 'sending' });
    expect(await sendNotificationEmail(h.app, { notificationId: rows[1]!.id, finalAttempt: false })).to.equal('interrupted');
    expect(await h.app.db('notifications').where({ id: rows[1]!.id }).first('email_status')).to.deep.equal({ email_status: 'failed' });
    expect(smtp.to(client.email)).to.have.length(1);
    expect(smtp.to(target.practitioner.email)).to.have.length(1);
  });
});
