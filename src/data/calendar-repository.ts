import type { Knex } from 'knex';
import type { CalendarBlock } from '../domain/buffer-change';

const ACTIVE = ['pending_payment', 'confirmed', 'in_progress'];
const TABLE_OF: Record<CalendarBlock['kind'], string> = { booking: 'bookings', session: 'service_sessions' };

/**
 * The ranges on a practitioner's calendar as their own rows store them: active individual bookings and
 * workshop/course sessions (the rows calendar_blocks mirrors). Call under lockPractitionerCalendar.
 */
export function createCalendarRepository() {
  return {
    /** Every block whose stored range ends after `after`, bookings and sessions alike. */
    async blocksEndingAfter(trx: Knex.Transaction, practitionerId: number, after: Date): Promise<CalendarBlock[]> {
      const bookings = trx('bookings')
        .select(trx.raw(`'booking' AS kind`), 'id', { start: 'start_time', end: 'end_time', blockedUntil: 'blocked_until' })
        .where({ practitioner_id: practitionerId, booking_type: 'individual' })
        .whereIn('status', ACTIVE)
        .whereNull('service_session_id')
        .whereNotNull('start_time')
        .where('blocked_until', '>', after);
      const sessions = trx('service_sessions as ss')
        .join('services as s', 's.id', 'ss.service_id')
        .select(trx.raw(`'session' AS kind`), 'ss.id', { start: 'ss.start_time', end: 'ss.end_time', blockedUntil: 'ss.blocked_until' })
        .where('s.practitioner_id', practitionerId)
        .where('ss.blocked_until', '>', after);
      const rows: Array<CalendarBlock & { id: string | number }> = await bookings.unionAll(sessions, true);
      return rows.map((r) => ({ ...r, id: Number(r.id) }));
    },

    /**
     * Stores each block's blockedUntil (the calendar_blocks triggers follow, and refuse an overlap with
     * 23P01). Rows are locked by id, bookings first, the order seat-taking and family locks use, so a
     * concurrent course purchase or cancel waits instead of deadlocking.
     */
    async storeBlockedUntil(trx: Knex.Transaction, blocks: CalendarBlock[]): Promise<void> {
      const ordered = [...blocks].sort((a, b) => (a.kind === b.kind ? a.id - b.id : a.kind === 'booking' ? -1 : 1));
      for (const block of ordered) {
        await trx(TABLE_OF[block.kind]).where({ id: block.id }).update({ blocked_until: block.blockedUntil, updated_at: trx.fn.now() });
      }
    },
  };
}

export type CalendarRepository = ReturnType<typeof createCalendarRepository>;
