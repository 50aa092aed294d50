import Joi from 'joi';

/**
 * The environment, parsed once into a frozen, typed object. A bad value fails at start with one line
 * naming the variable (see loadConfig's caller in each entry point).
 */
export interface Config {
  env: 'development' | 'test' | 'production';
  databaseUrl: string;
  redisUrl: string;
  /**
   * Seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES, `host:port,host:port`); null: REDIS_URL names
   * one Redis. In cluster mode QUEUE_PREFIX must be a hash tag (`{bookings}`), so that every key the
   * service writes hashes to one slot (BullMQ's Lua scripts touch several keys at once).
   */
  redisClusterNodes: Array<{ host: string; port: number }> | null;
  port: number;
  /** Every Redis key the service writes starts with `${queuePrefix}:` (docs/operations.md#redis). */
  queuePrefix: string;
  /**
   * Token → user cache of each web process: entries live `ttlMs` (0: no cache) and at most `max` are
   * kept; a revocation reaches every process through Redis pub/sub (docs/security.md#token-cache).
   */
  authCache: { ttlMs: number; max: number };
  paymentWebhookSecret: string;
  sessionSecret: string;
  paymentHoldMinutes: number;
  /** How long a seat offered from a waitlist (a paid one) is held for its payment. */
  waitlistOfferMinutes: number;
  /** Active unpaid holds (pending_payment bookings) one client may have with one practitioner. */
  maxUnpaidHoldsPerPractitioner: number;
  smtpUrl: string | null;
  /** The From of every e-mail. */
  emailFrom: string;
  /**
   * A failed e-mail send is retried with exponential backoff: `attempts` tries in all, the n-th retry
   * `baseDelayMs × 2^(n-1)` after the previous try. Defaults: 8 tries over about 64 minutes.
   */
  emailRetry: { attempts: number; baseDelayMs: number };
  logLevel: string;
  bodyLimitBytes: number;
  /**
   * Reverse proxies in front of the web processes whose X-Forwarded-For entries are trusted: the client
   * IP is the entry this many hops from the right. 0: the socket address, X-Forwarded-For ignored.
   */
  trustProxyHops: number;
  /** Web processes `src/api/main.ts` runs (Node's cluster); 1: this process serves, no cluster. */
  webConcurrency: number;
  workerConcurrency: number;
  reconcileEveryMs: number;
  relayPollMs: number;
  workerLockMs: number;
  /** Tries per job, and the first retry's delay (doubling after each); the reconciler picks up what is left. */
  jobRetry: { attempts: number; backoffMs: number };
  /** Secrets accepted on webhooks: the current one first, then older ones during a rotation. */
  paymentWebhookSecrets: string[];
  stripeSecretKey: string | null;
  stripeApiUrl: string | null;
  rateLimits: { anonymousPerMinute: number; userPerMinute: number; loginFailuresPer15Minutes: number };
  webhooks: {
    /** Deliver to (and register) loopback, private, link-local and unspecified addresses: local development and tests only. */
    allowPrivateUrls: boolean;
    /** A receiver must answer within this; default 10 s. */
    timeoutMs: number;
    /** Tries per delivery before it is `failed`; with backoffMs, spread over about a day. */
    maxAttempts: number;
    /** The first retry's delay; each next one doubles. */
    backoffMs: number;
    /** An endpoint whose deliveries have failed this long without a success is disabled; default 3 days. */
    disableAfterMs: number;
    /** Encrypts endpoint signing secrets at rest (AES-256-GCM, key derived from this). */
    secretKey: string;
  };
}

const DEV_SESSION_SECRET = 'dev-session-secret-not-for-production';
const DEV_WEBHOOK_SECRET_KEY = 'dev-webhook-secret-key-not-for-production';

const schema = Joi.object({
  NODE_ENV: Joi.string().valid('development', 'test', 'production').default('development'),
  DATABASE_URL: Joi.string()
    .uri({ scheme: ['postgres', 'postgresql'] })
    .default('postgres://postgres@127.0.0.1:5432/estuary_bookings'),
  REDIS_URL: Joi.string()
    .uri({ scheme: ['redis', 'rediss'] })
    .default('redis://127.0.0.1:6379'),
  REDIS_CLUSTER_NODES: Joi.string()
    .pattern(/^[A-Za-z0-9.:_[\]-]+:\d{1,5}(,[A-Za-z0-9.:_[\]-]+:\d{1,5})*$/)
    .optional()
    .messages({ 'string.pattern.base': '"REDIS_CLUSTER_NODES" must be a comma-separated list of host:port' }),
  PORT: Joi.number().integer().min(0).max(65535).default(3000),
  // Either a plain name or a hash tag ({name}); a hash tag is required on a Redis Cluster (checked below).
  QUEUE_PREFIX: Joi.string()
    .pattern(/^(\{[A-Za-z0-9_-]+\}|[A-Za-z0-9_-]+)$/)
    .max(64)
    .default('bookings')
    .messages({ 'string.pattern.base': '"QUEUE_PREFIX" may hold only letters, digits, "_" and "-", optionally inside one pair of braces (a hash tag: {bookings})' }),
  AUTH_CACHE_TTL_MS: Joi.number().integer().min(0).max(60_000).default(5000),
  AUTH_CACHE_MAX: Joi.number().integer().min(1).max(1_000_000).default(10_000),
  PAYMENT_WEBHOOK_SECRET: Joi.string()
    .min(8)
    .when('NODE_ENV', { is: 'production', then: Joi.required(), otherwise: Joi.optional().default('whsec_dev') }),
  SESSION_SECRET: Joi.string()
    .min(16)
    .when('NODE_ENV', { is: 'production', then: Joi.required(), otherwise: Joi.optional().default(DEV_SESSION_SECRET) }),
  PAYMENT_HOLD_MINUTES: Joi.number().integer().min(1).max(1440).default(15),
  WAITLIST_OFFER_MINUTES: Joi.number().integer().min(1).max(10080).default(60),
  MAX_UNPAID_HOLDS_PER_PRACTITIONER: Joi.number().integer().min(1).max(1000).default(3),
  SMTP_URL: Joi.string()
    .uri({ scheme: ['smtp', 'smtps'] })
    .optional(),
  EMAIL_FROM: Joi.string().max(300).default('Estuary Bookings <no-reply@estuary.example>'),
  EMAIL_RETRY_ATTEMPTS: Joi.number().integer().min(1).max(30).default(8),
  EMAIL_RETRY_BASE_DELAY_MS: Joi.number().integer().min(1).max(3_600_000).default(30_000),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  BODY_LIMIT_BYTES: Joi.number().integer().min(1024).max(10_000_000).default(1_000_000),
  // `true` (the old boolean form) means one hop, the common platform-router case.
  TRUST_PROXY: Joi.alternatives()
    .try(Joi.number().integer().min(0).max(10), Joi.boolean())
    .default(0)
    .messages({ 'alternatives.types': '"TRUST_PROXY" must be false, true (1) or the number of trusted proxy hops (0-10)', 'alternatives.match': '"TRUST_PROXY" must be false, true (1) or the number of trusted proxy hops (0-10)' }),
  WEB_CONCURRENCY: Joi.number().integer().min(1).max(64).default(1),
  WORKER_CONCURRENCY: Joi.number().integer().min(1).max(500).default(10),
  RECONCILE_EVERY_MS: Joi.number().integer().min(1000).max(3_600_000).default(60_000),
  RELAY_POLL_MS: Joi.number().integer().min(50).max(60_000).default(1000),
  WORKER_LOCK_MS: Joi.number().integer().min(1000).max(600_000).default(30_000),
  JOB_ATTEMPTS: Joi.number().integer().min(1).max(50).default(8),
  JOB_BACKOFF_MS: Joi.number().integer().min(10).max(600_000).default(1000),
  STRIPE_SECRET_KEY: Joi.string().pattern(/^(sk|rk)_[A-Za-z0-9_]+$/).optional().messages({ 'string.pattern.base': '"STRIPE_SECRET_KEY" must look like sk_… or rk_…' }),
  STRIPE_API_URL: Joi.string().uri({ scheme: ['http', 'https'] }).optional(),
  RATE_LIMIT_ANON_PER_MINUTE: Joi.number().integer().min(1).default(120),
  RATE_LIMIT_USER_PER_MINUTE: Joi.number().integer().min(1).default(1200),
  LOGIN_FAILURES_PER_15_MINUTES: Joi.number().integer().min(1).default(10),
  WEBHOOK_ALLOW_PRIVATE_URLS: Joi.boolean().default(false),
  WEBHOOK_TIMEOUT_MS: Joi.number().integer().min(50).max(60_000).default(10_000),
  WEBHOOK_MAX_ATTEMPTS: Joi.number().integer().min(1).max(50).default(12),
  WEBHOOK_BACKOFF_MS: Joi.number().integer().min(10).max(3_600_000).default(45_000),
  WEBHOOK_DISABLE_AFTER_MS: Joi.number()
    .integer()
    .min(1000)
    .default(3 * 24 * 3600 * 1000),
  // Last: in production the error for a missing PAYMENT_WEBHOOK_SECRET or SESSION_SECRET comes first.
  WEBHOOK_SECRET_KEY: Joi.string()
    .min(32)
    .when('NODE_ENV', { is: 'production', then: Joi.required(), otherwise: Joi.optional().default(DEV_WEBHOOK_SECRET_KEY) }),
}).unknown(true);

export class ConfigError extends Error {}

/** `host:port,host:port` (an IPv6 host in brackets: `[::1]:7000`). */
function parseNodes(list: string): Array<{ host: string; port: number }> {
  return list.split(',').map((node) => {
    const at = node.lastIndexOf(':');
    return { host: node.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(node.slice(at + 1)) };
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  // Empty strings are "unset": `PORT= npm start` should mean the default, not an error.
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const { error, value } = schema.validate(defined, { abortEarly: true, convert: true });
  if (error) {
    const variable = String(error.details[0]?.path[0] ?? 'environment');
    throw new ConfigError(`Invalid configuration: ${variable}: ${error.message}`);
  }
  // The public dev secret would let anyone forge webhooks: with real payments it must be set explicitly.
  if (value.STRIPE_SECRET_KEY && !defined.PAYMENT_WEBHOOK_SECRET) {
    throw new ConfigError('Invalid configuration: PAYMENT_WEBHOOK_SECRET: required when STRIPE_SECRET_KEY is set');
  }
  // BullMQ's scripts touch several keys of a queue at once: on a cluster they must share a slot.
  if (value.REDIS_CLUSTER_NODES && !/^\{.+\}$/.test(value.QUEUE_PREFIX)) {
    throw new ConfigError('Invalid configuration: QUEUE_PREFIX: must be a hash tag such as {bookings} when REDIS_CLUSTER_NODES is set');
  }
  return Object.freeze({
    env: value.NODE_ENV,
    databaseUrl: value.DATABASE_URL,
    redisUrl: value.REDIS_URL,
    redisClusterNodes: value.REDIS_CLUSTER_NODES ? parseNodes(value.REDIS_CLUSTER_NODES) : null,
    port: value.PORT,
    queuePrefix: value.QUEUE_PREFIX,
    authCache: { ttlMs: value.AUTH_CACHE_TTL_MS, max: value.AUTH_CACHE_MAX },
    paymentWebhookSecret: value.PAYMENT_WEBHOOK_SECRET,
    sessionSecret: value.SESSION_SECRET,
    paymentHoldMinutes: value.PAYMENT_HOLD_MINUTES,
    waitlistOfferMinutes: value.WAITLIST_OFFER_MINUTES,
    maxUnpaidHoldsPerPractitioner: value.MAX_UNPAID_HOLDS_PER_PRACTITIONER,
    smtpUrl: value.SMTP_URL ?? null,
    emailFrom: value.EMAIL_FROM,
    emailRetry: { attempts: value.EMAIL_RETRY_ATTEMPTS, baseDelayMs: value.EMAIL_RETRY_BASE_DELAY_MS },
    logLevel: value.LOG_LEVEL,
    bodyLimitBytes: value.BODY_LIMIT_BYTES,
    trustProxyHops: Number(value.TRUST_PROXY),
    webConcurrency: value.WEB_CONCURRENCY,
    workerConcurrency: value.WORKER_CONCURRENCY,
    reconcileEveryMs: value.RECONCILE_EVERY_MS,
    relayPollMs: value.RELAY_POLL_MS,
    workerLockMs: value.WORKER_LOCK_MS,
    jobRetry: { attempts: value.JOB_ATTEMPTS, backoffMs: value.JOB_BACKOFF_MS },
    paymentWebhookSecrets: String(value.PAYMENT_WEBHOOK_SECRET).split(',').map((x: string) => x.trim()).filter(Boolean),
    stripeSecretKey: value.STRIPE_SECRET_KEY ?? null,
    stripeApiUrl: value.STRIPE_API_URL ?? null,
    rateLimits: {
      anonymousPerMinute: value.RATE_LIMIT_ANON_PER_MINUTE,
      userPerMinute: value.RATE_LIMIT_USER_PER_MINUTE,
      loginFailuresPer15Minutes: value.LOGIN_FAILURES_PER_15_MINUTES,
    },
    webhooks: {
      allowPrivateUrls: value.WEBHOOK_ALLOW_PRIVATE_URLS,
      timeoutMs: value.WEBHOOK_TIMEOUT_MS,
      maxAttempts: value.WEBHOOK_MAX_ATTEMPTS,
      backoffMs: value.WEBHOOK_BACKOFF_MS,
      disableAfterMs: value.WEBHOOK_DISABLE_AFTER_MS,
      secretKey: value.WEBHOOK_SECRET_KEY,
    },
  });
}
