import http from 'node:http';
import type { AddressInfo } from 'node:net';
import knexFactory from 'knex';
import { knexConfig } from '../../db/knexfile';
import { createAppContext } from '../../src/composition';
import { QUEUES } from '../../src/jobs/job-contracts';
import { systemClock } from '../../src/platform/clock';
import { startWorkerProcess } from '../../src/workers/worker-process';
import { stats } from '../job-latency';
import { waitUntil } from '../queue-probe';
import { defineScenario, type BenchContext } from '../support';
import { setUpBookingTargets, slotBooker } from '../slot-booker';
import { timingRow } from '../timing-row';

const NAME = 'webhook-latency';
const PRACTITIONERS = 10;
const CLIENTS = 20;
/** Events per second (BENCH_WEBHOOK_RATE): one booking.created each, one endpoint listening per practitioner. */
const RATE = Number(process.env.BENCH_WEBHOOK_RATE) > 0 ? Number(process.env.BENCH_WEBHOOK_RATE) : 100;
const DRAIN_TIMEOUT_MS = 120_000;

type State = Awaited<ReturnType<typeof setUpBookingTargets>>;

/** A receiver in this process, on loopback: when each event (by booking) arrived. */
async function startReceiver() {
  const arrivals = new Map<number, number>();
  let requests = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const at = Date.now();
      requests++;
      const event = JSON.parse(body) as { type: string; data: { booking: { id: number } } };
      if (event.type === 'booking.created') arrivals.set(event.data.booking.id, at);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/estuary`,
    arrivals,
    requests: () => requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * From the commit of a booking (the API sending COMMIT) until its `booking.created` webhook reaches a
 * receiver, at BENCH_WEBHOOK_RATE events per second through the API (free sessions, open loop): the
 * outbox, the relay, the fan-out job, the delivery's own outbox row and job, the signed POST. Relay
 * and workers run in this process (every queue), with WEBHOOK_ALLOW_PRIVATE_URLS for them only: the
 * endpoints are stored directly, since the API (rightly) refuses a loopback URL.
 */
export const scenario = defineScenario({
  name: NAME,
  description: `commit → receiver of booking.created webhooks at ${RATE} events/s through the API, relay + workers in-process, loopback receiver`,

  setup: (ctx): Promise<State> => setUpBookingTargets(ctx, PRACTITIONERS, CLIENTS),

  async run(ctx, state) {
    const receiver = await startReceiver();
    await ctx.app.db('webhook_endpoints').insert(
      state.targets.map((t) => ({
        owner_id: t.practitionerId,
        practitioner_id: t.practitionerId,
        url: receiver.url,
        events: ['booking.created'],
        secret_ciphertext: ctx.app.secretBox.seal('whsec_bench'),
      })),
    );
    const workers = await startWebhookWorkers(ctx);
    try {
      const { book, issued } = slotBooker(ctx, state, RATE);
      await book(ctx.warmupSeconds);
      const warm = issued();
      await waitUntil('the warm-up webhooks', () => receiver.arrivals.size >= warm, DRAIN_TIMEOUT_MS);
      const commits = await ctx.api.recordBookingCommits();
      const { results, elapsedSeconds } = await book(ctx.seconds).finally(() => commits.stop());
      const created = results.flatMap((r) => (r.value?.status === 201 ? [(JSON.parse(r.value.body) as { id: number }).id] : []));
      await waitUntil(`${created.length} webhooks`, () => created.every((id) => receiver.arrivals.has(id)), DRAIN_TIMEOUT_MS);
      const latencies = created.flatMap((id) => {
        const committed = commits.commits.get(id);
        return committed === undefined ? [] : [receiver.arrivals.get(id)! - committed];
      });
      const statusCodes: Record<string, number> = {};
      for (const r of results) if (r.value) statusCodes[r.value.status] = (statusCodes[r.value.status] ?? 0) + 1;
      const outcomes = await ctx.app.webhooks.countDeliveriesByStatus();
      const details = { target_rate: RATE, achieved_events_per_second: Math.round((created.length / elapsedSeconds) * 10) / 10, commit_to_receiver_ms: stats(latencies), deliveries: outcomes, receiver_requests: receiver.requests() };
      process.stdout.write(`${NAME}: ${JSON.stringify(details)}\n`);
      return [timingRow(NAME, `commit → receiver (booking.created) at ${RATE} events/s`, latencies, { elapsedSeconds, statusCodes, errors: results.filter((r) => r.error).length, details })];
    } finally {
      await workers.close();
      await receiver.close();
    }
  },
});

/** startInProcessWorkers, with private targets allowed for the workers (the loopback receiver). */
async function startWebhookWorkers(ctx: BenchContext) {
  const { config, logger } = ctx.app;
  const db = knexFactory(knexConfig(config.databaseUrl));
  const app = createAppContext({ config: { ...config, webhooks: { ...config.webhooks, allowPrivateUrls: true } }, db, clock: systemClock, logger });
  const worker = await startWorkerProcess(app, { queues: [...QUEUES], relay: true });
  return {
    close: async () => {
      await worker.close();
      await db.destroy();
    },
  };
}
