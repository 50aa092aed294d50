import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
/** Postgres sees the API's connections under this name (PGAPPNAME), which is how databaseConnectionsIdle() finds them. */
export const API_APPLICATION_NAME = 'estuary-bench-api';

export interface BenchProcess {
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  child: ChildProcess;
  /** A request over IPC (processes started with `ipc: true`): the answer's `value`. */
  ask<T>(message: Record<string, unknown>): Promise<T>;
  /** SIGTERM (the process drains), then waits for it to exit; SIGKILL after 30 s. */
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const answers = (url: string): Promise<boolean> =>
  new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => req.destroy());
  });

/**
 * `node --import tsx <script>` (relative to the repository) with `env` added to this process's
 * environment and PORT set to a free port; resolves once GET <readyPath> answers 200. Load always comes
 * from the bench process, never from inside this one.
 */
export async function startNodeProcess(script: string, env: Record<string, string>, options: { readyPath?: string; ipc?: boolean } = {}): Promise<BenchProcess> {
  const readyPath = options.readyPath ?? '/healthz';
  const port = await freePort();
  // BENCH_NODE_ARGS, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof': extra node flags for the processes the bench starts (profiling).
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: options.ipc ? ['ignore', 'ignore', 'pipe', 'ipc'] : ['ignore', 'ignore', 'pipe'],
    // Structured clone: Dates in recorded query bindings stay Dates.
    ...(options.ipc ? { serialization: 'advanced' as const } : {}),
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  child.on('message', (answer: { id: number; value?: unknown; error?: string }) => {
    const waiting = pending.get(answer.id);
    pending.delete(answer.id);
    if (answer.error !== undefined) waiting?.reject(new Error(`${script}: ${answer.error}`));
    else waiting?.resolve(answer.value);
  });
  const ask = <T>(message: Record<string, unknown>) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...message, id }, (error) => error && reject(error));
    });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  let exitedEarly: number | string | undefined;
  void exited.then((status) => (exitedEarly = status));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (!(await answers(`${baseUrl}${readyPath}`))) {
    if (exitedEarly !== undefined) throw new Error(`${script} exited (${exitedEarly}) before it answered:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not answer ${readyPath} within 90 s:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const status = await exited;
    clearTimeout(timer);
    if (status !== 0) process.stderr.write(`bench: ${script} exited with ${status}\n${stderr}`);
  };
  return { baseUrl, child, ask, close };
}

/** Until `count` distinct processes have answered GET /healthz (its `pid`), one connection per request; 90 s at most. */
export async function waitForProcesses(baseUrl: string, count: number): Promise<number[]> {
  const pids = new Set<number>();
  const deadline = Date.now() + 90_000;
  while (pids.size < count) {
    if (Date.now() > deadline) throw new Error(`${baseUrl}: ${pids.size} of ${count} web processes answered within 90 s`);
    const pid = await new Promise<number | undefined>((resolve) => {
      const req = http.get(`${baseUrl}/healthz`, { agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve((JSON.parse(body) as { pid?: number }).pid));
      });
      req.on('error', () => resolve(undefined));
    });
    if (pid !== undefined) pids.add(pid);
    else await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return [...pids];
}
