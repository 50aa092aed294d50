import { ACTIVE_STATUSES } from '../../src/domain/types';
import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import { checkAvailability, type AvailabilityQuery } from '../../src/app/bookings/check-availability';
import { findFreeSlots } from '../../src/domain/availability';
import { localIsoFormatter } from '../../src/domain/local-time';
import { BUSY_ZONE, createBusyPractitioner } from '../busy-practitioner';
import { callApi, registerUsers, tokenRotation } from '../fixtures';
import { createHttpClient } from '../http-client';
import { explainAnalyze, queryLabel, recordQueries, summarizeQueries, timeSequentially, type QueryStats, type RecordedQuery } from '../query-profile';
import { defineScenario, measure, percentile, round, type BenchContext, type BenchRow } from '../support';
import { timingRow } from '../timing-row';

const NAME = 'check-availability';
const PATH = '/api/v1/drf/bookings/check-availability/';
const DAY_MS = 86_400_000;
const CASES = [1, 31];
/** findFreeSlots calls per case (BENCH_ENGINE_ITERATIONS); the use case without HTTP runs a fifth of that. */
const ENGINE_ITERATIONS = Math.max(10, Math.round(Number(process.env.BENCH_ENGINE_ITERATIONS) || 1000));

/**
 * POST /bookings/check-availability/ for one day and for 31 days, for a practitioner with 1,000 active
 * bookings (bench/busy-practitioner.ts). Three layers, so the engine and the rest are both visible:
 * the pure engine (findFreeSlots on the same schedule and busy ranges), the use case without HTTP (with
 * the time of each query it runs and EXPLAIN ANALYZE of the busy-range query), and HTTP, with one
 * connection (unloaded latency) and with BENCH_CONNECTIONS.
 */
export const scenario = defineScenario({
  name: NAME,
  description: `${PATH} for days=1 and days=31, practitioner (${BUSY_ZONE}) with 1,000 active bookings over ~60 days; engine alone, use case, HTTP`,

  async setup(ctx) {
    const [busy, clients] = await Promise.all([createBusyPractitioner(ctx), registerUsers(ctx, 'client', 8)]);
    const queries = CASES.map(
      (days): AvailabilityQuery => ({ practitioner_id: busy.practitioner.id, service_id: busy.sessionServiceId, date: busy.firstDate, timezone: BUSY_ZONE, days }),
    );
    // The answer must be a real one: slots on the busy days, none on the holiday.
    const slotCounts: number[] = [];
    for (const query of queries) {
      const answer = await callApi<{ slots: unknown[] }>(ctx, { method: 'POST', path: PATH, token: clients[0]!.token, body: query, expect: 200 });
      if (!answer.slots.length) throw new Error(`check-availability days=${query.days}: no free slots; the fixture is wrong`);
      slotCounts.push(answer.slots.length);
    }
    return { busy, clients, queries, slotCounts };
  },

  async run(ctx, { busy, clients, queries, slotCounts }) {
    const rows: BenchRow[] = [];
    const data = { practitioner_bookings: busy.bookings, date: busy.firstDate };
    for (const [i, query] of queries.entries()) {
      const details = { ...data, days: query.days, slots: slotCounts[i] };
      rows.push(await measureEngine(ctx, query, details));
      rows.push(await profileUseCase(ctx, query, clients[0]!.token, details));
      const nextToken = tokenRotation(clients);
      for (const connections of [...new Set([1, ctx.connections])]) {
        const row = await measure({ ...ctx, connections }, NAME, {
          label: `HTTP days=${query.days}, ${connections} connection${connections === 1 ? '' : 's'}`,
          requests: [
            {
              method: 'POST',
              path: PATH,
              body: JSON.stringify(query),
              setupRequest: (request) => ({ ...request, headers: { 'content-type': 'application/json', authorization: nextToken() } }),
            },
          ],
          details: { ...details, connections },
        });
        rows.push(row);
      }
    }
    return rows;
  },
});

/** The use case's window of busy ranges, as check-availability.ts computes it. */
function busyWindow(query: AvailabilityQuery): { from: Date; to: Date } {
  const start = DateTime.fromISO(query.date, { zone: query.timezone });
  return { from: new Date(start.toMillis() - DAY_MS), to: new Date(start.plus({ days: query.days }).toMillis() + DAY_MS) };
}

/** findFreeSlots alone, on the schedule and busy ranges the use case would load. */
async function measureEngine(ctx: BenchContext, query: AvailabilityQuery, details: Record<string, unknown>): Promise<BenchRow> {
  const schedule = (await ctx.app.practitioners.loadSchedule(query.practitioner_id))!;
  const busy = await ctx.app.bookings.busyRanges(query.practitioner_id, busyWindow(query), { statuses: ACTIVE_STATUSES });
  const service = (await ctx.app.catalog.findService(query.service_id))!;
  const input = { schedule, busy, durationMinutes: service.duration_minutes, date: query.date, days: query.days, zone: query.timezone, now: new Date() };
  let slots = 0;
  for (let i = 0; i < Math.ceil(ENGINE_ITERATIONS / 5); i++) findFreeSlots(input);
  const ms: number[] = [];
  for (let i = 0; i < ENGINE_ITERATIONS; i++) {
    const started = performance.now();
    slots = findFreeSlots(input).length;
    ms.push(performance.now() - started);
  }
  return timingRow(NAME, `engine days=${query.days} (findFreeSlots)`, ms, { details: { ...details, busy_ranges: busy.length, time_off: schedule.timeOff.length, slots_found: slots } });
}

/**
 * checkAvailability called directly, one call after another: its time, the time of each query it runs,
 * what turning the slots into local times and JSON costs, the queries HTTP adds, and the plan of the
 * busy-range query.
 */
async function profileUseCase(ctx: BenchContext, query: AvailabilityQuery, token: string, details: Record<string, unknown>): Promise<BenchRow> {
  const times = Math.max(50, Math.round(ENGINE_ITERATIONS / 5));
  await timeSequentially(Math.ceil(times / 5), () => checkAvailability(ctx.app, query));
  const recorder = recordQueries(ctx.app.db);
  let ms: number[];
  let recorded: RecordedQuery[];
  let httpQueries: QueryStats[];
  // One request at a time over one keep-alive connection: what the client observed, and the server's own
  // time from its Server-Timing header (docs/development.md#logs).
  const http = { client: [] as number[], server: [] as number[] };
  try {
    ms = await timeSequentially(times, () => checkAvailability(ctx.app, query));
    recorded = recorder.take();
    const api = await ctx.api.recordQueries();
    const client = createHttpClient(ctx.baseUrl, 1);
    try {
      await timeSequentially(times, async () => {
        const response = await client.post(PATH, token, query);
        if (response.status !== 200) throw new Error(`${PATH}: ${response.status} ${response.body.slice(0, 300)}`);
        http.client.push(response.ms);
        if (response.serverMs !== undefined) http.server.push(response.serverMs);
      });
    } finally {
      client.close();
    }
    const useCaseLabels = new Set(recorded.map((q) => queryLabel(q.sql)));
    httpQueries = summarizeQueries((await api.stop()).filter((q) => !useCaseLabels.has(queryLabel(q.sql))), times);
  } finally {
    recorder.stop();
  }
  const queries = summarizeQueries(recorded, times);
  const answer = await checkAvailability(ctx.app, query);
  const stringify = await timeSequentially(times, () => JSON.stringify(answer));
  // What check-availability.ts does for local_start_time and local_end_time.
  const instants = answer.slots.flatMap((slot) => [slot.start_time, slot.end_time]);
  const { from, to } = busyWindow(query);
  const localTimes = await timeSequentially(times, () => {
    const local = localIsoFormatter(query.timezone, from.getTime(), to.getTime());
    return instants.map(local);
  });
  const busyQuery = recorded.find((q) => /union all/i.test(q.sql));
  const plan = busyQuery ? await explainAnalyze(ctx.app.db, busyQuery) : [];
  const p50 = (sorted: number[]) => round(percentile(sorted, 50), 3);
  const sortedMs = (list: number[]) => [...list].sort((a, b) => a - b);
  const profile = {
    use_case_p50_ms: p50(ms),
    http_client_p50_ms: p50(sortedMs(http.client)),
    http_server_p50_ms: http.server.length ? p50(sortedMs(http.server)) : null,
    queries_p50_sum_ms: round(queries.reduce((sum, q) => sum + q.p50_ms * q.per_request, 0), 3),
    local_times_p50_ms: p50(localTimes),
    json_stringify_p50_ms: p50(stringify),
    response_bytes: Buffer.byteLength(JSON.stringify(answer)),
    queries,
    http_extra_queries: httpQueries,
    busy_ranges_plan: plan,
  };
  printProfile(query.days, profile, plan);
  return timingRow(NAME, `use case days=${query.days} (no HTTP)`, ms, { details: { ...details, profile } });
}

function printProfile(
  days: number,
  profile: { use_case_p50_ms: number; http_client_p50_ms: number; http_server_p50_ms: number | null; local_times_p50_ms: number; json_stringify_p50_ms: number; queries: QueryStats[]; http_extra_queries: QueryStats[] },
  plan: string[],
): void {
  const table = (list: QueryStats[]) => list.map((q) => `  ${q.p50_ms.toFixed(3).padStart(7)} × ${q.per_request}  rows ${String(q.rows_p50).padStart(4)}  ${q.query}`);
  const lines = [
    `\n${NAME} days=${days}: HTTP one at a time p50 ${profile.http_client_p50_ms.toFixed(3)} ms observed, ${profile.http_server_p50_ms?.toFixed(3) ?? '?'} ms on the server (Server-Timing app)`,
    `  use case p50 ${profile.use_case_p50_ms.toFixed(3)} ms; its queries (p50 ms × per call):`,
    ...table(profile.queries),
    `  slots to local times (localIsoFormatter): ${profile.local_times_p50_ms.toFixed(3)} ms; JSON.stringify of the answer: ${profile.json_stringify_p50_ms.toFixed(3)} ms`,
    `  queries HTTP adds per request:`,
    ...table(profile.http_extra_queries),
    `  EXPLAIN ANALYZE of the query holding the busy ranges (since issue 13 the one availability query):`,
    ...plan.map((line) => `    ${line}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
