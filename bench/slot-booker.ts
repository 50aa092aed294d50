import { createSessionService, openAllDayEveryDay, registerUsers } from './fixtures';
import { createHttpClient, type HttpResponse } from './http-client';
import { atRate, type Paced } from './open-loop';
import type { BenchContext } from './support';

const PATH = '/api/v1/drf/bookings/';
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Practitioners open all day with one 60-minute service each, clients to book them, from `firstDay` on. */
export interface BookingTargets {
  targets: Array<{ practitionerId: number; serviceId: number }>;
  clients: Array<{ token: string }>;
  hoursPerDay: number;
  firstDay: Date;
}

/**
 * An open-loop load of POST bookings/ at `rate` per second: booking n goes to practitioner n mod P, in
 * the next free hour of their calendar, so every request asks for a slot nobody holds. `issued` counts
 * the bookings asked for so far, across calls of `book`.
 */
export function slotBooker(ctx: BenchContext, load: BookingTargets, rate: number) {
  let issued = 0;
  const book = async (seconds: number): Promise<{ results: Array<Paced<HttpResponse>>; elapsedSeconds: number }> => {
    const http = createHttpClient(ctx.baseUrl, 64);
    try {
      return await atRate(rate, seconds, () => {
        const n = issued++;
        const target = load.targets[n % load.targets.length]!;
        const k = Math.floor(n / load.targets.length);
        const start = new Date(load.firstDay.getTime() + Math.floor(k / load.hoursPerDay) * DAY_MS + (k % load.hoursPerDay) * HOUR_MS);
        const body = { practitioner_id: target.practitionerId, service_id: target.serviceId, start_time: start.toISOString(), end_time: new Date(start.getTime() + HOUR_MS).toISOString() };
        return http.post(PATH, load.clients[n % load.clients.length]!.token, body);
      });
    } finally {
      http.close();
    }
  };
  return { book, issued: () => issued };
}

/**
 * `practitioners` practitioners open all day with a free 60-minute service each, and `clients` clients,
 * booking from the midnight after next (so that 24-hour reminders are still due).
 */
export async function setUpBookingTargets(ctx: BenchContext, practitioners: number, clients: number): Promise<BookingTargets & { clients: Array<{ id: number; token: string }> }> {
  const [pros, people] = await Promise.all([registerUsers(ctx, 'practitioner', practitioners), registerUsers(ctx, 'client', clients)]);
  let hoursPerDay = 24;
  const targets: BookingTargets['targets'] = [];
  for (const practitioner of pros) {
    const { lastBookableHour } = await openAllDayEveryDay(ctx, practitioner);
    hoursPerDay = Math.min(hoursPerDay, lastBookableHour + 1);
    targets.push({ practitionerId: practitioner.id, serviceId: (await createSessionService(ctx, practitioner, 0)).id });
  }
  const firstDay = new Date();
  firstDay.setUTCHours(48, 0, 0, 0);
  return { targets, clients: people, hoursPerDay, firstDay };
}
