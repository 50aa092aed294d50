import Joi from 'joi';
import { ORDERINGS } from '../../data/booking-repository';
import { BOOKING_STATUSES, BOOKING_TYPES, PAYMENT_STATUSES } from '../../domain/types';
import { bool, id, isoDate, isoTime, multiValued, paginationKeys, text, timezone } from '../validation';

export const MULTI_VALUED_FILTERS = ['status', 'payment_status', 'booking_type'] as const;

export const listBookingsQuery = Joi.object({
  ...paginationKeys,
  status: multiValued(BOOKING_STATUSES),
  payment_status: multiValued(PAYMENT_STATUSES),
  booking_type: multiValued(BOOKING_TYPES),
  practitioner_id: Joi.number().integer().positive().max(Number.MAX_SAFE_INTEGER),
  service_id: Joi.number().integer().positive().max(Number.MAX_SAFE_INTEGER),
  start_date: Joi.alternatives().try(isoDate(), isoTime()),
  end_date: Joi.alternatives().try(isoDate(), isoTime()),
  is_upcoming: Joi.boolean(),
  search: Joi.string().trim().max(200).allow(''),
  ordering: Joi.string()
    .valid(...ORDERINGS)
    .default('-start_time')
    .messages({ 'any.only': `ordering must be one of: ${ORDERINGS.join(', ')}` }),
});

export const createBookingSchema = Joi.object({
  practitioner_id: id().required(),
  service_id: id().required(),
  start_time: isoTime(),
  end_time: isoTime(),
  service_session_id: id(),
  location_id: id(),
  title: text(200),
  description: text(5000),
  client_notes: text(5000),
  timezone: timezone(),
  draft: bool(),
});

export const updateBookingSchema = Joi.object({
  title: text(200),
  description: text(5000),
  client_notes: text(5000),
  location_id: id().allow(null),
  meeting_url: Joi.string().uri({ scheme: ['https', 'http'] }).max(2000).allow(''),
  meeting_id: text(200),
  timezone: timezone(),
})
  .min(1)
  .messages({ 'object.min': 'Send at least one of: title, description, client_notes, location_id, meeting_url, meeting_id, timezone.' });
