import { expect } from 'chai';
import { aBookablePractitioner, aBooking, aUser, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { expectError } from '../support/lifecycle-fixtures';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { deleteRedisKeys, eventually, startWorkersInProcess } from '../support/workers';

const ENDPOINTS = '/api/v1/drf/webhook-endpoints/';

// WEBHOOK_ALLOW_PRIVATE_URLS is left at its default (false): what production does.
describe('outgoing webhooks: loopback and private targets are refused (SSRF)', () => {
  let h: Harness;
  let workers: Awaited<ReturnType<typeof startWorkersInProcess>>;
  let practitioner: TestUser;
  let r: WebhookReceiver;

  before(async () => {
    h = await startHarness({ env: { WEBHOOK_TIMEOUT_MS: '300', WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_BACKOFF_MS: '50', RELAY_POLL_MS: '100' } });
    workers = await startWorkersInProcess(h.app);
    practitioner = await aUser(h, 'practitioner');
    r = await startWebhookReceiver();
  });
  after(async () => {
    await workers.close();
    await r.close();
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
    await h.close();
  });

  it('when a URL points at 127.0.0.1, 10.x, another private, link-local or unspecified address, or a name that resolves to loopback, then it is a 400 and nothing is written', async () => {
    for (const url of [
      r.url,
      'http://127.0.0.1/hook',
      'https://10.1.2.3/hook',
      'https://192.168.1.10/hook',
      'https://172.16.5.4/hook',
      'https://169.254.169.254/latest/meta-data/',
      'https://0.0.0.0/hook',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[fd00::1]/hook',
      'https://2130706433/hook', // 127.0.0.1 written as one number
      `http://localhost:${r.port}/hook`,
    ]) {
      const res = await h.http.post(ENDPOINTS).set(practitioner.auth).send({ url, events: ['booking.created'] });
      expectError(res, 400, 'invalid_url');
      expect(res.body.errors.url[0], url).to.match(/loopback, private or reserved/);
    }
    expect(Number((await h.app.db('webhook_endpoints').count({ n: '*' }).first())!.n)).to.equal(0);
    expect(r.received).to.have.length(0);
  });

  it('when an endpoint already stored points at a loopback address (a name that now resolves there, or a literal), then no request is made at delivery and the delivery fails naming the address', async () => {
    const target = await aBookablePractitioner(h);
    const secret = h.app.secretBox.seal('whsec_test');
    // Stored directly: the API would refuse them now. Such rows exist when a name's DNS answer changes
    // after registration (DNS rebinding), or the flag was on then.
    const ids: number[] = [];
    for (const url of [`http://localhost:${r.port}/hook`, r.url]) {
      const [row] = await h.app.db('webhook_endpoints').insert({ owner_id: target.practitioner.id, practitioner_id: target.practitioner.id, url, events: ['booking.created'], secret_ciphertext: secret }).returning('id');
      ids.push(row.id);
    }
    await aBooking(h, await aUser(h, 'client'), target, '2030-01-10T10:00:00Z');
    for (const id of ids) {
      const [delivery] = await eventually(async () => {
        const res = await h.http.get(`${ENDPOINTS}${id}/deliveries/`).set(target.practitioner.auth);
        expect(res.body.results[0]?.status).to.equal('failed');
        return res.body.results;
      }, 15_000, 50);
      expect(delivery).to.include({ attempts: 2, last_response_code: null });
      expect(delivery.last_error).to.match(/^(localhost resolves to )?(127\.0\.0\.1|::1), a loopback, private or reserved address, is not allowed$/);
    }
    expect(r.received, 'the loopback receiver never hears a thing').to.have.length(0);
  });
});
