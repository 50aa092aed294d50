import { DomainError } from '../domain/errors';

interface PgError {
  code?: string;
  constraint?: string;
}

const asPg = (error: unknown): PgError => (typeof error === 'object' && error !== null ? (error as PgError) : {});

export const isExclusionViolation = (error: unknown, constraint?: string): boolean =>
  asPg(error).code === '23P01' && (!constraint || asPg(error).constraint === constraint);

/** Two ranges on one practitioner's calendar would overlap: booking against booking, or against a session. */
export const isCalendarOverlap = (error: unknown): boolean =>
  isExclusionViolation(error, 'bookings_no_overlap') || isExclusionViolation(error, 'calendar_blocks_no_overlap');

/** Two ranges on one room would overlap, whoever's bookings or sessions they are. */
export const isRoomOverlap = (error: unknown): boolean => isExclusionViolation(error, 'room_blocks_no_overlap');

export const isUniqueViolation = (error: unknown, constraint?: string): boolean =>
  asPg(error).code === '23505' && (!constraint || asPg(error).constraint === constraint);

export const isCheckViolation = (error: unknown, constraint?: string): boolean =>
  asPg(error).code === '23514' && (!constraint || asPg(error).constraint === constraint);

/**
 * Runs a write and turns the constraint violations the caller names into domain errors. Anything
 * else propagates untouched (and becomes a 500): a violation nobody expected is a bug, not bad input.
 */
export async function translateConstraintErrors<T>(
  write: () => Promise<T>,
  translations: Array<{ when: (error: unknown) => boolean; then: () => DomainError }>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const match = translations.find((t) => t.when(error));
    if (match) throw match.then();
    throw error;
  }
}
