import { createRuntime } from '../platform/runtime';
import { onShutdown } from '../platform/shutdown';
import { startWeb } from './server';

async function main(): Promise<void> {
  const app = await createRuntime('web');
  const web = await startWeb(app);
  onShutdown(app.logger, [web.close, () => app.db.destroy()]);
  app.logger.info({ url: `http://localhost:${app.config.port}/` }, 'API listening');
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
