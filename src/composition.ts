/**
 * The composition root: the one place that builds the application from its parts (configuration,
 * database, clock, logger, repositories, and the adapters to the outside world: mail, payments,
 * outgoing HTTP). The entry points (src/main.ts, src/api/main.ts, src/workers/main.ts, src/cli/main.ts)
 * and the tests build their AppContext here.
 */
import type { Knex } from 'knex';
import type { AppContext } from './app/app-context';
import { noTokenCache } from './app/auth/token-cache';
import { ConfigError, loadConfig, type Config } from './config';
import { createNewBookingRepository } from './data/new-booking-repository';
import { createBookingRepository } from './data/booking-repository';
import { isPublicAddress } from './domain/webhook-endpoints';
import { createCalendarFeedRepository } from './data/calendar-feed-repository';
import { createCalendarRepository } from './data/calendar-repository';
import { createCatalogRepository } from './data/catalog-repository';
import { createCreditRepository } from './data/credit-repository';
import { createEmailRepository } from './data/email-repository';
import { createEventRepository } from './data/event-repository';
import { createIdempotencyRepository } from './data/idempotency-repository';
import { createNotificationRepository } from './data/notification-repository';
import { createPaymentRepository } from './data/payment-repository';
import { createPractitionerRepository } from './data/practitioner-repository';
import { createRoomRepository } from './data/room-repository';
import { createSessionStore } from './data/session-store';
import { createUserRepository } from './data/user-repository';
import { createWaitlistRepository } from './data/waitlist-repository';
import { createWebhookRepository } from './data/webhook-repository';
import { systemClock, type Clock } from './platform/clock';
import { createDb, ensureDatabase, migrateLatest } from './platform/db';
import { createLogger, type Logger } from './platform/logger';
import { createMailer, type Mailer } from './platform/mailer';
import { createPaymentProvider, type PaymentProvider } from './platform/payment-provider';
import { createSecretBox } from './platform/secret-box';
import { createWebhookTransport, type WebhookTransport } from './platform/webhook-transport';

/** Everything wired around one database; tests pass their own clock and may replace an adapter. */
export function createAppContext(deps: { config: Readonly<Config>; db: Knex; clock: Clock; logger: Logger; mailer?: Mailer; paymentProvider?: PaymentProvider; webhookTransport?: WebhookTransport }): AppContext {
  return {
    ...deps,
    mailer: deps.mailer ?? createMailer(deps.config.smtpUrl, deps.logger, deps.config.emailFrom),
    paymentProvider: deps.paymentProvider ?? createPaymentProvider(deps.config),
    payments: createPaymentRepository(deps.db),
    users: createUserRepository(deps.db),
    tokenCache: noTokenCache(deps.clock, deps.logger),
    catalog: createCatalogRepository(deps.db),
    rooms: createRoomRepository(deps.db),
    practitioners: createPractitionerRepository(deps.db),
    bookings: createBookingRepository(deps.db),
    newBookings: createNewBookingRepository(deps.db),
    calendar: createCalendarRepository(),
    feeds: createCalendarFeedRepository(deps.db),
    waitlists: createWaitlistRepository(deps.db),
    credits: createCreditRepository(deps.db),
    events: createEventRepository(deps.db),
    notifications: createNotificationRepository(deps.db),
    emails: createEmailRepository(deps.db),
    sessions: createSessionStore(deps.db),
    idempotency: createIdempotencyRepository(deps.db),
    webhooks: createWebhookRepository(deps.db),
    webhookTransport:
      deps.webhookTransport ??
      createWebhookTransport({ allowPrivate: deps.config.webhooks.allowPrivateUrls, timeoutMs: deps.config.webhooks.timeoutMs, isPublicAddress }),
    secretBox: createSecretBox(deps.config.webhooks.secretKey),
  };
}

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

/** A process's application: configuration from the environment, its own pool, the system clock. */
export async function createRuntime(name: string, options: { migrate?: boolean; config?: Readonly<Config> } = {}): Promise<AppContext> {
  const config = options.config ?? loadConfigOrExit();
  const logger = createLogger(config.logLevel, name);
  if (options.migrate) await ensureDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl);
  if (options.migrate) await migrateLatest(db);
  return createAppContext({ config, db, clock: systemClock, logger });
}

const ONE_LINE_FAILURES: Record<string, (error: NodeJS.ErrnoException & { port?: number; address?: string }) => string> = {
  EADDRINUSE: (e) => `port ${e.port ?? ''} is already in use: stop the other process or set PORT to a free port`,
  EACCES: (e) => `not allowed to listen on port ${e.port ?? ''}: choose a port above 1023 with PORT`,
  ECONNREFUSED: (e) => `cannot reach ${e.address ?? 'a service'}:${e.port ?? ''} (is PostgreSQL / Redis running? see DATABASE_URL and REDIS_URL)`,
  ERR_PARSE_ARGS_UNKNOWN_OPTION: (e) => e.message,
  ERR_PARSE_ARGS_INVALID_OPTION_VALUE: (e) => e.message,
};

/**
 * How an entry point ends on a startup failure: a port in use, a service that does not answer or a bad
 * flag is one line naming what to change (like a bad configuration); anything else is a bug and keeps
 * its stack.
 */
export function exitOnStartupFailure(error: unknown): never {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const oneLine = code ? ONE_LINE_FAILURES[code] : undefined;
  if (oneLine) process.stderr.write(`${oneLine(error as NodeJS.ErrnoException)}\n`);
  else process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
