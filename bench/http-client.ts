import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface HttpResponse {
  status: number;
  body: string;
  /** Request sent → response fully read, in milliseconds. */
  ms: number;
  /** Wall clock (epoch ms) when the response was fully read: comparable with Postgres now() and BullMQ timestamps. */
  receivedAt: number;
  /** The server's own time for the request, from its `Server-Timing: app;dur=` header (undefined without one). */
  serverMs: number | undefined;
}

export interface HttpClient {
  post(path: string, token: string, body: unknown): Promise<HttpResponse>;
  close(): void;
}

/**
 * A bare keep-alive client for scenarios that drive requests themselves instead of through autocannon:
 * rounds that must all finish before the next one, or an open-loop rate whose responses must be read.
 * node:http rather than fetch, because the client shares the CPUs with the API it measures.
 */
const serverTiming = (header: string | string[] | undefined): number | undefined => {
  const dur = header && /(?:^|,)\s*app;dur=([\d.]+)/.exec(String(header));
  return dur ? Number(dur[1]) : undefined;
};

export function createHttpClient(baseUrl: string, maxSockets: number): HttpClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const { hostname, port } = new URL(baseUrl);
  return {
    post: (path, token, body) =>
      new Promise((resolve, reject) => {
        const payload = JSON.stringify(body);
        const started = performance.now();
        const request = http.request(
          {
            host: hostname,
            port,
            path,
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Token ${token}` },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('error', reject);
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8'),
                ms: performance.now() - started,
                receivedAt: Date.now(),
                serverMs: serverTiming(response.headers['server-timing']),
              }),
            );
          },
        );
        request.on('error', reject);
        request.end(payload);
      }),
    close: () => agent.destroy(),
  };
}
