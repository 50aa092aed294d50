import { performance } from 'node:perf_hooks';

export interface Paced<T> {
  /** 0-based, in starting order. */
  index: number;
  /** How late the task started against its schedule (ms): the client falling behind, not the server. */
  lateMs: number;
  /** Its result, or undefined when it threw (then `error`). */
  value?: T;
  error?: unknown;
}

/**
 * Open loop: task i starts i / rate seconds after the first whether or not earlier ones have finished
 * (a closed loop slows down with the server and hides its queueing). Resolves when every task has
 * settled, with elapsedSeconds from the first start to the last settlement.
 */
export async function atRate<T>(rate: number, seconds: number, task: (index: number) => Promise<T>): Promise<{ results: Array<Paced<T>>; elapsedSeconds: number }> {
  const total = Math.round(rate * seconds);
  const started = performance.now();
  const pending: Array<Promise<Paced<T>>> = [];
  for (let index = 0; index < total; index++) {
    const due = started + (index * 1000) / rate;
    const wait = due - performance.now();
    if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const lateMs = Math.max(0, performance.now() - due);
    pending.push(
      task(index).then(
        (value) => ({ index, lateMs, value }),
        (error: unknown) => ({ index, lateMs, error }),
      ),
    );
  }
  const results = await Promise.all(pending);
  return { results, elapsedSeconds: (performance.now() - started) / 1000 };
}
