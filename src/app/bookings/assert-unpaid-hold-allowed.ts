import type { Knex } from 'knex';
import { conflict } from '../../domain/errors';
import type { AppContext } from '../app-context';

/**
 * An unpaid booking holds the practitioner's time for PAYMENT_HOLD_MINUTES at no cost to the client, so
 * one client could hold a whole calendar and renew it as the holds lapse. Refuses a new hold once the
 * client has MAX_UNPAID_HOLDS_PER_PRACTITIONER of them (status pending_payment) with this practitioner.
 * Call it inside the transaction that adds the hold, after the slot and seat checks (their answers are
 * the more useful ones, and this lock is then always the last one taken) and before the write: the count
 * is taken under a lock held until commit, so concurrent requests of one client cannot all see room for
 * one more.
 */
export async function assertUnpaidHoldAllowed(app: AppContext, trx: Knex.Transaction, clientId: number, practitionerId: number): Promise<void> {
  const max = app.config.maxUnpaidHoldsPerPractitioner;
  const held = await app.bookings.countUnpaidHoldsLocked(trx, clientId, practitionerId);
  if (held >= max) throw tooManyUnpaidHolds(held, max);
}

export const tooManyUnpaidHolds = (held: number, max: number) =>
  conflict('too_many_unpaid_holds', `You already hold ${held} unpaid bookings with this practitioner (at most ${max}): pay for or cancel one before booking another.`);
