import type { Queue } from 'bullmq';
import type { Knex } from 'knex';
import { readJobTimes, waitUntil } from './queue-probe';
import { percentile, round } from './support';

/** An outbox row of an immediate job, with `key` identifying what caused it (booking id, sequence number). */
export interface OutboxJobRow {
  id: number;
  key: string;
  /** The writing transaction's start (now() in its INSERT). */
  created_at: Date;
  /** The relaying transaction's start (now() in its UPDATE). */
  dispatched_at: Date | null;
  done_at: Date | null;
}

/** Polls until `expected` rows match `where` (raw SQL on outbox) and all are done; returns them. */
export async function waitForDoneRows(db: Knex, keySql: string, where: string, bindings: Knex.RawBinding[], expected: number, timeoutMs: number): Promise<OutboxJobRow[]> {
  let rows: OutboxJobRow[] = [];
  const read = async () =>
    (await db.raw<{ rows: OutboxJobRow[] }>(`SELECT id, (${keySql})::text AS key, created_at, dispatched_at, done_at FROM outbox WHERE ${where}`, bindings)).rows;
  await waitUntil(`${expected} jobs to be done`, async () => (rows = await read()).length >= expected && rows.every((r) => r.done_at), timeoutMs, 100);
  return rows;
}

export interface Stats {
  p50: number;
  p99: number;
  max: number;
}

export const stats = (values: number[]): Stats => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50), 2), p99: round(percentile(sorted, 99), 2), max: round(sorted[sorted.length - 1] ?? NaN, 2) };
};

export interface JobLatencies {
  /** Worker start (processedOn) minus the commit, per job. */
  fromCommit: number[];
  /** Worker start minus the writing transaction's start: an upper bound. */
  fromTxStart: number[];
  stages: Record<string, Stats>;
}

/**
 * Where each job's time went between the writer's transaction and a worker taking it. Postgres' now(),
 * the relay's and the workers' Date.now() are one machine's clock. `committedAt` is the writer's view
 * of its commit (epoch ms) for a row's key.
 */
export async function jobLatencies(queue: Queue, rows: OutboxJobRow[], committedAt: (key: string) => number | undefined): Promise<JobLatencies> {
  const jobs = await readJobTimes(queue, rows.map((r) => r.id));
  if (jobs.size !== rows.length) throw new Error(`${rows.length - jobs.size} of ${rows.length} jobs missing from Redis`);
  const stages: Record<string, number[]> = { tx_start_to_commit: [], commit_to_relay_claim: [], relay_claim_to_job_added: [], job_added_to_worker_start: [], job_run: [] };
  const fromCommit: number[] = [];
  const fromTxStart: number[] = [];
  for (const row of rows) {
    const job = jobs.get(row.id)!;
    const commit = committedAt(row.key);
    if (commit === undefined) throw new Error(`no commit time for outbox row ${row.id} (${row.key})`);
    const txStart = row.created_at.getTime();
    const claimed = row.dispatched_at!.getTime();
    fromCommit.push(job.startedAt - commit);
    fromTxStart.push(job.startedAt - txStart);
    stages.tx_start_to_commit!.push(commit - txStart);
    stages.commit_to_relay_claim!.push(claimed - commit);
    stages.relay_claim_to_job_added!.push(job.addedAt - claimed);
    stages.job_added_to_worker_start!.push(job.startedAt - job.addedAt);
    stages.job_run!.push(job.finishedAt - job.startedAt);
  }
  return { fromCommit, fromTxStart, stages: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, stats(v)])) };
}

export function formatStages(title: string, stages: Record<string, Stats>, relay: Record<string, number>): string {
  const lines = Object.entries(stages).map(([k, v]) => `  ${k.padEnd(26)} p50 ${String(v.p50).padStart(8)}  p99 ${String(v.p99).padStart(8)}  max ${String(v.max).padStart(8)}`);
  return `${title}\n${lines.join('\n')}\n  relay passes: ${JSON.stringify(relay)}\n`;
}
