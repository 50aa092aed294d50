import Joi from 'joi';
import { EVENT_TYPES } from '../../domain/booking-events';
import { bool, paginationKeys, text } from '../validation';

const events = () =>
  Joi.array()
    .items(Joi.string().valid(...EVENT_TYPES))
    .min(1)
    .max(EVENT_TYPES.length)
    .unique()
    .messages({ 'any.only': `{#label} must be one of: ${EVENT_TYPES.join(', ')}` })
    .description('The events to receive.');

// The URL's own rules (scheme, length, addresses) are the domain's: see parseWebhookUrl.
const url = () => Joi.string().min(1).description('Where deliveries are POSTed: `https://` (or `http://` outside production), at most 2048 characters, a public address.');

export const createWebhookEndpointSchema = Joi.object({
  url: url().required(),
  events: events().required(),
  description: text(500).description('A note for yourself.'),
});

export const updateWebhookEndpointSchema = Joi.object({
  url: url(),
  events: events(),
  is_active: bool().description('`false` pauses deliveries; `true` enables the endpoint again (a disabled one too) and clears `disabled_reason`.'),
  description: text(500),
}).min(1);

export const pageQuery = Joi.object(paginationKeys);
