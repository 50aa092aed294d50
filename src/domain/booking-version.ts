import { preconditionFailed } from './errors';

/**
 * docs/retries-and-concurrency.md: a writer holding an older copy (If-Match) loses. Checked against the row under its
 * lock, so of two writers sending the same version exactly one passes. No versions: no condition.
 */
export function assertVersionMatches(current: number, expected: readonly number[] | undefined): void {
  if (expected === undefined || expected.includes(current)) return;
  throw preconditionFailed(`The booking has changed: it is at version ${current}, not ${expected.join(' or ')}. Fetch it again and retry with its ETag.`);
}
