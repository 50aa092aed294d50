import { bulkInsertBookings, bulkInsertServices } from '../bulk-bookings';
import { bulkInsertUsers, registerUsers, tokenRotation } from '../fixtures';
import { startNodeProcess, waitForProcesses } from '../processes';
import { databaseConnectionsIdle, defineScenario, measure, round, type BenchRow } from '../support';

const NAME = 'scale-out';
const PRACTITIONERS = 20;
const TOKEN_CLIENTS = 16;
const CLIENTS = 200;
const BOOKINGS = 10_000;
const LIST = '/api/v1/drf/bookings/?page_size=20';

/**
 * The same read (a client's first page of GET /bookings/, ~50 bookings each among 10,000) served by the
 * real web entry point (`node --import tsx src/api/main.ts`) with WEB_CONCURRENCY=1 and then 2: what a
 * second process on this machine's cores buys. Each case starts its own API (the run's own stays idle).
 */
export const scenario = defineScenario({
  name: NAME,
  description: `GET ${LIST} as a client (${BOOKINGS} bookings) from src/api/main.ts with WEB_CONCURRENCY=1 and 2`,

  async setup(ctx) {
    const [practitioners, clients] = await Promise.all([registerUsers(ctx, 'practitioner', 2), registerUsers(ctx, 'client', TOKEN_CLIENTS)]);
    const others = await bulkInsertUsers(ctx, 'practitioner', PRACTITIONERS - practitioners.length);
    const otherClients = await bulkInsertUsers(ctx, 'client', CLIENTS - TOKEN_CLIENTS);
    const services = await bulkInsertServices(ctx, [...practitioners.map((u) => u.id), ...others]);
    await bulkInsertBookings(ctx, {
      practitioners: services,
      clientIds: [...clients.map((u) => u.id), ...otherClients],
      total: BOOKINGS,
      firstStart: new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 30 * 86_400_000),
      spacingMinutes: 90,
      durationMinutes: 60,
    });
    return { clients };
  },

  async run(ctx, { clients }) {
    const rows: BenchRow[] = [];
    for (const processes of [1, 2]) {
      const api = await startNodeProcess('src/api/main.ts', { ...ctx.apiEnv, WEB_CONCURRENCY: String(processes) });
      try {
        const pids = await waitForProcesses(api.baseUrl, processes);
        const nextToken = tokenRotation(clients);
        // measure() settles before and after the measured part: here, by the database connections of this API.
        const row = await measure({ ...ctx, baseUrl: api.baseUrl, settle: () => databaseConnectionsIdle(ctx.app.db) }, NAME, {
          label: `client list, WEB_CONCURRENCY=${processes}`,
          requests: [{ method: 'GET', path: LIST, setupRequest: (request) => ({ ...request, headers: { authorization: nextToken() } }) }],
          details: { web_processes: pids.length, path: LIST },
        });
        rows.push(row);
      } finally {
        await api.close();
      }
    }
    const [one, two] = rows;
    if (one?.rps) two!.details = { ...two!.details, rps_vs_one_process: round(two!.rps / one.rps, 2) };
    return rows;
  },
});
