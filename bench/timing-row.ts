import { percentile, round, type BenchRow } from './support';

/**
 * A row for what autocannon does not measure (the engine alone, rounds of racing requests, queue
 * latency): `ms` holds one duration per call or job, in any order. rps is calls per second over
 * `elapsedSeconds` when given, else 1000 / mean (calls made one after another).
 */
export function timingRow(
  scenario: string,
  label: string,
  ms: number[],
  extra: { elapsedSeconds?: number; statusCodes?: Record<string, number>; errors?: number; details?: Record<string, unknown> } = {},
): BenchRow {
  const sorted = [...ms].sort((a, b) => a - b);
  const total = sorted.reduce((sum, x) => sum + x, 0);
  const statusCodes = extra.statusCodes ?? {};
  const rps = extra.elapsedSeconds ? sorted.length / extra.elapsedSeconds : sorted.length ? (1000 * sorted.length) / total : 0;
  return {
    scenario,
    case: label,
    rps: round(rps, 1),
    p50: round(percentile(sorted, 50), 3),
    p99: round(percentile(sorted, 99), 3),
    requests: sorted.length,
    non2xx: Object.entries(statusCodes).reduce((sum, [code, n]) => (code.startsWith('2') ? sum : sum + n), 0),
    errors: extra.errors ?? 0,
    statusCodes,
    ...(extra.details ? { details: extra.details } : {}),
  };
}
