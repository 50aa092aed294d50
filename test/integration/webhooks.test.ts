import { expect } from 'chai';
import { aBookablePractitioner, aBooking, aUser, slot, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { expectError } from '../support/lifecycle-fixtures';
import { startWebhookReceiver, verifyEstuarySignature, type WebhookReceiver } from '../support/webhook-receiver';
import { deleteRedisKeys, eventually, startWorkersInProcess } from '../support/workers';

const ENDPOINTS = '/api/v1/drf/webhook-endpoints/';
const BOOKINGS = '/api/v1/drf/bookings/';
const ALL_EVENTS = ['booking.created', 'booking.confirmed', 'booking.rescheduled', 'booking.canceled', 'booking.reminder', 'booking.started', 'booking.completed', 'booking.no_show', 'payment.refunded'];
const MAX_ATTEMPTS = 5;
const DAY = 24 * 3_600_000;

interface Delivery {
  id: number;
  event_id: number;
  event_type: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_response_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
}

describe('outgoing webhooks (docs/api-conventions.md#outgoing-webhooks)', () => {
  let h: Harness;
  let workers: Awaited<ReturnType<typeof startWorkersInProcess>>;
  const receivers: WebhookReceiver[] = [];

  before(async () => {
    // The receivers listen on loopback: allowed here; webhooks-ssrf.test.ts runs with the default (refused).
    // Short timeout and backoff: MAX_ATTEMPTS tries take about 1.5 s.
    h = await startHarness({
      env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_TIMEOUT_MS: '300', WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS), WEBHOOK_BACKOFF_MS: '100', RELAY_POLL_MS: '100' },
    });
    workers = await startWorkersInProcess(h.app);
  });
  after(async () => {
    await workers.close();
    await Promise.all(receivers.map((r) => r.close()));
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
    await h.close();
  });

  const receiver = async (...args: Parameters<typeof startWebhookReceiver>) => {
    const r = await startWebhookReceiver(...args);
    receivers.push(r);
    return r;
  };

  const anEndpoint = async (owner: TestUser, url: string, events: string[] = ALL_EVENTS) => {
    const res = await h.http.post(ENDPOINTS).set(owner.auth).send({ url, events, description: 'test receiver' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as { id: number; secret: string; url: string; events: string[]; is_active: boolean };
  };

  const deliveries = async (owner: TestUser, endpointId: number): Promise<Delivery[]> => {
    const res = await h.http.get(`${ENDPOINTS}${endpointId}/deliveries/`).set(owner.auth);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.results;
  };

  /** Waits until the endpoint's only delivery is finished (delivered or failed) and returns it. */
  const finishedDelivery = (owner: TestUser, endpointId: number, timeoutMs = 15_000) =>
    eventually(async () => {
      const list = await deliveries(owner, endpointId);
      expect(list).to.have.length(1);
      expect(list[0]!.status).to.not.equal('pending');
      return list[0]!;
    }, timeoutMs, 50);

  it('when a practitioner registers an endpoint, then its secret is shown once, and each change of a booking arrives signed, with a rising sequence and the booking as the practitioner sees it without private notes', async () => {
    const r = await receiver();
    const target = await aBookablePractitioner(h);
    const client = await aUser(h, 'client');
    const endpoint = await anEndpoint(target.practitioner, r.url);
    expect(endpoint.secret).to.match(/^whsec_[A-Za-z0-9_-]{40,}$/);
    expect(endpoint).to.include({ url: r.url, is_active: true });
    const shown = await h.http.get(`${ENDPOINTS}${endpoint.id}/`).set(target.practitioner.auth);
    expect(shown.status).to.equal(200);
    expect(shown.body).to.not.have.property('secret');
    expect((await h.http.get(ENDPOINTS).set(target.practitioner.auth)).body.results.map((e: { id: number; secret?: string }) => [e.id, e.secret])).to.deep.equal([[endpoint.id, undefined]]);
    const stored = await h.app.db('webhook_endpoints').where({ id: endpoint.id }).first('secret_ciphertext');
    expect(stored.secret_ciphertext, 'stored sealed, not in clear').to.not.include(endpoint.secret.slice(6));

    const booking = await aBooking(h, client, target, '2030-01-10T10:00:00Z');
    await h.http.post(`${BOOKINGS}${booking.id}/notes/`).set(target.practitioner.auth).send({ content: 'private: allergic to lavender', is_private: true }).expect(201);
    await h.http.post(`${BOOKINGS}${booking.id}/notes/`).set(target.practitioner.auth).send({ content: 'bring a mat' }).expect(201);
    await h.http.post(`${BOOKINGS}${booking.id}/confirm/`).set(target.practitioner.auth).send({}).expect(200);
    await h.http.post(`${BOOKINGS}${booking.id}/reschedule/`).set(target.practitioner.auth).send(slot('2030-01-11T10:00:00Z')).expect(200);
    await h.http.post(`${BOOKINGS}${booking.id}/cancel/`).set(client.auth).send({}).expect(200);

    await eventually(() => expect(r.received).to.have.length(4), 15_000, 50);
    const bySequence = [...r.received].sort((a, b) => a.json.sequence - b.json.sequence);
    expect(bySequence.map((d) => [d.json.sequence, d.json.type])).to.deep.equal([
      [1, 'booking.created'],
      [2, 'booking.confirmed'],
      [3, 'booking.rescheduled'],
      [4, 'booking.canceled'],
    ]);
    for (const d of r.received) {
      expect(verifyEstuarySignature(d.headers['estuary-signature'] as string, d.body, endpoint.secret, h.clock.now()), 'signature').to.equal(true);
      expect(verifyEstuarySignature(d.headers['estuary-signature'] as string, d.body, 'whsec_someone_else', h.clock.now())).to.equal(false);
      expect(d.headers['estuary-event-id']).to.equal(String(d.json.id));
      expect(d.json.data.booking.id).to.equal(booking.id);
      expect(Object.keys(d.json).sort()).to.deep.equal(['created_at', 'data', 'id', 'sequence', 'type']);
      expect(d.body, 'no private notes').to.not.include('lavender');
    }
    // The state a delivery carries is the booking's when the event was fanned out; the last one shows it canceled.
    expect(bySequence[3]!.json.data.booking.status).to.equal('canceled');
    expect((bySequence[3]!.json.data.booking.notes as Array<{ content: string }>).map((n) => n.content)).to.deep.equal(['bring a mat']);
    expect(bySequence[3]!.json.data.booking).to.include.keys('client', 'practitioner', 'service', 'start_time', 'status_history', 'payments');

    // The log records a delivery once the receiver has answered, a moment after it received it.
    await eventually(async () => {
      const log = await deliveries(target.practitioner, endpoint.id);
      expect(log.map((d) => [d.event_type, d.status, d.attempts, d.last_response_code, d.next_attempt_at])).to.have.deep.members([
        ['booking.created', 'delivered', 1, 200, null],
        ['booking.confirmed', 'delivered', 1, 200, null],
        ['booking.rescheduled', 'delivered', 1, 200, null],
        ['booking.canceled', 'delivered', 1, 200, null],
      ]);
    });
  });

  it("when an admin and two practitioners have endpoints, then the admin's receives every practitioner's events and each practitioner's only their own, and an endpoint hears only the events it chose", async () => {
    const [adminReceiver, aReceiver, bReceiver, canceledOnly] = await Promise.all([receiver(), receiver(), receiver(), receiver()]);
    const admin = await aUser(h, 'admin');
    const a = await aBookablePractitioner(h);
    const b = await aBookablePractitioner(h);
    const client = await aUser(h, 'client');
    const adminEndpoint = await anEndpoint(admin, adminReceiver.url);
    await anEndpoint(a.practitioner, aReceiver.url);
    await anEndpoint(b.practitioner, bReceiver.url);
    await anEndpoint(a.practitioner, canceledOnly.url, ['booking.canceled']);
    expect((await h.http.get(`${ENDPOINTS}${adminEndpoint.id}/`).set(admin.auth)).body.scope).to.equal('all');

    const withA = await aBooking(h, client, a, '2030-01-14T10:00:00Z');
    const withB = await aBooking(h, client, b, '2030-01-14T12:00:00Z');
    await h.http.post(`${BOOKINGS}${withA.id}/cancel/`).set(client.auth).send({}).expect(200);

    await eventually(() => {
      expect(adminReceiver.received.map((d) => `${d.json.data.booking.id}:${d.json.type}`)).to.have.members([`${withA.id}:booking.created`, `${withB.id}:booking.created`, `${withA.id}:booking.canceled`]);
      expect(aReceiver.received.map((d) => `${d.json.data.booking.id}:${d.json.type}`)).to.have.members([`${withA.id}:booking.created`, `${withA.id}:booking.canceled`]);
      expect(bReceiver.received.map((d) => `${d.json.data.booking.id}:${d.json.type}`)).to.have.members([`${withB.id}:booking.created`]);
      expect(canceledOnly.received.map((d) => `${d.json.data.booking.id}:${d.json.type}`)).to.have.members([`${withA.id}:booking.canceled`]);
    }, 15_000, 50);
    const adminSecret = adminEndpoint.secret;
    expect(adminReceiver.received.every((d) => verifyEstuarySignature(d.headers['estuary-signature'] as string, d.body, adminSecret, h.clock.now()))).to.equal(true);
  });

  it('when the input is bad (not http(s), 5,000 characters, unknown event names, no events) or the caller is a client, then 400 or 403 and nothing is written', async () => {
    const practitioner = await aUser(h, 'practitioner');
    const client = await aUser(h, 'client');
    const before = await h.app.db('webhook_endpoints').count({ n: '*' }).first();
    const post = (who: TestUser, body: Record<string, unknown>) => h.http.post(ENDPOINTS).set(who.auth).send(body);
    for (const url of ['ftp://example.com/hook', 'javascript:alert(1)', 'not a url', 'https://user:pass@example.com/hook', `https://example.com/${'a'.repeat(5000)}`]) {
      const res = await post(practitioner, { url, events: ['booking.created'] });
      expectError(res, 400, 'invalid_url');
      expect(res.body.errors, url.slice(0, 40)).to.have.property('url');
    }
    const unknown = await post(practitioner, { url: 'https://example.com/hook', events: ['booking.created', 'booking.exploded'] });
    expectError(unknown, 400, 'invalid');
    expect(JSON.stringify(unknown.body.errors)).to.include('must be one of');
    expectError(await post(practitioner, { url: 'https://example.com/hook', events: [] }), 400, 'invalid');
    expectError(await post(practitioner, { url: 'https://example.com/hook' }), 400, 'invalid');
    expectError(await post(client, { url: 'http://127.0.0.1:9/hook', events: ['booking.created'] }), 403, 'permission_denied');
    expectError(await h.http.get(ENDPOINTS).set(client.auth), 403, 'permission_denied');
    expectError(await h.http.get(ENDPOINTS), 401, 'not_authenticated');
    expect(await h.app.db('webhook_endpoints').count({ n: '*' }).first()).to.deep.equal(before);
  });

  it("when a practitioner names another practitioner's endpoint (or its deliveries), then every action is a 404 and the endpoint is untouched", async () => {
    const owner = await aUser(h, 'practitioner');
    const other = await aUser(h, 'practitioner');
    const endpoint = await anEndpoint(owner, 'http://127.0.0.1:9/hook');
    const path = `${ENDPOINTS}${endpoint.id}/`;
    expectError(await h.http.get(path).set(other.auth), 404, 'not_found');
    expectError(await h.http.patch(path).set(other.auth).send({ is_active: false }), 404, 'not_found');
    expectError(await h.http.delete(path).set(other.auth), 404, 'not_found');
    expectError(await h.http.post(`${path}rotate-secret/`).set(other.auth).send({}), 404, 'not_found');
    expectError(await h.http.get(`${path}deliveries/`).set(other.auth), 404, 'not_found');
    expectError(await h.http.post(`${path}deliveries/1/redeliver/`).set(other.auth).send({}), 404, 'not_found');
    expect((await h.http.get(ENDPOINTS).set(other.auth)).body.count).to.equal(0);
    const mine = await h.http.get(path).set(owner.auth);
    expect(mine.body).to.include({ id: endpoint.id, is_active: true });
  });

  it('when the owner edits, pauses, rotates and deletes an endpoint, then the changes hold, the new secret is shown once and signs from then on', async () => {
    const r = await receiver();
    const target = await aBookablePractitioner(h);
    const client = await aUser(h, 'client');
    const endpoint = await anEndpoint(target.practitioner, 'http://127.0.0.1:9/old', ['booking.created']);
    const path = `${ENDPOINTS}${endpoint.id}/`;
    const patched = await h.http.patch(path).set(target.practitioner.auth).send({ url: r.url, events: ['booking.created', 'booking.canceled'] });
    expect(patched.status, JSON.stringify(patched.body)).to.equal(200);
    expect(patched.body).to.include({ url: r.url }).and.not.have.property('secret');
    expect(patched.body.events).to.deep.equal(['booking.created', 'booking.canceled']);
    expectError(await h.http.patch(path).set(target.practitioner.auth).send({ events: ['nope'] }), 400, 'invalid');
    expectError(await h.http.patch(path).set(target.practitioner.auth).send({ url: 'gopher://x' }), 400, 'invalid_url');

    const rotated = await h.http.post(`${path}rotate-secret/`).set(target.practitioner.auth).send({});
    expect(rotated.status).to.equal(200);
    expect(rotated.body.secret).to.match(/^whsec_/).and.not.equal(endpoint.secret);

    expect((await h.http.patch(path).set(target.practitioner.auth).send({ is_active: false })).body.is_active).to.equal(false);
    const unheard = await aBooking(h, client, target, '2030-01-15T10:00:00Z');
    expect((await h.http.patch(path).set(target.practitioner.auth).send({ is_active: true })).body.is_active).to.equal(true);
    const heard = await aBooking(h, client, target, '2030-01-15T12:00:00Z');
    await eventually(() => expect(r.received.map((d) => d.json.data.booking.id)).to.deep.equal([heard.id]), 15_000, 50);
    expect(unheard.id).to.not.equal(heard.id);
    const [d] = r.received;
    expect(verifyEstuarySignature(d!.headers['estuary-signature'] as string, d!.body, rotated.body.secret, h.clock.now())).to.equal(true);
    expect(verifyEstuarySignature(d!.headers['estuary-signature'] as string, d!.body, endpoint.secret, h.clock.now()), 'the old secret no longer signs').to.equal(false);

    expect((await h.http.delete(path).set(target.practitioner.auth)).status).to.equal(204);
    expectError(await h.http.get(path).set(target.practitioner.auth), 404, 'not_found');
  });

  it('when the receiver answers 500, then the delivery is tried WEBHOOK_MAX_ATTEMPTS times with the same body and event id, and then it is failed with the code in the log', async () => {
    const r = await receiver(() => ({ status: 500 }));
    const target = await aBookablePractitioner(h);
    const endpoint = await anEndpoint(target.practitioner, r.url, ['booking.created']);
    await aBooking(h, await aUser(h, 'client'), target, '2030-01-16T10:00:00Z');
    const failed = await finishedDelivery(target.practitioner, endpoint.id);
    expect(failed).to.include({ status: 'failed', attempts: MAX_ATTEMPTS, last_response_code: 500, last_error: 'HTTP 500', next_attempt_at: null });
    expect(r.received).to.have.length(MAX_ATTEMPTS);
    expect(new Set(r.received.map((d) => d.body)).size, 'one body, resent as it was').to.equal(1);
    expect(new Set(r.received.map((d) => d.headers['estuary-event-id'])).size).to.equal(1);
  });

  it('when the receiver hangs past the timeout, then each try is cut off and the delivery ends failed with a timeout error', async () => {
    const r = await receiver(() => ({ hangMs: 3000 }));
    const target = await aBookablePractitioner(h);
    const endpoint = await anEndpoint(target.practitioner, r.url, ['booking.created']);
    await aBooking(h, await aUser(h, 'client'), target, '2030-01-16T12:00:00Z');
    const first = await eventually(async () => {
      const [d] = await deliveries(target.practitioner, endpoint.id);
      expect(d?.attempts).to.be.at.least(1);
      return d!;
    }, 15_000, 50);
    expect(first).to.include({ last_response_code: null, last_error: 'timed out after 300 ms' });
    const failed = await finishedDelivery(target.practitioner, endpoint.id);
    expect(failed).to.include({ status: 'failed', attempts: MAX_ATTEMPTS, last_error: 'timed out after 300 ms' });
  });

  it('when the receiver redirects (to a private address), then the redirect is not followed and the delivery fails with the 3xx in the log', async () => {
    const privateTarget = await receiver();
    const r = await receiver(() => ({ status: 302, headers: { Location: `http://10.0.0.1/steal` } }));
    const loopbackRedirect = await receiver(() => ({ status: 307, headers: { Location: privateTarget.url } }));
    const target = await aBookablePractitioner(h);
    const endpoint = await anEndpoint(target.practitioner, r.url, ['booking.created']);
    const second = await anEndpoint(target.practitioner, loopbackRedirect.url, ['booking.created']);
    await aBooking(h, await aUser(h, 'client'), target, '2030-01-17T10:00:00Z');
    const failed = await finishedDelivery(target.practitioner, endpoint.id);
    expect(failed).to.include({ status: 'failed', attempts: MAX_ATTEMPTS, last_response_code: 302 });
    expect(failed.last_error).to.equal('HTTP 302 (redirect to http://10.0.0.1/steal not followed)');
    expect((await finishedDelivery(target.practitioner, second.id)).last_response_code).to.equal(307);
    expect(privateTarget.received, 'the redirect target is never called').to.have.length(0);
  });

  it('when the receiver is down (connection refused) for the first three tries and then up, then the event is delivered exactly once', async () => {
    const probe = await startWebhookReceiver();
    const { port, url } = probe;
    await probe.close();
    const target = await aBookablePractitioner(h);
    const endpoint = await anEndpoint(target.practitioner, url, ['booking.created']);
    await aBooking(h, await aUser(h, 'client'), target, '2030-01-17T12:00:00Z');
    const down = await eventually(async () => {
      const [d] = await deliveries(target.practitioner, endpoint.id);
      expect(d?.attempts).to.equal(3);
      return d!;
    }, 15_000, 10);
    expect(down.status).to.equal('pending');
    expect(down.last_error).to.match(/ECONNREFUSED/);
    expect(down.next_attempt_at, 'the next try is announced').to.be.a('string');
    const up = await receiver(() => ({}), port);
    const delivered = await finishedDelivery(target.practitioner, endpoint.id);
    expect(delivered).to.include({ status: 'delivered', last_response_code: 200, last_error: null });
    expect(delivered.attempts).to.be.within(4, MAX_ATTEMPTS);
    // Tries left after the delivery would have come by now (backoff 100 ms doubling): none does.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(up.received).to.have.length(1);
  });

  it('when the fan-out job of an event runs twice, then the endpoint still has one delivery and the receiver one request', async () => {
    const r = await receiver();
    const target = await aBookablePractitioner(h);
    const endpoint = await anEndpoint(target.practitioner, r.url, ['booking.created']);
    const booking = await aBooking(h, await aUser(h, 'client'), target, '2030-01-18T10:00:00Z');
    await eventually(() => expect(r.received).to.have.length(1), 15_000, 50);
    const fanOut = await h.app.db('outbox').where({ queue: 'webhooks', job_name: 'fan-out' }).whereRaw(`(payload->>'bookingId')::bigint = ?`, [booking.id]).first();
    expect(fanOut, 'the fan-out job was recorded with the event').to.not.equal(undefined);
    // The same job again, under a new outbox id: as if Redis had lost the first and it ran again.
    const [again] = await h.app.db('outbox').insert({ queue: 'webhooks', job_name: 'fan-out', payload: JSON.stringify(fanOut.payload) }).returning('id');
    await eventually(async () => expect((await h.app.db('outbox').where({ id: again.id }).first()).done_at).to.be.an.instanceOf(Date), 15_000, 50);
    expect(await deliveries(target.practitioner, endpoint.id)).to.have.length(1);
    expect(r.received).to.have.length(1);
  });

  it('when a delivered or failed delivery is redelivered, then the receiver gets the same event again; a pending one is a 409', async () => {
    let failing = true;
    // The redelivery is answered after a pause (within the 300 ms timeout), so it is still pending when
    // the second redeliver asks: a fast worker cannot turn the 409 into a 202.
    const r = await receiver(() => (failing ? { status: 503 } : { status: 200, hangMs: 250 }));
    const target = await aBookablePractitioner(h);
    const endpoint = await anEndpoint(target.practitioner, r.url, ['booking.created']);
    await aBooking(h, await aUser(h, 'client'), target, '2030-01-18T12:00:00Z');
    const failed = await finishedDelivery(target.practitioner, endpoint.id);
    expect(failed.status).to.equal('failed');
    failing = false;
    const redeliver = `${ENDPOINTS}${endpoint.id}/deliveries/${failed.id}/redeliver/`;
    const accepted = await h.http.post(redeliver).set(target.practitioner.auth).send({});
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(202);
    expect(accepted.body.status).to.equal('pending');
    expectError(await h.http.post(redeliver).set(target.practitioner.auth).send({}), 409, 'delivery_pending');
    const delivered = await finishedDelivery(target.practitioner, endpoint.id);
    expect(delivered).to.include({ status: 'delivered', attempts: MAX_ATTEMPTS + 1, last_response_code: 200 });
    expect(r.received).to.have.length(MAX_ATTEMPTS + 1);
    expect(r.received.at(-1)!.body).to.equal(r.received[0]!.body);
    expectError(await h.http.post(`${ENDPOINTS}${endpoint.id}/deliveries/999999/redeliver/`).set(target.practitioner.auth).send({}), 404, 'not_found');
  });

  it('when /metrics is scraped, then it counts deliveries by outcome', async () => {
    const res = await h.http.get('/metrics');
    expect(res.status).to.equal(200);
    const count = (outcome: string) => Number(new RegExp(`^webhook_deliveries\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(res.text)?.[1]);
    expect(count('delivered')).to.be.at.least(10);
    expect(count('failed')).to.be.at.least(3);
    expect(count('pending')).to.be.a('number');
  });

  // Last: it moves the harness clock three days on.
  it('when an endpoint has failed for 3 days, then it is disabled with a reason, its owner is told in the inbox, and its pending deliveries end failed', async () => {
    const r = await receiver(() => ({ status: 500 }));
    const target = await aBookablePractitioner(h);
    const endpoint = await anEndpoint(target.practitioner, r.url, ['booking.created']);
    await aBooking(h, await aUser(h, 'client'), target, '2030-02-20T10:00:00Z');
    const firstFailure = await eventually(async () => {
      const [d] = await deliveries(target.practitioner, endpoint.id);
      expect(d?.attempts).to.be.at.least(1);
      return d!;
    }, 15_000, 10);
    expect(firstFailure.status).to.equal('pending');
    expect((await h.http.get(`${ENDPOINTS}${endpoint.id}/`).set(target.practitioner.auth)).body.failing_since).to.be.a('string');
    h.clock.advance(3 * DAY);
    const disabled = await eventually(async () => {
      const res = await h.http.get(`${ENDPOINTS}${endpoint.id}/`).set(target.practitioner.auth);
      expect(res.body.is_active).to.equal(false);
      return res.body;
    }, 15_000, 50);
    expect(disabled.disabled_reason).to.match(/^Deliveries have failed since .* \(last: HTTP 500\)\.$/);
    const inbox = await h.http.get('/api/v1/drf/notifications/').set(target.practitioner.auth);
    expect(inbox.body.results.map((n: { title: string; event: string }) => [n.title, n.event])).to.deep.include(['Webhook endpoint disabled', 'webhook_endpoint.disabled']);
    const failed = await finishedDelivery(target.practitioner, endpoint.id);
    expect(failed.status).to.equal('failed');
    expectError(await h.http.post(`${ENDPOINTS}${endpoint.id}/deliveries/${failed.id}/redeliver/`).set(target.practitioner.auth).send({}), 409, 'endpoint_inactive');
  });
});
