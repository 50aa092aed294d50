import { bulkInsertUsers, callApi, openAllDayEveryDay, registerUsers, type BenchUser } from '../fixtures';
import { createHttpClient } from '../http-client';
import { stats } from '../job-latency';
import { startInProcessWorkers, waitUntil } from '../queue-probe';
import { defineScenario, round, type BenchContext } from '../support';
import { timingRow } from '../timing-row';

const NAME = 'course-expansion';
const COURSES = Number(process.env.BENCH_COURSES) > 0 ? Number(process.env.BENCH_COURSES) : 200;
const SESSIONS = 10;
const PRACTITIONERS = 10;
const DAY_MS = 86_400_000;
const DRAIN_TIMEOUT_MS = 180_000;

interface State {
  courses: number[];
  clients: BenchUser[];
}

/**
 * BENCH_COURSES (200) clients buy a free course of 10 sessions each, all at once (64 sockets), with the
 * relay and the workers running in this process. Measured per purchase, from the COMMIT of the
 * create-course transaction: until the last of its 10 children was inserted by the expansion flow
 * (each child is one short transaction, so its created_at is within a round trip of its commit), and
 * until the flow's parent job recorded expansion_status done.
 */
export const scenario = defineScenario({
  name: NAME,
  description: `${COURSES} concurrent create-course purchases of ${SESSIONS} sessions each: commit → all children visible, commit → expansion done`,

  async setup(ctx): Promise<State> {
    const practitioners = await registerUsers(ctx, 'practitioner', PRACTITIONERS);
    const seatsPerCourse = Math.ceil(COURSES / PRACTITIONERS);
    const courses: number[] = [];
    const firstDay = Date.now() + 2 * DAY_MS;
    for (const practitioner of practitioners) {
      await openAllDayEveryDay(ctx, practitioner);
      const course = await callApi<{ id: number }>(ctx, {
        method: 'POST',
        path: '/api/v1/drf/services/',
        token: practitioner.token,
        body: { name: `Bench course ${practitioner.id}`, service_type: 'course', duration_minutes: 60, price_cents: 0, max_participants: seatsPerCourse },
      });
      for (let week = 0; week < SESSIONS; week++) {
        const start = new Date(Math.floor((firstDay + week * 7 * DAY_MS) / 3_600_000) * 3_600_000);
        await callApi(ctx, { method: 'POST', path: `/api/v1/drf/services/${course.id}/sessions/`, token: practitioner.token, body: { start_time: start.toISOString() } });
      }
      courses.push(course.id);
    }
    const clientIds = await bulkInsertUsers(ctx, 'client', COURSES);
    const clients = await Promise.all(clientIds.map(async (id) => ({ id, role: 'client' as const, token: await ctx.app.users.issueToken(ctx.app.db, id) })));
    return { courses, clients };
  },

  async run(ctx, state) {
    const workers = await startInProcessWorkers(ctx);
    const http = createHttpClient(ctx.baseUrl, 64);
    const commits = await ctx.api.recordBookingCommits();
    try {
      const started = Date.now();
      const responses = await Promise.all(
        state.clients.map((client, i) => http.post('/api/v1/drf/bookings/create-course/', client.token, { service_id: state.courses[i % state.courses.length] })),
      );
      await commits.stop();
      const statusCodes: Record<string, number> = {};
      for (const r of responses) statusCodes[r.status] = (statusCodes[r.status] ?? 0) + 1;
      const parents = responses.filter((r) => r.status === 201).map((r) => (JSON.parse(r.body) as { id: number }).id);
      const postSeconds = (Date.now() - started) / 1000;
      await waitForExpansions(ctx, parents);
      const timings = await expansionTimes(ctx, parents);
      const fromCommit = (at: Map<number, number>) => parents.flatMap((id) => (commits.commits.has(id) && at.has(id) ? [at.get(id)! - commits.commits.get(id)!] : []));
      const childrenVisible = fromCommit(timings.lastChild);
      const done = fromCommit(timings.done);
      const details = {
        courses: parents.length,
        sessions_per_course: SESSIONS,
        children_created: parents.length * SESSIONS,
        children_per_second: round((parents.length * SESSIONS) / ((Math.max(...timings.done.values()) - started) / 1000), 1),
        commit_to_children_visible_ms: stats(childrenVisible),
        commit_to_expansion_done_ms: stats(done),
      };
      process.stdout.write(`${NAME}: ${JSON.stringify(details)}\n`);
      return [
        timingRow(NAME, `API: ${COURSES} concurrent POST create-course/ (${SESSIONS} sessions, free)`, responses.map((r) => r.ms), { elapsedSeconds: postSeconds, statusCodes }),
        timingRow(NAME, 'commit → all children visible', childrenVisible, { details }),
        timingRow(NAME, 'commit → expansion_status done', done, { details }),
      ];
    } finally {
      commits.stop();
      http.close();
      await workers.close();
    }
  },
});

async function waitForExpansions(ctx: BenchContext, parents: number[]): Promise<void> {
  await waitUntil(
    `${parents.length} expansions`,
    async () => {
      const row = await ctx.app.db('bookings').whereIn('id', parents).where({ expansion_status: 'pending' }).count({ n: '*' }).first();
      return Number(row?.n) === 0;
    },
    DRAIN_TIMEOUT_MS,
    100,
  );
  const failed = await ctx.app.db('bookings').whereIn('id', parents).where({ expansion_status: 'failed' }).count({ n: '*' }).first();
  if (Number(failed?.n) > 0) throw new Error(`${failed?.n} expansions failed`);
}

/** Per parent: when its last child was inserted, and when its expansion was recorded done (epoch ms, Postgres clock). */
async function expansionTimes(ctx: BenchContext, parents: number[]): Promise<{ lastChild: Map<number, number>; done: Map<number, number> }> {
  const children: Array<{ parent: number; last: Date; n: number }> = await ctx.app
    .db('bookings')
    .whereIn('parent_booking_id', parents)
    .groupBy('parent_booking_id')
    .select({ parent: 'parent_booking_id' })
    .max({ last: 'created_at' })
    .count({ n: '*' });
  const incomplete = children.filter((c) => Number(c.n) !== SESSIONS);
  if (incomplete.length || children.length !== parents.length) throw new Error(`expected ${SESSIONS} children for each of ${parents.length} courses`);
  const done: Array<{ id: number; updated_at: Date }> = await ctx.app.db('bookings').whereIn('id', parents).select('id', 'updated_at');
  return {
    lastChild: new Map(children.map((c) => [c.parent, new Date(c.last).getTime()])),
    done: new Map(done.map((d) => [d.id, d.updated_at.getTime()])),
  };
}
