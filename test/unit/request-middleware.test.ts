import { Writable } from 'node:stream';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import helmet from 'koa-helmet';
import pino from 'pino';
import '../../src/api/koa-augment';
import { requestContext } from '../../src/api/middleware/request-context';
import { securityHeaders } from '../../src/api/middleware/security-headers';
import { jsonBody } from '../../src/api/middleware/json-body';

/** A Koa app on a loopback port; `call` answers the status, headers (as sent, in order) and body. */
async function serve(api: Koa) {
  const server = http.createServer(api.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const call = (path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    new Promise<{ status: number; rawHeaders: string[]; body: string }>((resolve, reject) => {
      const headers = { ...options.headers, ...(options.body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(options.body)) }) };
      const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, rawHeaders: res.rawHeaders, body }));
      });
      req.on('error', reject);
      req.end(options.body);
    });
  return { call, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Header names and values as sent, without those that change per response. */
const stable = (raw: string[]) => {
  const pairs: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!/^(date|x-request-id|server-timing)$/i.test(raw[i]!)) pairs.push(`${raw[i]}: ${raw[i + 1]}`);
  return pairs;
};

describe('request middleware', () => {
  describe('securityHeaders', () => {
    const API_OPTIONS = {
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      frameguard: { action: 'deny' as const },
      referrerPolicy: { policy: 'no-referrer' as const },
    };
    const HTML_OPTIONS = { contentSecurityPolicy: false, frameguard: false, referrerPolicy: { policy: 'no-referrer' as const } };

    it('sends the headers koa-helmet sends, in its order, for API paths and for the HTML apps', async () => {
      const ours = new Koa();
      ours.use(securityHeaders(['/docs']));
      ours.use((ctx) => void (ctx.body = { ok: true }));
      const theirs = new Koa();
      theirs.use((ctx, next) => (ctx.path === '/docs' || ctx.path.startsWith('/docs/') ? helmet(HTML_OPTIONS)(ctx, next) : helmet(API_OPTIONS)(ctx, next)));
      theirs.use((ctx) => void (ctx.body = { ok: true }));
      const [a, b] = [await serve(ours), await serve(theirs)];
      try {
        for (const path of ['/api/v1/x/', '/docs', '/docs/index.html', '/docsx']) {
          // Twice: the first request may wait for the recording.
          for (let i = 0; i < 2; i++) {
            const [mine, helmets] = [await a.call(path), await b.call(path)];
            expect(stable(mine.rawHeaders), path).to.deep.equal(stable(helmets.rawHeaders));
          }
        }
        expect(stable((await a.call('/api/')).rawHeaders)).to.include("X-Frame-Options: DENY");
        expect(stable((await a.call('/docs/')).rawHeaders).join('\n')).not.to.match(/X-Frame-Options|Content-Security-Policy/);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });

  describe('requestContext', () => {
    it("gives each request its id (the caller's when sane), a logger carrying it, and a Server-Timing", async () => {
      const lines: Array<Record<string, unknown>> = [];
      const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
      const logger = pino({ level: 'debug' }, sink);
      const api = new Koa();
      api.use(requestContext(logger));
      api.use((ctx) => {
        ctx.log.debug('inside');
        // The same logger on each use within a request.
        expect(ctx.log).to.equal(ctx.log);
        ctx.body = { id: ctx.requestId };
      });
      const app = await serve(api);
      try {
        const mine = await app.call('/a', { headers: { 'X-Request-Id': 'caller-id.1' } });
        const other = await app.call('/b', { headers: { 'X-Request-Id': 'not sane!' } });
        expect(JSON.parse(mine.body)).to.deep.equal({ id: 'caller-id.1' });
        const otherId = (JSON.parse(other.body) as { id: string }).id;
        expect(otherId).to.match(/^[0-9a-f-]{36}$/);
        const headers = (raw: string[]) => Object.fromEntries(Array.from({ length: raw.length / 2 }, (_, i) => [raw[2 * i]!.toLowerCase(), raw[2 * i + 1]]));
        expect(headers(mine.rawHeaders)['x-request-id']).to.equal('caller-id.1');
        expect(headers(mine.rawHeaders)['server-timing']).to.match(/^app;dur=\d+\.\d\d$/);
        const inside = lines.filter((l) => l.msg === 'inside').map((l) => l.reqId);
        expect(inside).to.deep.equal(['caller-id.1', otherId]);
        expect(lines.filter((l) => l.msg === 'request').map((l) => [l.reqId, l.path, l.status])).to.deep.equal([
          ['caller-id.1', '/a', 200],
          [otherId, '/b', 200],
        ]);
      } finally {
        await app.close();
      }
    });

    it('lets a later middleware replace the request logger', async () => {
      const logger = pino({ level: 'silent' });
      const replacement = pino({ level: 'silent' });
      const api = new Koa();
      api.use(requestContext(logger));
      api.use((ctx) => {
        ctx.log = replacement;
        ctx.body = { replaced: ctx.log === replacement };
      });
      const app = await serve(api);
      try {
        expect(JSON.parse((await app.call('/')).body)).to.deep.equal({ replaced: true });
      } finally {
        await app.close();
      }
    });
  });

  describe('jsonBody', () => {
    it('leaves GET alone and still guards and parses the methods with a body', async () => {
      const api = new Koa();
      api.use(async (ctx, next) => {
        try {
          await next();
        } catch (error) {
          ctx.status = (error as { status?: number }).status ?? 500;
          ctx.body = { error: ctx.status };
        }
      });
      api.use(jsonBody(100));
      api.use((ctx) => void (ctx.body = { method: ctx.method, body: ctx.request.body ?? null }));
      const app = await serve(api);
      try {
        const json = { 'Content-Type': 'application/json' };
        expect(JSON.parse((await app.call('/', { headers: json, body: '{"a":1}' })).body)).to.deep.equal({ method: 'GET', body: null });
        expect(JSON.parse((await app.call('/', { method: 'POST', headers: json, body: '{"a":1}' })).body)).to.deep.equal({ method: 'POST', body: { a: 1 } });
        expect((await app.call('/', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' })).status).to.equal(415);
        expect((await app.call('/', { method: 'PUT', headers: json, body: `"${'x'.repeat(200)}"` })).status).to.equal(413);
      } finally {
        await app.close();
      }
    });
  });
});
