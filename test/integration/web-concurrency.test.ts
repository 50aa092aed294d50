import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { aUser, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { deleteRedisKeys, eventually } from '../support/workers';

const ROOT = path.resolve(__dirname, '../..');

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One request on a connection of its own, so that the cluster's round-robin sees each one. */
function get(port: number, pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
  });
}

const parentOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
const listeningPids = (output: string): number[] =>
  output
    .split('\n')
    .filter((line) => line.includes('"API listening"'))
    .map((line) => (JSON.parse(line) as { pid: number }).pid);
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('web: WEB_CONCURRENCY runs several web processes on one port (node:cluster)', function () {
  this.timeout(120_000);
  let h: Harness;
  let client: TestUser;
  let primary: ChildProcess;
  let output = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let port: number;

  before(async () => {
    h = await startHarness();
    client = await aUser(h, 'client');
    port = await freePort();
    primary = spawn(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', WEB_CONCURRENCY: '2', PORT: String(port), DATABASE_URL: h.config.databaseUrl, REDIS_URL: h.config.redisUrl, QUEUE_PREFIX: h.config.queuePrefix, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    primary.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    primary.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited = new Promise((resolve) => primary.once('exit', (code, signal) => resolve({ code, signal })));
    await eventually(() => expect(listeningPids(output), output).to.have.length(2), 90_000, 200);
  });
  after(async () => {
    if (primary.exitCode === null && primary.signalCode === null) {
      for (const pid of listeningPids(output)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      primary.kill('SIGKILL');
    }
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
    await h.close();
  });

  it('when WEB_CONCURRENCY=2, then two processes forked by the one started answer requests on its port', async () => {
    const workers = listeningPids(output);
    expect(workers.map(parentOf)).to.deep.equal([primary.pid, primary.pid]);
    const answered = new Set<number>();
    for (let i = 0; i < 40 && answered.size < 2; i++) {
      const res = await get(port, '/healthz');
      expect(res.status).to.equal(200);
      answered.add(res.body.pid as number);
    }
    expect([...answered].sort()).to.deep.equal([...workers].sort());
    for (let i = 0; i < 4; i++) {
      const me = await get(port, '/api/v1/auth/me/', client.auth);
      expect(me.status).to.equal(200);
      expect(me.body.id).to.equal(client.id);
    }
  });

  it('when a web process dies, then the primary logs it and starts another', async () => {
    const [victim] = listeningPids(output);
    process.kill(victim!, 'SIGKILL');
    await eventually(() => expect(isAlive(victim!)).to.equal(false), 10_000, 50);
    await eventually(() => expect(listeningPids(output).filter(isAlive)).to.have.length(2), 90_000, 200);
    expect(output).to.include('a web process died; starting another');
    expect((await get(port, '/healthz')).status).to.equal(200);
  });

  it('when the web processes cannot listen (port in use), then the primary exits 1 with the one-line reason instead of forking again', async () => {
    const second = spawn(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', WEB_CONCURRENCY: '2', PORT: String(port), DATABASE_URL: h.config.databaseUrl, REDIS_URL: h.config.redisUrl, QUEUE_PREFIX: h.config.queuePrefix, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    second.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    second.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => second.once('exit', (c) => resolve(c)));
    expect(code, log).to.equal(1);
    expect(log).to.include(`port ${port} is already in use`);
    expect(log).to.include('a web process exited before it listened; not starting another');
    expect(log).not.to.include('a web process died');
  });

  it('when the primary gets SIGTERM, then every web process drains and the primary exits 0', async () => {
    const workers = listeningPids(output).filter(isAlive);
    primary.kill('SIGTERM');
    expect(await exited, output).to.deep.equal({ code: 0, signal: null });
    expect(workers.filter(isAlive)).to.deep.equal([]);
  });
});
