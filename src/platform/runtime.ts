import { createAppContext, type AppContext } from '../app/app-context';
import { ConfigError, loadConfig, type Config } from '../config';
import { systemClock } from './clock';
import { createDb, ensureDatabase, migrateLatest } from './db';
import { createLogger } from './logger';

/** Reads the configuration or exits with one line naming the bad variable. */
export function loadConfigOrExit(): Readonly<Config> {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

export async function createRuntime(name: string, options: { migrate?: boolean; config?: Readonly<Config> } = {}): Promise<AppContext> {
  const config = options.config ?? loadConfigOrExit();
  const logger = createLogger(config.logLevel, name);
  if (options.migrate) await ensureDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl);
  if (options.migrate) await migrateLatest(db);
  return createAppContext({ config, db, clock: systemClock, logger });
}
