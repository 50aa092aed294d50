import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './logger';

/** The message a primary sends its workers to make them drain (see onShutdown). */
export const DRAIN_MESSAGE = 'shutdown';

/**
 * The primary of `count` cluster workers, each running this same entry point (cluster.fork re-runs it with
 * the same flags) and sharing its listening port; the primary hands out connections round-robin and serves
 * nothing itself. A worker that dies is replaced, with a log line. One that dies before it ever listened
 * means the start itself fails (port in use, database down, bad flag): forking again would loop, so the
 * primary stops the others and exits 1.
 * SIGTERM/SIGINT: every worker is told to drain (its own onShutdown: stop accepting, finish in-flight
 * requests, close) and the primary exits 0 once all have exited cleanly, 1 if one did not or the timeout
 * passed. A second signal kills the workers at once.
 */
export function superviseWorkers(count: number, logger: Logger, timeoutMs = 30_000): void {
  const live = new Set<Worker>();
  /** Live workers that have listened, i.e. that run their onShutdown handlers. */
  const listened = new Set<Worker>();
  let stopping = false;
  let failed = false;

  const fork = () => {
    const worker = cluster.fork();
    live.add(worker);
    worker.once('listening', () => {
      listened.add(worker);
      // Told to stop while it was starting: it can drain now that it has its handlers.
      if (stopping) worker.send(DRAIN_MESSAGE);
    });
  };

  const stopAll = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason, workers: live.size }, 'stopping web processes');
    // One still starting is told when it listens (before that it has no handler for the message).
    for (const worker of listened) {
      // A worker whose IPC channel is gone can still be asked by signal.
      if (worker.isConnected()) worker.send(DRAIN_MESSAGE);
      else worker.process.kill('SIGTERM');
    }
    setTimeout(() => {
      logger.error({ workers: live.size }, 'web processes did not stop in time; killing them');
      for (const worker of live) worker.process.kill('SIGKILL');
      process.exit(1);
    }, timeoutMs).unref();
    if (!live.size) process.exit(failed ? 1 : 0);
  };

  cluster.on('exit', (worker, code, signal) => {
    const hadListened = listened.delete(worker);
    live.delete(worker);
    const clean = code === 0 && !signal;
    if (stopping) {
      if (!clean) failed = true;
      if (!live.size) {
        logger.info('stopped');
        process.exit(failed ? 1 : 0);
      }
      return;
    }
    if (!hadListened) {
      logger.error({ pid: worker.process.pid, code, signal }, 'a web process exited before it listened; not starting another');
      failed = true;
      stopAll('start failed');
      return;
    }
    logger.warn({ pid: worker.process.pid, code, signal }, 'a web process died; starting another');
    fork();
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (!stopping) return stopAll(signal);
      for (const worker of live) worker.process.kill('SIGKILL');
      process.exit(1);
    });
  }
  for (let i = 0; i < count; i++) fork();
  logger.info({ workers: count }, 'web processes started');
}
