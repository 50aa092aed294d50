import Joi from 'joi';

// Building blocks of the response schemas. Each serializer keeps a Joi schema of what it answers beside
// it; src/api/openapi turns them into the document's components (docs/api-conventions.md#the-openapi-document).
// They describe JSON as sent: dates are ISO strings, and every key a serializer writes is listed, so that
// the generated schemas can forbid any other (additionalProperties: false).

export const int = () => Joi.number().integer();
export const str = () => Joi.string().allow('');
export const bool = () => Joi.boolean();
export const time = () => Joi.string().isoDate().description('UTC, ISO 8601 with `Z`.');
export const money = () => Joi.string().pattern(/^\d+\.\d{2}$/).example('50.00').description('Decimal string in `currency`.');
export const currency = () => Joi.string().example('USD');
export const oneOf = (values: readonly string[]) => Joi.string().valid(...values);
export const nullable = <S extends Joi.Schema>(schema: S): S => schema.allow(null) as S;

/** An object whose every key is always present (serializers write null rather than leave a key out). */
export const fields = (keys: Record<string, Joi.Schema>): Joi.ObjectSchema =>
  Joi.object(Object.fromEntries(Object.entries(keys).map(([key, schema]) => [key, schema.required()])));

/** A named schema: a component of the document, referred to by `$ref` wherever it is used. */
export const component = <S extends Joi.Schema>(name: string, schema: S): S => schema.meta({ className: name }) as S;

/** `{count, next, previous, results}` (src/api/pagination.ts) around an item schema. */
export const pageOf = (name: string, item: Joi.Schema): Joi.ObjectSchema =>
  component(
    name,
    fields({
      count: int().min(0).description('Items matching the filters, over all pages.'),
      next: nullable(Joi.string().uri().description('Absolute URL of the next page, or null.')),
      previous: nullable(Joi.string().uri().description('Absolute URL of the previous page, or null.')),
      results: Joi.array().items(item),
    }),
  );
