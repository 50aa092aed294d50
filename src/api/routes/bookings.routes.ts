import Router from '@koa/router';
import type { AppContext } from '../../app/app-context';
import { listBookingItems } from '../../app/bookings/booking-queries';
import type { CreateBookingInput } from '../../app/bookings/create-booking';
import type { CreateParentInput } from '../../app/bookings/create-parent-booking';
import { placeBooking, placeParentBooking, resumePlacedBooking } from '../../app/bookings/place-booking';
import { idempotencyOf } from '../middleware/idempotency';
import type { ParentType } from '../../domain/parent-bookings';
import { updateBooking, type BookingPatch } from '../../app/bookings/update-booking';
import type { BookingStatus, BookingType, PaymentStatus } from '../../domain/types';
import type { Ordering } from '../../domain/booking-lists';
import { requireCaller } from '../auth';
import { paginatedJson } from '../pagination';
import { ifMatchVersions } from '../preconditions';
import { bookingDetailWithEtag, withEtag } from './booking-detail';
import type { Context } from 'koa';
import { parseId, splitCommaValues, toPageRequest, validate, validateQuery } from '../validation';
import { serializeBookingListItem } from './booking-serializer';
import { createBookingSchema, createParentSchema, quickCreateBooking, listBookingsQuery, MULTI_VALUED_FILTERS, updateBookingSchema } from './bookings.schemas';

interface ListQuery {
  page: number;
  page_size: number;
  status?: BookingStatus[];
  payment_status?: PaymentStatus[];
  booking_type?: BookingType[];
  practitioner_id?: number;
  service_id?: number;
  start_date?: string | Date;
  end_date?: string | Date;
  is_upcoming?: boolean;
  parent_booking_id?: number;
  top_level?: boolean;
  expansion_status?: Array<'pending' | 'done' | 'failed'>;
  search?: string;
  ordering: Ordering;
}

const DAY_MS = 86_400_000;
/** A bare date means the whole UTC day: start_date from its first instant, end_date up to its last. */
const dayStart = (value: string | Date) => (typeof value === 'string' ? new Date(`${value}T00:00:00Z`) : value);
const dayEnd = (value: string | Date) => (typeof value === 'string' ? new Date(dayStart(value).getTime() + DAY_MS) : value);

/**
 * The list's validated query, by its raw query string: the same string always validates to the same value
 * (or the same 400, which is not kept), and lists are asked for with a handful of query strings, so each is
 * validated once. Values are frozen: they are shared by every request with that string.
 */
const LIST_QUERIES_KEPT = 500;
const listQueries = new Map<string, Readonly<ListQuery>>();
function listQueryOf(ctx: Context): Readonly<ListQuery> {
  const key = ctx.querystring;
  let q = listQueries.get(key);
  if (q === undefined) {
    const validated = validateQuery<ListQuery>(listBookingsQuery, splitCommaValues(ctx.query, MULTI_VALUED_FILTERS));
    for (const value of Object.values(validated)) if (Array.isArray(value)) Object.freeze(value);
    q = Object.freeze(validated);
    if (listQueries.size >= LIST_QUERIES_KEPT) listQueries.clear();
    listQueries.set(key, q);
  }
  return q;
}

export function bookingsRoutes(app: AppContext): Router {
  const router = new Router({ prefix: '/api/v1/drf/bookings' });

  const detailWithEtag = (ctx: Context, caller: ReturnType<typeof requireCaller>, id: number) => bookingDetailWithEtag(app, ctx, caller, id);

  router.get('/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const q = listQueryOf(ctx);
    const page = toPageRequest(q);
    const now = app.clock.now();
    const result = await listBookingItems(
      app,
      caller,
      {
        status: q.status,
        paymentStatus: q.payment_status,
        bookingType: q.booking_type,
        practitionerId: q.practitioner_id,
        serviceId: q.service_id,
        startFrom: q.start_date === undefined ? undefined : dayStart(q.start_date),
        endBefore: q.end_date === undefined ? undefined : dayEnd(q.end_date),
        upcoming: q.is_upcoming === undefined ? undefined : { value: q.is_upcoming, now },
        parentBookingId: q.parent_booking_id,
        topLevel: q.top_level,
        expansionStatus: q.expansion_status,
        search: q.search || undefined,
        ordering: q.ordering,
      },
      page,
    );
    ctx.body = paginatedJson(ctx, result, page, (b) => serializeBookingListItem(b, caller, now));
  });

  router.post('/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const input = quickCreateBooking(ctx.request.body) ?? validate<CreateBookingInput>(createBookingSchema, ctx.request.body);
    const key = idempotencyOf(ctx.state);
    const { detail, payment } = key?.resumeBookingId ? await resumePlacedBooking(app, caller, key.resumeBookingId) : await placeBooking(app, caller, input, key?.claimId);
    ctx.status = 201;
    ctx.set('Location', `/api/v1/drf/bookings/${detail.booking.id}/`);
    ctx.body = Object.assign(withEtag(app, ctx, detail), { payment });
  });

  const parentEndpoints: Array<[ParentType, string[]]> = [
    ['course', ['create-course', 'create_course']],
    ['package', ['create-package', 'create_package']],
    ['bundle', ['create-bundle', 'create_bundle']],
  ];
  for (const [type, paths] of parentEndpoints) {
    for (const path of paths) {
      router.post(`/${path}/`, async (ctx) => {
        const caller = requireCaller(ctx.state);
        const input = validate<CreateParentInput>(createParentSchema, ctx.request.body);
        const key = idempotencyOf(ctx.state);
        const { detail, payment } = key?.resumeBookingId
          ? await resumePlacedBooking(app, caller, key.resumeBookingId)
          : await placeParentBooking(app, caller, type, input, key?.claimId);
        ctx.status = 201;
        ctx.set('Location', `/api/v1/drf/bookings/${detail.booking.id}/`);
        ctx.body = Object.assign(withEtag(app, ctx, detail), { payment });
      });
    }
  }

  router.get('/:id/', async (ctx) => {
    ctx.body = await detailWithEtag(ctx, requireCaller(ctx.state), parseId(ctx.params.id));
  });

  router.patch('/:id/', async (ctx) => {
    const caller = requireCaller(ctx.state);
    const id = parseId(ctx.params.id);
    await updateBooking(app, caller, id, validate<BookingPatch>(updateBookingSchema, ctx.request.body), ifMatchVersions(ctx));
    ctx.body = await detailWithEtag(ctx, caller, id);
  });

  return router;
}
