import type { Knex } from 'knex';
import type { EventType } from '../domain/booking-events';

export interface BookingEventRow {
  id: number;
  booking_id: number;
  sequence: number;
  type: EventType;
  occurred_at: Date;
  details: Record<string, unknown> | null;
}

export function createEventRepository(db: Knex) {
  const findByDedupeKey = (q: Knex | Knex.Transaction, bookingId: number, dedupeKey: string): Promise<Pick<BookingEventRow, 'id'> | undefined> =>
    q('booking_events').where({ booking_id: bookingId, dedupe_key: dedupeKey }).first('id');

  return {
    /**
     * Records an event with the booking's next sequence number, in one statement: the counter is bumped
     * on the booking row, so concurrent recorders of one booking queue up on its lock. With a dedupe key
     * already used for this booking, records nothing and returns undefined.
     */
    async record(
      trx: Knex.Transaction,
      event: { bookingId: number; type: EventType; occurredAt: Date; details?: Record<string, unknown> | null; dedupeKey?: string },
    ): Promise<BookingEventRow | undefined> {
      if (event.dedupeKey && (await findByDedupeKey(trx, event.bookingId, event.dedupeKey))) return undefined;
      const { rows } = await trx.raw(
        `WITH seq AS (UPDATE bookings SET event_sequence = event_sequence + 1 WHERE id = ? RETURNING id, event_sequence)
         INSERT INTO booking_events (booking_id, sequence, type, occurred_at, details, dedupe_key)
         SELECT id, event_sequence, ?, ?, ?::jsonb, ? FROM seq
         RETURNING id, booking_id, sequence, type, occurred_at, details`,
        [event.bookingId, event.type, event.occurredAt, event.details ? JSON.stringify(event.details) : null, event.dedupeKey ?? null],
      );
      return rows[0];
    },

    findByDedupeKey,

    async find(id: number, q: Knex | Knex.Transaction = db): Promise<BookingEventRow | undefined> {
      return q('booking_events').where({ id }).first('id', 'booking_id', 'sequence', 'type', 'occurred_at', 'details');
    },
  };
}

export type EventRepository = ReturnType<typeof createEventRepository>;
