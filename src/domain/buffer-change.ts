/**
 * What a change of `buffer_minutes` does to the ranges already on a practitioner's calendar.
 *
 * Every active individual booking and every workshop/course session blocks [start, end + buffer), and
 * that buffer is the practitioner's CURRENT one: when it changes, the stored ranges are rewritten, so the
 * database (which refuses overlapping ranges) enforces the new gap after old bookings as well as new ones.
 * A raise that two existing blocks cannot keep is refused as a whole, naming them: the practitioner moves
 * or cancels one of each pair, or picks a smaller buffer (a scheduler never silently breaks a booking).
 *
 * Only blocks whose range reaches past `now` (under the old or the new buffer) count: a range wholly in
 * the past can no longer meet a new booking, and is left as it was.
 */
import { DomainError } from './errors';

export interface CalendarBlock {
  kind: 'booking' | 'session';
  id: number;
  start: Date;
  end: Date;
  /** As stored: end plus the buffer it was last written with. */
  blockedUntil: Date;
}

export interface BufferChangePlan {
  /** The blocks to store again, with their new blockedUntil, by start. */
  rewrite: CalendarBlock[];
  /** Pairs the new buffer would make overlap, the earlier-starting first; the change must be refused if any. */
  conflicts: Array<{ first: CalendarBlock; second: CalendarBlock }>;
}

const MINUTE_MS = 60_000;

export const blockedUntil = (end: Date, bufferMinutes: number): Date => new Date(end.getTime() + bufferMinutes * MINUTE_MS);

const byStart = (a: CalendarBlock, b: CalendarBlock) => a.start.getTime() - b.start.getTime() || a.end.getTime() - b.end.getTime() || a.id - b.id;

export function planBufferChange(input: { blocks: CalendarBlock[]; bufferMinutes: number; now: Date }): BufferChangePlan {
  const now = input.now.getTime();
  const live = input.blocks
    .map((block) => ({ block, next: blockedUntil(block.end, input.bufferMinutes) }))
    .filter(({ block, next }) => Math.max(block.blockedUntil.getTime(), next.getTime()) > now)
    .map(({ block, next }) => ({ ...block, blockedUntil: next }))
    .sort(byStart);

  const conflicts: BufferChangePlan['conflicts'] = [];
  for (let i = 0; i < live.length; i++) {
    const first = live[i]!;
    // Sorted by start: once one starts at or after first's new range, so do all after it.
    for (let j = i + 1; j < live.length && live[j]!.start < first.blockedUntil; j++) conflicts.push({ first, second: live[j]! });
  }
  const stored = new Map(input.blocks.map((b) => [`${b.kind}:${b.id}`, b.blockedUntil.getTime()]));
  const rewrite = live.filter((b) => stored.get(`${b.kind}:${b.id}`) !== b.blockedUntil.getTime());
  return { rewrite, conflicts };
}

const LISTED = 20;
const describe = (b: CalendarBlock) => `${b.kind} ${b.id} (${b.start.toISOString()}–${b.end.toISOString()})`;

/** 409 buffer_conflicts: the raise refused, naming each pair it would leave too close (the first 20). */
export function bufferConflicts(conflicts: BufferChangePlan['conflicts'], bufferMinutes: number): DomainError {
  const pairs = conflicts.slice(0, LISTED).map(({ first, second }) => `${describe(first)} and ${describe(second)} are less than ${bufferMinutes} minutes apart.`);
  if (conflicts.length > LISTED) pairs.push(`…and ${conflicts.length - LISTED} more pairs.`);
  const detail =
    `buffer_minutes ${bufferMinutes} would leave existing bookings or sessions too close together${pairs.length ? `: ${pairs.join(' ')}` : '.'} ` +
    'Move or cancel one of each pair, or choose a smaller buffer; nothing was changed.';
  return new DomainError('conflict', 'buffer_conflicts', detail, { buffer_minutes: pairs });
}
