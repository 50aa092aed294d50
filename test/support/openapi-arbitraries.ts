import fc from 'fast-check';

/** The part of JSON Schema (OpenAPI 3.0 dialect) the document's requests use. */
export interface JsonSchema {
  $ref?: string;
  type?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

/** Where a schema's `$ref`s point, and the ids known for a field name (`service_id` → existing services). */
export interface SchemaContext {
  resolve: (schema: JsonSchema) => JsonSchema;
  idsFor: (field: string) => number[];
  /** Field values that belong together (a service and its practitioner), for an object with these properties; [] if none. */
  related: (properties: string[]) => Array<Record<string, unknown>>;
}

const DAY = 24 * 60 * 60_000;
const FIRST_DAY = Date.UTC(2030, 0, 7);
const isoMinute = (ms: number) => new Date(ms).toISOString().replace(/:00\.000Z$/, ':00Z');
/** Quarter hours between 08:00 and 20:00 UTC of the weeks after the harness's `now` (2030-01-07 08:00Z): slots a schedule can hold. */
const quarterHour = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 32, max: 75 })).map(([day, quarter]) => FIRST_DAY + day * DAY + quarter * 15 * 60_000);
const TIME_ZONES = ['UTC', 'Europe/London', 'America/New_York', 'Asia/Kolkata'];

function stringOf(schema: JsonSchema, field: string): fc.Arbitrary<unknown> {
  if (schema.format === 'date-time') return quarterHour.map(isoMinute);
  if (schema.format === 'email') return fc.integer({ min: 1, max: 1e9 }).map((n) => `fuzz-${n}@example.test`);
  if (schema.pattern === '^\\d{4}-\\d{2}-\\d{2}$') return fc.integer({ min: 0, max: 40 }).map((d) => new Date(FIRST_DAY + d * DAY).toISOString().slice(0, 10));
  if (schema.pattern?.startsWith('^([01]\\d|2[0-3])')) return fc.constantFrom('08:00', '09:30', '12:00', '17:45', '23:59');
  if (schema.pattern === '^[A-Za-z0-9_-]{43}$') return fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);
  if (field === 'timezone') return fc.constantFrom(...TIME_ZONES);
  if (field === 'url' || field.endsWith('_url')) return fc.constantFrom('https://example.com/hooks/estuary', 'https://meet.example.com/r/1');
  if (field === 'password') return fc.constant('password123');
  // Words, not arbitrary code points: a valid value should pass the server's trimming and checks.
  const maxLength = Math.min(schema.maxLength ?? 24, 24);
  return (schema.minLength ?? 0) > 0 ? fc.stringMatching(new RegExp(`^[A-Za-z][A-Za-z0-9 ]{0,${maxLength - 1}}$`)) : fc.stringMatching(new RegExp(`^[A-Za-z0-9 ]{0,${maxLength}}$`));
}

function integerOf(schema: JsonSchema, field: string, context: SchemaContext): fc.Arbitrary<unknown> {
  const min = schema.minimum ?? 0;
  const any = fc.integer({ min, max: Math.min(schema.maximum ?? min + 500, min + 500) });
  const known = context.idsFor(field);
  return known.length > 0 ? fc.oneof({ arbitrary: fc.constantFrom(...known), weight: 4 }, { arbitrary: any, weight: 1 }) : any;
}

function objectOf(schema: JsonSchema, context: SchemaContext): fc.Arbitrary<unknown> {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return fc.constant({});
  const model = Object.fromEntries(properties.map(([name, property]) => [name, validValue(property, context, name)]));
  const required = (schema.required ?? []).filter((name) => name in model);
  // Optional fields drawn at random mostly break the cross-field rules (a bundle's fields on a session); half the bodies carry only what is required.
  const record = fc.oneof(fc.record(Object.fromEntries(required.map((name) => [name, model[name]!]))), fc.record(model, { requiredKeys: required }));
  const related = context.related(properties.map(([name]) => name));
  const slotted = schema.properties?.start_time && schema.properties.end_time;
  if (related.length === 0 && !slotted) return record;
  // Independent ids, start and end are almost never bookable: mostly, ids that belong together and an hour-long slot.
  return fc.tuple(record, fc.boolean(), quarterHour, related.length > 0 ? fc.option(fc.constantFrom(...related), { freq: 3 }) : fc.constant(null)).map(([value, paired, start, ids]) => {
    const body = { ...(value as Record<string, unknown>), ...(ids ?? {}) };
    return paired && slotted ? { ...body, start_time: isoMinute(start), end_time: isoMinute(start + 60 * 60_000) } : body;
  });
}

/** Values the schema accepts (bounds, enums, formats, required keys), with ids of existing rows for `*_id` fields. */
export function validValue(raw: JsonSchema, context: SchemaContext, field = ''): fc.Arbitrary<unknown> {
  const schema = context.resolve(raw);
  const value = (): fc.Arbitrary<unknown> => {
    const alternatives = schema.oneOf ?? schema.anyOf;
    if (alternatives) return fc.oneof(...alternatives.map((alternative) => validValue(alternative, context, field)));
    if (schema.allOf) return validValue(schema.allOf.reduce<JsonSchema>((all, part) => ({ ...all, ...context.resolve(part) }), {}), context, field);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    switch (schema.type) {
      case 'string':
        return stringOf(schema, field);
      case 'integer':
      case 'number':
        return integerOf(schema, field, context);
      case 'boolean':
        return fc.boolean();
      case 'array': {
        const items = validValue(schema.items ?? {}, context, field.replace(/s$/, ''));
        const constraints = { minLength: schema.minItems ?? 0, maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)) };
        return schema.uniqueItems ? fc.uniqueArray(items, { ...constraints, selector: (item) => JSON.stringify(item) }) : fc.array(items, constraints);
      }
      case 'object':
        return objectOf(schema, context);
      default:
        return fc.constant('any');
    }
  };
  return schema.nullable ? fc.oneof({ arbitrary: value(), weight: 5 }, { arbitrary: fc.constant(null), weight: 1 }) : value();
}

const HUGE_STRING_LENGTHS = [1_000, 70_000, 900_000];
const EXTREME_NUMBERS = [-1, 0, -2_147_483_649, 2_147_483_648, 9_007_199_254_740_992, 1e308, -1e308, 1.5, 1e-9];
const NASTY_STRINGS = [
  '', ' ', '\u0000', '\ud800', '😀'.repeat(50), "'; DROP TABLE bookings; --", '../../etc/passwd', '%s%n%x', '\u202eevil', 'null', '1', '-1', 'NaN', 'true',
  '2030-02-30T10:00:00Z', '2030-01-08T10:00:00', '+275760-09-13T00:00:00.001Z', '-000001-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '2030-01-08T24:00:00Z', 'Mars/Olympus_Mons',
];
const WRONG_TYPES: unknown[] = [null, true, [], {}, [1, 2], { $gt: '' }, 'text', 42, -42.5];
/** Whole bodies that are no object: JSON of every other kind, and nesting deep enough to test the parser. */
const WHOLE_BODIES = ['[]', '"text"', '42', 'null', 'true', '{}', '[{}]', `${'['.repeat(5000)}${']'.repeat(5000)}`, `{"a":${'{"a":'.repeat(3000)}1${'}'.repeat(3001)}`];

type Path = Array<string | number>;

/** Every place inside a value that a mutation can hit: object keys and array items, to a depth of 3. */
function placesIn(value: unknown, at: Path = []): Path[] {
  if (at.length >= 3 || value === null || typeof value !== 'object') return [];
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((item, i) => [i, item]) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...at, key], ...placesIn(child, [...at, key])]);
}

function withChange(value: unknown, path: Path, change: (parent: Record<string | number, unknown>, key: string | number) => void): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  change(parent, path[path.length - 1]!);
  return copy;
}

export interface BodyCase {
  kind: string;
  text: string;
}

/** A valid body, or one with a single flaw: a key missing, a wrong type, an unknown enum value, a huge or nasty string, an extreme number, an extra field, no object at all. */
export function bodyCases(valid: fc.Arbitrary<unknown>): fc.Arbitrary<BodyCase> {
  const at = (value: unknown, pick: number): Path | undefined => {
    const places = placesIn(value);
    return places.length > 0 ? places[pick % places.length] : undefined;
  };
  const replaced = (kind: string, replacement: fc.Arbitrary<unknown>) =>
    fc.tuple(valid, fc.nat(), replacement).map(([value, pick, next]): BodyCase => {
      const path = at(value, pick);
      const changed = path ? withChange(value, path, (parent, key) => (parent[key] = next)) : next;
      return { kind, text: JSON.stringify(changed) };
    });
  return fc.oneof(
    { weight: 6, arbitrary: valid.map((value): BodyCase => ({ kind: 'valid', text: JSON.stringify(value) })) },
    {
      weight: 3,
      arbitrary: fc.tuple(valid, fc.nat()).map(([value, pick]): BodyCase => {
        const path = at(value, pick);
        return { kind: 'missing_key', text: JSON.stringify(path ? withChange(value, path, (parent, key) => (Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key])) : value) };
      }),
    },
    { weight: 3, arbitrary: replaced('wrong_type', fc.constantFrom(...WRONG_TYPES)) },
    { weight: 2, arbitrary: replaced('unknown_enum_value', fc.constantFrom('not_a_known_value', 'CONFIRMED', 'session ')) },
    { weight: 1, arbitrary: replaced('huge_string', fc.constantFrom(...HUGE_STRING_LENGTHS).map((length) => 'x'.repeat(length))) },
    { weight: 3, arbitrary: replaced('nasty_string', fc.constantFrom(...NASTY_STRINGS)) },
    { weight: 3, arbitrary: replaced('extreme_number', fc.constantFrom(...EXTREME_NUMBERS)) },
    {
      weight: 2,
      arbitrary: valid.map((value): BodyCase => ({ kind: 'extra_field', text: JSON.stringify(value && typeof value === 'object' && !Array.isArray(value) ? { ...value, unexpected_field: 1 } : value) })),
    },
    { weight: 1, arbitrary: fc.constantFrom(...WHOLE_BODIES).map((text): BodyCase => ({ kind: 'not_an_object', text })) },
  );
}

/** A query value as the schema allows it, or garbage. */
export function queryValues(raw: JsonSchema, context: SchemaContext, name: string): fc.Arbitrary<string[]> {
  const schema = context.resolve(raw);
  const valid =
    schema.type === 'array'
      ? fc.oneof(
          validValue(schema, context, name).map((items) => (items as unknown[]).map(String)),
          validValue(schema, context, name).map((items) => [(items as unknown[]).join(',')]),
        )
      : validValue(schema, context, name).map((value) => [String(value)]);
  const garbage = fc.constantFrom(...NASTY_STRINGS, ...EXTREME_NUMBERS.map(String), 'x'.repeat(5000), '[object Object]').map((value) => [value]);
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: garbage }, { weight: 1, arbitrary: fc.tuple(garbage, valid).map(([a, b]) => [...a, ...b]) });
}

/** Path segments that are no id of anything. */
export const GARBAGE_IDS = ['0', '-1', 'abc', '1.5', '1e3', '0x10', '2147483648', '99999999999999999999', '%20', '%00', '%E2%80%AE', 'x'.repeat(300), '１', 'null', '..'];
