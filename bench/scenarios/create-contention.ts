import { performance } from 'node:perf_hooks';
import { createSessionService, openAllDayEveryDay, registerUsers, type BenchUser } from '../fixtures';
import { createHttpClient, type HttpResponse } from '../http-client';
import { summarizeQueries, type QueryStats, type RecordedQuery } from '../query-profile';
import { defineScenario, measure, type BenchContext, type BenchRow } from '../support';
import { timingRow } from '../timing-row';

const NAME = 'create-contention';
const PATH = '/api/v1/drf/bookings/';
const CLIENTS = 50;
const SLOTS = 5;
const HOUR_MS = 3_600_000;
const ACTIVE = `('pending_payment', 'confirmed', 'in_progress')`;

interface Slot {
  start_time: string;
  end_time: string;
}

class ContentionFailure extends Error {}

/**
 * The create path when it loses: 50 clients booking the same 5 hours of one practitioner at once.
 * Rounds: all 50 clients send together, 10 per slot, on 5 fresh hours each round; every round must give
 * exactly 5 × 201 (one per hour) and 45 × 409 slot_unavailable. Then a stampede: autocannon with 50
 * connections on 5 fixed hours for the whole case, so after the first 5 every request is refused.
 * Afterwards SQL must find no two active bookings overlapping and exactly one booking per hour asked for;
 * anything else fails the scenario.
 */
export const scenario = defineScenario({
  name: NAME,
  description: `POST ${PATH} by ${CLIENTS} clients racing for ${SLOTS} hours of one practitioner (paid 60-min session): rounds on fresh hours, then a stampede on fixed ones`,

  async setup(ctx) {
    const [[practitioner], clients] = await Promise.all([registerUsers(ctx, 'practitioner', 1), registerUsers(ctx, 'client', CLIENTS)]);
    const { lastBookableHour } = await openAllDayEveryDay(ctx, practitioner!);
    const service = await createSessionService(ctx, practitioner!, 5000);
    const firstDay = new Date();
    firstDay.setUTCHours(24, 0, 0, 0); // next UTC midnight
    return { practitioner: practitioner!, clients, serviceId: service.id, hoursPerDay: lastBookableHour + 1, firstDay };
  },

  async run(ctx, state) {
    let nextHour = 0;
    const takeSlots = (): Slot[] =>
      Array.from({ length: SLOTS }, () => {
        const k = nextHour++;
        const start = new Date(state.firstDay.getTime() + Math.floor(k / state.hoursPerDay) * 24 * HOUR_MS + (k % state.hoursPerDay) * HOUR_MS);
        return { start_time: start.toISOString(), end_time: new Date(start.getTime() + HOUR_MS).toISOString() };
      });
    const body = (slot: Slot) => ({ practitioner_id: state.practitioner.id, service_id: state.serviceId, ...slot });
    const asked: Slot[] = [];
    const failures: string[] = [];

    const rounds = await runRounds(ctx, state.clients, () => {
      const slots = takeSlots();
      asked.push(...slots);
      return slots.map(body);
    }, failures);

    const fixed = takeSlots();
    asked.push(...fixed);
    const stampede = await runStampede(ctx, state.clients, fixed.map(body));
    // More 201s than slots is a double booking clients saw. Fewer happens when autocannon gave up on the first
    // answers at the end of a short warm-up on a busy machine: the SQL check below says whether each hour was booked once.
    if (stampede.created > SLOTS) failures.push(`stampede: ${stampede.created} × 201 over warm-up and measurement, expected ${SLOTS}`);

    const verdict = await verifyInSql(ctx, state.practitioner.id, asked);
    failures.push(...verdict.failures);
    if (failures.length) throw new ContentionFailure(`${NAME}: DOUBLE BOOKING OR LOST BOOKING\n  ${failures.slice(0, 20).join('\n  ')}`);
    rounds.details = { ...rounds.details, sql: verdict.facts };
    stampede.row.details = { ...stampede.row.details, sql: verdict.facts };
    return [rounds, stampede.row];
  },
});

/** Rounds of CLIENTS simultaneous requests (client i → slot i % SLOTS), for warm-up then ctx.seconds. */
async function runRounds(ctx: BenchContext, clients: BenchUser[], nextBodies: () => object[], failures: string[]): Promise<BenchRow> {
  const http = createHttpClient(ctx.baseUrl, CLIENTS);
  const ms: number[] = [];
  const statusCodes: Record<string, number> = {};
  const conflictCodes: Record<string, number> = {};
  let rounds = 0;
  const round = async (measured: boolean) => {
    const bodies = nextBodies();
    const responses = await Promise.all(clients.map((client, i) => http.post(PATH, client.token, bodies[i % bodies.length])));
    const created = new Set<number>();
    responses.forEach((response: HttpResponse, i) => {
      if (response.status === 201) {
        if (created.has(i % bodies.length)) failures.push(`round ${rounds}: two 201 for slot ${JSON.stringify(bodies[i % bodies.length])}`);
        created.add(i % bodies.length);
      } else if (response.status === 409) {
        const code = String((JSON.parse(response.body) as { code?: unknown }).code);
        if (measured) conflictCodes[code] = (conflictCodes[code] ?? 0) + 1;
        if (code !== 'slot_unavailable') failures.push(`round ${rounds}: 409 ${code}`);
      } else {
        failures.push(`round ${rounds}: unexpected ${response.status} ${response.body.slice(0, 200)}`);
      }
      if (measured) {
        ms.push(response.ms);
        statusCodes[response.status] = (statusCodes[response.status] ?? 0) + 1;
      }
    });
    if (created.size !== bodies.length) failures.push(`round ${rounds}: ${created.size} slots booked of ${bodies.length}`);
    rounds++;
  };
  try {
    const warmUntil = performance.now() + ctx.warmupSeconds * 1000;
    while (performance.now() < warmUntil) await round(false);
    const warmupRounds = rounds;
    const recorder = await ctx.api.recordQueries();
    const started = performance.now();
    let recorded: RecordedQuery[];
    try {
      while (performance.now() - started < ctx.seconds * 1000) await round(true);
    } finally {
      recorded = await recorder.stop();
    }
    const elapsedSeconds = (performance.now() - started) / 1000;
    const queries = summarizeQueries(recorded, ms.length);
    printQueries('rounds', queries);
    const created = statusCodes['201'] ?? 0;
    return timingRow(NAME, `rounds: ${CLIENTS} clients at once on ${SLOTS} fresh slots`, ms, {
      elapsedSeconds,
      statusCodes,
      details: {
        rounds: rounds - warmupRounds,
        warmup_rounds: warmupRounds,
        share_201: ms.length ? created / ms.length : 0,
        share_409: ms.length ? (statusCodes['409'] ?? 0) / ms.length : 0,
        conflict_codes: conflictCodes,
        queries,
      },
    });
  } finally {
    http.close();
  }
}

/** autocannon, CLIENTS connections, on SLOTS fixed hours: 201 until they are taken, then only 409. */
async function runStampede(ctx: BenchContext, clients: BenchUser[], bodies: object[]): Promise<{ row: BenchRow; created: number }> {
  let sent = 0;
  let created = 0;
  const recorder = await ctx.api.recordQueries();
  let recorded: RecordedQuery[] = [];
  const row = await measure({ ...ctx, connections: CLIENTS }, NAME, {
    label: `stampede: ${CLIENTS} connections on ${SLOTS} fixed slots`,
    ceiling: 'insert',
    requests: [
      {
        method: 'POST',
        path: PATH,
        setupRequest: (request) => {
          const n = sent++;
          return {
            ...request,
            headers: { 'content-type': 'application/json', authorization: `Token ${clients[n % clients.length]!.token}` },
            body: JSON.stringify(bodies[n % bodies.length]),
          };
        },
        onResponse: (status) => {
          if (status === 201) created++;
        },
      },
    ],
  }).finally(async () => (recorded = await recorder.stop()));
  // Over warm-up and measurement alike: `sent` counts both.
  const queries = summarizeQueries(recorded, sent);
  printQueries('stampede', queries);
  const measured = row.requests;
  row.details = { queries, share_201: measured ? (row.statusCodes['201'] ?? 0) / measured : 0, share_409: measured ? (row.statusCodes['409'] ?? 0) / measured : 0, created_incl_warmup: created };
  return { row, created };
}

/** Where a request's time goes: a lock wait shows in the FOR NO KEY UPDATE line. */
function printQueries(label: string, queries: QueryStats[]): void {
  const lines = queries.map((q) => `  p50 ${q.p50_ms.toFixed(2).padStart(7)}  p99 ${q.p99_ms.toFixed(2).padStart(7)}  × ${q.per_request}  ${q.query}`);
  process.stdout.write(`${NAME} ${label}: queries per request (ms)\n${lines.join('\n')}\n`);
}

/** No overlap among the practitioner's active bookings, and exactly one per hour that was asked for. */
async function verifyInSql(ctx: BenchContext, practitionerId: number, asked: Slot[]): Promise<{ failures: string[]; facts: Record<string, number> }> {
  const db = ctx.app.db;
  const { rows: overlaps } = await db.raw<{ rows: Array<{ a: number; b: number }> }>(
    `SELECT a.id AS a, b.id AS b FROM bookings a JOIN bookings b
       ON b.practitioner_id = a.practitioner_id AND b.id > a.id
      AND tstzrange(a.start_time, a.blocked_until, '[)') && tstzrange(b.start_time, b.blocked_until, '[)')
     WHERE a.practitioner_id = ? AND a.status IN ${ACTIVE} AND b.status IN ${ACTIVE}
       AND a.service_session_id IS NULL AND b.service_session_id IS NULL`,
    [practitionerId],
  );
  const { rows: perSlot } = await db.raw<{ rows: Array<{ start_time: Date; n: number }> }>(
    `SELECT start_time, count(*)::int AS n FROM bookings WHERE practitioner_id = ? AND status IN ${ACTIVE} GROUP BY start_time`,
    [practitionerId],
  );
  const counts = new Map(perSlot.map((r) => [r.start_time.toISOString(), r.n]));
  const failures = overlaps.map((o) => `bookings ${o.a} and ${o.b} overlap`);
  for (const slot of asked) {
    const n = counts.get(new Date(slot.start_time).toISOString()) ?? 0;
    if (n !== 1) failures.push(`${slot.start_time}: ${n} active bookings, expected 1`);
  }
  const total = perSlot.reduce((sum, r) => sum + r.n, 0);
  if (total !== asked.length) failures.push(`${total} active bookings for ${asked.length} slots asked for`);
  return { failures, facts: { slots_asked: asked.length, active_bookings: total, overlapping_pairs: overlaps.length } };
}
