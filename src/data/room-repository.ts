import type { Knex } from 'knex';
import type { RoomCalendar } from '../domain/rooms';

export interface RoomRecord {
  id: number;
  location_id: number;
  name: string;
  capacity: number;
  created_at: Date;
  updated_at: Date;
}

const ROOM_COLUMNS = ['id', 'location_id', 'name', 'capacity', 'created_at', 'updated_at'];

/** Rooms of locations, the location's members, and the ranges room_blocks holds for each room. */
export function createRoomRepository(db: Knex) {
  return {
    async listRooms(locationId: number, q: Knex | Knex.Transaction = db): Promise<RoomRecord[]> {
      return q('rooms').select(ROOM_COLUMNS).where({ location_id: locationId }).whereNull('deleted_at').orderBy('id');
    },

    /** A live room of this location (a deleted one, or one of another location, is not found). */
    async findRoom(locationId: number, roomId: number, q: Knex | Knex.Transaction = db): Promise<RoomRecord | undefined> {
      return q('rooms').select(ROOM_COLUMNS).where({ id: roomId, location_id: locationId }).whereNull('deleted_at').first();
    },

    async insertRoom(trx: Knex.Transaction, room: { location_id: number; name: string; capacity: number }): Promise<RoomRecord> {
      const [row] = await trx('rooms').insert(room).returning(ROOM_COLUMNS);
      return row;
    },

    async updateRoom(trx: Knex.Transaction, id: number, changes: Partial<Pick<RoomRecord, 'name' | 'capacity'>>): Promise<RoomRecord> {
      const [row] = await trx('rooms').where({ id }).update({ ...changes, updated_at: trx.fn.now() }).returning(ROOM_COLUMNS);
      return row;
    },

    /** Kept with deleted_at, so past bookings still name the room they took. */
    async deleteRoom(trx: Knex.Transaction, id: number): Promise<void> {
      await trx('rooms').where({ id }).update({ deleted_at: trx.fn.now(), updated_at: trx.fn.now() });
    },

    /**
     * Queues up every writer of one location's rooms until the transaction ends: choosing a free room
     * and taking it are then atomic across practitioners (room_blocks_no_overlap settles anything
     * else). Taken after the practitioner's calendar lock, never before. NO KEY UPDATE, so foreign-key
     * checks of new bookings on the location row are not held up.
     */
    async lockLocationRooms(trx: Knex.Transaction, locationId: number): Promise<void> {
      await trx('locations').select('id').where({ id: locationId }).forNoKeyUpdate();
    },

    /** Each live room of the location with what it holds around [from, to), its own booking or session left out. */
    async roomCalendars(
      q: Knex | Knex.Transaction,
      locationId: number,
      window: { from: Date; to: Date },
      exclude: { bookingId?: number; sessionId?: number } = {},
    ): Promise<RoomCalendar[]> {
      const rooms = await q('rooms').select('id', 'name', 'capacity').where({ location_id: locationId }).whereNull('deleted_at').orderBy('id');
      if (!rooms.length) return [];
      const blocks = q('room_blocks')
        .select('room_id', q.raw('lower(during) AS start'), q.raw('upper(during) AS "end"'))
        .whereIn('room_id', rooms.map((r: { id: number }) => r.id))
        .whereRaw('during && tstzrange(?, ?)', [window.from, window.to]);
      if (exclude.bookingId !== undefined) blocks.where((w) => w.whereNull('booking_id').orWhereNot('booking_id', exclude.bookingId!));
      if (exclude.sessionId !== undefined) blocks.where((w) => w.whereNull('service_session_id').orWhereNot('service_session_id', exclude.sessionId!));
      const busy: Array<{ room_id: number; start: Date; end: Date }> = await blocks;
      return rooms.map((r: { id: number; name: string; capacity: number }) => ({
        ...r,
        busy: busy.filter((b) => Number(b.room_id) === r.id).map((b) => ({ start: b.start, end: b.end })),
      }));
    },

    /** Whether the room holds a booking or session that has not ended by `now`. */
    async isRoomInUse(q: Knex | Knex.Transaction, roomId: number, now: Date): Promise<boolean> {
      const row = await q('room_blocks').where({ room_id: roomId }).whereRaw('upper(during) > ?', [now]).first('id');
      return row !== undefined;
    },

    /** The most seats of a session still to come in the room (0 when none). */
    async largestFutureSession(q: Knex | Knex.Transaction, roomId: number, now: Date): Promise<number> {
      const row = await q('service_sessions').where({ room_id: roomId }).where('end_time', '>', now).max<{ n: number | null }>({ n: 'max_participants' }).first();
      return Number(row?.n ?? 0);
    },

    async isLocationInUse(q: Knex | Knex.Transaction, locationId: number, now: Date): Promise<boolean> {
      const row = await q('room_blocks as rb')
        .join('rooms as r', 'r.id', 'rb.room_id')
        .where('r.location_id', locationId)
        .whereRaw('upper(rb.during) > ?', [now])
        .first('rb.id');
      return row !== undefined;
    },

    /** The locations whose rooms hold something of this practitioner's ending after `after`, in id order. */
    async locationsHoldingPractitioner(q: Knex | Knex.Transaction, practitionerId: number, after: Date): Promise<number[]> {
      const rows: Array<{ location_id: number }> = await q('room_blocks as rb')
        .join('rooms as r', 'r.id', 'rb.room_id')
        .leftJoin('bookings as b', 'b.id', 'rb.booking_id')
        .leftJoin('service_sessions as ss', 'ss.id', 'rb.service_session_id')
        .leftJoin('services as s', 's.id', 'ss.service_id')
        .where((w) => w.where('b.practitioner_id', practitionerId).orWhere('s.practitioner_id', practitionerId))
        .whereRaw('upper(rb.during) > ?', [after])
        .distinct('r.location_id')
        .orderBy('r.location_id');
      return rows.map((r) => Number(r.location_id));
    },

    async members(locationId: number, q: Knex | Knex.Transaction = db): Promise<number[]> {
      const rows: Array<{ practitioner_id: number }> = await q('location_members').where({ location_id: locationId }).orderBy('practitioner_id');
      return rows.map((r) => Number(r.practitioner_id));
    },

    async isMember(locationId: number, practitionerId: number): Promise<boolean> {
      return (await db('location_members').where({ location_id: locationId, practitioner_id: practitionerId }).first('location_id')) !== undefined;
    },

    async replaceMembers(trx: Knex.Transaction, locationId: number, practitionerIds: number[]): Promise<void> {
      await trx('location_members').where({ location_id: locationId }).delete();
      if (practitionerIds.length) await trx('location_members').insert(practitionerIds.map((id) => ({ location_id: locationId, practitioner_id: id })));
    },
  };
}

export type RoomRepository = ReturnType<typeof createRoomRepository>;
