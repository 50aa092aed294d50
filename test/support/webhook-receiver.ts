import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { schemaViolation } from './openapi-responses';

export interface ReceivedDelivery {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: { id: number; type: string; created_at: string; sequence: number; data: { booking: Record<string, unknown> & { id: number } } };
}

type Answer = { status?: number; headers?: Record<string, string>; hangMs?: number };

/**
 * A receiver on loopback, as a practitioner's system would run one. `answer(n)` decides the reply to
 * the n-th request (from 1): default 200. Every request is kept.
 */
export async function startWebhookReceiver(answer: (n: number) => Answer = () => ({}), port = 0) {
  const received: ReceivedDelivery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body, json: JSON.parse(body || '{}') });
      const reply = answer(received.length);
      const send = () => {
        res.writeHead(reply.status ?? 200, reply.headers ?? {});
        res.end('ok');
      };
      if (reply.hangMs) {
        const timer = setTimeout(send, reply.hangMs);
        timers.add(timer);
      } else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/hooks`,
    port: bound,
    received,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      // Each delivered body must be the documented WebhookEvent (checked here, not while answering: the
      // first check compiles the schema, and a slow answer is a failed delivery).
      const violations = received.map((r) => schemaViolation('WebhookEvent', r.json)).filter((v) => v !== undefined);
      if (violations.length) throw new Error(`OpenAPI: ${violations.length} delivered bodies do not match the document; the first: ${violations[0]}`);
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;

/**
 * What a receiver does with `Estuary-Signature: t=<unix>,v1=<hex>`: HMAC-SHA256 of "<t>.<raw body>"
 * under the endpoint's secret, compared in constant time, t within `toleranceSeconds` of `now`.
 * Written from docs/notifications.md, not with the service's code.
 */
export function verifyEstuarySignature(header: string | undefined, rawBody: string, secret: string, now: Date, toleranceSeconds = 300): boolean {
  if (!header) return false;
  const fields = header.split(',').map((part) => part.split('=') as [string, string]);
  const t = fields.find(([k]) => k === 't')?.[1];
  const signatures = fields.filter(([k]) => k === 'v1').map(([, v]) => v);
  if (!t || !signatures.length || Math.abs(now.getTime() / 1000 - Number(t)) > toleranceSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex'));
  return signatures.some((sig) => sig.length === expected.length && timingSafeEqual(Buffer.from(sig), expected));
}
