import { createRuntime, exitOnStartupFailure } from '../composition';
import { onShutdown } from '../platform/shutdown';
import { parseWorkerArgs, startWorkerProcess } from './worker-process';

/** `npm run start:worker [-- --queues lifecycle,notifications] [--no-relay]` */
async function main(): Promise<void> {
  const options = parseWorkerArgs(process.argv.slice(2));
  const app = await createRuntime('worker');
  const workers = await startWorkerProcess(app, options);
  // Drain: stop taking jobs and let the running ones finish (BullMQ's close), then the relay and the pool.
  // Installed before the line below: whoever waits for it may send SIGTERM at once.
  onShutdown(app.logger, [workers.close, () => app.db.destroy()]);
  process.stdout.write(`workers running: ${options.queues.join(', ')}${options.relay ? ' + outbox relay' : ''}\n`);
}

main().catch(exitOnStartupFailure);
