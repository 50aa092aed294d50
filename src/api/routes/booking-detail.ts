import type { Context } from 'koa';
import type { AppContext } from '../../app/app-context';
import { getBookingDetail, type BookingDetail } from '../../app/bookings/booking-queries';
import type { Caller } from '../../domain/types';
import { etagOf } from '../preconditions';
import { serializeBookingDetail } from './booking-serializer';

/**
 * A booking's detail as GET {id}/ answers it, with its version as the ETag a later If-Match sends back:
 * the answer of the detail, of create, PATCH and every action.
 */
export async function bookingDetailWithEtag(app: AppContext, ctx: Context, caller: Caller, id: number) {
  return withEtag(app, ctx, await getBookingDetail(app, caller, id));
}

/** A detail already in hand (a create's, built from what its write returned), serialized with its ETag. */
export function withEtag(app: AppContext, ctx: Context, booking: BookingDetail) {
  const detail = serializeBookingDetail(booking, app.clock.now());
  ctx.set('ETag', etagOf(detail.version));
  return detail;
}
