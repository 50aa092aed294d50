import Joi from 'joi';
import { invalid, notFound } from '../domain/errors';
import type { PageRequest } from '../data/pagination';

// Bodies are JSON, so types are strict: "1" is not a number and "true" is not a boolean. Times are
// the exception: JSON has no date type, so ISO strings are converted to Dates.
export const id = () => Joi.number().integer().positive().max(Number.MAX_SAFE_INTEGER).strict();
export const text = (max: number) => Joi.string().max(max).allow('');
export const bool = () => Joi.boolean().strict();
export const isoTime = () => Joi.date().iso().raw(false);
export const hhmm = () =>
  Joi.string()
    .pattern(/^([01]\d|2[0-3]):[0-5]\d$/)
    .messages({ 'string.pattern.base': '{#label} must be a time "HH:MM" (00:00–23:59)' });
export const isoDate = () =>
  Joi.string()
    .pattern(/^\d{4}-\d{2}-\d{2}$/)
    .custom((value: string, helpers) => (Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ? helpers.error('any.invalid') : value))
    .messages({ 'string.pattern.base': '{#label} must be a date "YYYY-MM-DD"' });
export const timezone = () =>
  Joi.string()
    .max(64)
    .custom((value: string, helpers) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: value });
        return value;
      } catch {
        return helpers.error('any.invalid');
      }
    })
    .messages({ 'any.invalid': '{#label} must be an IANA time zone such as "Europe/London"' });

function toFieldErrors(error: Joi.ValidationError): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const detail of error.details) {
    const field = detail.path.length ? detail.path.join('.') : 'non_field_errors';
    (errors[field] ??= []).push(detail.message.replace(/"/g, ''));
  }
  return errors;
}

/** Validates input against a schema; a failure is a 400 listing every bad field. */
export function validate<T>(schema: Joi.Schema, value: unknown, options: Joi.ValidationOptions = {}): T {
  const { error, value: parsed } = schema.validate(value ?? {}, { abortEarly: false, ...options });
  if (error) {
    const errors = toFieldErrors(error);
    const first = Object.entries(errors)[0];
    throw invalid(first ? `${first[0]}: ${first[1][0]}` : 'Invalid input.', errors);
  }
  return parsed as T;
}

/** Query strings are all strings: convert numbers and booleans there. */
export const validateQuery = <T>(schema: Joi.Schema, query: unknown): T => validate<T>(schema, query, { convert: true });

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
