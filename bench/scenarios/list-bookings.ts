import { bulkInsertBookings, bulkInsertServices } from '../bulk-bookings';
import { bulkInsertUsers, callApi, registerUsers, tokenRotation, type BenchUser } from '../fixtures';
import { defineScenario, measure, type BenchRow, type LoadCase } from '../support';

const NAME = 'list-bookings';
const BOOKINGS = 100_000;
const PRACTITIONERS = 50;
const CLIENTS = 2_000;
/**
 * Of those, the users whose tokens the load sends (registered through the real use case): several per
 * role, so that no one user carries the whole load, which per-user rate limits would not allow.
 */
const TOKEN_PRACTITIONERS = 8;
const TOKEN_CLIENTS = 16;
const TOKEN_ADMINS = 8;
const DAY_MS = 86_400_000;

const LIST = '/api/v1/drf/bookings/?page_size=20';

/**
 * The first page of GET /bookings/ among 100,000 bookings (50 practitioners with ~2,000 appointments
 * each, 2,000 clients with ~50 each, about half in the past), as each role sees it, and with filters.
 */
export const scenario = defineScenario({
  name: NAME,
  description: `GET ${LIST} with ${BOOKINGS} bookings of ${PRACTITIONERS} practitioners and ${CLIENTS} clients, as a client, a practitioner, an admin, and filtered`,

  async setup(ctx) {
    const [practitioners, clients, admins] = await Promise.all([
      registerUsers(ctx, 'practitioner', TOKEN_PRACTITIONERS),
      registerUsers(ctx, 'client', TOKEN_CLIENTS),
      registerUsers(ctx, 'admin', TOKEN_ADMINS),
    ]);
    const otherPractitioners = await bulkInsertUsers(ctx, 'practitioner', PRACTITIONERS - TOKEN_PRACTITIONERS);
    const otherClients = await bulkInsertUsers(ctx, 'client', CLIENTS - TOKEN_CLIENTS);
    const services = await bulkInsertServices(ctx, [...practitioners.map((u) => u.id), ...otherPractitioners]);
    const firstStart = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 60 * DAY_MS);
    const statuses = await bulkInsertBookings(ctx, {
      practitioners: services,
      clientIds: [...clients.map((u) => u.id), ...otherClients],
      total: BOOKINGS,
      firstStart,
      spacingMinutes: 90,
      durationMinutes: 60,
    });
    return { practitioners, clients, admins, statuses };
  },

  async run(ctx, { practitioners, clients, admins, statuses }) {
    const cases: Array<{ label: string; users: BenchUser[]; path: string }> = [
      { label: 'client (~50 bookings)', users: clients, path: LIST },
      { label: 'practitioner (~2,000 appointments)', users: practitioners, path: LIST },
      { label: 'admin (all)', users: admins, path: LIST },
      { label: 'admin status=confirmed ordering=-start_time', users: admins, path: `${LIST}&status=confirmed&ordering=-start_time` },
    ];
    const rows: BenchRow[] = [];
    for (const { label, users, path } of cases) {
      // One real call first: the page must be a full one, and its count is worth keeping with the figures.
      const page = await callApi<{ count: number; results: unknown[] }>(ctx, { method: 'GET', path, token: users[0]!.token });
      if (page.results.length !== 20) throw new Error(`${label}: expected a full page of 20, got ${page.results.length}`);
      const nextToken = tokenRotation(users);
      const load: LoadCase = {
        label,
        requests: [{ method: 'GET', path, setupRequest: (request) => ({ ...request, headers: { authorization: nextToken() } }) }],
        details: { path, tokens: users.length, count_seen_by_first_user: page.count, bookings_by_status: statuses },
      };
      rows.push(await measure(ctx, NAME, load));
    }
    return rows;
  },
});
