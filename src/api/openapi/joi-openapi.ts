import type Joi from 'joi';
import joiToSwagger from 'joi-to-swagger';

/** An OpenAPI 3.0 schema object (or any other part of the document): plain JSON. */
export type Json = { [key: string]: unknown };

interface JoiDescription {
  type?: string;
  flags?: { default?: unknown; only?: boolean; presence?: string; description?: string };
  allow?: unknown[];
  keys?: Record<string, JoiDescription>;
  items?: JoiDescription[];
  matches?: Array<{ schema?: JoiDescription }>;
  preferences?: { messages?: Record<string, string> };
}

const isJson = (value: unknown): boolean => value === null || ['string', 'number', 'boolean'].includes(typeof value) || Array.isArray(value);

/**
 * Fills in what joi-to-swagger 6 leaves out, walking the Joi description beside its output:
 * falsy defaults (0, '', false are dropped by the library), `Joi.valid(true)` on an untyped key
 * (emitted as `{}`), and the rule a custom validator enforces, taken from its own error message
 * ("{#label} must be an IANA time zone …") so that the docs say what validation says.
 */
function refine(description: JoiDescription, schema: Json): void {
  const flags = description.flags ?? {};
  if ('default' in flags && schema.default === undefined && isJson(flags.default)) schema.default = flags.default;
  if (description.type === 'any' && flags.only && description.allow?.length) {
    schema.enum = description.allow;
    const types = new Set(description.allow.map((v) => typeof v));
    if (types.size === 1) schema.type = [...types][0];
  }
  if (!schema.description) {
    const message = Object.values(description.preferences?.messages ?? {}).find((m) => m.startsWith('{#label} must'));
    if (message) schema.description = `M${message.slice('{#label} m'.length)}.`;
  }
  if (description.keys && schema.properties) {
    const properties = schema.properties as Record<string, Json>;
    for (const [key, child] of Object.entries(description.keys)) if (properties[key]) refine(child, properties[key]);
  }
  if (description.items?.[0] && schema.items) refine(description.items[0], schema.items as Json);
  if (description.matches && Array.isArray(schema.anyOf ?? schema.oneOf)) {
    const variants = (schema.anyOf ?? schema.oneOf) as Json[];
    description.matches.forEach((match, i) => match.schema && variants[i] && refine(match.schema, variants[i]));
  }
}

/** The OpenAPI schema of a request body, generated from the Joi schema that validates it. */
export function schemaOf(joi: Joi.Schema): Json {
  const { swagger } = joiToSwagger(joi);
  const schema = structuredClone(swagger) as Json;
  refine(joi.describe() as JoiDescription, schema);
  return schema;
}

/** In OpenAPI 3.0 an enum must list null itself for a nullable value to be null; joi-to-swagger leaves it out. */
function listNullInEnums(node: unknown): void {
  if (Array.isArray(node)) node.forEach(listNullInEnums);
  else if (node && typeof node === 'object') {
    const schema = node as Json;
    if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
    Object.values(schema).forEach(listNullInEnums);
  }
}

/**
 * The OpenAPI schema of a response, generated from the Joi schema that describes it. Named parts
 * (`component(name, …)` in src/api/response-schema.ts) become `$ref`s, their schemas added to `components`.
 */
export function responseSchemaOf(joi: Joi.Schema, components: Record<string, Json>): Json {
  const { swagger, components: generated } = joiToSwagger(joi, { schemas: components });
  for (const [name, schema] of Object.entries((generated?.schemas ?? {}) as Record<string, Json>)) {
    if (components[name]) continue;
    listNullInEnums(schema);
    components[name] = schema;
  }
  const schema = structuredClone(swagger) as Json;
  listNullInEnums(schema);
  return schema;
}

/**
 * Query parameters from the Joi object schema that validates a query string. Array keys accept
 * both `k=a,b` and `k=a&k=b` (see splitCommaValues), which `explode: true` describes well enough.
 */
export function queryParametersOf(joi: Joi.ObjectSchema, descriptions: Record<string, string> = {}): Json[] {
  const schema = schemaOf(joi);
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    const parameter: Json = { name, in: 'query', required: required.has(name), schema: rest };
    const text = descriptions[name] ?? description;
    if (text) parameter.description = text;
    if (rest.type === 'array') Object.assign(parameter, { style: 'form', explode: true });
    return parameter;
  });
}
