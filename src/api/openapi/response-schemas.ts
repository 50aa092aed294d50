import type Joi from 'joi';
import { CATALOG_RESPONSE_SCHEMAS } from '../catalog-serializers';
import { errorSchema } from '../error-mapper';
import { ADMIN_RESPONSE_SCHEMAS } from '../routes/admin.routes';
import { AUTH_RESPONSE_SCHEMAS } from '../routes/auth.routes';
import { BOOKING_RESPONSE_SCHEMAS } from '../routes/booking-serializer';
import { feedUrlSchema } from '../routes/calendar.routes';
import { NOTIFICATION_RESPONSE_SCHEMAS } from '../routes/notifications.routes';
import { OPS_RESPONSE_SCHEMAS } from '../routes/ops.routes';
import { waitlistPositionSchema } from '../routes/waitlist.routes';
import { WEBHOOK_ENDPOINT_RESPONSE_SCHEMAS } from '../routes/webhook-endpoints.routes';
import { webhookReceiptSchema } from '../routes/webhooks.routes';
import { responseSchemaOf, type Json } from './joi-openapi';

// Every response schema, each kept beside the serializer whose output it describes, by component name:
// the path tables name the one an operation answers with.
const ALL: Joi.Schema[] = [
  errorSchema,
  ...AUTH_RESPONSE_SCHEMAS,
  ...CATALOG_RESPONSE_SCHEMAS,
  ...BOOKING_RESPONSE_SCHEMAS,
  ...ADMIN_RESPONSE_SCHEMAS,
  ...NOTIFICATION_RESPONSE_SCHEMAS,
  ...WEBHOOK_ENDPOINT_RESPONSE_SCHEMAS,
  ...OPS_RESPONSE_SCHEMAS,
  feedUrlSchema,
  waitlistPositionSchema,
  webhookReceiptSchema,
];

const nameOf = (schema: Joi.Schema): string => {
  const metas = (schema.describe() as { metas?: Array<{ className?: string }> }).metas ?? [];
  const name = metas.find((m) => m.className)?.className;
  if (!name) throw new Error('A response schema must be named (component(name, schema)).');
  return name;
};

export const RESPONSE_SCHEMAS: ReadonlyMap<string, Joi.Schema> = new Map(ALL.map((schema) => [nameOf(schema), schema]));

/** The components of every response schema, generated from their Joi schemas. */
export function responseComponents(): Record<string, Json> {
  const components: Record<string, Json> = {};
  for (const schema of ALL) responseSchemaOf(schema, components);
  return components;
}
