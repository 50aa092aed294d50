import { expect } from 'chai';
import * as insertTriggers from '../../db/migrations/20261208000000_block_triggers_on_insert';
import { aBookablePractitioner, aBooking, aUser, directBookingColumns, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';

// The mirror rows of bookings (calendar_blocks, room_blocks) written by the triggers of
// db/migrations/20261208000000_block_triggers_on_insert.ts: on INSERT only for a row that needs one (each
// trigger's WHEN), on UPDATE as before. Rows are written straight into bookings, bypassing the app, so
// that the database alone is tested; the migration's down and up are run again on these tables with data.

const DAY = '2030-01-08';
const SEED_DAY = '2030-01-09';
const at = (hhmm: string) => `${DAY}T${hhmm}:00.000Z`;
type Target = Awaited<ReturnType<typeof aBookablePractitioner>>;

describe('calendar and room blocks of inserted bookings (20261208000000)', () => {
  let h: Harness;
  let client: TestUser;
  let target: Target;
  let template: Record<string, unknown>;
  let room: { id: number; location_id: number };

  before(async () => {
    h = await startHarness();
    client = await aUser(h, 'client');
    target = await aBookablePractitioner(h);
    const seed = await aBooking(h, client, target, `${SEED_DAY}T10:00:00.000Z`);
    template = await directBookingColumns(h, client, seed.id);
    const [location] = await h.app.db('locations').insert({ practitioner_id: target.practitioner.id, name: 'Trigger studio', timezone: 'UTC' }).returning('id');
    const [inserted] = await h.app.db('rooms').insert({ location_id: location.id, name: 'Room A', capacity: 1 }).returning(['id', 'location_id']);
    room = { id: Number(inserted.id), location_id: Number(inserted.location_id) };
  });
  after(() => h.close());

  const insert = async (fields: Record<string, unknown>): Promise<number> => {
    const [row] = await h.app.db('bookings').insert({ ...template, ...fields }).returning('id');
    return Number(row.id);
  };
  const hour = (hh: string, minutes = 60) => {
    const start = new Date(`${DAY}T${hh}:00:00.000Z`);
    return { start_time: start, end_time: new Date(start.getTime() + minutes * 60_000), blocked_until: new Date(start.getTime() + minutes * 60_000) };
  };
  const blocks = async (bookingId: number) => {
    const range = (r: { during: string }) => r.during;
    const calendar = await h.app.db('calendar_blocks').where({ booking_id: bookingId }).select('practitioner_id', h.app.db.raw('during::text AS during'));
    const rooms = await h.app.db('room_blocks').where({ booking_id: bookingId }).select('room_id', h.app.db.raw('during::text AS during'));
    return {
      calendar: calendar.map((r) => ({ practitioner: Number(r.practitioner_id), during: range(r) })),
      rooms: rooms.map((r) => ({ room: Number(r.room_id), during: range(r) })),
    };
  };
  const during = (from: string, to: string) => `["${DAY} ${from}:00:00+00","${DAY} ${to}:00:00+00")`;

  function behavesAsBefore(label: string, day: (hhmm: string) => string) {
    it(`${label}: an active individual booking with a room gets one calendar block and one room block, with its range`, async () => {
      for (const status of ['pending_payment', 'confirmed', 'in_progress']) {
        const id = await insert({ ...hour(day('08')), status, room_id: room.id, location_id: room.location_id });
        expect(await blocks(id)).to.deep.equal({
          calendar: [{ practitioner: target.practitioner.id, during: during(day('08'), day('09')) }],
          rooms: [{ room: room.id, during: during(day('08'), day('09')) }],
        });
        await h.app.db('bookings').where({ id }).update({ status: 'canceled', canceled_at: new Date(at('05:00')) });
        expect(await blocks(id), 'a canceled booking blocks nothing').to.deep.equal({ calendar: [], rooms: [] });
      }
    });

    it(`${label}: a booking without a room gets a calendar block only; drafts and canceled bookings get none`, async () => {
      const plain = await insert(hour(day('10')));
      expect(await blocks(plain)).to.deep.equal({ calendar: [{ practitioner: target.practitioner.id, during: during(day('10'), day('11')) }], rooms: [] });
      const draft = await insert({ ...hour(day('10')), status: 'draft', payment_status: 'unpaid', room_id: room.id, location_id: room.location_id });
      const canceled = await insert({ ...hour(day('10')), status: 'canceled', canceled_at: new Date(at('05:00')), room_id: room.id, location_id: room.location_id });
      expect(await blocks(draft)).to.deep.equal({ calendar: [], rooms: [] });
      expect(await blocks(canceled)).to.deep.equal({ calendar: [], rooms: [] });
      // A draft submitted later (an UPDATE of its status) takes its blocks then.
      await h.app.db('bookings').where({ id: plain }).update({ status: 'canceled', canceled_at: new Date(at('05:00')) });
      await h.app.db('bookings').where({ id: draft }).update({ status: 'pending_payment' });
      expect(await blocks(draft)).to.deep.equal({
        calendar: [{ practitioner: target.practitioner.id, during: during(day('10'), day('11')) }],
        rooms: [{ room: room.id, during: during(day('10'), day('11')) }],
      });
      await h.app.db('bookings').where({ id: draft }).update({ status: 'canceled', canceled_at: new Date(at('05:00')) });
    });

    it(`${label}: overlaps are still refused by the database, on the calendar and in the room`, async () => {
      const first = await insert({ ...hour(day('12')), room_id: room.id, location_id: room.location_id });
      const refused = (fields: Record<string, unknown>) => insert(fields).then(() => null, (e: { code?: string; constraint?: string }) => ({ code: e.code, constraint: e.constraint }));
      expect(await refused(hour(day('12'), 30))).to.deep.include({ code: '23P01' });
      const other = await aBookablePractitioner(h);
      const otherRow = { practitioner_id: other.practitioner.id, service_id: other.service.id };
      expect(await refused({ ...hour(day('12'), 30), ...otherRow, room_id: room.id, location_id: room.location_id })).to.deep.equal({ code: '23P01', constraint: 'room_blocks_no_overlap' });
      await h.app.db('bookings').where({ id: first }).update({ status: 'canceled', canceled_at: new Date(at('05:00')) });
    });
  }

  behavesAsBefore('with the insert triggers', (hh) => hh);

  describe('after the migration is undone (its down) and done again (its up), with bookings in the table', () => {
    before(async () => {
      await insertTriggers.down(h.app.db);
    });
    behavesAsBefore('under the old triggers', (hh) => String(Number(hh) + 6).padStart(2, '0'));
    after(async () => {
      await insertTriggers.up(h.app.db);
      const { rows } = await h.app.db.raw(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'bookings'::regclass AND NOT tgisinternal ORDER BY tgname`);
      expect(rows.map((r: { tgname: string }) => r.tgname)).to.deep.equal(['bookings_calendar_block', 'bookings_calendar_block_insert', 'bookings_room_block', 'bookings_room_block_insert']);
    });
  });

  describe('and again with the new triggers', () => {
    behavesAsBefore('after down and up', (hh) => String(Number(hh) + 9).padStart(2, '0'));
  });
});
