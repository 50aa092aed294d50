import type { Schedule } from '../domain/availability';
import { formatCents } from '../domain/pricing';
import type { LocationRecord, ServiceRecord, SessionRecord } from '../data/catalog-repository';
import type { RoomRecord } from '../data/room-repository';

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
