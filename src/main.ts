import { startWeb } from './api/server';
import { createRuntime } from './platform/runtime';
import { onShutdown } from './platform/shutdown';

/** Local all-in-one: create the database if missing, migrate, then serve the API (and the workers, once they exist). */
async function main(): Promise<void> {
  const app = await createRuntime('estuary', { migrate: true });
  const web = await startWeb(app);
  process.stdout.write(`Estuary Bookings API listening on http://localhost:${app.config.port}/ (docs: /api/v1/docs/)\n`);
  onShutdown(app.logger, [web.close, () => app.db.destroy()]);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
