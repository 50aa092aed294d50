import type { Knex } from 'knex';
import { recordJobs } from '../../jobs/outbox-writer';
import type { AppContext } from '../app-context';

/**
 * A seat of this session was just freed (or added) in `trx`, which holds the session row: if anyone
 * waits for it, record the job that offers it to the first in line. It commits with the change or not
 * at all; nobody can join between the check and the commit (joining locks the same row).
 */
export async function offerSeatIfAwaited(app: AppContext, trx: Knex.Transaction, sessionId: number): Promise<void> {
  if (await app.waitlists.hasWaiting(trx, sessionId)) {
    await recordJobs(trx, [{ queue: 'lifecycle', name: 'offer-waitlist-seats', payload: { sessionId } }]);
  }
}
