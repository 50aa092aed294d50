// The representation lives in src/app: the webhooks worker sends the same booking JSON the API answers with.
export { serializeBookingDetail, serializeBookingSummary, serializeNote } from '../../app/bookings/booking-representation';
