import { invalid, invalidField } from './errors';
import { priceForService } from './pricing';
import type { BookingStatus, BookingType, PaymentStatus, ServiceType } from './types';

const MINUTE_MS = 60_000;

export interface BookableService {
  id: number;
  service_type: ServiceType;
  duration_minutes: number;
  price_cents: number;
  is_active: boolean;
}

export interface BookableSession {
  id: number;
  start_time: Date;
  end_time: Date;
}

export interface BookingPlan {
  bookingType: BookingType;
  start: Date;
  end: Date;
  blockedUntil: Date;
  status: BookingStatus;
  paymentStatus: PaymentStatus;
  priceCents: number;
  holdExpiresAt: Date | null;
  /** Drafts hold neither time nor seats. */
  holdsTime: boolean;
}

const ENDPOINT_FOR_TYPE: Partial<Record<ServiceType, string>> = {
  course: '/api/v1/drf/bookings/create-course/',
  package: '/api/v1/drf/bookings/create-package/',
  bundle: '/api/v1/drf/bookings/create-bundle/',
};

/** Decides times, status and price of a new individual or workshop booking, before anything is written. */
export function planNewBooking(input: {
  service: BookableService;
  session: BookableSession | null;
  request: { start: Date | null; end: Date | null; draft: boolean };
  bufferMinutes: number;
  holdMinutes: number;
  now: Date;
  /** Paid for with a bundle credit: nothing to pay. */
  paidWithCredit?: boolean;
}): BookingPlan {
  const { service, session, request, now } = input;
  if (!service.is_active) throw invalidField('service_id', `Service ${service.id} is not active.`, 'service_inactive');
  const endpoint = ENDPOINT_FOR_TYPE[service.service_type];
  if (endpoint) throw invalidField('service_id', `A ${service.service_type} is bought with POST ${endpoint}.`, 'wrong_endpoint');
  if (input.paidWithCredit && request.draft) throw invalidField('draft', 'A booking paid with a bundle credit cannot be a draft.');

  const { start, end } = service.service_type === 'workshop' ? timesFromSession(session, request) : timesFromRequest(service, request);
  if (start.getTime() <= now.getTime()) throw invalidField('start_time', 'start_time must be in the future.');

  const priceCents = input.paidWithCredit ? 0 : priceForService(service);
  const paid = priceCents > 0;
  const status: BookingStatus = request.draft ? 'draft' : paid ? 'pending_payment' : 'confirmed';
  const isGroup = service.service_type === 'workshop';
  return {
    bookingType: isGroup ? 'group' : 'individual',
    start,
    end,
    blockedUntil: isGroup ? end : new Date(end.getTime() + input.bufferMinutes * MINUTE_MS),
    status,
    paymentStatus: paid ? 'unpaid' : 'not_required',
    priceCents,
    holdExpiresAt: status === 'pending_payment' ? holdExpiry(now, input.holdMinutes, start) : null,
    holdsTime: !request.draft,
  };
}

/**
 * When an unpaid hold lapses: PAYMENT_HOLD_MINUTES from now, and never after the start, so that a
 * booking made just before its session cannot stay pending through it (and be paid after it ended).
 */
export function holdExpiry(now: Date, holdMinutes: number, start: Date | null): Date {
  const lapse = now.getTime() + holdMinutes * MINUTE_MS;
  return new Date(start === null ? lapse : Math.min(lapse, start.getTime()));
}

export function timesFromRequest(service: { duration_minutes: number }, request: { start: Date | null; end: Date | null }): { start: Date; end: Date } {
  const { start, end } = request;
  if (!start || !end) {
    const missing: Record<string, string[]> = {};
    if (!start) missing.start_time = ['This field is required.'];
    if (!end) missing.end_time = ['This field is required.'];
    throw invalid('start_time and end_time are required.', missing, 'required');
  }
  if (start.getTime() % MINUTE_MS !== 0) throw invalidField('start_time', 'start_time must be on a whole minute.');
  if (end.getTime() <= start.getTime()) throw invalidField('end_time', 'end_time must be after start_time.');
  const minutes = (end.getTime() - start.getTime()) / MINUTE_MS;
  if (minutes !== service.duration_minutes) {
    throw invalidField('end_time', `The booking lasts ${minutes} minutes; this service lasts ${service.duration_minutes}.`, 'duration_mismatch');
  }
  return { start, end };
}

function timesFromSession(session: BookableSession | null, request: { start: Date | null; end: Date | null }): { start: Date; end: Date } {
  if (!session) throw invalidField('service_session_id', 'A workshop booking needs service_session_id.', 'required');
  const differs = (given: Date | null, actual: Date) => given !== null && given.getTime() !== actual.getTime();
  if (differs(request.start, session.start_time) || differs(request.end, session.end_time)) {
    throw invalidField('start_time', "A workshop booking takes its times from the session; omit them or send the session's times.");
  }
  return { start: session.start_time, end: session.end_time };
}

/** The lifecycle timestamp each status stamps when a booking enters it. */
export const ENTERED_AT = {
  confirmed: 'confirmed_at',
  in_progress: 'started_at',
  completed: 'completed_at',
  canceled: 'canceled_at',
  no_show: 'no_show_at',
} as const satisfies Partial<Record<BookingStatus, string>>;

export type LifecycleTimestamp = (typeof ENTERED_AT)[keyof typeof ENTERED_AT];

/** The timestamps a path of statuses stamps, all at `now`. */
export function stampsFor(path: BookingStatus[], now: Date): Partial<Record<LifecycleTimestamp, Date>> {
  const stamps: Partial<Record<LifecycleTimestamp, Date>> = {};
  for (const status of path) {
    const column = ENTERED_AT[status as keyof typeof ENTERED_AT];
    if (column) stamps[column] = now;
  }
  return stamps;
}

/** Confirming an unpaid booking by hand means it was paid offline; a free one needs no payment. */
export function paymentStatusOnConfirm(current: PaymentStatus): PaymentStatus {
  return current === 'unpaid' || current === 'failed' ? 'paid' : current;
}

export interface TimedFacts {
  status: BookingStatus;
  start_time: Date | null;
  end_time: Date | null;
  hold_expires_at: Date | null;
}

/** Bookings that start and end on their own times; parents (course, package, bundle) follow their children. */
export const OWN_TIME_TYPES: readonly BookingType[] = ['individual', 'group'];

/**
 * When each timed move falls due, as data the reconciler's query is built from (overdueAction is the
 * same rule for one booking): a booking in `status` is due once its `at` has passed; `ownTimesOnly`
 * leaves out the parents, which follow their children.
 */
export const TIMED_MOVES = [
  { status: 'pending_payment', at: 'hold_expires_at', ownTimesOnly: false },
  { status: 'confirmed', at: 'start_time', ownTimesOnly: true },
  { status: 'in_progress', at: 'end_time', ownTimesOnly: true },
] as const satisfies ReadonlyArray<{ status: BookingStatus; at: keyof TimedFacts; ownTimesOnly: boolean }>;

/**
 * The move a booking is overdue for at `now`, if any: what the timed jobs should have done. The
 * reconciler applies it when Redis lost (or never got) the job.
 */
export function overdueAction(booking: TimedFacts, now: Date): 'expire_hold' | 'start' | 'complete' | null {
  const passed = (at: Date | null) => at !== null && at.getTime() <= now.getTime();
  if (booking.status === 'pending_payment') return passed(booking.hold_expires_at) ? 'expire_hold' : null;
  if (booking.status === 'confirmed') return passed(booking.end_time) ? 'complete' : passed(booking.start_time) ? 'start' : null;
  if (booking.status === 'in_progress') return passed(booking.end_time) ? 'complete' : null;
  return null;
}
