import Joi from 'joi';
import { ACTOR_ROLES } from '../../domain/types';
import { bool, id, isoDate, isoTime, text, timezone } from '../validation';

// Request bodies of the booking lifecycle actions. The routes validate with these and the OpenAPI
// document is generated from them, so a description added here shows up in /api/v1/docs/.

const reason = () => text(500).description('Free text, recorded in status_history (at most 500 characters).');

/** Actions that take nothing (an empty object, or no body at all). */
export const noBodySchema = Joi.object({});

/** confirm, complete and no-show take an optional reason and nothing else. */
export const reasonOnlySchema = Joi.object({ reason: reason() });

export const cancelSchema = Joi.object({
  reason: reason(),
  canceled_by: Joi.string()
    .valid(...ACTOR_ROLES)
    .allow(null)
    .description('Defaults to the caller\'s role; only admins may name another role.'),
});

const requiredUnlessSession = { is: Joi.exist(), then: Joi.optional(), otherwise: Joi.required() };

export const rescheduleSchema = Joi.object({
  start_time: isoTime().when('service_session_id', requiredUnlessSession),
  end_time: isoTime().when('service_session_id', requiredUnlessSession).description('Must keep the booking\'s duration.'),
  service_session_id: id().description(
    'Only to schedule a package item that is a workshop: the session to take a seat in (its times are the session\'s; omit start_time and end_time).',
  ),
  room_id: id().description(
    'For a service that requires a room: the room to move to. Without it the booking keeps its room if free at the new time, else takes another; 409 `no_room_available` when none is free.',
  ),
  reason: reason(),
});

export const noteSchema = Joi.object({
  // Trimmed, as DRF's CharField does: a note of blanks is an empty note.
  content: Joi.string().trim().min(1).max(5000).required(),
  is_private: bool().default(false).description('A private note is visible to its author only.'),
});

export const checkAvailabilitySchema = Joi.object({
  practitioner_id: id().required(),
  service_id: id().required().description('An active individual-session service of that practitioner.'),
  date: isoDate().required().description('The first day to search, in `timezone`.'),
  timezone: timezone().default('UTC').description('IANA time zone in which `date` is read and `local_*` times are given.'),
  days: Joi.number().integer().min(1).max(31).strict().default(1).description('How many days to search from `date`.'),
});
