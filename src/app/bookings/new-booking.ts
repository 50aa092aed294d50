import { invalid, invalidField } from '../../domain/errors';
import type { BookingPlan } from '../../domain/booking-rules';
import type { Caller } from '../../domain/types';
import type { NewBooking } from '../../data/booking-repository';
import type { ServiceRecord } from '../../data/catalog-repository';

/** What both create paths (create-booking.ts, create-in-one-write.ts) and the parent creates share. */

export interface CreateBookingInput {
  practitioner_id: number;
  service_id: number;
  start_time?: Date;
  end_time?: Date;
  service_session_id?: number;
  location_id?: number;
  title?: string;
  description?: string;
  client_notes?: string;
  timezone?: string;
  draft?: boolean;
  /** Pay with one credit of the caller's confirmed bundle. */
  bundle_booking_id?: number;
  /** A room of the service's location (a service that requires a room); without it the server picks one. */
  room_id?: number;
}

/** The service a request names, offered by the practitioner it names, to someone else. */
export function assertServiceBookable<S extends { id: number; practitioner_id: number }>(service: S | undefined, input: CreateBookingInput, caller: Caller): asserts service is S {
  if (!service) throw invalidField('service_id', `Service ${input.service_id} does not exist.`, 'does_not_exist');
  if (service.practitioner_id !== input.practitioner_id) {
    throw invalidField('service_id', `Service ${service.id} is not offered by practitioner ${input.practitioner_id}.`);
  }
  if (caller.id === service.practitioner_id) throw invalid('Practitioners cannot book their own services.', undefined, 'self_booking');
}

export const noSuchPractitioner = (input: CreateBookingInput) => invalidField('practitioner_id', `Practitioner ${input.practitioner_id} does not exist.`, 'does_not_exist');

/** The row of a new top-level booking (a session, a workshop seat, a course, package or bundle), as planned. */
export function newBookingRow(
  caller: Caller,
  input: Pick<CreateBookingInput, 'location_id' | 'title' | 'description' | 'client_notes' | 'timezone'>,
  facts: {
    service: Pick<ServiceRecord, 'id' | 'practitioner_id' | 'name' | 'location_id' | 'price_cents' | 'cancellation_notice_hours'>;
    plan: Pick<BookingPlan, 'bookingType' | 'status' | 'paymentStatus' | 'priceCents' | 'holdExpiresAt'> & { start: Date | null; end: Date | null };
    timezone: string;
    blockedUntil: Date | null;
    now: Date;
    sessionId?: number | null;
    bundleId?: number | null;
    roomId?: number | null;
  },
): NewBooking {
  const { service, plan, now } = facts;
  return {
    client_id: caller.id,
    practitioner_id: service.practitioner_id,
    service_id: service.id,
    service_session_id: facts.sessionId ?? null,
    parent_booking_id: null,
    location_id: input.location_id ?? service.location_id,
    booking_type: plan.bookingType,
    title: input.title ?? service.name,
    // Absent texts are left to the table's defaults.
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.client_notes !== undefined ? { client_notes: input.client_notes } : {}),
    timezone: input.timezone ?? facts.timezone,
    start_time: plan.start,
    end_time: plan.end,
    blocked_until: facts.blockedUntil,
    status: plan.status,
    payment_status: plan.paymentStatus,
    price_charged_cents: plan.priceCents,
    cancellation_notice_hours: service.cancellation_notice_hours,
    hold_expires_at: plan.holdExpiresAt,
    confirmed_at: plan.status === 'confirmed' ? now : null,
    bundle_booking_id: facts.bundleId ?? null,
    room_id: facts.roomId ?? null,
    list_price_cents: service.price_cents,
  };
}
