import Router, { type RouterContext } from '@koa/router';
import type { AppContext } from '../../app/app-context';
import { createRoom, deleteRoom, getMembers, getRoom, listRooms, replaceMembers, updateRoom } from '../../app/catalog/rooms';
import { requireCaller } from '../auth';
import { serializeRoom } from '../catalog-serializers';
import { parseId, validate } from '../validation';
import { createRoomSchema, membersSchema, updateRoomSchema } from './rooms.schemas';

/** A location's rooms and members (docs/api-conventions.md#rooms-and-pricing). Rooms are few per location: the list is not paginated. */
export function roomsRoutes(app: AppContext): Router {
  const router = new Router({ prefix: '/api/v1/drf/locations/:id' });

  router.get('/rooms/', async (ctx) => {
    requireCaller(ctx.state);
    ctx.body = (await listRooms(app, parseId(ctx.params.id))).map(serializeRoom);
  });

  router.post('/rooms/', async (ctx) => {
    const input = validate<{ name: string; capacity: number }>(createRoomSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = serializeRoom(await createRoom(app, requireCaller(ctx.state), parseId(ctx.params.id), input));
  });

  router.get('/rooms/:room_id/', async (ctx) => {
    requireCaller(ctx.state);
    ctx.body = serializeRoom(await getRoom(app, parseId(ctx.params.id), parseId(ctx.params.room_id)));
  });

  const update = async (ctx: RouterContext) => {
    const input = validate<{ name?: string; capacity?: number }>(updateRoomSchema, ctx.request.body);
    ctx.body = serializeRoom(await updateRoom(app, requireCaller(ctx.state), parseId(ctx.params.id), parseId(ctx.params.room_id), input));
  };
  router.patch('/rooms/:room_id/', update);
  router.put('/rooms/:room_id/', update);

  router.delete('/rooms/:room_id/', async (ctx) => {
    await deleteRoom(app, requireCaller(ctx.state), parseId(ctx.params.id), parseId(ctx.params.room_id));
    ctx.status = 204;
  });

  router.get('/members/', async (ctx) => {
    requireCaller(ctx.state);
    ctx.body = await getMembers(app, parseId(ctx.params.id));
  });

  router.put('/members/', async (ctx) => {
    const input = validate<{ practitioner_ids: number[] }>(membersSchema, ctx.request.body);
    ctx.body = await replaceMembers(app, requireCaller(ctx.state), parseId(ctx.params.id), input.practitioner_ids);
  });

  return router;
}
