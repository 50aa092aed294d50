import * as rooms from '../routes/rooms.schemas';
import { DRF } from './catalog-paths';
import type { PathTable } from './openapi-operation';

const roomIdParameter = { name: 'room_id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 }, description: 'A room of this location.' };
const ownerOnly = 'Only the location\'s owner (or an admin); anyone else is a 403.';

/** A location's rooms and members (docs/api-conventions.md#rooms-and-pricing). */
export const ROOM_PATHS: PathTable = {
  [`${DRF}/locations/{id}/rooms/`]: {
    get: {
      id: 'listLocationRooms',
      tag: 'locations',
      summary: 'List the rooms of a location',
      description: 'Anyone signed in (a client may choose a room with `room_id`). Oldest first; not paginated.',
      ok: [200, 'The rooms.', 'RoomList'],
    },
    post: {
      id: 'createLocationRoom',
      tag: 'locations',
      summary: 'Add a room',
      description: `${ownerOnly} A name is unique per location (400 \`unique\`); capacity defaults to 1.`,
      body: rooms.createRoomSchema,
      forbidden: true,
      ok: [201, 'The room.', 'Room'],
    },
  },
  [`${DRF}/locations/{id}/rooms/{room_id}/`]: {
    get: { id: 'getLocationRoom', tag: 'locations', summary: 'Get a room', params: [roomIdParameter], ok: [200, 'The room.', 'Room'] },
    patch: {
      id: 'updateLocationRoom',
      tag: 'locations',
      summary: 'Rename a room or change its capacity',
      description: `${ownerOnly} The capacity cannot go below the seats of a session still to come in the room (409 \`room_in_use\`).`,
      params: [roomIdParameter],
      body: rooms.updateRoomSchema,
      conflicts: ['room_in_use'],
      ok: [200, 'The room.', 'Room'],
    },
    put: {
      id: 'replaceLocationRoom',
      tag: 'locations',
      summary: 'Update a room (same as PATCH)',
      description: 'Takes the same partial body as PATCH.',
      params: [roomIdParameter],
      body: rooms.updateRoomSchema,
      conflicts: ['room_in_use'],
      ok: [200, 'The room.', 'Room'],
    },
    delete: {
      id: 'deleteLocationRoom',
      tag: 'locations',
      summary: 'Delete a room',
      description:
        `${ownerOnly} A room held by an active booking or a session that has not ended is kept: 409 \`room_in_use\` (cancel or move them first). ` +
        'Past and canceled bookings still name a deleted room.',
      params: [roomIdParameter],
      conflicts: ['room_in_use'],
      ok: [204, 'Deleted.'],
    },
  },
  [`${DRF}/locations/{id}/members/`]: {
    get: { id: 'getLocationMembers', tag: 'locations', summary: 'Who shares the location', ok: [200, 'The members.', 'LocationMembers'] },
    put: {
      id: 'replaceLocationMembers',
      tag: 'locations',
      summary: 'Share the location with practitioners',
      description:
        `${ownerOnly} Replaces the list: members may put their services at the location (and so book its rooms) and read its rooms; ` +
        'a service of a non-member there is a 403 `not_a_member`. Ids that are not practitioners are a 400 `does_not_exist`.',
      body: rooms.membersSchema,
      forbidden: true,
      ok: [200, 'The members.', 'LocationMembers'],
    },
  },
};
