import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { DomainError } from '../../src/domain/errors';
import { SIGNATURE_TOLERANCE_SECONDS, signWebhookPayload, verifyWebhookSignature } from '../../src/domain/webhook-signature';

const NOW = new Date('2030-01-07T08:00:00Z');
const T = Math.floor(NOW.getTime() / 1000);
const SECRET = 'whsec_test_secret';
const BODY = JSON.stringify({ id: 'evt_1', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1', amount_received: 5000, metadata: { booking_id: '7' } } } });

const hmac = (secret: string, t: number, body: string) => createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
const secondsFrom = (s: number) => new Date(NOW.getTime() + s * 1000);

function verify(header: string | undefined, overrides: { rawBody?: string; secrets?: string[]; now?: Date } = {}): void {
  verifyWebhookSignature({ header, rawBody: overrides.rawBody ?? BODY, secrets: overrides.secrets ?? [SECRET], now: overrides.now ?? NOW });
}

function expectRejected(run: () => void, detail: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected the signature to be rejected').to.be.instanceOf(DomainError);
  const error = caught as DomainError;
  expect(error.kind).to.equal('invalid');
  expect(error.code).to.equal('invalid_signature');
  expect(error.message).to.match(detail);
}

describe('webhook-signature: signWebhookPayload', () => {
  it('when signing, then the header is t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    expect(signWebhookPayload(BODY, SECRET, NOW)).to.equal(`t=${T},v1=${hmac(SECRET, T, BODY)}`);
  });

  it('when the instant has milliseconds, then t is truncated to whole seconds', () => {
    expect(signWebhookPayload(BODY, SECRET, new Date(NOW.getTime() + 999))).to.equal(`t=${T},v1=${hmac(SECRET, T, BODY)}`);
  });
});

describe('webhook-signature: verifyWebhookSignature', () => {
  it('when the signature is good, then it is accepted', () => {
    expect(() => verify(signWebhookPayload(BODY, SECRET, NOW))).not.to.throw();
  });

  it('when signed with another secret, then it is rejected', () => {
    expectRejected(() => verify(signWebhookPayload(BODY, 'whsec_someone_else', NOW)), /No signature matches/);
  });

  it('when one byte of the body was changed after signing, then it is rejected', () => {
    const header = signWebhookPayload(BODY, SECRET, NOW);
    expectRejected(() => verify(header, { rawBody: BODY.replace('5000', '5001') }), /No signature matches/);
  });

  it('when the body is re-serialized (whitespace added) after signing, then it is rejected: the raw bytes are what is signed', () => {
    const header = signWebhookPayload(BODY, SECRET, NOW);
    expectRejected(() => verify(header, { rawBody: JSON.stringify(JSON.parse(BODY), null, 2) }), /No signature matches/);
  });

  it('when the timestamp in the header was changed, then it is rejected', () => {
    const v1 = hmac(SECRET, T, BODY);
    expectRejected(() => verify(`t=${T + 1},v1=${v1}`), /No signature matches/);
  });

  it('when the signature is exactly 300 s old, then it is accepted; at 301 s it is stale', () => {
    expect(SIGNATURE_TOLERANCE_SECONDS).to.equal(300);
    expect(() => verify(signWebhookPayload(BODY, SECRET, secondsFrom(-300)))).not.to.throw();
    expectRejected(() => verify(signWebhookPayload(BODY, SECRET, secondsFrom(-301))), /tolerance/);
  });

  it('when the signature is stamped more than 300 s in the future, then it is rejected', () => {
    expect(() => verify(signWebhookPayload(BODY, SECRET, secondsFrom(300)))).not.to.throw();
    expectRejected(() => verify(signWebhookPayload(BODY, SECRET, secondsFrom(301))), /tolerance/);
  });

  it('when a stale signature would otherwise match, then the age is still enforced (a replayed old delivery)', () => {
    const header = signWebhookPayload(BODY, SECRET, NOW);
    expectRejected(() => verify(header, { now: secondsFrom(3600) }), /tolerance/);
  });

  it('when the header is missing or empty, then it is rejected', () => {
    expectRejected(() => verify(undefined), /Missing/);
    expectRejected(() => verify(''), /Missing/);
  });

  const malformed: Record<string, string> = {
    'garbage': 'not a signature',
    'no timestamp': `v1=${hmac(SECRET, T, BODY)}`,
    'no v1': `t=${T}`,
    'only a v0 scheme': `t=${T},v0=${hmac(SECRET, T, BODY)}`,
    'a non-numeric timestamp': `t=abc,v1=${hmac(SECRET, T, BODY)}`,
    'a negative timestamp': `t=-${T},v1=${hmac(SECRET, T, BODY)}`,
    'a v1 that is not hex': `t=${T},v1=${'z'.repeat(64)}`,
    'a truncated v1': `t=${T},v1=${hmac(SECRET, T, BODY).slice(0, 63)}`,
    'an empty v1': `t=${T},v1=`,
  };
  for (const [name, header] of Object.entries(malformed)) {
    it(`when the header has ${name}, then it is rejected as malformed`, () => {
      expectRejected(() => verify(header), /Malformed/);
    });
  }

  it('when several v1 values are sent and one of them matches, then it is accepted (the provider rotating its secret)', () => {
    const header = `t=${T},v1=${hmac('whsec_other', T, BODY)},v1=${hmac(SECRET, T, BODY)}`;
    expect(() => verify(header)).not.to.throw();
  });

  it('when several v1 values are sent and none matches, then it is rejected', () => {
    const header = `t=${T},v1=${hmac('whsec_a', T, BODY)},v1=${hmac('whsec_b', T, BODY)}`;
    expectRejected(() => verify(header), /No signature matches/);
  });

  it('when a malformed v1 sits beside a good one, then the good one still counts', () => {
    const header = `t=${T},v1=nothex,v1=${hmac(SECRET, T, BODY)}`;
    expect(() => verify(header)).not.to.throw();
  });

  it('when the header has spaces after the commas and upper-case hex, then it is accepted', () => {
    const header = `t=${T}, v1=${hmac(SECRET, T, BODY).toUpperCase()}`;
    expect(() => verify(header)).not.to.throw();
  });

  it('when we accept two secrets (our rotation), then a signature with either one is accepted and a third is not', () => {
    const secrets = ['whsec_new_secret', 'whsec_old_secret'];
    expect(() => verify(signWebhookPayload(BODY, 'whsec_new_secret', NOW), { secrets })).not.to.throw();
    expect(() => verify(signWebhookPayload(BODY, 'whsec_old_secret', NOW), { secrets })).not.to.throw();
    expectRejected(() => verify(signWebhookPayload(BODY, 'whsec_retired', NOW), { secrets }), /No signature matches/);
  });

  it('when no secret is configured, then nothing is accepted', () => {
    expectRejected(() => verify(signWebhookPayload(BODY, SECRET, NOW), { secrets: [] }), /No signature matches/);
  });

  it('when the body is not ASCII, then the signature is over its UTF-8 bytes', () => {
    const body = JSON.stringify({ id: 'evt_ü', note: 'Zoë — 東京' });
    expect(() => verify(signWebhookPayload(body, SECRET, NOW), { rawBody: body })).not.to.throw();
  });
});
