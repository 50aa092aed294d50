import Router, { type RouterContext } from '@koa/router';
import type { AppContext } from '../../app/app-context';
import { createLocation, deleteLocation, getLocation, listLocations, updateLocation } from '../../app/catalog/locations';
import { getPractitionerProfile, listPractitioners } from '../../app/catalog/practitioners';
import { getSchedule, replaceSchedule } from '../../app/catalog/schedule';
import { createService, createSession, deleteService, getService, listServices, listSessions, updateService, updateSession, type ServiceInput } from '../../app/catalog/services';
import type { Schedule } from '../../domain/availability';
import { requireCaller } from '../auth';
import { serializeLocation, serializeSchedule, serializeService, serializeSession } from '../catalog-serializers';
import { paginated } from '../pagination';
import { parseId, paginationKeys, toPageRequest, validate, validateQuery } from '../validation';
import * as schemas from './catalog.schemas';
import Joi from 'joi';

interface ScheduleBody {
  timezone: string;
  buffer_minutes: number;
  min_notice_hours: number;
  max_advance_days: number;
  slot_interval_minutes: number;
  weekly_hours: Schedule['weeklyHours'];
  date_overrides: Array<{ date: string; unavailable?: boolean; start?: string; end?: string }>;
  time_off: Array<{ start_time: Date; end_time: Date; reason: string }>;
}

const toSchedule = (body: ScheduleBody): Schedule => ({
  timezone: body.timezone,
  bufferMinutes: body.buffer_minutes,
  minNoticeHours: body.min_notice_hours,
  maxAdvanceDays: body.max_advance_days,
  slotIntervalMinutes: body.slot_interval_minutes,
  weeklyHours: body.weekly_hours,
  dateOverrides: body.date_overrides.map((o) => ({ date: o.date, unavailable: o.unavailable === true, start: o.start ?? null, end: o.end ?? null })),
  timeOff: body.time_off.map((t) => ({ start: t.start_time, end: t.end_time, reason: t.reason })),
});

export function catalogRoutes(app: AppContext): Router {
  const router = new Router({ prefix: '/api/v1/drf' });

  router.get('/services/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const q = validateQuery<{ page: number; page_size: number; practitioner_id?: number; service_type?: ServiceInput['service_type']; is_active?: boolean }>(
      schemas.listServicesQuery,
      ctx.query,
    );
    const page = toPageRequest(q);
    const result = await listServices(app, caller, { practitionerId: q.practitioner_id, serviceType: q.service_type, isActive: q.is_active }, page);
    ctx.body = paginated(ctx, result, page, serializeService);
  });

  router.post('/services/', async (ctx) => {
    const input = validate<ServiceInput>(schemas.createServiceSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = serializeService(await createService(app, requireCaller(ctx.state), input));
  });

  router.get('/services/:id/', async (ctx) => {
    ctx.body = serializeService(await getService(app, requireCaller(ctx.state), parseId(ctx.params.id)));
  });

  const update = async (ctx: RouterContext) => {
    const input = validate<ServiceInput>(schemas.updateServiceSchema, ctx.request.body);
    ctx.body = serializeService(await updateService(app, requireCaller(ctx.state), parseId(ctx.params.id), input));
  };
  router.patch('/services/:id/', update);
  router.put('/services/:id/', update);

  router.delete('/services/:id/', async (ctx) => {
    await deleteService(app, requireCaller(ctx.state), parseId(ctx.params.id));
    ctx.status = 204;
  });

  router.get('/services/:id/sessions/', async (ctx) => {
    const page = toPageRequest(validateQuery<{ page: number; page_size: number }>(Joi.object(paginationKeys), ctx.query));
    const result = await listSessions(app, requireCaller(ctx.state), parseId(ctx.params.id), page);
    ctx.body = paginated(ctx, result, page, serializeSession);
  });

  router.post('/services/:id/sessions/', async (ctx) => {
    const input = validate<{ start_time: Date; end_time?: Date; max_participants?: number; room_id?: number }>(schemas.createSessionSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = serializeSession(await createSession(app, requireCaller(ctx.state), parseId(ctx.params.id), input));
  });

  router.patch('/services/:id/sessions/:sid/', async (ctx) => {
    const input = validate<{ max_participants: number }>(schemas.updateSessionSchema, ctx.request.body);
    ctx.body = serializeSession(await updateSession(app, requireCaller(ctx.state), parseId(ctx.params.id), parseId(ctx.params.sid), input));
  });

  router.get('/locations/', async (ctx) => {
    requireCaller(ctx.state);
    const q = validateQuery<{ page: number; page_size: number; practitioner_id?: number }>(schemas.listLocationsQuery, ctx.query);
    const page = toPageRequest(q);
    ctx.body = paginated(ctx, await listLocations(app, { practitionerId: q.practitioner_id }, page), page, serializeLocation);
  });

  router.post('/locations/', async (ctx) => {
    const input = validate<{ name: string; address: string; timezone: string }>(schemas.createLocationSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = serializeLocation(await createLocation(app, requireCaller(ctx.state), input));
  });

  router.get('/locations/:id/', async (ctx) => {
    requireCaller(ctx.state);
    ctx.body = serializeLocation(await getLocation(app, parseId(ctx.params.id)));
  });

  const updateLoc = async (ctx: RouterContext) => {
    const input = validate<{ name?: string; address?: string; timezone?: string }>(schemas.updateLocationSchema, ctx.request.body);
    ctx.body = serializeLocation(await updateLocation(app, requireCaller(ctx.state), parseId(ctx.params.id), input));
  };
  router.patch('/locations/:id/', updateLoc);
  router.put('/locations/:id/', updateLoc);

  router.delete('/locations/:id/', async (ctx) => {
    await deleteLocation(app, requireCaller(ctx.state), parseId(ctx.params.id));
    ctx.status = 204;
  });

  router.get('/practitioners/me/schedule/', async (ctx) => {
    ctx.body = serializeSchedule(await getSchedule(app, requireCaller(ctx.state)));
  });

  router.put('/practitioners/me/schedule/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const body = validate<ScheduleBody>(schemas.scheduleSchema, ctx.request.body);
    ctx.body = serializeSchedule(await replaceSchedule(app, caller, toSchedule(body)));
  });

  router.get('/practitioners/', async (ctx) => {
    requireCaller(ctx.state);
    const q = validateQuery<{ page: number; page_size: number; search?: string }>(
      Joi.object({ ...paginationKeys, search: Joi.string().trim().max(100).allow('') }),
      ctx.query,
    );
    const page = toPageRequest(q);
    ctx.body = paginated(ctx, await listPractitioners(app, page, q.search), page, (profile) => profile);
  });

  router.get('/practitioners/:id/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const { services, ...profile } = await getPractitionerProfile(app, caller, parseId(ctx.params.id));
    ctx.body = { ...profile, services: services.map(serializeService) };
  });

  return router;
}
