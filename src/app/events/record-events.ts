import type { Knex } from 'knex';
import type { EventType } from '../../domain/booking-events';
import type { BookingRow } from '../../data/booking-repository';
import type { BookingEventRow } from '../../data/event-repository';
import type { NotificationKind, OutboxJob } from '../../jobs/job-contracts';
import { recordJobs } from '../../jobs/outbox-writer';
import type { AppContext } from '../app-context';

/** The notification kind of each event (reminders name theirs: reminder_24h or reminder_1h). */
const KIND_OF: Record<Exclude<EventType, 'booking.reminder'>, NotificationKind> = {
  'booking.created': 'booking_created',
  'booking.confirmed': 'booking_confirmed',
  'booking.rescheduled': 'booking_rescheduled',
  'booking.canceled': 'booking_canceled',
  'booking.started': 'booking_started',
  'booking.completed': 'booking_completed',
  'booking.no_show': 'booking_no_show',
  'payment.refunded': 'payment_refunded',
};

/** One fan-out job per event that some endpoint wants, naming those endpoints. */
export function fanOutJobs(events: Array<Pick<BookingEventRow, 'id' | 'booking_id' | 'type'>>, endpoints: Array<{ id: number; events: EventType[] }>): OutboxJob[] {
  return events.flatMap((event): OutboxJob[] => {
    const endpointIds = endpoints.filter((e) => e.events.includes(event.type)).map((e) => e.id);
    return endpointIds.length ? [{ queue: 'webhooks', name: 'fan-out', payload: { bookingId: event.booking_id, eventId: event.id, endpointIds } }] : [];
  });
}

/**
 * The jobs that fan recorded events out to webhook endpoints: every event, a child's quiet ones too (a
 * practitioner's systems hear about each booking they hold). Only when an active endpoint wants the
 * event, so that a service without webhooks queues nothing more. Read in the event's transaction: an
 * endpoint registered before the event commits hears about it.
 */
export async function webhookJobsFor(app: AppContext, trx: Knex.Transaction, practitionerId: number, events: BookingEventRow[]): Promise<OutboxJob[]> {
  if (!events.length) return [];
  // One read for all the events of a change: the endpoints listening now (one paused at this moment does
  // not hear of it, even if resumed before the job runs).
  return fanOutJobs(events, await app.webhooks.listeningToAny(trx, practitionerId, [...new Set(events.map((e) => e.type))]));
}

/** The job that tells the booking's people about a recorded event. */
export function notifyJobFor(event: NewEvent, row: Pick<BookingEventRow, 'id' | 'booking_id'>): OutboxJob {
  return { queue: 'notifications', name: 'notify', payload: { bookingId: row.booking_id, kind: KIND_OF[event.type], occasion: event.occasion ?? `event-${row.id}`, eventId: row.id } };
}

export interface NewEvent {
  type: Exclude<EventType, 'booking.reminder'>;
  details?: Record<string, unknown>;
  /** Distinguishes repeats of one kind of event in notification dedupe keys (default: the event's own id). */
  occasion?: string;
}

/**
 * Records what happened to a booking in the transaction that made it happen, and the jobs that tell
 * people about it (unless `tellPeople` is false: a child moving with its parent, whose people are told
 * about the parent) and webhook endpoints (always).
 */
export async function recordBookingEvents(
  app: AppContext,
  trx: Knex.Transaction,
  booking: Pick<BookingRow, 'id' | 'practitioner_id'>,
  events: NewEvent[],
  options: { tellPeople: boolean },
): Promise<BookingEventRow[]> {
  const recorded: BookingEventRow[] = [];
  const jobs: OutboxJob[] = [];
  const now = app.clock.now();
  for (const event of events) {
    const row = (await app.events.record(trx, { bookingId: booking.id, type: event.type, occurredAt: now, details: event.details ?? null }))!;
    recorded.push(row);
    if (options.tellPeople) jobs.push(notifyJobFor(event, row));
  }
  jobs.push(...(await webhookJobsFor(app, trx, booking.practitioner_id, recorded)));
  await recordJobs(trx, jobs);
  return recorded;
}

/** Money went back to the client: `payment.refunded`, told to both parties. */
export async function recordRefundEvent(app: AppContext, trx: Knex.Transaction, booking: Pick<BookingRow, 'id' | 'practitioner_id'>, amountCents: number): Promise<void> {
  if (amountCents <= 0) return;
  await recordBookingEvents(app, trx, booking, [{ type: 'payment.refunded', details: { amount_cents: amountCents } }], { tellPeople: true });
}
