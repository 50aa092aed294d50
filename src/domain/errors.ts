/**
 * Errors carry a kind, never an HTTP status: src/api/error-mapper.ts maps kinds to responses.
 * `code` is the stable snake_case identifier clients branch on.
 */
export type ErrorKind =
  | 'invalid' // 400: the input is wrong
  | 'unauthenticated' // 401
  | 'forbidden' // 403: authenticated, but not allowed
  | 'not_found' // 404: missing or not visible to the caller
  | 'conflict' // 409: the state of the world forbids it
  | 'precondition_failed' // 412: the caller's copy (If-Match) is no longer the current one
  | 'unprocessable' // 422: well-formed, but contradicts what the same request said before (an idempotency key reused)
  | 'throttled'; // 429

export class DomainError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly errors?: Record<string, string[]>;

  constructor(kind: ErrorKind, code: string, detail: string, errors?: Record<string, string[]>) {
    super(detail);
    this.name = 'DomainError';
    this.kind = kind;
    this.code = code;
    if (errors) this.errors = errors;
  }
}

export const invalid = (detail: string, errors?: Record<string, string[]>, code = 'invalid'): DomainError =>
  new DomainError('invalid', code, detail, errors);

/** A single-field validation error: `{errors: {field: [detail]}}`. */
export const invalidField = (field: string, detail: string, code = 'invalid'): DomainError =>
  new DomainError('invalid', code, detail, { [field]: [detail] });

export const notFound = (detail = 'Not found.'): DomainError => new DomainError('not_found', 'not_found', detail);

export const forbidden = (detail = 'You do not have permission to perform this action.'): DomainError =>
  new DomainError('forbidden', 'permission_denied', detail);

export const conflict = (code: string, detail: string): DomainError => new DomainError('conflict', code, detail);

export const slotUnavailable = (why?: string): DomainError =>
  conflict('slot_unavailable', why ? `Time slot not available: ${why}.` : 'Time slot not available');

/** The version the caller holds (If-Match) is not the booking's current one: re-read it and decide again. */
export const preconditionFailed = (detail: string): DomainError => new DomainError('precondition_failed', 'precondition_failed', detail);

export const unprocessable = (code: string, detail: string): DomainError => new DomainError('unprocessable', code, detail);
