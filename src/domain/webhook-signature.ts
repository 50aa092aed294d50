import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from './errors';

const invalidSignature = (detail: string) => new DomainError('invalid', 'invalid_signature', detail);

export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Verifies a Stripe-compatible signature header `t=<unix>,v1=<hex>[,v1=<hex>…]`: HMAC-SHA256 of
 * "<t>.<raw body>", compared in constant time, within the tolerance. Several v1 values (the
 * provider rotating its secret) and several secrets (ours rotating) are accepted.
 */
export function verifyWebhookSignature(input: { header: string | undefined; rawBody: string; secrets: string[]; now: Date; toleranceSeconds?: number }): void {
  if (!input.header) throw invalidSignature('Missing Stripe-Signature header.');
  const parts = input.header.split(',').map((p) => p.trim().split('='));
  const timestamp = parts.find(([k]) => k === 't')?.[1];
  const signatures = parts.filter(([k, v]) => k === 'v1' && v && /^[0-9a-f]{64}$/i.test(v)).map(([, v]) => Buffer.from(v!, 'hex'));
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !signatures.length) throw invalidSignature('Malformed Stripe-Signature header.');
  const age = Math.abs(input.now.getTime() / 1000 - Number(timestamp));
  if (age > (input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS)) throw invalidSignature('Signature timestamp outside the tolerance window.');
  const matches = input.secrets.some((secret) => {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${input.rawBody}`).digest();
    return signatures.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected));
  });
  if (!matches) throw invalidSignature('No signature matches the payload.');
}

/** The header a provider would send: for tests, benchmarks and local tools. */
export function signWebhookPayload(rawBody: string, secret: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex')}`;
}
