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
