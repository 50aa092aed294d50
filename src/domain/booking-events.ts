/**
 * What happened to a booking, as events (docs/api-conventions.md#booking-events): recorded by the use case that made the change,
 * told to its client and practitioner, delivered to webhooks. Pure vocabulary and rules.
 */
import type { BookingStatus } from './types';

export const EVENT_TYPES = [
  'booking.created',
  'booking.confirmed',
  'booking.rescheduled',
  'booking.canceled',
  'booking.reminder',
  'booking.started',
  'booking.completed',
  'booking.no_show',
  'payment.refunded',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The event a status change is, when it is one people hear about. */
const EVENT_ON_ENTER: Partial<Record<BookingStatus, StatusEventType>> = {
  confirmed: 'booking.confirmed',
  canceled: 'booking.canceled',
  in_progress: 'booking.started',
  completed: 'booking.completed',
  no_show: 'booking.no_show',
};

export type StatusEventType = 'booking.confirmed' | 'booking.canceled' | 'booking.started' | 'booking.completed' | 'booking.no_show';

/** One event per status a move passes through (complete from confirmed: started, then completed). */
export function eventsForPath(path: readonly BookingStatus[]): Array<{ type: StatusEventType; status: BookingStatus }> {
  return path.flatMap((status) => {
    const type = EVENT_ON_ENTER[status];
    return type ? [{ type, status }] : [];
  });
}
