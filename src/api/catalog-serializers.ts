import Joi from 'joi';
import type { Schedule } from '../domain/availability';
import { SERVICE_TYPES } from '../domain/types';
import { formatCents } from '../domain/pricing';
import type { LocationRecord, ServiceRecord, SessionRecord } from '../data/catalog-repository';
import type { RoomRecord } from '../data/room-repository';
import { bool, component, currency, fields, int, money, nullable, oneOf, pageOf, str, time } from './response-schema';

export const serializeService = (s: ServiceRecord) => ({
  id: s.id,
  practitioner_id: s.practitioner_id,
  name: s.name,
  description: s.description,
  service_type: s.service_type,
  duration_minutes: s.duration_minutes,
  price_cents: s.price_cents,
  price: formatCents(s.price_cents),
  currency: s.currency,
  max_participants: s.max_participants,
  location_id: s.location_id,
  requires_room: s.requires_room,
  is_active: s.is_active,
  cancellation_notice_hours: s.cancellation_notice_hours,
  included_services: s.included_services,
  sessions_included: s.sessions_included,
  bonus_sessions: s.bonus_sessions,
  validity_days: s.validity_days,
  bundle_service_ids: s.bundle_service_ids,
  created_at: s.created_at,
  updated_at: s.updated_at,
});

export const serializeSession = (s: SessionRecord) => ({
  id: s.id,
  service_id: s.service_id,
  start_time: s.start_time,
  end_time: s.end_time,
  max_participants: s.max_participants,
  seats_taken: s.seats_taken,
  seats_available: s.max_participants - s.seats_taken,
  room_id: s.room_id,
});

export const serializeLocation = (l: LocationRecord) => ({
  id: l.id,
  practitioner_id: l.practitioner_id,
  name: l.name,
  address: l.address,
  timezone: l.timezone,
  created_at: l.created_at,
  updated_at: l.updated_at,
});

export const serializeSchedule = (s: Schedule) => ({
  timezone: s.timezone,
  buffer_minutes: s.bufferMinutes,
  min_notice_hours: s.minNoticeHours,
  max_advance_days: s.maxAdvanceDays,
  slot_interval_minutes: s.slotIntervalMinutes,
  weekly_hours: s.weeklyHours.map((w) => ({ weekday: w.weekday, start: w.start, end: w.end })),
  date_overrides: s.dateOverrides.map((o) => (o.unavailable ? { date: o.date, unavailable: true } : { date: o.date, start: o.start, end: o.end })),
  time_off: s.timeOff.map((t) => ({ start_time: t.start, end_time: t.end, reason: (t as { reason?: string }).reason ?? '' })),
});

export const serializeRoom = (r: RoomRecord) => ({
  id: r.id,
  location_id: r.location_id,
  name: r.name,
  capacity: r.capacity,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

// What the serializers above answer (docs/api-conventions.md#the-openapi-document).

export const serviceSchema = component(
  'Service',
  fields({
    id: int(),
    practitioner_id: int(),
    name: str(),
    description: str(),
    service_type: oneOf(SERVICE_TYPES),
    duration_minutes: int(),
    price_cents: int(),
    price: money(),
    currency: currency(),
    max_participants: int(),
    location_id: nullable(int()),
    requires_room: bool().description('Every booking and workshop/course session of it takes one room of its location (docs/api-conventions.md#rooms-and-pricing).'),
    is_active: bool(),
    cancellation_notice_hours: int(),
    included_services: Joi.array().items(fields({ service_id: int(), quantity: int() })).description('Packages only.'),
    sessions_included: nullable(int()).description('Bundles only.'),
    bonus_sessions: nullable(int()).description('Bundles only.'),
    validity_days: nullable(int()).description('Bundles only.'),
    bundle_service_ids: Joi.array().items(int()).description('Bundles only: the services its credits buy.'),
    created_at: time(),
    updated_at: time(),
  }),
);

export const sessionSchema = component(
  'ServiceSession',
  fields({
    id: int(),
    service_id: int(),
    start_time: time(),
    end_time: time(),
    max_participants: int(),
    seats_taken: int(),
    seats_available: int(),
    room_id: nullable(int()).description('The room it holds (a service that requires a room), for its time plus the buffer.'),
  }),
);

export const locationSchema = component(
  'Location',
  fields({ id: int(), practitioner_id: int(), name: str(), address: str(), timezone: str(), created_at: time(), updated_at: time() }),
);

const hhmm = () => Joi.string().pattern(/^([01]\d|2[0-3]):[0-5]\d$/).example('09:00');
const date = () => Joi.string().isoDate().meta({ swagger: { format: 'date' } });

export const scheduleSchema = component(
  'Schedule',
  fields({
    timezone: str(),
    buffer_minutes: int(),
    min_notice_hours: int(),
    max_advance_days: int(),
    slot_interval_minutes: int(),
    weekly_hours: Joi.array().items(fields({ weekday: int().min(1).max(7).description('1 = Monday … 7 = Sunday'), start: hhmm(), end: hhmm() })),
    date_overrides: Joi.array().items(
      Joi.alternatives()
        .try(fields({ date: date(), unavailable: Joi.boolean().valid(true) }), fields({ date: date(), start: hhmm(), end: hhmm() }))
        .match('one'),
    ),
    time_off: Joi.array().items(fields({ start_time: time(), end_time: time(), reason: str() })),
  }),
);

export const roomSchema = component(
  'Room',
  fields({
    id: int(),
    location_id: int(),
    name: str(),
    capacity: int().description('How many it seats: a session needs capacity ≥ its max_participants.'),
    created_at: time(),
    updated_at: time(),
  }),
);

export const locationMembersSchema = component(
  'LocationMembers',
  fields({
    location_id: int(),
    owner_id: int().description('The practitioner who owns the location (always a member, not listed).'),
    practitioner_ids: Joi.array().items(int()).description('Practitioners who may put services there and read its rooms.'),
  }),
);

const profileKeys = { id: int().description("The practitioner's user id."), name: str(), bio: str(), timezone: str() };
export const profileSchema = component('PractitionerProfile', fields(profileKeys));
export const practitionerDetailSchema = component(
  'PractitionerDetail',
  fields({ ...profileKeys, services: Joi.array().items(serviceSchema).description('Active services.') }),
);

export const CATALOG_RESPONSE_SCHEMAS = [
  serviceSchema,
  sessionSchema,
  locationSchema,
  scheduleSchema,
  roomSchema,
  component('RoomList', Joi.array().items(roomSchema)),
  locationMembersSchema,
  profileSchema,
  practitionerDetailSchema,
  pageOf('ServicePage', serviceSchema),
  pageOf('ServiceSessionPage', sessionSchema),
  pageOf('LocationPage', locationSchema),
  pageOf('PractitionerPage', profileSchema),
];
