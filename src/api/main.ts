import cluster from 'node:cluster';
import { createRuntime, exitOnStartupFailure, loadConfigOrExit } from '../composition';
import { superviseWorkers } from '../platform/cluster-primary';
import { createLogger } from '../platform/logger';
import { onShutdown } from '../platform/shutdown';
import { startWeb } from './server';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  // WEB_CONCURRENCY > 1: this process only supervises; each worker runs this file again and serves.
  if (config.webConcurrency > 1 && cluster.isPrimary) return superviseWorkers(config.webConcurrency, createLogger(config.logLevel, 'web-primary'));
  const app = await createRuntime('web', { config });
  const web = await startWeb(app);
  onShutdown(app.logger, [web.close, () => app.db.destroy()]);
  app.logger.info({ url: `http://localhost:${app.config.port}/` }, 'API listening');
}

main().catch(exitOnStartupFailure);
