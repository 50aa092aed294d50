/**
 * The jobs the API and the workers agree on: queue, job name and payload (JSON, ids only — the
 * worker re-reads the row). Shared by src/app (which records them in the outbox) and src/workers.
 */
export const QUEUES = ['payments', 'lifecycle', 'expansion', 'notifications', 'webhooks'] as const;
export type QueueName = (typeof QUEUES)[number];

export interface JobPayloads {
  lifecycle: {
    /** confirmed → in_progress at start_time, if the booking still starts then. */
    'start-booking': { bookingId: number; startTime: string };
    /** → completed at end_time, if the booking still ends then. */
    'finish-booking': { bookingId: number; endTime: string };
    /** pending_payment → canceled when the payment hold runs out. */
    'expire-hold': { bookingId: number; holdExpiresAt: string };
    /**
     * A seat of a workshop session freed while people wait for it: offer the free seats to the first
     * in line (does nothing when no seat is free or nobody waits).
     */
    'offer-waitlist-seats': { sessionId: number };
    /** Periodic repair: apply overdue transitions Redis may have lost. */
    reconcile: Record<string, never>;
  };
  payments: {
    'apply-payment-event': { eventId: number };
    refund: { bookingId: number };
  };
  expansion: {
    /**
     * A flow's parent job: runs once every component job has finished (or failed for good) and records
     * the expansion as done, or failed with the reason.
     */
    'expand-booking': { bookingId: number };
    /** A flow's child job: creates the child booking of one component of a course or package. */
    'expand-component': { bookingId: number; componentKey: string };
    /** A bundle's remaining credits expire at expiresAt. */
    'expire-credits': { bookingId: number; expiresAt: string };
  };
  notifications: {
    /**
     * Tells the booking's client and practitioner about an event (eventId), or, for a reminder scheduled
     * ahead (no eventId), records the reminder event first if the booking is still as it was then.
     */
    notify: { bookingId: number; kind: NotificationKind; occasion: string; eventId?: number };
    /**
     * Sends the e-mail of one recorded notification; retried with EMAIL_RETRY_* backoff (see
     * jobOptionsFor), then the notification is marked failed. Sends nothing once it was sent.
     */
    'send-email': { notificationId: number };
  };
  webhooks: {
    /**
     * Creates one delivery per webhook endpoint that wanted the event when it happened (endpointIds,
     * decided in the event's transaction) and still does (bookingId: for tracing only).
     */
    'fan-out': { bookingId: number; eventId: number; endpointIds?: number[] };
    /** One try of one delivery; retried with the webhook backoff until it is delivered or out of tries. */
    deliver: { deliveryId: number };
  };
}

/** The backoff type of webhook jobs: computed by the workers from the configuration (see worker-pool.ts). */
export const WEBHOOK_BACKOFF = 'webhook';

export const NOTIFICATION_KINDS = [
  'booking_created',
  'booking_confirmed',
  'booking_canceled',
  'booking_rescheduled',
  'reminder_24h',
  'reminder_1h',
  'booking_started',
  'booking_completed',
  'booking_no_show',
  'payment_refunded',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export type JobName<Q extends QueueName> = keyof JobPayloads[Q] & string;

/** A job of a flow, run before its parent; in the parent's queue. */
export type FlowChild = { [N in JobName<'expansion'>]: { name: N; payload: JobPayloads['expansion'][N] } }[JobName<'expansion'>];

/**
 * One job to record: `runAt` makes it a delayed job; `children` makes it the parent of a BullMQ flow,
 * run once all of them have finished.
 */
export type OutboxJob = {
  [Q in QueueName]: { [N in JobName<Q>]: { queue: Q; name: N; payload: JobPayloads[Q][N]; runAt?: Date; children?: FlowChild[] } }[JobName<Q>];
}[QueueName];

/** BullMQ job ids must not contain ':' nor be plain integers. */
export const jobIdForOutboxRow = (outboxId: number): string => `outbox-${outboxId}`;

/** A flow child's id: derived from its outbox row, so relaying the row twice adds nothing twice. */
export const jobIdForFlowChild = (outboxId: number, index: number): string => `outbox-${outboxId}-child-${index}`;

/** The outbox row a job was relayed from; null for jobs that did not come through the outbox (the reconciler's). */
export function outboxIdOfJob(jobId: string | undefined): number | null {
  const match = /^outbox-(\d+)$/.exec(jobId ?? '');
  return match ? Number(match[1]) : null;
}
