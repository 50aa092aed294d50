/**
 * Packages, courses and bundles (docs/api-conventions.md#packages-courses-and-bundles): what a purchase creates, how a parent follows its
 * children, and what canceling one gives back. Pure: the caller passes `now`.
 */
import { holdExpiry } from './booking-rules';
import { pathBetween, type BookingFacts } from './booking-status';
import { conflict, forbidden, invalidField } from './errors';
import { priceForService } from './pricing';
import type { Actor, ActorRole, BookingStatus, BookingType, PaymentStatus, ServiceType } from './types';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export const PARENT_TYPES = ['course', 'package', 'bundle'] as const satisfies readonly ServiceType[];
export type ParentType = (typeof PARENT_TYPES)[number];

export const isParentType = (type: string): type is ParentType => (PARENT_TYPES as readonly string[]).includes(type);

/** Statuses in which a child still has something to happen. */
const LEFT_TO_RUN: readonly BookingStatus[] = ['draft', 'pending_payment', 'confirmed', 'in_progress'];
/** Statuses of a child that has begun (or was due and missed). */
const STARTED: readonly BookingStatus[] = ['in_progress', 'completed', 'no_show'];

export interface ParentService {
  id: number;
  service_type: ServiceType;
  price_cents: number;
  is_active: boolean;
  included_services: Array<{ service_id: number; quantity: number }>;
}

export interface PlannedComponent {
  key: string;
  position: number;
  serviceId: number;
  /** Course: the session whose seat this component holds. */
  sessionId: number | null;
}

export interface ParentPlan {
  bookingType: ParentType;
  start: Date | null;
  end: Date | null;
  status: BookingStatus;
  paymentStatus: PaymentStatus;
  priceCents: number;
  holdExpiresAt: Date | null;
  components: PlannedComponent[];
}

/**
 * Decides a course, package or bundle purchase before anything is written. `sessions` are the
 * course's sessions (any order; past ones are ignored).
 */
export function planParentBooking(input: {
  expected: ParentType;
  service: ParentService;
  sessions: Array<{ id: number; start_time: Date; end_time: Date }>;
  holdMinutes: number;
  now: Date;
}): ParentPlan {
  const { expected, service, now } = input;
  if (service.service_type !== expected) {
    throw invalidField('service_id', `Service ${service.id} is a ${service.service_type}, not a ${expected}.`, 'wrong_service_type');
  }
  if (!service.is_active) throw invalidField('service_id', `Service ${service.id} is not active.`, 'service_inactive');

  let components: PlannedComponent[] = [];
  let start: Date | null = null;
  let end: Date | null = null;
  if (expected === 'course') {
    const future = input.sessions.filter((s) => s.start_time.getTime() > now.getTime()).sort((a, b) => a.start_time.getTime() - b.start_time.getTime() || a.id - b.id);
    if (!future.length) throw invalidField('service_id', 'This course has no future session to book.', 'course_has_no_sessions');
    components = future.map((s, position) => ({ key: `session-${s.id}`, position, serviceId: service.id, sessionId: s.id }));
    start = future[0]!.start_time;
    end = new Date(Math.max(...future.map((s) => s.end_time.getTime())));
  }
  if (expected === 'package') {
    let position = 0;
    for (const item of service.included_services) {
      for (let n = 1; n <= item.quantity; n++) components.push({ key: `service-${item.service_id}-${n}`, position: position++, serviceId: item.service_id, sessionId: null });
    }
  }

  const priceCents = priceForService(service);
  const paid = priceCents > 0;
  return {
    bookingType: expected,
    start,
    end,
    status: paid ? 'pending_payment' : 'confirmed',
    paymentStatus: paid ? 'unpaid' : 'not_required',
    priceCents,
    holdExpiresAt: paid ? holdExpiry(now, input.holdMinutes, start) : null,
    components,
  };
}

/**
 * The status a child is created in, or null when the parent is past creating children (canceled or
 * finished before its expansion ran). Package children start unscheduled, as drafts.
 */
export function childStatusFor(parentType: BookingType, parentStatus: BookingStatus): BookingStatus | null {
  if (!LEFT_TO_RUN.includes(parentStatus) || parentStatus === 'draft') return null;
  if (parentType === 'package') return 'draft';
  return parentStatus === 'pending_payment' ? 'pending_payment' : 'confirmed';
}

/**
 * Where a course or package parent moves when its children change: in_progress from its first child's
 * start, completed when no child (nor a component not yet expanded) is left to run and one took place.
 * Returns the statuses passed through, or [] to stay.
 */
export function parentPathFromChildren(parentStatus: BookingStatus, children: Array<{ status: BookingStatus }>, componentCount: number): BookingStatus[] {
  if (parentStatus !== 'confirmed' && parentStatus !== 'in_progress') return [];
  const started = children.some((c) => STARTED.includes(c.status));
  const leftToRun = children.length < componentCount || children.some((c) => LEFT_TO_RUN.includes(c.status));
  if (started && !leftToRun) return pathBetween(parentStatus, 'completed');
  if (started && parentStatus === 'confirmed') return ['in_progress'];
  return [];
}

export interface ChildFacts {
  status: BookingStatus;
  startTime: Date | null;
}

/**
 * Refund due when a course or package parent is canceled (docs/api-conventions.md#packages-courses-and-bundles), rounded down to the cent:
 * - practitioner, admin or system: price × (children neither completed nor no-show) / children;
 * - client: price × (children not started whose start is outside the notice, unscheduled ones and ones
 *   the practitioner canceled included) / children.
 * `children` lists every component, expanded or not (an unexpanded course session counts with its
 * session's start, an unexpanded package item as unscheduled). A parent `partially_refunded` by such
 * a child's share still counts it: the refund job pays only what is outstanding.
 */
export function parentRefundDueCents(input: {
  paymentStatus: PaymentStatus;
  amountPaidCents: number;
  noticeHours: number;
  canceledBy: ActorRole;
  children: ChildFacts[];
  now: Date;
}): number {
  const { children, now } = input;
  if ((input.paymentStatus !== 'paid' && input.paymentStatus !== 'partially_refunded') || !children.length) return 0;
  const noticeEnds = now.getTime() + input.noticeHours * HOUR_MS;
  const refundable = children.filter((c) => {
    if (input.canceledBy !== 'client') return c.status !== 'completed' && c.status !== 'no_show';
    if (c.status === 'canceled') return true;
    if (STARTED.includes(c.status)) return false;
    return c.startTime === null || c.startTime.getTime() >= noticeEnds;
  }).length;
  return Math.floor((input.amountPaidCents * refundable) / children.length);
}

/**
 * What the practitioner or an admin canceling one child of a paid parent owes back at once: that
 * child's share. The parent's refund_due grows by it; a later cancel of the parent counts the child
 * as refundable again, and the refund job pays only what is still outstanding.
 */
export function childShareCents(amountPaidCents: number, childCount: number, alreadyDueCents: number): number {
  if (childCount <= 0) return 0;
  return Math.min(amountPaidCents, alreadyDueCents + Math.floor(amountPaidCents / childCount));
}

/** Bundle cancel: price × max(0, remaining − bonus) / sessions_included, rounded down to the cent. */
export function bundleRefundDueCents(input: {
  paymentStatus: PaymentStatus;
  amountPaidCents: number;
  sessionsIncluded: number;
  bonusSessions: number;
  remainingCredits: number;
}): number {
  if ((input.paymentStatus !== 'paid' && input.paymentStatus !== 'partially_refunded') || input.sessionsIncluded <= 0) return 0;
  const refundable = Math.min(input.sessionsIncluded, Math.max(0, input.remainingCredits - input.bonusSessions));
  return Math.floor((input.amountPaidCents * refundable) / input.sessionsIncluded);
}

/** The credits a confirmed bundle grants, and until when. */
export function creditsGranted(service: { sessions_included: number | null; bonus_sessions: number | null; validity_days: number | null }, now: Date): { credits: number; expiresAt: Date } {
  const credits = (service.sessions_included ?? 0) + (service.bonus_sessions ?? 0);
  return { credits, expiresAt: new Date(now.getTime() + (service.validity_days ?? 0) * DAY_MS) };
}

/**
 * A redeemed booking's credit comes back when its cancel would have been a full refund had it been
 * paid (anyone but the client, or the client outside the notice); otherwise it is forfeited.
 */
export function creditReturnsOnCancel(input: { canceledBy: ActorRole; startTime: Date | null; noticeHours: number; now: Date }): boolean {
  if (input.canceledBy !== 'client' || input.startTime === null) return true;
  return input.startTime.getTime() - input.now.getTime() >= input.noticeHours * HOUR_MS;
}

export interface CreditEntry {
  kind: 'grant' | 'redeem' | 'return' | 'expire';
  credits: number;
}

/** A bundle's credits as the detail shows them, from its ledger. */
export function creditSummary(entries: CreditEntry[]): { total: number; used: number; remaining: number; expired: number } {
  let total = 0;
  let used = 0;
  let expired = 0;
  for (const e of entries) {
    if (e.kind === 'grant') total += e.credits;
    if (e.kind === 'redeem') used -= e.credits;
    if (e.kind === 'return') used -= e.credits;
    if (e.kind === 'expire') expired -= e.credits;
  }
  return { total, used, remaining: total - used - expired, expired };
}

/** Why a redemption is refused, from the bundle's state (checked before and under the credit lock). */
export function assertBundleRedeemable(bundle: { status: BookingStatus; bundleServiceIds: number[] }, serviceId: number): void {
  if (bundle.status !== 'confirmed' && bundle.status !== 'in_progress') {
    if (bundle.status === 'completed') throw conflict('bundle_expired', 'This bundle has expired.');
    throw conflict('bundle_not_confirmed', `This bundle is ${bundle.status}; only a confirmed (paid) bundle can be redeemed.`);
  }
  if (!bundle.bundleServiceIds.includes(serviceId)) {
    throw invalidField('service_id', `Service ${serviceId} cannot be booked with this bundle.`, 'service_not_in_bundle');
  }
}

/**
 * A package child is scheduled (draft, no times → confirmed at the chosen time) by its client, the
 * practitioner or an admin, once the parent is paid. Returns the statuses passed through.
 */
export function decideScheduleChild(child: BookingFacts, parentStatus: BookingStatus, actor: Actor): BookingStatus[] {
  if (actor.role === 'system') throw forbidden();
  if (child.status !== 'draft') throw conflict('invalid_transition', `Cannot schedule a package item that is ${child.status}.`);
  if (parentStatus !== 'confirmed' && parentStatus !== 'in_progress') {
    throw conflict('parent_not_confirmed', `The package is ${parentStatus}; its items can be scheduled once it is confirmed (paid).`);
  }
  return pathBetween('draft', 'confirmed');
}
