/**
 * The room rule (docs/api-conventions.md#rooms-and-pricing), pure: which room of a location a booking or a session takes.
 * A room's busy ranges already carry the trailing buffer of whoever holds them; the range asked for
 * is [start, until) with `until` = end + the asking practitioner's buffer, as the database compares
 * them (room_blocks_no_overlap).
 */
import type { BusyRange } from './availability';

export interface RoomCalendar {
  id: number;
  name: string;
  capacity: number;
  busy: BusyRange[];
}

export type RoomChoice =
  | { ok: true; room: RoomCalendar }
  /** too_small: the room asked for seats fewer than needed; taken: it is busy then; none_fits: no room of the location seats that many; none_free: every room that fits is busy. */
  | { ok: false; reason: 'too_small' | 'taken' | 'none_fits' | 'none_free' | 'unknown_room' };

/** Whether nothing the room holds overlaps [start, until). Empty ranges block nothing, as in Postgres. */
export function isRoomFree(room: Pick<RoomCalendar, 'busy'>, start: Date, until: Date): boolean {
  const s = start.getTime();
  const e = until.getTime();
  return !room.busy.some((b) => b.end.getTime() > b.start.getTime() && b.start.getTime() < e && s < b.end.getTime());
}

/**
 * The room named by `roomId`, if it seats `seats` and is free; without one, the smallest free room
 * that seats them (ties: the lowest id, so the choice is stable).
 */
export function chooseRoom(input: { rooms: RoomCalendar[]; start: Date; until: Date; seats: number; roomId?: number | null }): RoomChoice {
  const { rooms, start, until, seats } = input;
  if (input.roomId !== undefined && input.roomId !== null) {
    const room = rooms.find((r) => r.id === input.roomId);
    if (!room) return { ok: false, reason: 'unknown_room' };
    if (room.capacity < seats) return { ok: false, reason: 'too_small' };
    return isRoomFree(room, start, until) ? { ok: true, room } : { ok: false, reason: 'taken' };
  }
  const fitting = rooms.filter((r) => r.capacity >= seats).sort((a, b) => a.capacity - b.capacity || a.id - b.id);
  if (!fitting.length) return { ok: false, reason: 'none_fits' };
  const room = fitting.find((r) => isRoomFree(r, start, until));
  return room ? { ok: true, room } : { ok: false, reason: 'none_free' };
}
