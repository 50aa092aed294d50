import Joi from 'joi';
import { SERVICE_TYPES } from '../../domain/types';
import { bool, hhmm, id, isoDate, isoTime, paginationKeys, text, timezone } from '../validation';

const serviceFields = {
  name: Joi.string().trim().min(1).max(200),
  description: text(5000),
  duration_minutes: Joi.number().integer().min(1).max(1440).strict(),
  price_cents: Joi.number().integer().min(0).max(100_000_000).strict(),
  max_participants: Joi.number().integer().min(1).max(10_000).strict(),
  location_id: id().allow(null),
  requires_room: bool().description(
    'Every booking and workshop/course session of this service takes one room of its location (needs location_id). ' +
      'Only slots with a free room are offered; none free → 409 `no_room_available`.',
  ),
  is_active: bool(),
  cancellation_notice_hours: Joi.number().integer().min(0).max(8760).strict(),
  included_services: Joi.array()
    .items(Joi.object({ service_id: id().required(), quantity: Joi.number().integer().min(1).max(100).strict().default(1) }))
    .max(50),
  sessions_included: Joi.number().integer().min(1).max(1000).strict().allow(null),
  bonus_sessions: Joi.number().integer().min(0).max(1000).strict().allow(null),
  validity_days: Joi.number().integer().min(1).max(3650).strict().allow(null),
  bundle_service_ids: Joi.array().items(id()).max(50),
};

export const createServiceSchema = Joi.object({
  ...serviceFields,
  name: serviceFields.name.required(),
  service_type: Joi.string()
    .valid(...SERVICE_TYPES)
    .required(),
  duration_minutes: serviceFields.duration_minutes.required(),
  price_cents: serviceFields.price_cents.required(),
  practitioner_id: id(),
});

export const updateServiceSchema = Joi.object({ ...serviceFields, service_type: Joi.string().valid(...SERVICE_TYPES) }).min(1);

export const listServicesQuery = Joi.object({
  ...paginationKeys,
  practitioner_id: Joi.number().integer().positive(),
  service_type: Joi.string().valid(...SERVICE_TYPES),
  is_active: Joi.boolean(),
});

export const createSessionSchema = Joi.object({
  start_time: isoTime().required(),
  end_time: isoTime(),
  max_participants: Joi.number().integer().min(1).max(10_000).strict(),
  room_id: id().description(
    'For a service that requires a room: a room of its location seating max_participants (400 `room_too_small`, 404 for a room elsewhere, 409 `no_room_available` when taken). ' +
      'Without it the smallest free room that seats everyone is taken.',
  ),
});

export const updateSessionSchema = Joi.object({
  max_participants: Joi.number().integer().min(1).max(10_000).strict().required(),
});

const locationFields = {
  name: Joi.string().trim().min(1).max(200),
  address: text(1000),
  timezone: timezone(),
};
export const createLocationSchema = Joi.object({
  name: locationFields.name.required(),
  address: locationFields.address.default(''),
  timezone: locationFields.timezone.default('UTC'),
});
export const updateLocationSchema = Joi.object(locationFields).min(1);
export const listLocationsQuery = Joi.object({ ...paginationKeys, practitioner_id: Joi.number().integer().positive() });

export const scheduleSchema = Joi.object({
  timezone: timezone().required(),
  buffer_minutes: Joi.number().integer().min(0).max(1440).strict().default(0),
  min_notice_hours: Joi.number().integer().min(0).max(8760).strict().default(0),
  max_advance_days: Joi.number().integer().min(1).max(730).strict().default(90),
  slot_interval_minutes: Joi.number().integer().min(5).max(1440).strict().default(30),
  weekly_hours: Joi.array()
    .items(
      Joi.object({
        weekday: Joi.number().integer().min(1).max(7).strict().required(),
        start: hhmm().required(),
        end: hhmm().required(),
      }).custom((range: { start: string; end: string }, helpers) => (range.start < range.end ? range : helpers.error('range.order'))),
    )
    .max(100)
    .default([]),
  date_overrides: Joi.array()
    .items(
      Joi.alternatives().try(
        Joi.object({ date: isoDate().required(), unavailable: Joi.valid(true).required() }),
        Joi.object({ date: isoDate().required(), unavailable: Joi.valid(false), start: hhmm().required(), end: hhmm().required() }).custom(
          (range: { start: string; end: string }, helpers) => (range.start < range.end ? range : helpers.error('range.order')),
        ),
      ),
    )
    .max(1000)
    .default([]),
  time_off: Joi.array()
    .items(
      Joi.object({ start_time: isoTime().required(), end_time: isoTime().required(), reason: text(500).default('') }).custom(
        (range: { start_time: Date; end_time: Date }, helpers) => (range.start_time < range.end_time ? range : helpers.error('range.order')),
      ),
    )
    .max(1000)
    .default([]),
}).messages({ 'range.order': '{#label}: start must be before end' });
