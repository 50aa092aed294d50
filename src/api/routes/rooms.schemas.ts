import Joi from 'joi';
import { id } from '../validation';

const roomFields = {
  name: Joi.string().trim().min(1).max(200).description('Unique (case-insensitive) among the location\'s rooms.'),
  capacity: Joi.number().integer().min(1).max(10_000).strict().description('How many people it seats: a session needs capacity ≥ its max_participants.'),
};

export const createRoomSchema = Joi.object({ name: roomFields.name.required(), capacity: roomFields.capacity.default(1) });

export const updateRoomSchema = Joi.object(roomFields).min(1);

export const membersSchema = Joi.object({
  practitioner_ids: Joi.array()
    .items(id())
    .max(500)
    .required()
    .description('Every practitioner who may put services at the location and read its rooms, besides its owner (replaces the list).'),
});
