import type Router from '@koa/router';
import type { RouterContext } from '@koa/router';
import type { AppContext } from '../../app/app-context';
import { addNote, listNotes } from '../../app/bookings/booking-notes';
import { quoteCancellation } from '../../app/bookings/cancellation-quote';
import { checkAvailability, type AvailabilityQuery } from '../../app/bookings/check-availability';
import { rescheduleBooking } from '../../app/bookings/reschedule-booking';
import { submitAndStartPayment } from '../../app/bookings/place-booking';
import { resumePayment } from '../../app/payments/start-payment';
import { transitionBooking } from '../../app/bookings/transition-booking';
import type { BookingAction } from '../../domain/booking-status';
import type { ActorRole, Caller } from '../../domain/types';
import { requireCaller } from '../auth';
import { ifMatchVersions } from '../preconditions';
import { bookingDetailWithEtag } from './booking-detail';
import { parseId, validate } from '../validation';
import { serializeCancellationQuote, serializeNote } from './booking-serializer';
import { cancelSchema, checkAvailabilitySchema, noBodySchema, noteSchema, reasonOnlySchema, rescheduleSchema } from './booking-actions.schemas';

/**
 * The spec's custom actions on a booking, added to the bookings router (one router per resource, so
 * 405 answers list every method of a path). Underscore spellings are accepted as aliases (docs/api-conventions.md#paths).
 */
export function addBookingActions(app: AppContext, router: Router): Router {
  const respondWithDetail = async (ctx: RouterContext, caller: Caller, id: number) => {
    ctx.body = await bookingDetailWithEtag(app, ctx, caller, id);
  };

  const simpleActions: Array<[string[], BookingAction]> = [
    [['confirm'], 'confirm'],
    [['complete'], 'complete'],
    [['no-show', 'no_show'], 'no_show'],
  ];
  for (const [paths, action] of simpleActions) {
    for (const path of paths) {
      router.post(`/:id/${path}/`, async (ctx) => {
        const caller = requireCaller(ctx.state);
        const { reason } = validate<{ reason?: string }>(reasonOnlySchema, ctx.request.body);
        const id = parseId(ctx.params.id);
        await transitionBooking(app, { caller }, id, action, { reason, expect: { version: ifMatchVersions(ctx) } });
        await respondWithDetail(ctx, caller, id);
      });
    }
  }

  router.post('/:id/cancel/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const input = validate<{ reason?: string; canceled_by?: ActorRole }>(cancelSchema, ctx.request.body);
    const id = parseId(ctx.params.id);
    await transitionBooking(app, { caller }, id, 'cancel', { reason: input.reason, canceledBy: input.canceled_by, expect: { version: ifMatchVersions(ctx) } });
    await respondWithDetail(ctx, caller, id);
  });

  router.delete('/:id/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const id = parseId(ctx.params.id);
    await transitionBooking(app, { caller }, id, 'cancel', { expect: { version: ifMatchVersions(ctx) } });
    ctx.status = 204;
  });

  router.post('/:id/reschedule/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const input = validate<{ start_time: Date; end_time: Date; room_id?: number; reason?: string }>(rescheduleSchema, ctx.request.body);
    const id = parseId(ctx.params.id);
    await rescheduleBooking(app, { caller }, id, input, ifMatchVersions(ctx));
    await respondWithDetail(ctx, caller, id);
  });

  router.post('/:id/submit/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const id = parseId(ctx.params.id);
    const { payment } = await submitAndStartPayment(app, { caller }, id, ifMatchVersions(ctx));
    await respondWithDetail(ctx, caller, id);
    ctx.body = { ...(ctx.body as object), payment };
  });

  router.post('/:id/payment/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    validate(noBodySchema, ctx.request.body ?? {});
    ctx.body = await resumePayment(app, caller, parseId(ctx.params.id));
  });

  router.get('/:id/cancellation-quote/', async (ctx) => {
    const quote = await quoteCancellation(app, requireCaller(ctx.state), parseId(ctx.params.id));
    ctx.body = serializeCancellationQuote(quote);
  });

  router.get('/:id/notes/', async (ctx) => {
    const notes = await listNotes(app, requireCaller(ctx.state), parseId(ctx.params.id));
    ctx.body = notes.map(serializeNote);
  });

  router.post('/:id/notes/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const input = validate<{ content: string; is_private?: boolean }>(noteSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = serializeNote(await addNote(app, caller, parseId(ctx.params.id), input));
  });

  for (const path of ['check-availability', 'check_availability']) {
    router.post(`/${path}/`, async (ctx) => {
      requireCaller(ctx.state);
      ctx.body = await checkAvailability(app, validate<AvailabilityQuery>(checkAvailabilitySchema, ctx.request.body));
    });
  }

  return router;
}
