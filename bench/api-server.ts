/**
 * The API process of `npm run bench`: the real composition root and web server (src/api/server.ts, as
 * src/api/main.ts starts them), plus probes the bench process reads over IPC, since it can no longer
 * listen to this process's knex: every query's time ('queries') and when each booking's transaction sent
 * COMMIT ('commits'); and `usage`: this process's CPU time, the requests it has received (so that a
 * scenario can tell CPU per request, a figure a busy machine disturbs far less than req/s) and those
 * still being handled (what settle() waits for). Load comes from the bench process; nothing here generates any.
 *
 * BENCH_WITHOUT_MIDDLEWARE=name[,name] leaves those middlewares out of the chain (ApiDeps.without), for
 * the middleware-cost scenario only; src/api/main.ts never sets it.
 */
import { createRuntime, exitOnStartupFailure } from '../src/composition';
import { startWeb } from '../src/api/server';
import { OPTIONAL_MIDDLEWARE, type OptionalMiddleware } from '../src/api/app';
import { onShutdown } from '../src/platform/shutdown';
import { recordQueries } from './query-profile';
import { recordBookingCommits } from './queue-probe';

type Probe = { take(): unknown; stop(): void };
const PROBES: Record<string, (app: Awaited<ReturnType<typeof createRuntime>>) => Probe> = {
  queries: (app) => recordQueries(app.db),
  commits: (app) => {
    const recorder = recordBookingCommits(app.db);
    return { take: () => [...recorder.commits.entries()], stop: recorder.stop };
  },
};

function parseWithout(raw: string | undefined): OptionalMiddleware[] {
  const names = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(OPTIONAL_MIDDLEWARE as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`BENCH_WITHOUT_MIDDLEWARE: unknown ${unknown.join(', ')}; known: ${OPTIONAL_MIDDLEWARE.join(', ')}`);
  return names as OptionalMiddleware[];
}

async function main(): Promise<void> {
  const without = parseWithout(process.env.BENCH_WITHOUT_MIDDLEWARE);
  const app = await createRuntime('bench-web');
  const web = await startWeb(app, { without });
  onShutdown(app.logger, [web.close, () => app.db.destroy()]);
  // The bench process is gone (crashed, killed): drain and exit rather than linger on the port.
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  const running = new Map<string, Probe>();
  let requests = 0;
  let inFlight = 0;
  // Counted until Koa's middleware chain settles (its handler's promise), not until the socket closes:
  // autocannon destroys its sockets when time is up, and the handlers behind them go on using the database.
  const [handle] = web.server.listeners('request') as Array<(req: unknown, res: unknown) => unknown>;
  web.server.removeAllListeners('request');
  web.server.on('request', (req, res) => {
    requests++;
    inFlight++;
    void Promise.resolve(handle!(req, res)).finally(() => inFlight--);
  });
  process.on('message', (message: { id: number; op: 'start' | 'take' | 'stop' | 'usage'; probe: string }) => {
    const answer = (value: unknown) => process.send!({ id: message.id, value });
    if (message.op === 'usage') {
      const { user, system } = process.cpuUsage();
      return answer({ cpuMicros: user + system, requests, inFlight });
    }
    const make = PROBES[message.probe];
    if (!make) return process.send!({ id: message.id, error: `no probe ${message.probe}` });
    if (message.op === 'start') {
      running.get(message.probe)?.stop();
      running.set(message.probe, make(app));
      return answer(null);
    }
    const probe = running.get(message.probe);
    const value = probe?.take() ?? [];
    if (message.op === 'stop') {
      probe?.stop();
      running.delete(message.probe);
    }
    answer(value);
  });
}

main().catch(exitOnStartupFailure);
