import { createRuntime, exitOnStartupFailure } from '../composition';
import { onShutdown } from '../platform/shutdown';
import { startWeb } from './server';

async function main(): Promise<void> {
  const app = await createRuntime('web');
  const web = await startWeb(app);
  onShutdown(app.logger, [web.close, () => app.db.destroy()]);
  app.logger.info({ url: `http://localhost:${app.config.port}/` }, 'API listening');
}

main().catch(exitOnStartupFailure);
