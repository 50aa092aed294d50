/** Vocabulary shared by every layer. Plain data, no behaviour. */

export const BOOKING_STATUSES = [
  'draft',
  'pending_payment',
  'confirmed',
  'in_progress',
  'completed',
  'canceled',
  'no_show',
] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

/** Statuses that hold the practitioner's time (drafts hold nothing). */
export const ACTIVE_STATUSES = ['pending_payment', 'confirmed', 'in_progress'] as const satisfies readonly BookingStatus[];

export const PAYMENT_STATUSES = ['not_required', 'unpaid', 'paid', 'refunded', 'partially_refunded', 'failed'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** The spec's `booking_type` filter values. A workshop booking is a `group` booking. */
export const BOOKING_TYPES = ['individual', 'group', 'package', 'course', 'bundle'] as const;
export type BookingType = (typeof BOOKING_TYPES)[number];

export const SERVICE_TYPES = ['session', 'workshop', 'course', 'package', 'bundle'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export const USER_ROLES = ['client', 'practitioner', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Who moved a booking: a person in one of their roles, or the system (workers, timeouts). */
export const ACTOR_ROLES = ['client', 'practitioner', 'admin', 'system'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];

export interface Actor {
  /** null for the system */
  id: number | null;
  role: ActorRole;
}

/** The system as the one who moved a booking: workers, timeouts, the payment provider's events. */
export const SYSTEM_ACTOR: Actor = Object.freeze({ id: null, role: 'system' });

/** A user as the use cases see the caller. */
export interface Caller {
  id: number;
  role: UserRole;
}
