import { expect } from 'chai';
import { aBookablePractitioner, aBooking, aUser, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { expectError } from '../support/lifecycle-fixtures';
import { SmtpCatcher } from '../support/smtp-catcher';
import { deleteRedisKeys, eventually, killSpawnedWorkers, spawnWorker, type SpawnedWorker } from '../support/workers';

const FAILED = '/api/v1/admin/notifications/failed/';
const retryPath = (id: number) => `/api/v1/admin/notifications/${id}/retry/`;

/** Retries spent (5 tries, 50 ms base backoff), failed e-mails for operators, and their retry. */
describe('e-mails that fail after every retry, for operators (docs/api-conventions.md#e-mail)', function () {
  this.timeout(60_000);
  const smtp = new SmtpCatcher();
  let h: Harness;
  let worker: SpawnedWorker;
  let admin: TestUser;

  before(async () => {
    await smtp.start();
    h = await startHarness({ env: { SMTP_URL: smtp.url } });
    worker = await spawnWorker(h, { env: { SMTP_URL: smtp.url, EMAIL_RETRY_ATTEMPTS: '5', EMAIL_RETRY_BASE_DELAY_MS: '50' } });
    admin = await aUser(h, 'admin');
  });
  after(async () => {
    await killSpawnedWorkers();
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
    await h.close();
    await smtp.stop();
  });

  it('when the server answers 451 to every try, then after 5 tries both e-mails are failed, listed for admins with the error and attempts (no address), counted in /metrics, and a retry sends once', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h, 'client');
    smtp.rejectWith(451);
    const booking = await aBooking(h, client, target, '2030-01-10T10:00:00Z');
    const rows = await eventually(async () => {
      const found = await h.app.db('notifications').where({ booking_id: booking.id }).orderBy('id').select('id', 'user_id', 'email_status', 'email_attempts', 'email_last_error');
      expect(found.map((r) => [r.email_status, r.email_attempts])).to.deep.equal([
        ['failed', 5],
        ['failed', 5],
      ]);
      return found;
    }, 30_000);
    smtp.rejectWith(null);
    expect(smtp.received).to.have.length(0);
    for (const row of rows) {
      expect(row.email_last_error).to.include('451');
      expect(row.email_last_error, 'the address the server quoted is redacted').to.include('[address]').and.not.include('@');
    }
    expect(worker.output()).to.match(/e-mail failed for good/);
    expect(worker.output()).to.not.include(client.email).and.not.include(target.practitioner.email);

    const list = await h.http.get(`${FAILED}?page_size=100`).set(admin.auth);
    expect(list.status, JSON.stringify(list.body)).to.equal(200);
    const listed = (list.body.results as Array<Record<string, unknown>>).filter((n) => n.booking_id === booking.id);
    expect(listed.map((n) => n.id)).to.have.members(rows.map((r) => r.id));
    const clientEntry = listed.find((n) => n.recipient_id === client.id)!;
    expect(clientEntry).to.include({ email_status: 'failed', attempts: 5, event: 'booking.created', kind: 'booking_created' });
    expect(clientEntry.last_error).to.include('451');
    expect(clientEntry.failed_at).to.be.a('string');
    expect(JSON.stringify(list.body)).to.not.include('@');

    expectError(await h.http.get(FAILED).set(client.auth), 403, 'permission_denied');
    expect((await h.http.get(FAILED)).status).to.equal(401);
    expectError(await h.http.post(retryPath(rows[0]!.id)).set(target.practitioner.auth).send({}), 403, 'permission_denied');

    const metrics = await h.http.get('/metrics');
    expect(metrics.text).to.match(/^notification_emails_total\{status="failed"\} [1-9]\d*$/m);
    expect(metrics.text).to.match(/^notification_emails_total\{status="sent"\} \d+$/m);

    const retried = await h.http.post(retryPath(clientEntry.id as number)).set(admin.auth).send({});
    expect(retried.status, JSON.stringify(retried.body)).to.equal(202);
    expect(retried.body).to.include({ id: clientEntry.id, email_status: 'pending' });
    expectError(await h.http.post(retryPath(clientEntry.id as number)).set(admin.auth).send({}), 409, 'not_failed');
    await eventually(() => expect(smtp.to(client.email)).to.have.length(1), 20_000);
    await eventually(async () => expect(await h.app.db('notifications').where({ id: clientEntry.id }).first('email_status', 'email_attempts')).to.deep.equal({ email_status: 'sent', email_attempts: 6 }));
    expect(smtp.to(target.practitioner.email), 'only the retried one').to.have.length(0);
    expect(smtp.to(client.email)[0]!.subject).to.match(/^Booking received/);

    const after = await h.http.get(`${FAILED}?page_size=100`).set(admin.auth);
    const stillFailed = (after.body.results as Array<{ id: number }>).map((n) => n.id);
    expect(stillFailed).to.not.include(clientEntry.id);
    expect(stillFailed).to.include(rows.find((r) => r.user_id === target.practitioner.id)!.id);
    expect((await h.http.get('/metrics')).text).to.match(/^notification_emails_total\{status="sent"\} [1-9]\d*$/m);
    expectError(await h.http.post(retryPath(clientEntry.id as number)).set(admin.auth).send({}), 409, 'not_failed');
    expectError(await h.http.post(retryPath(999_999_999)).set(admin.auth).send({}), 404, 'not_found');
  });
});
