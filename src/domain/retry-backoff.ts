/**
 * The waits between the tries of a job under BullMQ's exponential backoff: the n-th retry comes
 * `baseDelayMs × 2^(n-1)` after the try before it. `attempts` counts every try, the first included.
 */
export function exponentialBackoffDelays(attempts: number, baseDelayMs: number): number[] {
  return Array.from({ length: Math.max(0, attempts - 1) }, (_, n) => baseDelayMs * 2 ** n);
}

/** From the first try to the last, under exponentialBackoffDelays. */
export const exponentialBackoffSpanMs = (attempts: number, baseDelayMs: number): number =>
  exponentialBackoffDelays(attempts, baseDelayMs).reduce((sum, wait) => sum + wait, 0);
