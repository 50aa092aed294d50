import { expect } from 'chai';
import { findFreeSlots, type Schedule } from '../../src/domain/availability';
import { chooseRoom, isRoomFree, type RoomCalendar } from '../../src/domain/rooms';

// The room rule (docs/api-conventions.md#rooms-and-pricing), pure: literal inputs and a fixed `now`.

const NOW = new Date('2030-01-07T08:00:00Z');
const t = (hhmm: string) => new Date(`2030-01-08T${hhmm}:00Z`);
const range = (from: string, to: string) => ({ start: t(from), end: t(to) });
const room = (id: number, capacity: number, busy: Array<{ start: Date; end: Date }> = []): RoomCalendar => ({ id, name: `Room ${id}`, capacity, busy });

const schedule: Schedule = {
  timezone: 'UTC',
  bufferMinutes: 15,
  minNoticeHours: 0,
  maxAdvanceDays: 90,
  slotIntervalMinutes: 60,
  weeklyHours: [{ weekday: 2, start: '09:00', end: '13:00' }],
  dateOverrides: [],
  timeOff: [],
};
const slotsWith = (rooms?: Array<{ busy: Array<{ start: Date; end: Date }> }>) =>
  findFreeSlots({ schedule, busy: [], durationMinutes: 60, date: '2030-01-08', days: 1, zone: 'UTC', now: NOW, rooms }).map((s) => s.start.toISOString().slice(11, 16));

describe('room rule (domain/rooms, availability)', () => {
  describe('chooseRoom', () => {
    it('when no room is named, then the smallest free room that seats everyone is taken (lowest id on a tie)', () => {
      const rooms = [room(1, 10), room(2, 4), room(3, 4), room(4, 2)];
      const choice = chooseRoom({ rooms, start: t('10:00'), until: t('11:15'), seats: 3 });
      expect(choice).to.deep.include({ ok: true });
      expect(choice.ok && choice.room.id).to.equal(2);
    });

    it('when the smallest fitting room is busy, then the next free one is taken', () => {
      const rooms = [room(1, 10), room(2, 4, [range('10:30', '11:00')])];
      const choice = chooseRoom({ rooms, start: t('10:00'), until: t('11:15'), seats: 1 });
      expect(choice.ok && choice.room.id).to.equal(1);
    });

    it('when every fitting room is busy, then none_free; when none seats them, then none_fits', () => {
      const rooms = [room(1, 2, [range('09:00', '12:00')]), room(2, 1)];
      expect(chooseRoom({ rooms, start: t('10:00'), until: t('11:00'), seats: 2 })).to.deep.equal({ ok: false, reason: 'none_free' });
      expect(chooseRoom({ rooms, start: t('10:00'), until: t('11:00'), seats: 3 })).to.deep.equal({ ok: false, reason: 'none_fits' });
      expect(chooseRoom({ rooms: [], start: t('10:00'), until: t('11:00'), seats: 1 })).to.deep.equal({ ok: false, reason: 'none_fits' });
    });

    it('when a room is named, then only that room: too_small, taken, unknown_room, or it', () => {
      const rooms = [room(1, 2), room(2, 8, [range('10:00', '11:00')])];
      expect(chooseRoom({ rooms, start: t('12:00'), until: t('13:00'), seats: 5, roomId: 1 })).to.deep.equal({ ok: false, reason: 'too_small' });
      expect(chooseRoom({ rooms, start: t('10:30'), until: t('11:30'), seats: 5, roomId: 2 })).to.deep.equal({ ok: false, reason: 'taken' });
      expect(chooseRoom({ rooms, start: t('10:30'), until: t('11:30'), seats: 1, roomId: 9 })).to.deep.equal({ ok: false, reason: 'unknown_room' });
      const ok = chooseRoom({ rooms, start: t('11:00'), until: t('12:00'), seats: 5, roomId: 2 });
      expect(ok.ok && ok.room.id).to.equal(2);
    });

    it('when ranges only touch (half-open), then the room is free; an empty busy range blocks nothing', () => {
      expect(isRoomFree(room(1, 1, [range('09:00', '10:00')]), t('10:00'), t('11:00'))).to.equal(true);
      expect(isRoomFree(room(1, 1, [range('11:00', '12:00')]), t('10:00'), t('11:00'))).to.equal(true);
      expect(isRoomFree(room(1, 1, [range('10:30', '10:30')]), t('10:00'), t('11:00'))).to.equal(true);
      expect(isRoomFree(room(1, 1, [range('10:59', '11:30')]), t('10:00'), t('11:00'))).to.equal(false);
    });
  });

  describe('findFreeSlots with rooms', () => {
    it('when no rooms are given (the service needs none), then every working slot is offered', () => {
      expect(slotsWith(undefined)).to.deep.equal(['09:00', '10:00', '11:00', '12:00']);
    });

    it('when the service needs a room and the location has none, then nothing is offered', () => {
      expect(slotsWith([])).to.deep.equal([]);
    });

    it('when the only room is held 10:00-11:30 (another practitioner and their buffer), then 09:00 (its buffer reaches 10:15), 10:00 and 11:00 are not offered', () => {
      expect(slotsWith([{ busy: [range('10:00', '11:30')] }])).to.deep.equal(['12:00']);
    });

    it('when one of two rooms is free at each hour, then every hour is offered', () => {
      expect(slotsWith([{ busy: [range('09:00', '11:00')] }, { busy: [range('11:30', '13:00')] }])).to.deep.equal(['09:00', '10:00', '11:00', '12:00']);
    });

    it('when the slot plus the practitioner\'s buffer reaches a room\'s next holder, then that slot needs another room', () => {
      // 11:00-12:00 + 15 min buffer reaches 12:15 > 12:10.
      expect(slotsWith([{ busy: [range('12:10', '13:00')] }])).to.deep.equal(['09:00', '10:00']);
    });
  });
});
