import type Joi from 'joi';
import { CONFLICTS, conflictResponse, ref } from './openapi-components';
import { schemaOf, type Json } from './joi-openapi';

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
  /** Answers 403 to some authenticated callers. */
  forbidden?: boolean;
  conflicts?: Conflict[];
  /** Media type of the success response when it is not JSON. */
  produces?: string;
  /** Exempt from rate limits (webhooks, probes): no 429. */
  unlimited?: boolean;
  /** Header parameters. */
  headers?: Json[];
  /** Path parameters besides `{id}`. */
  pathParams?: Json[];
  /** A request body written by hand (a component name), where no one Joi schema validates all of it. */
  bodySchema?: string;
  /** Responses that replace or add to the generated ones, by status. */
  responses?: Record<number, Json>;
  /** The success response: status, and a schema name, an inline schema, or nothing (204). */
  ok: [status: number, description: string, schema?: string | Json];
}

/** The path table of one part of the API: path → method → operation. */
export type PathTable = Record<string, Partial<Record<Method, Operation>>>;

const UNSAFE = new Set<Method>(['post', 'put', 'patch', 'delete']);
export const SESSION_OR_TOKEN = [{ tokenAuth: [] }, { sessionCookie: [] }];
const SESSION_WITH_CSRF_OR_TOKEN = [{ tokenAuth: [] }, { sessionCookie: [], csrfToken: [] }];
const idParameter: Json = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 }, description: 'A positive integer; anything else is a 404.' };
const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

export function operation(path: string, method: Method, op: Operation): Json {
  const [status, description, schema] = op.ok;
  const result: Json = { tags: [op.tag], operationId: op.id, summary: op.summary };
  if (op.description) result.description = op.description;
  if (op.open) result.security = [];
  else if (UNSAFE.has(method)) result.security = SESSION_WITH_CSRF_OR_TOKEN;
  const parameters = [...(path.includes('{id}') ? [idParameter] : []), ...(op.pathParams ?? []), ...(op.headers ?? []), ...(op.query ?? [])];
  if (parameters.length) result.parameters = parameters;
  const body = op.body ? schemaOf(op.body) : op.bodySchema ? ref(op.bodySchema) : undefined;
  if (body) result.requestBody = { required: op.bodyRequired ?? true, content: { 'application/json': { schema: body } } };

  const content = op.produces
    ? { [op.produces]: { schema: { type: 'string' } } }
    : schema === undefined
      ? undefined
      : { 'application/json': { schema: typeof schema === 'string' ? ref(schema) : schema } };
  const out: Record<string, Json> = { [status]: content ? { description, content } : { description } };
  if (body || op.query || op.badRequest) out[400] = errorRef('BadRequest');
  if (!op.open) out[401] = errorRef('Unauthorized');
  if (op.forbidden || (!op.open && UNSAFE.has(method))) out[403] = errorRef('Forbidden');
  if (path.includes('{id}') || op.query?.some((p) => p.name === 'page')) out[404] = errorRef('NotFound');
  if (op.conflicts?.length) out[409] = conflictResponse(Object.fromEntries(op.conflicts.map((c) => [c, CONFLICTS[c]])));
  if (body) Object.assign(out, { 413: errorRef('PayloadTooLarge'), 415: errorRef('UnsupportedMediaType') });
  if (!op.unlimited) out[429] = errorRef('Throttled');
  result.responses = { ...out, ...op.responses };
  return result;
}

