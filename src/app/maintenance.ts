import { purgeDispatchedOutbox } from '../jobs/outbox-relay';
import type { AppContext } from './app-context';
import { expireDueCredits } from './bookings/expand-booking';
import { reconcileOverdue } from './bookings/scheduled-transitions';
import { retryStalledPayments } from './payments/retry-stalled-payments';
import { purgeExpiredIdempotencyKeys } from './idempotency/idempotent-requests';

const OUTBOX_RETENTION_MS = 7 * 86_400_000;

/**
 * The periodic sweep run by the reconciler's job scheduler: overdue booking moves that Redis may
 * have lost (timed moves, bundle credit expiries), refunds the provider never answered and payments
 * jobs that failed for good (asked again, a few minutes apart), then housekeeping (expired HTTP sessions, relayed outbox rows older than a week, Idempotency-Keys past
 * their 24 hours).
 */
export async function runMaintenance(app: AppContext) {
  const transitions = await reconcileOverdue(app);
  const expiredBundles = await expireDueCredits(app);
  const payments = await retryStalledPayments(app);
  const expiredSessions = await app.sessions.purgeExpired();
  const purgedOutboxRows = await purgeDispatchedOutbox(app.db, new Date(app.clock.now().getTime() - OUTBOX_RETENTION_MS));
  const purgedIdempotencyKeys = await purgeExpiredIdempotencyKeys(app);
  return { ...transitions, expiredBundles, ...payments, expiredSessions, purgedOutboxRows, purgedIdempotencyKeys };
}
