/**
 * EXPLAIN (ANALYZE, BUFFERS) of every query GET /bookings/ runs, per query shape, against a database kept
 * by `BENCH_KEEP_DATABASE=1 npm run bench -- list-bookings` (100,000 bookings):
 *
 *   node --import tsx bench/explain-list.ts estuary_bench_<pid> [out-dir]
 *
 * Writes one text file per shape (default bench/plans/), each with the SQL, its bindings and its plan;
 * bench/plans/README.md says what each shows. The queries are the repository's own, recorded as it runs them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createDb } from '../src/platform/db';
import { createBookingRepository, type BookingFilter } from '../src/data/booking-repository';
import { UPCOMING_STATUSES } from '../src/domain/booking-lists';
import { explainAnalyze, recordQueries } from './query-profile';

const PAGE = { page: 1, pageSize: 20 };

async function main() {
  const [database, outDir = path.join(__dirname, 'plans')] = process.argv.slice(2);
  if (!database) throw new Error('usage: explain-list.ts <database kept by the list-bookings bench> [out-dir]');
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${database}`;
  const db = createDb(url.toString(), { min: 0, max: 4 });
  try {
    const one = async (sql: string) => Number((await db.raw<{ rows: Array<{ id: number }> }>(sql)).rows[0]!.id);
    const practitioner = await one(`SELECT id FROM users WHERE role = 'practitioner' ORDER BY id LIMIT 1`);
    const client = await one(`SELECT client_id AS id FROM bookings GROUP BY client_id ORDER BY count(*) DESC, client_id LIMIT 1`);
    const admin = await one(`SELECT id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1`);
    const now = new Date();
    const shapes: Array<{ name: string; filter: BookingFilter }> = [
      { name: 'client', filter: { visibleTo: { id: client, role: 'client' }, ordering: '-start_time' } },
      { name: 'practitioner', filter: { visibleTo: { id: practitioner, role: 'practitioner' }, ordering: '-start_time' } },
      { name: 'practitioner-ordering-created_at', filter: { visibleTo: { id: practitioner, role: 'practitioner' }, ordering: 'created_at' } },
      { name: 'practitioner-status-confirmed', filter: { visibleTo: { id: practitioner, role: 'practitioner' }, status: ['confirmed'], ordering: '-start_time' } },
      {
        name: 'practitioner-upcoming',
        filter: { visibleTo: { id: practitioner, role: 'practitioner' }, upcoming: { value: true, now, statuses: UPCOMING_STATUSES }, ordering: 'start_time' },
      },
      { name: 'practitioner-search', filter: { visibleTo: { id: practitioner, role: 'practitioner' }, search: 'client 1', ordering: '-start_time' } },
      { name: 'admin', filter: { visibleTo: { id: admin, role: 'admin' }, ordering: '-start_time' } },
      { name: 'admin-status-confirmed', filter: { visibleTo: { id: admin, role: 'admin' }, status: ['confirmed'], ordering: '-start_time' } },
      { name: 'admin-search', filter: { visibleTo: { id: admin, role: 'admin' }, search: 'client 1', ordering: '-start_time' } },
    ];
    const bookings = createBookingRepository(db);
    await mkdir(outDir, { recursive: true });
    for (const { name, filter } of shapes) {
      const recorder = recordQueries(db);
      const page = await bookings.listItems(filter, PAGE);
      recorder.stop();
      const parts = [`-- ${name}: ${JSON.stringify(filter)}; page 1 of 20 gave ${page.results.length} rows, count ${page.count}`];
      for (const query of recorder.take()) {
        parts.push('', `-- ${query.sql}`, `-- bindings: ${JSON.stringify(query.bindings)}`, ...(await explainAnalyze(db, query)));
      }
      await writeFile(path.join(outDir, `${name}.txt`), `${parts.join('\n')}\n`);
      console.log(`${name}: ${page.results.length} rows, count ${page.count}`);
    }
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
