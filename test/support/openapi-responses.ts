import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type supertest from 'supertest';
import { buildOpenApiDocument } from '../../src/api/openapi/openapi-document';

// Every answer the suite sees is checked against the OpenAPI document (docs/api-conventions.md#the-openapi-document):
// its status must be one the operation documents, its media type the declared one, and a JSON body must validate
// against the declared schema — a key the schema does not list fails, as the generated schemas close every
// object (additionalProperties: false). The document is the one GET /api/v1/schema/ serves, built in-process.

type Json = Record<string, unknown>;
type Response = supertest.Response;

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const DOCUMENT_ID = 'openapi';
const document = buildOpenApiDocument() as Json & { paths: Record<string, Record<string, Json>> };
// strict: false because OpenAPI 3.0 schemas carry keywords JSON Schema does not know (example, nullable is built in).
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
ajv.addSchema(document, DOCUMENT_ID);

const escape = (segment: string) => encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));
const pointerOf = (segments: string[]) => `#/${segments.map(escape).join('/')}`;

function resolve(node: Json, at: string[]): [Json, string[]] {
  const target = node.$ref;
  if (typeof target !== 'string') return [node, at];
  const segments = target.replace(/^#\//, '').split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const found = segments.reduce<unknown>((n, s) => (n as Json)[s], document) as Json;
  return resolve(found, segments);
}

/** Path templates, literal ones first (`/bookings/availability/` before `/bookings/{id}/`). */
const TEMPLATES = Object.keys(document.paths)
  .map((template) => {
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
    return { template, regex: new RegExp(`^${pattern}$`), params: (template.match(/\{/g) ?? []).length };
  })
  .sort((a, b) => a.params - b.params);

// The app answers a path with or without its trailing slash.
function templateOf(path: string): string | undefined {
  const variants = [path, path.endsWith('/') ? path.slice(0, -1) : `${path}/`];
  for (const variant of variants) {
    const found = TEMPLATES.find((t) => t.regex.test(variant));
    if (found) return found.template;
  }
  return undefined;
}

/**
 * Applications mounted whole (bull-board's dashboard, with its own pages and JSON API below it): a path below
 * one that is not an operation answers as the mount's operation does, its successes being the application's own.
 */
const MOUNTS = ['/admin/queues'];
const mountOf = (path: string) => MOUNTS.find((mount) => path.startsWith(`${mount}/`));

const validators = new Map<string, ValidateFunction>();
function validatorAt(segments: string[]): ValidateFunction {
  const pointer = pointerOf(segments);
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOCUMENT_ID}${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
}

const describeErrors = (validate: ValidateFunction) =>
  (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${e.params.additionalProperty}` : ''}`)
    .join('; ');

const mediaTypeOf = (res: Response) => (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

/** Why `value` does not match the named component schema, or undefined when it does. */
export function schemaViolation(name: string, value: unknown): string | undefined {
  const validate = validatorAt(['components', 'schemas', name]);
  if (validate(value)) return undefined;
  return `${name}: ${describeErrors(validate)}`;
}

/** Why `res` (the answer to `method url`) does not match the document, or undefined when it does. */
export function responseViolation(method: string, url: string, res: Response): string | undefined {
  const path = new URL(url, 'http://localhost').pathname;
  const verb = method.toLowerCase();
  const template = templateOf(path);
  const mediaType = mediaTypeOf(res);
  let segments: string[];
  if (template && document.paths[template]![verb]) {
    segments = ['paths', template, verb, 'responses', String(res.status)];
    const responses = document.paths[template]![verb]!.responses as Json;
    if (!responses[String(res.status)]) return `status ${res.status} is not documented for ${verb.toUpperCase()} ${template} (documented: ${Object.keys(responses).join(', ')})`;
  } else if (mountOf(path)) {
    if (res.status < 300) return undefined;
    const mount = mountOf(path)!;
    const responses = document.paths[mount]!.get!.responses as Json;
    if (!responses[String(res.status)]) return `status ${res.status} is not documented for ${mount} (below it: ${verb.toUpperCase()} ${path})`;
    segments = ['paths', mount, 'get', 'responses', String(res.status)];
  } else {
    // Not an operation of the document: the only answers allowed are a JSON 404 or 405 (or the Allow list of OPTIONS, or HEAD).
    if (verb === 'head' || (verb === 'options' && res.status < 300)) return undefined;
    if (res.status !== 404 && res.status !== 405) return `${verb.toUpperCase()} ${path} is not an operation of the document, yet it answered ${res.status}`;
    segments = ['components', 'responses', res.status === 404 ? 'NotFound' : 'MethodNotAllowed'];
  }
  const [response, at] = resolve(segments.reduce<unknown>((n, s) => (n as Json)[s], document) as Json, segments);
  const content = response.content as Record<string, Json> | undefined;
  const hasBody = (res.text ?? '').length > 0 || (res.body && typeof res.body === 'object' && Object.keys(res.body).length > 0);
  if (!content) return hasBody && isJson(mediaType) ? `status ${res.status} of ${path} is documented without a body, yet it has one: ${res.text?.slice(0, 200)}` : undefined;
  const declared = Object.keys(content);
  if (!declared.includes(mediaType)) return `status ${res.status} of ${path} answered ${mediaType || 'no Content-Type'}; the document declares ${declared.join(', ')}`;
  if (!isJson(mediaType) || verb === 'head') return undefined;
  const validate = validatorAt([...at, 'content', mediaType, 'schema']);
  if (validate(res.body)) return undefined;
  return `status ${res.status} of ${verb.toUpperCase()} ${template ?? path} does not match the document: ${describeErrors(validate)}\n  body: ${JSON.stringify(res.body).slice(0, 400)}`;
}

/**
 * Checks each response of a request against the document once the request has run: a mismatch fails the
 * request (and so the test) with the reason. The test's own expectations run first.
 */
function checked<T extends supertest.Test>(test: T): T {
  const end = test.end.bind(test);
  test.end = (callback) =>
    end((error, res) => {
      const violation = !error && res ? responseViolation(test.method, test.url, res) : undefined;
      callback?.(violation ? new Error(`OpenAPI: ${violation}`) : error, res);
    }) as T;
  return test;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'del']);

/** A supertest client (or agent) whose every request is checked against the OpenAPI document. */
export function validatingClient<C extends object>(client: C): C {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !METHODS.has(property) || typeof value !== 'function') return value;
      return (...args: unknown[]) => checked((value as (...a: unknown[]) => supertest.Test).apply(target, args));
    },
  });
}
