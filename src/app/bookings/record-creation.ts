import type { Knex } from 'knex';
import type { Actor } from '../../domain/types';
import type { BookingRow } from '../../data/booking-repository';
import type { OutboxJob } from '../../jobs/job-contracts';
import { recordJobs } from '../../jobs/outbox-writer';
import type { AppContext } from '../app-context';
import { recordBookingEvents } from '../events/record-events';
import { lifecycleJobsFor } from './booking-jobs';

/**
 * What every new booking records beside its row, in its transaction: the first status_history entry,
 * and (unless it is a private draft) its timers, any extra jobs, and the `booking.created` event.
 * The booking's client made it, unless `by` says otherwise (the system, offering a waitlist seat).
 */
export async function recordCreation(
  app: AppContext,
  trx: Knex.Transaction,
  booking: BookingRow,
  caller: { id: number },
  extraJobs: OutboxJob[] = [],
  by: { actor: Actor; reason: string; details?: Record<string, unknown> } = { actor: { id: caller.id, role: 'client' }, reason: 'created' },
): Promise<void> {
  const now = app.clock.now();
  await app.bookings.recordHistory(trx, booking.id, {
    from_status: null,
    to_status: booking.status,
    actor_id: by.actor.id,
    actor_role: by.actor.role,
    reason: by.reason,
    created_at: now,
    ...(by.details ? { details: by.details } : {}),
  });
  if (booking.status === 'draft') return;
  await recordJobs(trx, [...lifecycleJobsFor(booking, now), ...extraJobs]);
  await recordBookingEvents(app, trx, booking, [{ type: 'booking.created', occasion: 'created', ...(by.details ? { details: by.details } : {}) }], { tellPeople: true });
}
