import { isKnownZone } from '../domain/time-zones';

/**
 * A body checked without Joi when it is plainly valid, for the hottest write (POST /bookings/): Joi builds
 * its state, error lists and a clone per call, and was the largest allocator of a create. A quick check
 * only ever says "valid, and here is what Joi would have returned" or "ask Joi": it never refuses, so every
 * error message stays Joi's. test/unit/quick-check.test.ts holds each quick check to its Joi schema on
 * generated bodies.
 */
export type QuickField = 'id' | 'instant' | 'zone' | 'boolean' | { text: number };

/** What Joi accepts of an instant (`isoTime()` in validation.ts), in its most common spelling: "2030-01-08T10:00:00Z", "…:00.000+01:00". */
const PLAIN_INSTANT = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

const NOT_QUICK = Symbol('not quick');

function quickValue(kind: QuickField, value: unknown): unknown {
  switch (kind) {
    case 'id':
      return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : NOT_QUICK;
    case 'boolean':
      return typeof value === 'boolean' ? value : NOT_QUICK;
    case 'instant': {
      if (typeof value !== 'string' || !PLAIN_INSTANT.test(value)) return NOT_QUICK;
      // Joi's own conversion (new Date of the text), and its refusal when that is not a date.
      const date = new Date(value);
      return Number.isNaN(date.getTime()) ? NOT_QUICK : date;
    }
    case 'zone':
      return typeof value === 'string' && value !== '' && value.length <= 64 && !value.includes('\u0000') && isKnownZone(value) ? value : NOT_QUICK;
    default:
      return typeof value === 'string' && value.length <= kind.text && !value.includes('\u0000') ? value : NOT_QUICK;
  }
}

/**
 * A quick check for an object of these fields: the body with its instants as Dates (keys in the body's
 * order, as Joi returns them), or undefined when anything is unusual (a missing required field, an unknown
 * key, another type or spelling, a NUL character) and Joi must decide.
 */
export function quickObject<T>(fields: Readonly<Record<string, QuickField>>, required: readonly string[]): (body: unknown) => T | undefined {
  return (body) => {
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.getPrototypeOf(body) !== Object.prototype) return undefined;
    const input = body as Record<string, unknown>;
    for (const key of required) if (!(key in input)) return undefined;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(input)) {
      const kind = Object.hasOwn(fields, key) ? fields[key] : undefined;
      if (kind === undefined) return undefined;
      const value = quickValue(kind, input[key]);
      if (value === NOT_QUICK) return undefined;
      out[key] = value;
    }
    return out as T;
  };
}
