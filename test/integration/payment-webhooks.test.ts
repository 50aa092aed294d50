import { expect } from 'chai';
import { signWebhookPayload } from '../../src/domain/webhook-signature';
import { startHarness, type Harness } from '../support/harness';
import { expectError } from '../support/lifecycle-fixtures';
import { countRows, outboxJobs, postWebhook, succeeded, WEBHOOK, type ProviderEventBody } from '../support/payments';

/** How much is stored: the events and the jobs they record. */
const stored = async (h: Harness) => ({ events: await countRows(h, 'payment_events'), outbox: await countRows(h, 'outbox') });

describe('payment webhooks (HTTP)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  /** Sends a request that must be refused with `status`/`code`, and checks that nothing was stored. */
  async function expectRefusedAndNothingStored(send: () => Promise<{ status: number; body: { detail?: unknown; code?: unknown } }>, status: number, code?: string) {
    const before = await stored(h);
    const res = await send();
    if (code) expectError(res, status, code);
    else expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(await stored(h)).to.deep.equal(before);
  }

  it('when the signature is good, then it answers 200 {received: true} and stores the event with its job', async () => {
    const event = succeeded(12345, 5000);
    const before = await stored(h);
    const res = await postWebhook(h, event);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ received: true });
    const row = await h.app.db('payment_events').where({ provider_event_id: event.id }).first();
    expect(row).to.include({ type: 'payment_intent.succeeded', booking_ref: '12345', processed_at: null });
    expect(row.payload).to.deep.equal(event);
    const jobs = (await outboxJobs(h, 'apply-payment-event')).filter((j: { payload: { eventId: number } }) => Number(j.payload.eventId) === Number(row.id));
    expect(jobs).to.have.length(1);
    expect(jobs[0]).to.include({ queue: 'payments' });
    expect(await stored(h)).to.deep.equal({ events: before.events + 1, outbox: before.outbox + 1 });
  });

  it('when signed with a wrong secret, then 400 invalid_signature and nothing is stored', async () => {
    await expectRefusedAndNothingStored(() => postWebhook(h, succeeded(1, 5000), { secret: 'whsec_attacker' }), 400, 'invalid_signature');
  });

  it('when the body was tampered with after signing, then 400 invalid_signature and nothing is stored', async () => {
    const event = succeeded(1, 5000);
    const header = signWebhookPayload(JSON.stringify(event), h.config.paymentWebhookSecrets[0]!, h.clock.now());
    const tampered: ProviderEventBody = { ...event, data: { object: { ...event.data.object, amount_received: 1 } } };
    await expectRefusedAndNothingStored(() => postWebhook(h, tampered, { header }), 400, 'invalid_signature');
  });

  it('when the signature is 301 s old, then 400 invalid_signature and nothing is stored', async () => {
    const at = new Date(h.clock.now().getTime() - 301_000);
    await expectRefusedAndNothingStored(() => postWebhook(h, succeeded(1, 5000), { at }), 400, 'invalid_signature');
  });

  it('when the signature is stamped 301 s in the future, then 400 invalid_signature and nothing is stored', async () => {
    const at = new Date(h.clock.now().getTime() + 301_000);
    await expectRefusedAndNothingStored(() => postWebhook(h, succeeded(1, 5000), { at }), 400, 'invalid_signature');
  });

  it('when the Stripe-Signature header is missing, then 400 invalid_signature and nothing is stored', async () => {
    await expectRefusedAndNothingStored(() => postWebhook(h, succeeded(1, 5000), { header: null }), 400, 'invalid_signature');
  });

  it('when the Stripe-Signature header is malformed, then 400 invalid_signature and nothing is stored', async () => {
    await expectRefusedAndNothingStored(() => postWebhook(h, succeeded(1, 5000), { header: 't=now,v1=nothex' }), 400, 'invalid_signature');
  });

  it('when the header carries a wrong v1 and a good v1, then it is accepted', async () => {
    const event = succeeded(1, 5000);
    const good = signWebhookPayload(JSON.stringify(event), h.config.paymentWebhookSecrets[0]!, h.clock.now());
    const [t, v1] = good.split(',');
    const res = await postWebhook(h, event, { header: `${t},v1=${'0'.repeat(64)},${v1}` });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  });

  it('when the body is not valid JSON but correctly signed, then 400 and nothing is stored', async () => {
    await expectRefusedAndNothingStored(() => postWebhook(h, '{"id": "evt_broken", "type": '), 400);
  });

  it('when the JSON is signed but not an event (no id, no type), then 400 and nothing is stored', async () => {
    await expectRefusedAndNothingStored(() => postWebhook(h, JSON.stringify({ hello: 'world' })), 400);
  });

  it('when the same event is delivered 10 times concurrently, then all answers are 200 and it is stored once with one job', async () => {
    const event = succeeded(777, 5000);
    const before = await stored(h);
    const answers = await Promise.all(Array.from({ length: 10 }, () => postWebhook(h, event)));
    expect(answers.map((r) => r.status)).to.deep.equal(Array(10).fill(200));
    expect(answers.every((r) => r.body.received === true)).to.equal(true);
    expect(await h.app.db('payment_events').where({ provider_event_id: event.id }).select('id')).to.have.length(1);
    expect(await stored(h)).to.deep.equal({ events: before.events + 1, outbox: before.outbox + 1 });
  });

  it('when an event is re-delivered later, then it answers 200 and changes nothing', async () => {
    const event = succeeded(778, 5000);
    expect((await postWebhook(h, event)).status).to.equal(200);
    const before = await stored(h);
    const again = await postWebhook(h, event);
    expect(again.status, JSON.stringify(again.body)).to.equal(200);
    expect(again.body.received).to.equal(true);
    expect(await stored(h)).to.deep.equal(before);
  });

  it('when the request is a GET, then 405', async () => {
    const res = await h.http.get(WEBHOOK);
    expect(res.status).to.equal(405);
  });

  describe('with a low anonymous rate limit (RATE_LIMIT_ANON_PER_MINUTE=3)', () => {
    let limited: Harness;
    before(async () => {
      limited = await startHarness({ env: { RATE_LIMIT_ANON_PER_MINUTE: '3' } });
    });
    after(() => limited.close());

    it('when a provider delivers more events than the limit, then every delivery is answered 200 (webhooks are exempt)', async () => {
      const answers = [];
      for (let i = 0; i < 8; i++) answers.push((await postWebhook(limited, succeeded(i + 1, 5000))).status);
      expect(answers).to.deep.equal(Array(8).fill(200));
      expect(await countRows(limited, 'payment_events')).to.equal(8);
      // The limit itself is on: the same client is throttled elsewhere.
      const elsewhere = [];
      for (let i = 0; i < 5; i++) elsewhere.push((await limited.http.get('/api/v1/drf/practitioners/')).status);
      expect(elsewhere).to.include(429);
    });
  });

  describe('with our secret being rotated (PAYMENT_WEBHOOK_SECRET="whsec_new,whsec_old")', () => {
    let rotated: Harness;
    before(async () => {
      rotated = await startHarness({ env: { PAYMENT_WEBHOOK_SECRET: 'whsec_new,whsec_old' } });
    });
    after(() => rotated.close());

    it('when signed with the old secret, then 200', async () => {
      const res = await postWebhook(rotated, succeeded(1, 5000), { secret: 'whsec_old' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    });

    it('when signed with the new secret, then 200', async () => {
      const res = await postWebhook(rotated, succeeded(1, 5000), { secret: 'whsec_new' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    });

    it('when signed with the whole comma-separated value as one secret, then 400 (each secret stands alone)', async () => {
      const res = await postWebhook(rotated, succeeded(1, 5000), { secret: 'whsec_new,whsec_old' });
      expectError(res, 400, 'invalid_signature');
    });
  });
});
