import { callApi, createSessionService, openAllDayEveryDay, registerUsers, tokenRotation } from '../fixtures';
import { defineScenario, measure } from '../support';

const NAME = 'create-booking';
const PRACTITIONERS = 40;
const CLIENTS = 64;
const HOUR_MS = 3_600_000;
/** Stay clear of max_advance_days (730) however long the run. */
const BOOKABLE_DAYS = 720;

/**
 * Many clients booking 60-minute paid sessions, each request a distinct free slot: the happy path of
 * POST /bookings/ (schedule and busy-range check, insert under the exclusion constraint, history, detail).
 * Contention (many clients, few slots) is a separate scenario.
 *
 * A second case books the same way a service that requires a room (docs/api-conventions.md#rooms-and-pricing): the practitioners
 * share one location with one room each, so every request finds a free room, and the row shows what
 * the room check costs on create (the location's room lock, the rooms' busy ranges, the room_blocks
 * trigger and its exclusion constraint). Its details give the ratio to the first case.
 */
export const scenario = defineScenario({
  name: NAME,
  description: `POST /api/v1/drf/bookings/ by ${CLIENTS} clients, each request a distinct free hour of one of ${PRACTITIONERS} practitioners (paid 60-min session)`,

  async setup(ctx) {
    const [practitioners, clients] = await Promise.all([registerUsers(ctx, 'practitioner', PRACTITIONERS), registerUsers(ctx, 'client', CLIENTS)]);
    const targets = await Promise.all(
      practitioners.map(async (practitioner) => {
        const { lastBookableHour } = await openAllDayEveryDay(ctx, practitioner);
        const service = await createSessionService(ctx, practitioner, 5000);
        return { practitioner, practitionerId: practitioner.id, serviceId: service.id, roomServiceId: 0, hoursPerDay: lastBookableHour + 1 };
      }),
    );
    // One studio, owned by the first practitioner and shared with the others, with a room per practitioner.
    const owner = practitioners[0]!;
    const studio = await callApi<{ id: number }>(ctx, { method: 'POST', path: '/api/v1/drf/locations/', token: owner.token, body: { name: 'Bench studio' } });
    for (let i = 0; i < practitioners.length; i++) {
      await callApi(ctx, { method: 'POST', path: `/api/v1/drf/locations/${studio.id}/rooms/`, token: owner.token, body: { name: `Room ${i + 1}`, capacity: 1 } });
    }
    await callApi(ctx, { method: 'PUT', path: `/api/v1/drf/locations/${studio.id}/members/`, token: owner.token, body: { practitioner_ids: practitioners.map((p) => p.id) }, expect: 200 });
    for (const target of targets) {
      const service = await callApi<{ id: number }>(ctx, {
        method: 'POST',
        path: '/api/v1/drf/services/',
        token: target.practitioner.token,
        body: { name: `Bench room session ${target.practitionerId}`, service_type: 'session', duration_minutes: 60, price_cents: 5000, location_id: studio.id, requires_room: true },
      });
      target.roomServiceId = service.id;
    }
    const firstDay = new Date();
    firstDay.setUTCHours(24, 0, 0, 0); // next UTC midnight
    return { targets, clients, firstDay };
  },

  async run(ctx, { targets, clients, firstDay }) {
    const nextToken = tokenRotation(clients);
    const hoursPerDay = Math.min(...targets.map((t) => t.hoursPerDay));
    const capacity = targets.length * hoursPerDay * BOOKABLE_DAYS;
    let issued = 0;
    // Request n takes practitioner n % P's k-th free hour (k = n / P), walking day by day; the second
    // case goes on from where the first stopped, so the two never ask for the same practitioner's hour.
    const nextSlot = (withRoom: boolean) => {
      const n = issued++ % capacity;
      const target = targets[n % targets.length]!;
      const k = Math.floor(n / targets.length);
      const start = new Date(firstDay.getTime() + Math.floor(k / hoursPerDay) * 24 * HOUR_MS + (k % hoursPerDay) * HOUR_MS);
      const serviceId = withRoom ? target.roomServiceId : target.serviceId;
      return { practitioner_id: target.practitionerId, service_id: serviceId, start_time: start.toISOString(), end_time: new Date(start.getTime() + HOUR_MS).toISOString() };
    };
    const bookingCase = (label: string, withRoom: boolean) =>
      measure(ctx, NAME, {
        label,
        ceiling: 'insert',
        requests: [
          {
            method: 'POST',
            path: '/api/v1/drf/bookings/',
            setupRequest: (request) => ({
              ...request,
              headers: { 'content-type': 'application/json', authorization: nextToken() },
              body: JSON.stringify(nextSlot(withRoom)),
            }),
          },
        ],
      });

    const row = await bookingCase('paid session, free slot', false);
    const { rows: stored } = await ctx.app.db.raw<{ rows: Array<{ n: number }> }>(`SELECT count(*)::int AS n FROM bookings`);
    row.details = { practitioners: targets.length, clients: clients.length, bookable_hours_per_day: hoursPerDay, slots_issued_incl_warmup: issued, bookings_in_db: stored[0]!.n };

    const roomRow = await bookingCase('paid session, requires_room (room check)', true);
    const { rows: withRooms } = await ctx.app.db.raw<{ rows: Array<{ n: number }> }>(`SELECT count(*)::int AS n FROM room_blocks`);
    roomRow.details = {
      rooms: targets.length,
      room_blocks_in_db: withRooms[0]!.n,
      rps_ratio_vs_without_room: row.rps ? Number((roomRow.rps / row.rps).toFixed(2)) : null,
      p50_ratio_vs_without_room: row.p50 ? Number((roomRow.p50 / row.p50).toFixed(2)) : null,
    };
    return [row, roomRow];
  },
});
