import Joi from 'joi';
import { invalid, notFound } from '../domain/errors';
import { isKnownZone } from '../domain/time-zones';
import type { PageRequest } from '../data/pagination';

// Bodies are JSON, so types are strict: "1" is not a number and "true" is not a boolean. Times are
// the exception: JSON has no date type, so ISO strings are converted to Dates.
export const id = () => Joi.number().integer().positive().max(Number.MAX_SAFE_INTEGER).strict();
export const text = (max: number) => Joi.string().max(max).allow('');
export const bool = () => Joi.boolean().strict();
// An instant needs its offset ("Z" or "+01:00"): without one, JS reads the time in the server's zone.
const HAS_OFFSET = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
export const isoTime = () =>
  Joi.date()
    .iso()
    .raw(false)
    .custom((value: Date, helpers) => (typeof helpers.original === 'string' && HAS_OFFSET.test(helpers.original) ? value : helpers.error('date.offset')))
    .messages({ 'date.offset': '{#label} must be an ISO 8601 date-time with an offset, such as "2030-01-08T10:00:00Z"' });
export const hhmm = () =>
  Joi.string()
    .pattern(/^([01]\d|2[0-3]):[0-5]\d$/)
    .messages({ 'string.pattern.base': '{#label} must be a time "HH:MM" (00:00–23:59)' });
export const isoDate = () =>
  Joi.string()
    .pattern(/^\d{4}-\d{2}-\d{2}$/)
    // Date.parse rolls 2030-02-30 over to March; only a date that round-trips exists.
    .custom((value: string, helpers) => {
      const parsed = new Date(`${value}T00:00:00Z`);
      return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value ? value : helpers.error('any.invalid');
    })
    .messages({ 'string.pattern.base': '{#label} must be a date "YYYY-MM-DD"', 'any.invalid': '{#label} is not a calendar date' });
export const timezone = () =>
  Joi.string()
    .max(64)
    .custom((value: string, helpers) => (isKnownZone(value) ? value : helpers.error('any.invalid')))
    .messages({ 'any.invalid': '{#label} must be an IANA time zone such as "Europe/London"' });

function toFieldErrors(error: Joi.ValidationError): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const detail of error.details) {
    const field = detail.path.length ? detail.path.join('.') : 'non_field_errors';
    (errors[field] ??= []).push(detail.message.replace(/"/g, ''));
  }
  return errors;
}

/** Where a string holds U+0000, which Postgres text cannot store (a 500 at the write otherwise). Iterative: bodies may nest deeply. */
function pathOfNulCharacter(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length) {
    const [item, path] = stack.pop()!;
    if (typeof item === 'string' && item.includes('\u0000')) return path || 'non_field_errors';
    if (item && typeof item === 'object') for (const [key, child] of Object.entries(item)) stack.push([child, path ? `${path}.${key}` : key]);
  }
  return null;
}

/**
 * The schema with its validation options applied once (Joi.Schema#prefs). Options passed to validate() on
 * every call made Joi merge and compile its preferences and messages on every request, a third of its cost.
 */
const withOptions = new WeakMap<Joi.Schema, Map<string, Joi.Schema>>();

function prepared(schema: Joi.Schema, options: Joi.ValidationOptions): Joi.Schema {
  let bySettings = withOptions.get(schema);
  if (!bySettings) withOptions.set(schema, (bySettings = new Map()));
  const key = JSON.stringify(options);
  let found = bySettings.get(key);
  if (!found) bySettings.set(key, (found = schema.prefs({ abortEarly: false, ...options })));
  return found;
}

/** Validates input against a schema; a failure is a 400 listing every bad field. */
export function validate<T>(schema: Joi.Schema, value: unknown, options: Joi.ValidationOptions = {}): T {
  const nulAt = pathOfNulCharacter(value);
  if (nulAt) throw invalid(`${nulAt}: must not contain the NUL character.`, { [nulAt]: ['Must not contain the NUL character.'] });
  const { error, value: parsed } = prepared(schema, options).validate(value ?? {});
  if (error) {
    const errors = toFieldErrors(error);
    const first = Object.entries(errors)[0];
    throw invalid(first ? `${first[0]}: ${first[1][0]}` : 'Invalid input.', errors);
  }
  return parsed as T;
}

/**
 * Query strings are all strings: convert numbers and booleans there. Unknown parameters are ignored,
 * as DRF does (cache-busters, `format=json`); a known parameter with a bad value is still a 400.
 */
export const validateQuery = <T>(schema: Joi.Schema, query: unknown): T => validate<T>(schema, query, { convert: true, allowUnknown: true, stripUnknown: true });

/** A path id that is not a positive integer names nothing: 404, as for an id that does not exist. */
export function parseId(raw: string | undefined): number {
  const n = Number(raw);
  if (!raw || !/^\d{1,15}$/.test(raw) || !Number.isSafeInteger(n) || n < 1) throw notFound();
  return n;
}

export const MAX_PAGE_SIZE = 100;

export const paginationKeys = {
  page: Joi.number().integer().min(1).max(1_000_000).default(1),
  page_size: Joi.number().integer().min(1).max(MAX_PAGE_SIZE).default(20),
};

export const toPageRequest = (q: { page: number; page_size: number }): PageRequest => ({ page: q.page, pageSize: q.page_size });

/** `status=a,b` and `status=a&status=b` both mean [a, b]; unknown values are a 400 naming the allowed ones. */
export const multiValued = (allowed: readonly string[]) =>
  Joi.array()
    .items(Joi.string().valid(...allowed))
    .single()
    .messages({ 'any.only': `{#label} must be one of: ${allowed.join(', ')}` });

/** Splits comma-separated values of the named keys so that multiValued sees one value per item. */
export function splitCommaValues(query: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const result = { ...query };
  for (const key of keys) {
    const value = result[key];
    if (value === undefined) continue;
    const values = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).filter(Boolean);
    result[key] = [...new Set(values)];
  }
  return result;
}
