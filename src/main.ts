import { startWeb } from './api/server';
import { createRuntime, exitOnStartupFailure } from './composition';
import { onShutdown } from './platform/shutdown';
import { parseWorkerArgs, startWorkerProcess } from './workers/worker-process';

/** Local all-in-one: create the database if missing, migrate, then serve the API and run every worker and the relay. */
async function main(): Promise<void> {
  const app = await createRuntime('estuary', { migrate: true });
  const web = await startWeb(app);
  const workers = await startWorkerProcess(app, parseWorkerArgs([]));
  onShutdown(app.logger, [web.close, workers.close, () => app.db.destroy()]);
  process.stdout.write(`Estuary Bookings API listening on http://localhost:${app.config.port}/ (docs: /api/v1/docs/), workers and relay running\n`);
}

main().catch(exitOnStartupFailure);
