import Joi from 'joi';
import * as catalog from '../routes/catalog.schemas';
import { paginationKeys } from '../validation';
import { queryParametersOf } from './joi-openapi';
import type { PathTable } from './openapi-operation';

export const DRF = '/api/v1/drf';
const page = Joi.object(paginationKeys);
// Inline in catalog.routes.ts; rebuilt here from the same pieces.
const practitionersQuery = Joi.object({ ...paginationKeys, search: Joi.string().trim().max(100).allow('') });

export const CATALOG_PATHS: PathTable = {
  [`${DRF}/services/`]: {
    get: {
      id: 'listServices',
      tag: 'services',
      summary: 'List services',
      description: 'Active services of every practitioner, plus the caller\'s own inactive ones. Ordered by id.',
      query: queryParametersOf(catalog.listServicesQuery),
      ok: [200, 'A page of services.', 'ServicePage'],
    },
    post: {
      id: 'createService',
      tag: 'services',
      summary: 'Create a service',
      description:
        'Practitioners create their own services; admins may name `practitioner_id`. Packages need `included_services` ' +
        '(session or workshop services of the same practitioner); bundles need `sessions_included` and `validity_days`. `location_id` is the ' +
        'practitioner\'s own location or one shared with them (PUT locations/{id}/members/); another\'s is a 403 `not_a_member`. `requires_room` needs a location.',
      body: catalog.createServiceSchema,
      forbidden: true,
      ok: [201, 'The service.', 'Service'],
    },
  },
  [`${DRF}/services/{id}/`]: {
    get: { id: 'getService', tag: 'services', summary: 'Get a service', description: 'Inactive services are visible to their owner and admins only.', ok: [200, 'The service.', 'Service'] },
    patch: {
      id: 'updateService',
      tag: 'services',
      summary: 'Update a service',
      description: 'Owner or admin. `service_type` cannot change.',
      body: catalog.updateServiceSchema,
      ok: [200, 'The service.', 'Service'],
    },
    put: {
      id: 'replaceService',
      tag: 'services',
      summary: 'Update a service (same as PATCH)',
      description: 'Takes the same partial body as PATCH: omitted fields keep their values.',
      body: catalog.updateServiceSchema,
      ok: [200, 'The service.', 'Service'],
    },
    delete: {
      id: 'deleteService',
      tag: 'services',
      summary: 'Delete a service',
      description: 'A service that has bookings, or is part of a package or bundle, cannot be deleted (409 `service_in_use`): set `is_active: false` instead.',
      conflicts: ['service_in_use'],
      ok: [204, 'Deleted.'],
    },
  },
  [`${DRF}/services/{id}/sessions/`]: {
    get: {
      id: 'listServiceSessions',
      tag: 'services',
      summary: 'List the sessions of a workshop or course',
      description: 'Ordered by start time.',
      query: queryParametersOf(page),
      ok: [200, 'A page of sessions.', 'ServiceSessionPage'],
    },
    post: {
      id: 'createServiceSession',
      tag: 'services',
      summary: 'Add a session to a workshop or course',
      description:
        'Owner or admin. `end_time` defaults to start + the service duration; `max_participants` to the service\'s. A session takes the ' +
        'practitioner\'s time like a booking: it must keep their current `buffer_minutes` clear of every active booking and other session, ' +
        'before and after it (409 `slot_unavailable`). The database refuses an overlap whatever the application checked. A session of a service that ' +
        '`requires_room` holds one room of its location seating `max_participants` (the `room_id` named: 400 `room_too_small`, 404 for a room of another ' +
        'location; else the smallest free one that fits); none → 409 `no_room_available`.',
      body: catalog.createSessionSchema,
      conflicts: ['slot_unavailable', 'no_room_available'],
      ok: [201, 'The session.', 'ServiceSession'],
    },
  },
  [`${DRF}/locations/`]: {
    get: { id: 'listLocations', tag: 'locations', summary: 'List locations', query: queryParametersOf(catalog.listLocationsQuery), ok: [200, 'A page of locations.', 'LocationPage'] },
    post: {
      id: 'createLocation',
      tag: 'locations',
      summary: 'Create a location',
      description: 'Practitioners only; the location is theirs.',
      body: catalog.createLocationSchema,
      forbidden: true,
      ok: [201, 'The location.', 'Location'],
    },
  },
  [`${DRF}/locations/{id}/`]: {
    get: { id: 'getLocation', tag: 'locations', summary: 'Get a location', ok: [200, 'The location.', 'Location'] },
    patch: { id: 'updateLocation', tag: 'locations', summary: 'Update a location', description: 'Owner or admin.', body: catalog.updateLocationSchema, ok: [200, 'The location.', 'Location'] },
    put: {
      id: 'replaceLocation',
      tag: 'locations',
      summary: 'Update a location (same as PATCH)',
      description: 'Takes the same partial body as PATCH.',
      body: catalog.updateLocationSchema,
      ok: [200, 'The location.', 'Location'],
    },
    delete: {
      id: 'deleteLocation',
      tag: 'locations',
      summary: 'Delete a location',
      description:
        'Owner or admin. Services and bookings that named it keep no location (`location_id` becomes null; services no longer require a room). ' +
        'A location whose rooms hold bookings or sessions still to come is kept: 409 `room_in_use`.',
      conflicts: ['room_in_use'],
      ok: [204, 'Deleted.'],
    },
  },
  [`${DRF}/practitioners/`]: {
    get: {
      id: 'listPractitioners',
      tag: 'practitioners',
      summary: 'List practitioners',
      description: 'Public profiles. A practitioner\'s `id` is their user id, the `practitioner_id` used everywhere else.',
      query: queryParametersOf(practitionersQuery, { search: 'Case-insensitive substring of the name.' }),
      ok: [200, 'A page of profiles.', 'PractitionerPage'],
    },
  },
  [`${DRF}/practitioners/{id}/`]: {
    get: { id: 'getPractitioner', tag: 'practitioners', summary: 'Get a practitioner with their active services', ok: [200, 'The profile.', 'PractitionerDetail'] },
  },
  [`${DRF}/practitioners/me/schedule/`]: {
    get: { id: 'getMySchedule', tag: 'schedule', summary: 'Get my schedule', description: 'Practitioners only.', forbidden: true, ok: [200, 'The schedule.', 'Schedule'] },
    put: {
      id: 'replaceMySchedule',
      tag: 'schedule',
      summary: 'Replace my schedule',
      description:
        'Replaces the whole schedule at once. Weekly hours are in `timezone` (weekday 1 = Monday); ranges of one weekday or date may not overlap. ' +
        '`buffer_minutes` is the least gap between two active bookings or workshop/course sessions (one gap, not one on each side), and it is ' +
        'always the CURRENT buffer: changing it applies to the bookings and sessions already on the calendar too. Lowering it frees the time ' +
        'after them at once; raising it is refused with 409 `buffer_conflicts` (nothing is changed) when two existing active bookings or ' +
        'sessions whose blocked time still reaches past now are closer than the new buffer, or when a longer hold of a room would reach another ' +
        'practitioner\'s booking in it; the answer names each pair of the caller\'s own (in `detail` and in ' +
        '`errors.buffer_minutes`): move or cancel one of each, or choose a smaller buffer. `min_notice_hours` and ' +
        '`max_advance_days` bound how soon and how far ahead a client may book. A date override either closes the day (`unavailable: true`) ' +
        'or replaces its hours (`start`, `end`).',
      body: catalog.scheduleSchema,
      forbidden: true,
      conflicts: ['buffer_conflicts'],
      ok: [200, 'The schedule as stored.', 'Schedule'],
    },
  },
};

