import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

export interface WebhookAttempt {
  /** The HTTP status answered, or null when there was no answer (refused, timed out, unresolvable). */
  status: number | null;
  /** Why it is not a delivery, or null for a 2xx. */
  error: string | null;
}

export interface WebhookTransport {
  /** Resolves the URL's host and throws a TargetRefused when any address is not public (unless private targets are allowed). */
  checkTarget(url: URL): Promise<void>;
  /** One POST, no redirects followed, within the timeout; never throws. */
  post(request: { url: string; body: string; headers: Record<string, string> }): Promise<WebhookAttempt>;
}

export class TargetRefused extends Error {}

const refusal = (host: string, address: string) =>
  new TargetRefused(`${host === address ? address : `${host} resolves to ${address}`}, a loopback, private or reserved address, is not allowed`);

/**
 * DNS lookup that refuses non-public answers. Given to the socket itself, so the address checked is
 * the address connected to: a name that resolved to a public address at registration and to
 * 127.0.0.1 now (DNS rebinding) is refused now.
 */
function guardedLookup(allowPrivate: boolean, isPublicAddress: (address: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const bad = allowPrivate ? undefined : addresses.find((a) => !isPublicAddress(a.address));
      if (bad) return callback(Object.assign(refusal(hostname, bad.address), { code: 'ETARGETREFUSED' }), '', 0);
      if (!addresses.length) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

const MAX_ERROR_LENGTH = 500;

/** Outgoing webhook HTTP: keep-alive agents, a guarded lookup, a hard timeout over the whole exchange. */
/** The host of a URL when it is an IP address literal (brackets of IPv6 removed), else null. */
function hostAddress(url: URL): string | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) ? host : null;
}

/**
 * `isPublicAddress` is the rule of which targets may be reached (the domain's, given by the composition
 * root): this transport applies it to literal hosts and to every address a name resolves to, at connect time.
 */
export function createWebhookTransport(options: { allowPrivate: boolean; timeoutMs: number; userAgent?: string; isPublicAddress: (address: string) => boolean }): WebhookTransport {
  const { isPublicAddress } = options;
  const lookup = guardedLookup(options.allowPrivate, isPublicAddress);
  const agents = { 'http:': new http.Agent({ keepAlive: true, lookup }), 'https:': new https.Agent({ keepAlive: true, lookup }) };

  const assertLiteralAllowed = (url: URL) => {
    // A host written as an IP is never looked up, so the socket's lookup never sees it.
    const literal = hostAddress(url);
    if (literal && !options.allowPrivate && !isPublicAddress(literal)) throw refusal(url.hostname, literal);
  };

  return {
    async checkTarget(url) {
      assertLiteralAllowed(url);
      if (hostAddress(url)) return;
      await new Promise<void>((resolve, reject) =>
        lookup(url.hostname, { all: true }, (error) => (error ? reject(error instanceof TargetRefused ? error : new TargetRefused(`${url.hostname} does not resolve`)) : resolve())),
      );
    },

    async post(request) {
      let url: URL;
      try {
        url = new URL(request.url);
        assertLiteralAllowed(url);
      } catch (error) {
        return { status: null, error: (error as Error).message.slice(0, MAX_ERROR_LENGTH) };
      }
      return new Promise<WebhookAttempt>((resolve) => {
        let settled = false;
        const finish = (attempt: WebhookAttempt) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: attempt.status, error: attempt.error?.slice(0, MAX_ERROR_LENGTH) ?? null });
        };
        const agent = url.protocol === 'https:' ? agents['https:'] : agents['http:'];
        const client = url.protocol === 'https:' ? https : http;
        const req = client.request(url, {
          method: 'POST',
          agent,
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(request.body), 'User-Agent': options.userAgent ?? 'Estuary-Webhooks/1', ...request.headers },
        });
        // finish() runs only from events and this timer, all after this line.
        const timer = setTimeout(() => {
          req.destroy();
          finish({ status: null, error: `timed out after ${options.timeoutMs} ms` });
        }, options.timeoutMs);
        req.on('response', (res) => {
          const status = res.statusCode ?? null;
          // The body is not used; read it so the socket can be reused, and give up on it with the timeout.
          res.resume();
          res.on('end', () => {
            if (status !== null && status >= 200 && status < 300) return finish({ status, error: null });
            const redirect = status !== null && status >= 300 && status < 400 ? ` (redirect to ${res.headers.location ?? '?'} not followed)` : '';
            finish({ status, error: `HTTP ${status}${redirect}` });
          });
          res.on('error', (error) => finish({ status, error: error.message }));
        });
        req.on('error', (error) => finish({ status: null, error: error.message }));
        req.end(request.body);
      });
    },
  };
}
