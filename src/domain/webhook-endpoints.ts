/**
 * Rules of outgoing webhooks (docs/api-conventions.md#outgoing-webhooks): which URLs and target addresses are allowed, when a failed
 * delivery is tried again, when an endpoint that keeps failing is disabled. Pure: DNS and HTTP live in
 * src/platform/webhook-transport.ts.
 */
import { BlockList, isIP } from 'node:net';
import { invalidField } from './errors';

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Addresses a webhook must never reach: a receiver URL is chosen by a user, so without this list it
 * would let them probe our own network (SSRF). IPv4-mapped and NAT64 IPv6 forms are refused whole,
 * since they can name any of the IPv4 ranges below.
 */
// Two lists: a BlockList matches an IPv4 address against IPv4-mapped IPv6 subnets too, so
// ::ffff:0:0/96 in one shared list would refuse every IPv4 address.
const NON_PUBLIC_V4 = new BlockList();
const NON_PUBLIC_V6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  NON_PUBLIC_V4.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback, IPv4-compatible
  ['::ffff:0:0', 96], // IPv4-mapped
  ['64:ff9b::', 96], // NAT64
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  NON_PUBLIC_V6.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address (v4 or v6 literal) is public: not loopback, private, link-local, unspecified or reserved. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? !NON_PUBLIC_V4.check(address, 'ipv4') : !NON_PUBLIC_V6.check(address, 'ipv6');
}

/**
 * The checks a URL passes before any DNS: parseable, http(s) (plain http outside production only),
 * no credentials in it, at most MAX_WEBHOOK_URL_LENGTH characters; and, unless private targets are
 * allowed, a host that is not itself a non-public IP literal. Returns the parsed URL.
 */
export function parseWebhookUrl(raw: string, rules: { allowHttp: boolean; allowPrivate: boolean }): URL {
  const bad = (detail: string) => invalidField('url', detail, 'invalid_url');
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) throw bad(`The URL must be at most ${MAX_WEBHOOK_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('Enter a valid URL.');
  }
  const schemes = rules.allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) throw bad(rules.allowHttp ? 'The URL must start with https:// or http://.' : 'The URL must start with https://.');
  if (url.username || url.password) throw bad('The URL must not contain credentials.');
  if (!url.hostname) throw bad('The URL must name a host.');
  const literal = hostAddress(url);
  if (literal && !rules.allowPrivate && !isPublicAddress(literal)) throw bad('The URL points at a loopback, private or reserved address.');
  return url;
}

/** The IP a URL's host is written as (without IPv6 brackets), or null for a name. */
export function hostAddress(url: URL): string | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) ? host : null;
}

/** The wait before try `attempt + 1` after `attempt` tries failed: backoffMs, then doubling. */
export function webhookRetryDelayMs(attempt: number, backoffMs: number): number {
  return backoffMs * 2 ** Math.max(0, attempt - 1);
}

/** How long a delivery may go on being tried: the sum of the waits between its tries. */
export function webhookRetryWindowMs(maxAttempts: number, backoffMs: number): number {
  return backoffMs * (2 ** Math.max(0, maxAttempts - 1) - 1);
}

/** An endpoint whose deliveries have failed without a success since `failingSince` is disabled after disableAfterMs. */
export function shouldDisableEndpoint(failingSince: Date | null, now: Date, disableAfterMs: number): boolean {
  return failingSince !== null && now.getTime() - failingSince.getTime() >= disableAfterMs;
}

/** A 2xx answer is a delivery; anything else (redirects included: they are never followed) is a failure. */
export const isDelivered = (status: number | null): boolean => status !== null && status >= 200 && status < 300;
