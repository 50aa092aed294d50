import { createSessionService, openAllDayEveryDay, registerUsers, tokenRotation } from '../fixtures';
import { defineScenario, measure } from '../support';

const NAME = 'create-booking';
const PRACTITIONERS = 10;
const CLIENTS = 20;
const HOUR_MS = 3_600_000;
/** Stay clear of max_advance_days (730) however long the run. */
const BOOKABLE_DAYS = 720;

/**
 * Many clients booking 60-minute paid sessions, each request a distinct free slot: the happy path of
 * POST /bookings/ (schedule and busy-range check, insert under the exclusion constraint, history, detail).
 * Contention (many clients, few slots) is a separate scenario.
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
        return { practitionerId: practitioner.id, serviceId: service.id, hoursPerDay: lastBookableHour + 1 };
      }),
    );
    const firstDay = new Date();
    firstDay.setUTCHours(24, 0, 0, 0); // next UTC midnight
    return { targets, clients, firstDay };
  },

  async run(ctx, { targets, clients, firstDay }) {
    const nextToken = tokenRotation(clients);
    const hoursPerDay = Math.min(...targets.map((t) => t.hoursPerDay));
    const capacity = targets.length * hoursPerDay * BOOKABLE_DAYS;
    let issued = 0;
    // Request n takes practitioner n % P's k-th free hour (k = n / P), walking day by day.
    const nextSlot = () => {
      const n = issued++ % capacity;
      const target = targets[n % targets.length]!;
      const k = Math.floor(n / targets.length);
      const start = new Date(firstDay.getTime() + Math.floor(k / hoursPerDay) * 24 * HOUR_MS + (k % hoursPerDay) * HOUR_MS);
      return { practitioner_id: target.practitionerId, service_id: target.serviceId, start_time: start.toISOString(), end_time: new Date(start.getTime() + HOUR_MS).toISOString() };
    };

    const row = await measure(ctx, NAME, {
      label: 'paid session, free slot',
      requests: [
        {
          method: 'POST',
          path: '/api/v1/drf/bookings/',
          setupRequest: (request) => ({
            ...request,
            headers: { 'content-type': 'application/json', authorization: nextToken() },
            body: JSON.stringify(nextSlot()),
          }),
        },
      ],
    });
    const { rows: stored } = await ctx.app.db.raw<{ rows: Array<{ n: number }> }>(`SELECT count(*)::int AS n FROM bookings`);
    row.details = { practitioners: targets.length, clients: clients.length, bookable_hours_per_day: hoursPerDay, slots_issued_incl_warmup: issued, bookings_in_db: stored[0]!.n };
    return [row];
  },
});
