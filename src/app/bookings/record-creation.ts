import type { Knex } from 'knex';
import type { Caller } from '../../domain/types';
import type { BookingRow } from '../../data/booking-repository';
import type { OutboxJob } from '../../jobs/job-contracts';
import { recordJobs } from '../../jobs/outbox-writer';
import type { AppContext } from '../app-context';
import { recordBookingEvents } from '../events/record-events';
import { lifecycleJobsFor } from './booking-jobs';

/**
 * What every new booking records beside its row, in its transaction: the first status_history entry,
 * and (unless it is a private draft) its timers, any extra jobs, and the `booking.created` event.
 */
export async function recordCreation(app: AppContext, trx: Knex.Transaction, booking: BookingRow, caller: Caller, extraJobs: OutboxJob[] = []): Promise<void> {
  const now = app.clock.now();
  await app.bookings.recordHistory(trx, booking.id, {
    from_status: null,
    to_status: booking.status,
    actor_id: caller.id,
    actor_role: 'client',
    reason: 'created',
    created_at: now,
  });
  if (booking.status === 'draft') return;
  await recordJobs(trx, [...lifecycleJobsFor(booking, now), ...extraJobs]);
  await recordBookingEvents(app, trx, booking, [{ type: 'booking.created', occasion: 'created' }], { tellPeople: true });
}
