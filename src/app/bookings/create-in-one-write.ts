import { assertSlotIsFree } from '../../domain/availability';
import { planNewBooking } from '../../domain/booking-rules';
import { ACTIVE_STATUSES, type Caller } from '../../domain/types';
import type { BookingView, HistoryEntry } from '../../data/booking-repository';
import { OUTBOX_CHANNEL, outboxRows } from '../../jobs/outbox-writer';
import type { AppContext } from '../app-context';
import { fanOutJobs, notifyJobFor, type NewEvent } from '../events/record-events';
import { tooManyUnpaidHolds } from './assert-unpaid-hold-allowed';
import { lifecycleJobsFor } from './booking-jobs';
import { pricingOf, requireActor, type BookingDetail } from './booking-queries';
import { assertServiceBookable, newBookingRow, noSuchPractitioner, type CreateBookingInput } from './new-booking';
import { chooseRoom } from '../../domain/rooms';
import { roomRefusal } from './take-room';

const DAY_MS = 86_400_000;
const CREATED: NewEvent = { type: 'booking.created', occasion: 'created' };

/**
 * Whether a request can be booked in two statements: an individual session at a time, with nothing else
 * to take (no workshop seat, bundle credit, room asked for by id or other location) and not a draft. A
 * service that requires a room gets the one the server picks (the smallest free one, as takeRoom picks).
 */
export function fitsOneWrite(input: CreateBookingInput): input is CreateBookingInput & { start_time: Date; end_time: Date } {
  return (
    !input.draft &&
    input.start_time !== undefined &&
    input.end_time !== undefined &&
    input.service_session_id === undefined &&
    input.bundle_booking_id === undefined &&
    input.room_id === undefined &&
    input.location_id === undefined
  );
}

/**
 * docs/benchmarks.md#create-in-two-statements: one read (service, schedule with its version, busy ranges,
 * the people, the webhook endpoints listening, the new ids), the same domain decisions as the transaction
 * path, then one write statement that locks the calendar, checks the schedule version and the client's
 * unpaid holds under its locks, and writes the booking, its history, event and jobs. A schedule changed
 * between the two is seen by the write: the request is decided again once, then (should it change again)
 * under the lock by the transaction path. A service that requires a room: the read brings its location's
 * rooms with what they hold (none free: 409 at once, as takeRoom answers), and the write takes the location's
 * room lock and, under it, the room free_room chooses as takeRoom does, inserting under room_blocks_no_overlap;
 * should none be free any more, the request is decided again the same way. Returns undefined for what this path does not
 * book (a workshop, a room service without a location) — the caller takes the transaction path.
 */
export async function createInOneWrite(app: AppContext, caller: Caller, input: CreateBookingInput, idempotencyClaimId: number | null = null): Promise<BookingDetail | undefined> {
  if (!fitsOneWrite(input)) return undefined;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const now = app.clock.now();
    const read = await app.newBookings.read({
      serviceId: input.service_id,
      practitionerId: input.practitioner_id,
      clientId: caller.id,
      window: { from: new Date(input.start_time.getTime() - DAY_MS), to: new Date(input.end_time.getTime() + DAY_MS) },
      activeStatuses: ACTIVE_STATUSES,
      eventType: CREATED.type,
    });
    // An unknown service: the transaction path answers it, as it does every other refusal's wording.
    if (!read) return undefined;
    const { service } = read;
    assertServiceBookable(service, input, caller);
    if (service.service_type === 'workshop' || (service.requires_room && (service.location_id === null || !read.rooms))) return undefined;
    if (!read.schedule) throw noSuchPractitioner(input);
    const schedule = read.schedule.value;
    const plan = planNewBooking({
      service,
      session: null,
      request: { start: input.start_time, end: input.end_time, draft: false },
      bufferMinutes: schedule.bufferMinutes,
      holdMinutes: app.config.paymentHoldMinutes,
      now,
    });
    assertSlotIsFree({ schedule, busy: read.busy, start: plan.start, end: plan.end, now });
    let room: { id: number; name: string } | null = null;
    if (service.requires_room) {
      const choice = chooseRoom({ rooms: read.rooms!, start: plan.start, until: plan.blockedUntil, seats: 1 });
      if (!choice.ok) throw roomRefusal(choice, { seats: 1 });
      room = { id: choice.room.id, name: choice.room.name };
    }

    const booking = {
      id: read.bookingId,
      ...newBookingRow(caller, input, { service, plan, timezone: schedule.timezone, blockedUntil: plan.blockedUntil, now, roomId: room?.id ?? null }),
      event_sequence: 1,
    };
    const history: HistoryEntry & { booking_id: number } = {
      booking_id: booking.id,
      from_status: null,
      to_status: booking.status,
      actor_id: caller.id,
      actor_role: 'client',
      reason: 'created',
      created_at: now,
    };
    const event = { id: read.eventId, booking_id: booking.id, sequence: 1, type: CREATED.type, occurred_at: now, details: null };
    const jobs = [
      ...lifecycleJobsFor(booking, now),
      notifyJobFor(CREATED, event),
      ...fanOutJobs([event], read.webhookEndpointIds.map((id) => ({ id, events: [CREATED.type] }))),
    ];
    const max = app.config.maxUnpaidHoldsPerPractitioner;
    const written = await app.newBookings.write({
      booking,
      history,
      event,
      jobs: outboxRows(jobs),
      scheduleVersion: read.schedule.version,
      maxUnpaidHolds: booking.status === 'pending_payment' ? max : null,
      notifyChannel: OUTBOX_CHANNEL,
      idempotencyClaimId,
    });
    switch (written.outcome) {
      case 'created': {
        // The written row is this request's own: completed in place (a spread copy of its 45 columns cost ~0.1 ms).
        const view: BookingView = Object.assign(written.booking, {
          client: read.client,
          practitioner: read.practitioner,
          service: { id: service.id, name: service.name, service_type: service.service_type, duration_minutes: service.duration_minutes, price_cents: service.price_cents },
          location: read.location,
          room: written.room,
        });
        const { booking_id: _id, ...entry } = history;
        return { booking: view, actor: requireActor(view, caller), children: [], notes: [], history: [entry], payments: [], credits: null, pricing: pricingOf(view, [], 0) };
      }
      case 'too_many_unpaid_holds':
        throw tooManyUnpaidHolds(written.held, max);
      case 'no_practitioner':
        throw noSuchPractitioner(input);
      case 'schedule_changed':
      case 'room_taken':
        continue;
    }
  }
  return undefined;
}
