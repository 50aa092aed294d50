/**
 * The booking state machine, as data: TRANSITIONS says which status may follow which,
 * ACTION_RULES says who may ask for each move, from where, and when. Everything else in this
 * file only reads those two tables.
 *
 * Pure: no I/O and no clock; the caller passes `now`.
 */
import { ACTOR_ROLES, type Actor, type ActorRole, type BookingStatus, type Caller } from './types';
import { DomainError, conflict, forbidden, invalidField } from './errors';

/** The spec's transition table. An empty list means terminal. */
export const TRANSITIONS: Readonly<Record<BookingStatus, readonly BookingStatus[]>> = {
  draft: ['pending_payment', 'canceled'],
  pending_payment: ['confirmed', 'canceled'],
  confirmed: ['in_progress', 'canceled', 'no_show'],
  in_progress: ['completed', 'no_show'],
  completed: [],
  canceled: [],
  no_show: [],
};

export const BOOKING_ACTIONS = [
  'submit',
  'confirm',
  'start',
  'complete',
  'no_show',
  'cancel',
  'reschedule',
  'expire_hold',
] as const;
export type BookingAction = (typeof BOOKING_ACTIONS)[number];

export interface ActionRule {
  /** Statuses the action may start from. */
  from: readonly BookingStatus[];
  /** Where the action leads; null when the status stays put (reschedule moves the time, not the status). */
  to: BookingStatus | null;
  /** Roles (relative to the booking) that may ever ask for it; anyone else gets 403 whatever the status. */
  actors: readonly ActorRole[];
  /** now >= startTime. Skipped for a booking already in_progress: being in progress proves it started. */
  requiresStarted?: boolean;
  /** now < startTime: once the session has begun its time is history, not a plan. */
  requiresNotStarted?: boolean;
  /** Only a booking with a time of its own: a workshop or course seat follows its session's time. */
  requiresOwnTime?: boolean;
  /** How error details name the action. */
  verb: string;
}

const STAFF = ['practitioner', 'admin', 'system'] as const satisfies readonly ActorRole[];
const PEOPLE = ['client', 'practitioner', 'admin'] as const satisfies readonly ActorRole[];
const OPEN = ['draft', 'pending_payment', 'confirmed'] as const satisfies readonly BookingStatus[];

// prettier-ignore
export const ACTION_RULES: Readonly<Record<BookingAction, Readonly<ActionRule>>> = {
  submit:      { from: ['draft'],                    to: 'pending_payment', actors: ['client', 'admin'],         verb: 'submit' },
  confirm:     { from: ['pending_payment'],          to: 'confirmed',       actors: STAFF,                       verb: 'confirm' },
  start:       { from: ['confirmed'],                to: 'in_progress',     actors: STAFF, requiresStarted: true, verb: 'start' },
  complete:    { from: ['confirmed', 'in_progress'], to: 'completed',       actors: STAFF, requiresStarted: true, verb: 'complete' },
  no_show:     { from: ['confirmed', 'in_progress'], to: 'no_show',         actors: STAFF, requiresStarted: true, verb: 'mark as no-show' },
  cancel:      { from: OPEN,                         to: 'canceled',        actors: ACTOR_ROLES,                 verb: 'cancel' },
  reschedule:  { from: OPEN,                         to: null,              actors: PEOPLE, requiresNotStarted: true, requiresOwnTime: true, verb: 'reschedule' },
  expire_hold: { from: ['pending_payment'],          to: 'canceled',        actors: ['system'],                  verb: 'expire the hold on' },
};

/** Timing failures read better phrased per action than through one template. */
const BEFORE_START_DETAIL: Partial<Record<BookingAction, string>> = {
  start: 'Cannot start a booking before its start time.',
  complete: 'Cannot complete a booking before it starts.',
  no_show: 'Cannot mark a booking as no-show before it starts.',
};

export interface BookingFacts {
  status: BookingStatus;
  clientId: number;
  practitionerId: number;
  /** null for package/bundle parents, which have no session of their own. */
  startTime: Date | null;
  endTime: Date | null;
  /** A workshop or course seat, whose time is its session's (absent: false). */
  followsSession?: boolean;
  /** The cancellation notice snapshotted on the booking (absent: 0). */
  cancellationNoticeHours?: number;
  /** A course or package parent, whose own status follows its children (absent: false). */
  isParent?: boolean;
}

/**
 * A course or package in progress can still be canceled: its sessions not yet run are canceled and
 * refunded pro rata (docs/api-conventions.md#packages-courses-and-bundles). The spec's table has no in_progress → canceled for a single
 * session, whose time has begun; for a parent, "in progress" means only that its first session has.
 */
const PARENT_EXTRA_FROM: Partial<Record<BookingAction, readonly BookingStatus[]>> = { cancel: ['in_progress'] };

/**
 * How the caller relates to this booking: 'admin' if caller.role === 'admin' (admin wins),
 * 'client' if caller.id === clientId, 'practitioner' if caller.id === practitionerId,
 * else null (not a party: the API answers 404 so as not to reveal the booking exists).
 */
export function actorFor(booking: BookingFacts, caller: Caller): Actor | null {
  if (caller.role === 'admin') return { id: caller.id, role: 'admin' };
  if (caller.id === booking.clientId) return { id: caller.id, role: 'client' };
  if (caller.id === booking.practitionerId) return { id: caller.id, role: 'practitioner' };
  return null;
}

export function isTerminal(status: BookingStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

/**
 * The verdict on an action: the statuses it passes through, or the error that refuses it. The error is
 * built only when someone throws it: the list asks about every row (can_be_canceled, can_be_rescheduled)
 * and an Error per refused row, with its stack, costs far more than the rule.
 */
export type TransitionVerdict = { ok: true; path: BookingStatus[] } | { ok: false; refusal: () => DomainError };

const refuse = (refusal: () => DomainError): TransitionVerdict => ({ ok: false, refusal });

/**
 * judgeTransition, throwing: the statuses the booking passes through, in order (usually one; complete
 * from `confirmed` after the start gives ['in_progress', 'completed']).
 *
 * Throws forbidden() (403) when the actor may never do this action on this booking, checked
 * before the status so a client learns nothing from probing; conflict('invalid_transition')
 * (409) when the status or the timing does not allow it; invalid 'not_reschedulable' (400) when
 * a seat that follows its session is asked to move.
 */
export function decideTransition(booking: BookingFacts, action: BookingAction, actor: Actor, now: Date): BookingStatus[] {
  const verdict = judgeTransition(booking, action, actor, now);
  if (!verdict.ok) throw verdict.refusal();
  return verdict.path;
}

/** Whether the action is allowed and where it leads, without throwing (see decideTransition for the refusals). */
export function judgeTransition(booking: BookingFacts, action: BookingAction, actor: Actor, now: Date): TransitionVerdict {
  const rule = ACTION_RULES[action];

  if (!rule.actors.includes(actor.role) || !isPartyAsClaimed(booking, actor)) return refuse(() => forbidden());

  const parentExtra = booking.isParent ? (PARENT_EXTRA_FROM[action] ?? []) : [];
  if (!rule.from.includes(booking.status) && !parentExtra.includes(booking.status)) {
    return refuse(() => conflict('invalid_transition', `Cannot ${rule.verb} a booking that is ${booking.status}.`));
  }
  if (parentExtra.includes(booking.status)) return { ok: true, path: [rule.to!] };

  if (rule.requiresStarted && booking.status !== 'in_progress' && !hasStarted(booking, now)) {
    return refuse(() =>
      conflict(
        'invalid_transition',
        booking.startTime === null
          ? `Cannot ${rule.verb} a booking that has no start time.`
          : (BEFORE_START_DETAIL[action] ?? `Cannot ${rule.verb} a booking before it starts.`),
      ),
    );
  }

  if (rule.requiresNotStarted) {
    if (booking.startTime === null) {
      return refuse(() => conflict('invalid_transition', `Cannot ${rule.verb} a booking that has no start time.`));
    }
    if (hasStarted(booking, now)) {
      return refuse(() => conflict('invalid_transition', `Cannot ${rule.verb} a booking that has already started.`));
    }
  }

  // Inside the notice window a client's late cancel forfeits the payment; a reschedule there would
  // move the start out again and turn that forfeit into a full refund, so it is the practitioner's call.
  if (action === 'reschedule' && actor.role === 'client' && booking.startTime !== null) {
    const noticeMs = (booking.cancellationNoticeHours ?? 0) * 3_600_000;
    if (now.getTime() > booking.startTime.getTime() - noticeMs) {
      return refuse(() =>
        conflict('invalid_transition', `Cannot reschedule within ${booking.cancellationNoticeHours} hours of the start; ask the practitioner, or cancel.`),
      );
    }
  }

  if (rule.requiresOwnTime && booking.followsSession) {
    return refuse(() => invalidField('start_time', 'A workshop or course booking follows its session; cancel and book another session instead.', 'not_reschedulable'));
  }

  return { ok: true, path: rule.to === null ? [booking.status] : pathBetween(booking.status, rule.to) };
}

/** True iff decideTransition(booking, 'cancel', actor, now) would succeed. */
export function canBeCanceled(booking: BookingFacts, actor: Actor, now: Date): boolean {
  return judgeTransition(booking, 'cancel', actor, now).ok;
}

/** True iff decideTransition(booking, 'reschedule', actor, now) would succeed. */
export function canBeRescheduled(booking: BookingFacts, actor: Actor, now: Date): boolean {
  return judgeTransition(booking, 'reschedule', actor, now).ok;
}

/**
 * Who the cancellation is recorded against. It follows the caller, because refunds depend on
 * it (a client cancel can forfeit the payment, anyone else's refunds it in full); only an admin
 * may record it against another role.
 */
export function resolveCanceledBy(actor: Actor, requested?: ActorRole | null): ActorRole {
  if (requested === undefined || requested === null || requested === actor.role) return actor.role;
  // The type says ActorRole, but the value arrives from a request body.
  if (!(ACTOR_ROLES as readonly string[]).includes(requested)) {
    throw invalidField('canceled_by', `"${String(requested)}" is not a valid choice.`);
  }
  if (actor.role !== 'admin') throw forbidden('Only admins may cancel on behalf of someone else.');
  return requested;
}

function hasStarted(booking: BookingFacts, now: Date): boolean {
  return booking.startTime !== null && now.getTime() >= booking.startTime.getTime();
}

/**
 * Actors should come from actorFor; this catches one built for a different booking, which
 * would otherwise let a client act on someone else's booking by claiming the role.
 */
function isPartyAsClaimed(booking: BookingFacts, actor: Actor): boolean {
  if (actor.role === 'client') return actor.id === booking.clientId;
  if (actor.role === 'practitioner') return actor.id === booking.practitionerId;
  return true;
}

/**
 * ACTION_RULES names only the destination; the route comes from TRANSITIONS so the two tables
 * cannot disagree (complete from confirmed must be recorded as passing through in_progress).
 */
export function pathBetween(from: BookingStatus, to: BookingStatus): BookingStatus[] {
  if (TRANSITIONS[from].includes(to)) return [to];
  const via = TRANSITIONS[from].find((middle) => TRANSITIONS[middle].includes(to));
  if (via !== undefined) return [via, to];
  throw new Error(`ACTION_RULES leads from ${from} to ${to}, which TRANSITIONS does not allow.`);
}
