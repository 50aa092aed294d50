import cluster from 'node:cluster';
import { DRAIN_MESSAGE } from './cluster-primary';
import type { Logger } from './logger';

/**
 * Runs the closers in order on SIGTERM/SIGINT (or, in a cluster worker, when the primary says to drain),
 * then exits 0; a second signal or the timeout exits 1.
 */
export function onShutdown(logger: Logger, closers: Array<() => Promise<unknown>>, timeoutMs = 25_000): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, timeoutMs).unref();
    for (const close of closers) {
      try {
        await close();
      } catch (error) {
        logger.error({ err: error }, 'error while shutting down');
      }
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Ctrl-C reaches the workers from the terminal as well as through the primary: the second is no reason to give up.
  if (cluster.isWorker) process.on('message', (message) => message === DRAIN_MESSAGE && !stopping && void stop('primary'));
}
