import type { Middleware } from 'koa';
import type { Knex } from 'knex';
import client from 'prom-client';
import { QUEUES } from '../jobs/job-contracts';
import { outboxLagSeconds } from '../jobs/outbox-relay';
import type { Queues } from '../jobs/queues';
import type { Clock } from '../platform/clock';
import { UNSETTLED_REFUND_STATES, type UnsettledRefundState } from '../domain/payment-ledger';

const JOB_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'waiting-children'] as const;

/**
 * A Redis that is down leaves the queue gauges empty instead of failing the whole scrape: the HTTP
 * latency and the outbox lag are what an operator needs most at that moment.
 */
async function collectFromRedis(gauge: client.Gauge, collect: () => Promise<unknown>): Promise<void> {
  try {
    await collect();
  } catch {
    gauge.reset();
  }
}

/**
 * Prometheus metrics of this process (HTTP latency) and of the shared state every process sees
 * (queue depths and job totals kept by BullMQ in Redis, outbox lag from Postgres), so any web
 * instance answers for the whole system.
 */
export function createMetrics(deps: {
  db: Knex;
  queues?: Queues;
  clock: Clock;
  emailCounts?: () => Promise<Array<{ status: string; count: number }>>;
  webhookDeliveryCounts?: () => Promise<Record<string, number>>;
  unsettledRefundCounts?: () => Promise<Array<{ state: UnsettledRefundState; count: number; oldestSeconds: number }>>;
}) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });

  const httpDuration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  new client.Gauge({
    name: 'outbox_lag_seconds',
    help: 'Age of the oldest outbox row not yet relayed to BullMQ (0 when none)',
    registers: [registry],
    async collect() {
      this.set(await outboxLagSeconds(deps.db, deps.clock.now()));
    },
  });

  const { webhookDeliveryCounts } = deps;
  new client.Gauge({
    name: 'webhook_deliveries',
    help: 'Outgoing webhook deliveries by outcome: pending (being tried), delivered (a 2xx), failed (out of tries or endpoint disabled)',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      const counts = webhookDeliveryCounts ? await webhookDeliveryCounts() : {};
      for (const [outcome, n] of Object.entries(counts)) this.set({ outcome }, n);
    },
  });
  const { unsettledRefundCounts } = deps;
  if (unsettledRefundCounts) {
    const setByState = async (gauge: client.Gauge, value: (r: { count: number; oldestSeconds: number }) => number) => {
      const rows = await unsettledRefundCounts();
      // Every state always has a series (0 when none), so an alert sees the first refund appear.
      for (const state of UNSETTLED_REFUND_STATES) {
        const row = rows.find((r) => r.state === state);
        gauge.set({ state }, row ? value(row) : 0);
      }
    };
    new client.Gauge({
      name: 'refunds_unsettled',
      help: 'Refunds not settled, by state: pending (in flight or to be retried), awaiting_operator (to pay by hand), failed (refused by the provider)',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        await setByState(this, (r) => r.count);
      },
    });
    new client.Gauge({
      name: 'refunds_oldest_unsettled_seconds',
      help: 'Age of the oldest refund not settled, by state (0 when none)',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        await setByState(this, (r) => r.oldestSeconds);
      },
    });
  }

  const { emailCounts } = deps;
  if (emailCounts) {
    new client.Gauge({
      name: 'notification_emails_total',
      help: 'Notification e-mails by status (sent, failed, logged without SMTP_URL, pending, skipped), from the database',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        this.reset();
        // Always present, so a rate() or an alert on failures has a series before the first one.
        for (const status of ['sent', 'failed']) this.set({ status }, 0);
        for (const { status, count } of await emailCounts()) this.set({ status }, count);
      },
    });
  }

  const { queues } = deps;
  if (queues) {
    new client.Gauge({
      name: 'bullmq_queue_jobs',
      help: 'Jobs in each queue by state',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        await collectFromRedis(this, () =>
          Promise.all(
            QUEUES.map(async (queue) => {
              const counts = await queues[queue].getJobCounts(...JOB_STATES);
              for (const state of JOB_STATES) this.set({ queue, state }, counts[state] ?? 0);
            }),
          ),
        );
      },
    });
    new client.Gauge({
      name: 'bullmq_jobs_processed_total',
      help: 'Jobs completed and failed per queue since metrics began (kept by the workers in Redis)',
      labelNames: ['queue', 'result'],
      registers: [registry],
      async collect() {
        await collectFromRedis(this, () =>
          Promise.all(
            QUEUES.flatMap((queue) =>
              (['completed', 'failed'] as const).map(async (result) => {
                const metrics = await queues[queue].getMetrics(result, 0, 0);
                this.set({ queue, result }, Number(metrics.meta.count ?? 0));
              }),
            ),
          ),
        );
      },
    });
  }

  const observe: Middleware = async (ctx, next) => {
    const stop = httpDuration.startTimer();
    try {
      await next();
    } finally {
      // The route pattern, never the raw path: ids in label values would explode the series count.
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      stop({ method: ctx.method, route, status: String(ctx.status) });
    }
  };

  const serve: Middleware = async (ctx) => {
    ctx.set('Content-Type', registry.contentType);
    ctx.body = await registry.metrics();
  };

  return { registry, observe, serve };
}
