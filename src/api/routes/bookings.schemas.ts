import Joi from 'joi';
import { ORDERINGS } from '../../domain/booking-lists';
import { BOOKING_STATUSES, BOOKING_TYPES, PAYMENT_STATUSES } from '../../domain/types';
import { bool, id, isoDate, isoTime, multiValued, paginationKeys, text, timezone } from '../validation';
import { quickObject } from '../quick-check';
import type { CreateBookingInput } from '../../app/bookings/new-booking';

export const MULTI_VALUED_FILTERS = ['status', 'payment_status', 'booking_type', 'expansion_status'] as const;

export const EXPANSION_STATUSES = ['pending', 'done', 'failed'] as const;

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
  parent_booking_id: Joi.number().integer().positive().max(Number.MAX_SAFE_INTEGER),
  top_level: Joi.boolean(),
  expansion_status: multiValued(EXPANSION_STATUSES),
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
  room_id: id().description(
    'For a service that requires a room: the room of its location to take (404 for a room of another location; 400 `room_not_used` for a service without a location or that needs no room, or a workshop seat; 409 `no_room_available` when it is taken). ' +
      'Without it the server takes the smallest free room.',
  ),
  bundle_booking_id: id().description(
    'Pay with one credit of your confirmed bundle (a service the bundle names): the booking is free and confirmed at once. ' +
      '409 `no_credits_left`, `bundle_expired` or `bundle_not_confirmed`; 404 for a bundle that is not yours.',
  ),
});

/** createBookingSchema's common bodies, checked without Joi (src/api/quick-check.ts); anything else goes to Joi. */
export const quickCreateBooking = quickObject<CreateBookingInput>(
  {
    practitioner_id: 'id',
    service_id: 'id',
    start_time: 'instant',
    end_time: 'instant',
    service_session_id: 'id',
    location_id: 'id',
    title: { text: 200 },
    description: { text: 5000 },
    client_notes: { text: 5000 },
    timezone: 'zone',
    draft: 'boolean',
    room_id: 'id',
    bundle_booking_id: 'id',
  },
  ['practitioner_id', 'service_id'],
);

/** create-course, create-package and create-bundle. */
export const createParentSchema = Joi.object({
  service_id: id().required().description('An active course, package or bundle (matching the endpoint) of another practitioner.'),
  client_notes: text(5000),
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
