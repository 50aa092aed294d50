import type Joi from 'joi';
import { CONFLICTS, conflictResponse, ref } from './openapi-components';
import { responseSchemaOf, schemaOf, type Json } from './joi-openapi';
import { RESPONSE_SCHEMAS } from './response-schemas';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type Conflict = keyof typeof CONFLICTS;

export interface Operation {
  id: string;
  tag: string;
  summary: string;
  description?: string;
  /** Anonymous callers allowed (no 401). */
  open?: boolean;
  body?: Joi.Schema;
  bodyRequired?: boolean;
  query?: Json[];
  /** Can answer 400 without a body or query (a rule checked by the use case). */
  badRequest?: boolean;
  /** Can answer 404 for something the body names (a bundle, a room, a service) that is not there or not the caller's. */
  notFound?: boolean;
  /** Answers 403 to some authenticated callers. */
  forbidden?: boolean;
  conflicts?: Conflict[];
  /** Media type of the success response when it is not JSON. */
  produces?: string;
  /** Exempt from rate limits (webhooks, probes): no 429. */
  unlimited?: boolean;
  /** Header parameters. */
  headers?: Json[];
  /** Path parameters besides `{id}` (which is added by itself). */
  params?: Json[];
  /** A request body written by hand (a component name), where no one Joi schema validates all of it. */
  bodySchema?: string;
  /** Honours If-Match (docs/retries-and-concurrency.md): the header, 412 when stale. */
  ifMatch?: boolean;
  /** Responses that replace or add to the generated ones, by status. */
  responses?: Record<number, Json>;
  /** The success response: status, and the name of a response schema (./response-schemas.ts), a Joi schema, or nothing (204). */
  ok: [status: number, description: string, schema?: string | Joi.Schema];
}

/** The path table of one part of the API: path → method → operation. */
export type PathTable = Record<string, Partial<Record<Method, Operation>>>;

const UNSAFE = new Set<Method>(['post', 'put', 'patch', 'delete']);
export const SESSION_OR_TOKEN = [{ tokenAuth: [] }, { sessionCookie: [] }];
const SESSION_WITH_CSRF_OR_TOKEN = [{ tokenAuth: [] }, { sessionCookie: [], csrfToken: [] }];
const idParameter: Json = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 }, description: 'A positive integer; anything else is a 404.' };
const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
/** Session login is not kept under an Idempotency-Key: its answer sets a cookie no replay could give back. */
const NOT_IDEMPOTENT = new Set(['/api/v1/auth/login/']);
const idempotencyKeyHeader: Json = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: { type: 'string', minLength: 1, maxLength: 255 },
  description:
    'Any unique string (a UUID): the first answer (2xx or 4xx) is kept 24 h for this caller (user, or IP when anonymous) and key, and a retry with ' +
    'the same method, path and body gets it again with `Idempotent-Replayed: true`; nothing is done twice. The same key with another request → 422 ' +
    '`idempotency_key_reused`; a retry while the first is still running → 409 `idempotency_key_in_use`. Empty or over 255 characters → 400 `invalid_idempotency_key`.',
};
const ifMatchHeader: Json = {
  name: 'If-Match',
  in: 'header',
  required: false,
  schema: { type: 'string', example: '"3"' },
  description:
    'The `ETag` of the booking as the caller last read it (GET {id}/ or an action\'s answer): a strong, quoted version, or a list of them, or `*`. ' +
    'When the booking has changed since → 412 `precondition_failed` and nothing is done; checked under the booking\'s row lock, so of two writers ' +
    'sending the same version exactly one wins. Without it the last writer wins. A weak or malformed value → 400 `invalid_if_match`.',
};
const DETAIL_SCHEMAS = new Set(['BookingDetail', 'BookingWithPayment']);

function okSchemaOf(schema: string | Joi.Schema, components: Record<string, Json>): Json {
  if (typeof schema !== 'string') return responseSchemaOf(schema, components);
  if (!RESPONSE_SCHEMAS.has(schema)) throw new Error(`No response schema is named ${schema}.`);
  return ref(schema);
}

/** One operation of the document; the response schemas it names or generates are added to `components`. */
export function operation(path: string, method: Method, op: Operation, components: Record<string, Json>): Json {
  const [status, description, schema] = op.ok;
  const result: Json = { tags: [op.tag], operationId: op.id, summary: op.summary };
  if (op.description) result.description = op.description;
  if (op.open) result.security = [];
  else if (UNSAFE.has(method)) result.security = SESSION_WITH_CSRF_OR_TOKEN;
  const idempotent = method === 'post' && !NOT_IDEMPOTENT.has(path);
  const preconditions = [...(idempotent ? [idempotencyKeyHeader] : []), ...(op.ifMatch ? [ifMatchHeader] : [])];
  const parameters = [...(path.includes('{id}') ? [idParameter] : []), ...(op.params ?? []), ...(op.headers ?? []), ...preconditions, ...(op.query ?? [])];
  if (parameters.length) result.parameters = parameters;
  const body = op.body ? schemaOf(op.body) : op.bodySchema ? ref(op.bodySchema) : undefined;
  if (body) result.requestBody = { required: op.bodyRequired ?? true, content: { 'application/json': { schema: body } } };

  const content = op.produces
    ? { [op.produces]: { schema: { type: 'string' } } }
    : schema === undefined
      ? undefined
      : { 'application/json': { schema: okSchemaOf(schema, components) } };
  const okHeaders: Json = {
    ...(idempotent ? { 'Idempotent-Replayed': { description: '`true` when this is the kept answer of an earlier request with the same Idempotency-Key.', schema: { type: 'string', enum: ['true'] } } } : {}),
    ...(typeof schema === 'string' && DETAIL_SCHEMAS.has(schema) ? { ETag: { description: 'The booking\'s `version`, quoted (`"3"`): send it back in If-Match.', schema: { type: 'string' } } } : {}),
  };
  const okResponse: Json = { description, ...(Object.keys(okHeaders).length ? { headers: okHeaders } : {}), ...(content ? { content } : {}) };
  const out: Record<string, Json> = { [status]: okResponse };
  if (body || op.query || op.badRequest || preconditions.length) out[400] = errorRef('BadRequest');
  if (!op.open) out[401] = errorRef('Unauthorized');
  if (op.forbidden || (!op.open && UNSAFE.has(method))) out[403] = errorRef('Forbidden');
  if (op.notFound || path.includes('{id}') || op.params?.length || op.query?.some((p) => p.name === 'page')) out[404] = errorRef('NotFound');
  const conflicts: Conflict[] = [...(op.conflicts ?? []), ...(idempotent ? (['idempotency_key_in_use'] as const) : [])];
  if (conflicts.length) out[409] = conflictResponse(Object.fromEntries(conflicts.map((c) => [c, CONFLICTS[c]])));
  if (op.ifMatch) out[412] = errorRef('PreconditionFailed');
  if (idempotent) out[422] = errorRef('IdempotencyKeyReused');
  if (body) Object.assign(out, { 413: errorRef('PayloadTooLarge'), 415: errorRef('UnsupportedMediaType') });
  if (!op.unlimited) out[429] = errorRef('Throttled');
  // Any operation can fail on our side (the database gone, a bug): src/api/error-mapper.ts answers a generic 500.
  out[500] = errorRef('ServerError');
  result.responses = { ...out, ...op.responses };
  return result;
}

