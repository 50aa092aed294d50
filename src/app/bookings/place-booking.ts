import type { Caller } from '../../domain/types';
import { getBookingDetail, type BookingDetail } from './booking-queries';
import type { BookingRow } from '../../data/booking-repository';
import type { AppContext } from '../app-context';
import { startPayment, type PaymentStart } from '../payments/start-payment';
import type { ParentType } from '../../domain/parent-bookings';
import { createBooking, type CreateBookingInput } from './create-booking';
import { createParentBooking, type CreateParentInput } from './create-parent-booking';
import type { Requester } from './transition-booking';
import { submitBooking } from './submit-booking';

/** Creates a booking, then (once it is committed) what the client needs to pay for it; the detail is the booking as written. */
export async function placeBooking(
  app: AppContext,
  caller: Caller,
  input: CreateBookingInput,
  idempotencyClaimId: number | null = null,
): Promise<{ detail: BookingDetail; payment: PaymentStart | null }> {
  const detail = await createBooking(app, caller, input, idempotencyClaimId);
  return { detail, payment: await startPayment(app, detail.booking) };
}

/**
 * The answer of a create whose booking committed but whose process died before answering (its
 * Idempotency-Key points at the booking): the booking as it is now, and what is left to pay.
 */
export async function resumePlacedBooking(app: AppContext, caller: Caller, bookingId: number): Promise<{ detail: BookingDetail; payment: PaymentStart | null }> {
  const detail = await getBookingDetail(app, caller, bookingId);
  return { detail, payment: await startPayment(app, detail.booking) };
}

/** Buys a course, package or bundle, then (once it is committed) what the client needs to pay for it. */
export async function placeParentBooking(
  app: AppContext,
  caller: Caller,
  type: ParentType,
  input: CreateParentInput,
  idempotencyClaimId: number | null = null,
): Promise<{ detail: BookingDetail; payment: PaymentStart | null }> {
  const booking = await createParentBooking(app, caller, type, input, idempotencyClaimId);
  return { detail: await getBookingDetail(app, caller, booking.id), payment: await startPayment(app, booking) };
}

/** Submits a draft, then (once it is committed) what the client needs to pay for it. */
export async function submitAndStartPayment(app: AppContext, requester: Requester, bookingId: number, expectVersion?: number[]): Promise<{ booking: BookingRow; payment: PaymentStart | null }> {
  const booking = await submitBooking(app, requester, bookingId, expectVersion);
  return { booking, payment: await startPayment(app, booking) };
}
