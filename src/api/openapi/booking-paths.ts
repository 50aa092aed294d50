import type Joi from 'joi';
import { cancelSchema, checkAvailabilitySchema, noBodySchema, noteSchema, reasonOnlySchema, rescheduleSchema } from '../routes/booking-actions.schemas';
import { createBookingSchema, createParentSchema, listBookingsQuery, updateBookingSchema } from '../routes/bookings.schemas';
import { DRF } from './catalog-paths';
import { queryParametersOf } from './joi-openapi';
import type { Conflict, Operation, PathTable } from './openapi-operation';

const bookingListDescriptions = {
  status: 'One or more statuses: `status=a,b` or `status=a&status=b`.',
  payment_status: 'One or more payment statuses (comma-separated or repeated).',
  booking_type: 'One or more of individual, group (workshops), package, course, bundle (comma-separated or repeated).',
  start_date:
    'Bookings starting at or after this moment. A bare date `YYYY-MM-DD` means 00:00 UTC of that day; a date-time is taken as given. ' +
    'Bookings without a start time (package and bundle parents) are left out.',
  end_date:
    'Bookings ending before this moment. A bare date includes that whole UTC day (ends before the next day\'s 00:00 UTC); ' +
    'a date-time is an exclusive bound. Bookings without an end time are left out.',
  is_upcoming: '`true`: starts in the future and is pending_payment or confirmed. `false`: everything else.',
  search: 'Case-insensitive substring of the title, description, service name, practitioner name or client name.',
  ordering: 'Rows without a start time sort last either way; ties are broken by id.',
  parent_booking_id: 'The children of this course or package.',
  top_level: '`true`: leave out the children of courses and packages (one row per purchase). `false`: only children.',
  expansion_status: 'Course and package parents whose expansion is pending, done or failed (operators: `expansion_status=failed`).',
};

const BOOKINGS = `${DRF}/bookings`;

const PARENT_DESCRIPTIONS = {
  course:
    'Takes one seat in every future session of the course in this request, all or none (409 `session_full`, and nothing is taken); a second active ' +
    'purchase of the same course is 409 `already_booked`; a course with no future session is 400 `course_has_no_sessions`. The parent\'s times are the ' +
    'first session\'s start and the last one\'s end. The expansion worker then creates one `group` child per session (`expansion_status` pending → done, ' +
    'usually within a second); each child starts and completes on its own times, and the parent is in_progress from the first child\'s start and ' +
    'completed when none is left to run.',
  package:
    'The expansion worker creates one unscheduled child (`individual`, draft, no times) per included service × quantity. Once the package is confirmed ' +
    '(paid), the client schedules each child with POST {child}/reschedule/.',
  bundle:
    'No times. When it is confirmed (paid), `sessions_included + bonus_sessions` credits are granted, expiring `validity_days` later (`credits` in ' +
    'the detail). Spend one with POST bookings/ and `bundle_booking_id`.',
} as const;

/** create-course/, create-package/, create-bundle/ and their underscore aliases. */
function parentPaths(): PathTable {
  const paths: PathTable = {};
  for (const type of ['course', 'package', 'bundle'] as const) {
    const operation: Operation = {
      id: `create${type[0]!.toUpperCase()}${type.slice(1)}Booking`,
      tag: 'bookings',
      summary: `Buy a ${type}`,
      description:
        `${PARENT_DESCRIPTIONS[type]} The service must be an active ${type} (400 \`wrong_service_type\`, \`service_inactive\`, \`does_not_exist\`) ` +
        'of another practitioner (400 `self_booking`). The server prices it: paid → pending_payment with a hold, free → confirmed. Children are priced 0, ' +
        'follow the parent (confirmed with it, canceled with it) and are listed in `child_bookings`. The answer adds `payment`, as POST bookings/ does.',
      body: createParentSchema,
      conflicts: type === 'course' ? ['session_full', 'already_booked'] : [],
      ok: [201, 'The parent booking (also in the Location header), with `payment`.', 'BookingWithPayment'],
    };
    paths[`${BOOKINGS}/create-${type}/`] = { post: operation };
    paths[`${BOOKINGS}/create_${type}/`] = { post: { ...operation, id: `${operation.id}Alias`, summary: `Buy a ${type} (alias of create-${type}/)` } };
  }
  return paths;
}
const detail: Operation['ok'] = [200, 'The booking, as GET {id}/ shows it.', 'BookingDetail'];

const bookingAction = (id: string, summary: string, description: string, body: Joi.Schema, conflicts: Conflict[] = ['invalid_transition']): Operation => ({
  id,
  tag: 'booking actions',
  summary,
  description,
  body,
  bodyRequired: false,
  forbidden: true,
  conflicts,
  ifMatch: true,
  ok: detail,
});

const confirm = bookingAction(
  'confirmBooking',
  'Confirm (offline payment)',
  'pending_payment → confirmed, after an offline payment. The booking\'s practitioner or an admin; clients never. Stripe payments are ' +
    'confirmed by the payments worker when the provider\'s webhook reports them.',
  reasonOnlySchema,
);
const complete = bookingAction(
  'completeBooking',
  'Complete',
  'The practitioner or an admin, once the booking has started. From confirmed it passes through in_progress (both recorded).',
  reasonOnlySchema,
);
const noShow = bookingAction('markBookingNoShow', 'Mark as no-show', 'The practitioner or an admin, once the booking has started (confirmed or in_progress).', reasonOnlySchema);
const cancelDescription =
  'draft, pending_payment or confirmed → canceled, by the client, the practitioner or an admin. `canceled_by` follows the caller; ' +
  'only admins may name another role. The refund due is decided now: practitioner/admin/system cancel → full; client cancel at least ' +
  '`cancellation_notice_hours` before the start → full, later → none, on the amount paid; what already went back (a partial refund at the ' +
  'provider) is taken off, so `refund_due_cents` is what this cancel still gives back and the refund pays exactly that (only a `paid` or ' +
  '`partially_refunded` booking has anything to refund; a duplicate payment is refunded on its own, whatever the cancel). The payments worker ' +
  'then pays it: through Stripe when the booking was paid through Stripe, otherwise it is recorded `awaiting_operator` for an operator to pay ' +
  'and settle (GET /api/v1/admin/refunds/); either way it shows in the booking\'s `payments`. ' +
  'Packages and courses (docs/api-conventions.md#packages-courses-and-bundles): canceling the parent cancels its children that have not happened (a course in_progress can be canceled too) and ' +
  'refunds pro rata, rounded down to the cent — by the practitioner/admin: price × (children neither completed nor no-show) / children; by the client: ' +
  'price × (children not started whose start is at least the notice away, unscheduled ones and ones the practitioner canceled included) / children. ' +
  'A client cannot cancel a child alone (409 `cancel_the_parent`); the practitioner or an admin can, which refunds that child\'s share of a paid parent at once. ' +
  'Bundles: price × max(0, remaining − bonus_sessions) / sessions_included, and the remaining credits expire. A session paid with a bundle credit gets ' +
  'its credit back when the cancel would have been a full refund (practitioner/admin, or the client at least the notice before), and forfeits it otherwise.';

export const BOOKING_PATHS: PathTable = {
  [`${BOOKINGS}/`]: {
    get: {
      id: 'listBookings',
      tag: 'bookings',
      summary: 'List bookings',
      description: 'Clients see their own bookings; practitioners their appointments and their own bookings; admins all.',
      query: queryParametersOf(listBookingsQuery, bookingListDescriptions),
      ok: [200, 'A page of bookings.', 'BookingPage'],
    },
    post: {
      id: 'createBooking',
      tag: 'bookings',
      summary: 'Book an individual session or a workshop seat',
      description:
        'The caller is the client. The server computes the price. Individual session: `start_time` on a whole minute, ' +
        '`end_time - start_time` equal to the service duration, inside the practitioner\'s schedule and free (409 `slot_unavailable` ' +
        'otherwise). Workshop: `service_session_id` required, times come from the session (409 `session_full`). Paid → pending_payment ' +
        '(the slot is held for PAYMENT_HOLD_MINUTES, and never past the start, see `hold_expires_at`); free → confirmed. A client may hold at most ' +
        'MAX_UNPAID_HOLDS_PER_PRACTITIONER (3) pending_payment bookings with one practitioner at a time, sessions, workshop seats and courses together: ' +
        'one more is a 409 `too_many_unpaid_holds` until one is paid, canceled or expires (drafts and free bookings do not count). `"draft": true` stores a draft that holds ' +
        'nothing until POST {id}/submit/. Packages, bundles and courses are bought with create-package/, create-bundle/ and create-course/ (here: 400 `wrong_endpoint`). ' +
        'With `bundle_booking_id` the session is paid with one credit of the caller\'s confirmed bundle: price 0, confirmed at once, the credit taken in the same ' +
        'transaction (409 `no_credits_left`, `bundle_expired`, `bundle_not_confirmed`; 400 `service_not_in_bundle`; 404 for a bundle that is not the caller\'s). ' +
        'A service that `requires_room` takes one room of its location for the booking\'s time plus the buffer: the `room_id` asked for ' +
        '(404 for a room of another location; 409 `no_room_available` when it is taken), else the smallest free room; none free → 409 `no_room_available`. ' +
        'A room is never double-booked, across practitioners too: the database refuses it. `room_id` for a service without a location, one that needs no ' +
        'room, or a workshop seat (its session holds the room) is a 400 `room_not_used`. ' +
        'The answer adds `payment`: what the client needs to pay a pending_payment booking (a Stripe `client_secret`, or offline instructions), ' +
        'null otherwise. It is given only here and by submit/: keep it.',
      body: createBookingSchema,
      notFound: true,
      conflicts: ['slot_unavailable', 'no_room_available', 'session_full', 'already_booked', 'too_many_unpaid_holds', 'no_credits_left', 'bundle_expired', 'bundle_not_confirmed'],
      ok: [201, 'The booking (also in the Location header), with `payment`.', 'BookingWithPayment'],
    },
  },
  ...parentPaths(),
  [`${BOOKINGS}/{id}/`]: {
    get: {
      id: 'getBooking',
      tag: 'bookings',
      summary: 'Get a booking',
      description:
        'A booking the caller is no party to is a 404. `payments` is its payment ledger; `status_history` every move, with `details` for reschedules.',
      ok: detail,
    },
    patch: {
      id: 'updateBooking',
      tag: 'bookings',
      summary: 'Update a booking',
      description: 'Exactly the spec\'s updatable fields. Terminal bookings cannot be edited (409 `booking_closed`).',
      body: updateBookingSchema,
      forbidden: true,
      conflicts: ['booking_closed'],
      ifMatch: true,
      ok: detail,
    },
    delete: { id: 'deleteBooking', tag: 'booking actions', summary: 'Cancel (as POST {id}/cancel/ without a body)', description: cancelDescription, forbidden: true, conflicts: ['invalid_transition'], ifMatch: true, ok: [204, 'Canceled.'] },
  },
  [`${BOOKINGS}/{id}/confirm/`]: { post: confirm },
  [`${BOOKINGS}/{id}/complete/`]: { post: complete },
  [`${BOOKINGS}/{id}/no-show/`]: { post: noShow },
  [`${BOOKINGS}/{id}/no_show/`]: { post: { ...noShow, id: 'markBookingNoShowAlias', summary: 'Mark as no-show (alias of no-show/)' } },
  [`${BOOKINGS}/{id}/cancel/`]: { post: bookingAction('cancelBooking', 'Cancel', cancelDescription, cancelSchema) },
  [`${BOOKINGS}/{id}/reschedule/`]: {
    post: {
      ...bookingAction(
        'rescheduleBooking',
        'Reschedule',
        'The client or the practitioner (or an admin), before the start. Same duration and the same checks as create, ignoring the booking ' +
          'itself. The status stays; status_history records the move. Workshop and course bookings follow their session and cannot be rescheduled. A client cannot reschedule within the booking\u2019s cancellation notice (409 invalid_transition): that would turn a forfeiting late cancel into a full refund; the practitioner still can. ' +
          'An unscheduled package item (draft, no times) is scheduled here the first time, once its package is confirmed (409 `parent_not_confirmed` before): ' +
          'every check of a create, then it is confirmed; a workshop item takes a seat in the session named by `service_session_id` instead. ' +
          'A booking that holds a room keeps it when it is free at the new time, else takes another free room of the location (or the `room_id` named); ' +
          'none free → 409 `no_room_available`, and nothing moves.',
        rescheduleSchema,
        ['invalid_transition', 'slot_unavailable', 'no_room_available', 'parent_not_confirmed', 'session_full', 'already_booked'],
      ),
      bodyRequired: true,
    },
  },
  [`${BOOKINGS}/{id}/submit/`]: {
    post: {
      id: 'submitBooking',
      tag: 'booking actions',
      summary: 'Submit a draft',
      description:
        'draft → pending_payment (or confirmed when free), after checking the slot or seat again, and the cap on unpaid holds as create does ' +
        '(409 `too_many_unpaid_holds`). A draft whose start has passed is a 400: reschedule it first. Like create, the answer adds `payment` (null when the booking is free).',
      badRequest: true,
      forbidden: true,
      conflicts: ['invalid_transition', 'slot_unavailable', 'no_room_available', 'session_full', 'too_many_unpaid_holds'],
      ifMatch: true,
      ok: [200, 'The booking, as GET {id}/ shows it, with `payment`.', 'BookingWithPayment'],
    },
  },
  [`${BOOKINGS}/{id}/payment/`]: {
    post: {
      id: 'resumeBookingPayment',
      tag: 'booking actions',
      summary: 'What to pay, again',
      description:
        'For the client of a pending_payment booking who lost the `payment` object of create or submit: the same open PaymentIntent (Stripe answers ' +
        'the booking\'s idempotency key with it; its `client_secret` works again after a declined card), or a new one when the first could not be ' +
        'created (`error` was set). Offline: the instructions again. Anyone but the client (or an admin) → 403; a booking not pending_payment → 409.',
      body: noBodySchema,
      bodyRequired: false,
      forbidden: true,
      conflicts: ['invalid_transition'],
      ok: [200, 'What the client needs to pay.', 'PaymentStart'],
    },
  },
  [`${BOOKINGS}/{id}/cancellation-quote/`]: {
    get: {
      id: 'quoteBookingCancellation',
      tag: 'booking actions',
      summary: 'What a cancel would refund now',
      description:
        'What POST {id}/cancel/ by the caller would refund at this moment, decided by the same rule on the same facts (the rules are under Cancel): ' +
        'the quote and the cancel cannot disagree. Nothing is written. A cancel the caller could not make is refused the same way (409 ' +
        '`invalid_transition`, `cancel_the_parent`); a booking the caller is no party to is a 404.',
      conflicts: ['invalid_transition', 'cancel_the_parent'],
      ok: [200, 'The quote.', 'CancellationQuote'],
    },
  },
  [`${BOOKINGS}/{id}/notes/`]: {
    get: {
      id: 'listBookingNotes',
      tag: 'booking actions',
      summary: 'List notes',
      description: 'Oldest first, not paginated. Private notes of others are left out.',
      ok: [200, 'The notes.', 'NoteList'],
    },
    post: { id: 'addBookingNote', tag: 'booking actions', summary: 'Add a note', description: 'Any party to the booking.', body: noteSchema, ok: [201, 'The note.', 'Note'] },
  },
  [`${BOOKINGS}/check-availability/`]: {
    post: {
      id: 'checkAvailability',
      tag: 'booking actions',
      summary: 'Free slots of a practitioner for a session service',
      description:
        'Slots of the service\'s duration, on the practitioner\'s slot grid, within their hours, outside time off and buffered bookings, ' +
        'respecting minimum notice and maximum advance. `date` and `days` are read in `timezone`; each slot is given in UTC and in that zone. ' +
        'Workshops and courses are booked by session (GET services/{id}/sessions/). For a service that `requires_room`, only slots where one of ' +
        'its location\'s rooms is free (for the slot plus the buffer) are offered.',
      body: checkAvailabilitySchema,
      ok: [200, 'The free slots, earliest first.', 'Availability'],
    },
  },
};
BOOKING_PATHS[`${BOOKINGS}/check_availability/`] = {
  post: { ...BOOKING_PATHS[`${BOOKINGS}/check-availability/`]!.post!, id: 'checkAvailabilityAlias', summary: 'Free slots (alias of check-availability/)' },
};

