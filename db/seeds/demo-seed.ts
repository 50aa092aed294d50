import type { AppContext } from '../../src/app/app-context';
import { registerUser } from '../../src/app/auth/auth-service';
import { replaceSchedule } from '../../src/app/catalog/schedule';
import { createLocation } from '../../src/app/catalog/locations';
import { createRoom } from '../../src/app/catalog/rooms';
import { createService, createSession } from '../../src/app/catalog/services';
import type { UserRole } from '../../src/domain/types';

const DEMO_PASSWORD = 'estuary-demo-password';

async function demoUser(app: AppContext, email: string, name: string, role: UserRole): Promise<{ id: number; email: string; token: string; created: boolean }> {
  const existing = await app.users.findByEmail(email);
  if (existing) return { id: existing.id, email, token: await app.users.issueToken(app.db, existing.id), created: false };
  const { user, token } = await registerUser(app, { email, password: DEMO_PASSWORD, name, role });
  return { id: user.id, email, token, created: true };
}

/**
 * Demo data: a practitioner with a schedule and one service of each type (a course of three weekly
 * sessions, a package of two services, a 5 + 1 bundle), a studio with two rooms and a service that
 * requires one, a client and an admin. Safe to run twice.
 */
export async function seedDemo(app: AppContext) {
  const practitioner = await demoUser(app, 'practitioner@demo.estuary', 'Dr. Maya Rivers', 'practitioner');
  const client = await demoUser(app, 'client@demo.estuary', 'Sam Client', 'client');
  const admin = await demoUser(app, 'admin@demo.estuary', 'Ada Admin', 'admin');
  if (practitioner.created) {
    const caller = { id: practitioner.id, role: 'practitioner' as const };
    await replaceSchedule(app, caller, {
      timezone: 'America/New_York',
      bufferMinutes: 15,
      minNoticeHours: 2,
      maxAdvanceDays: 90,
      slotIntervalMinutes: 30,
      weeklyHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
      dateOverrides: [],
      timeOff: [],
    });
    const session = await createService(app, caller, { name: '60-minute Consultation', service_type: 'session', duration_minutes: 60, price_cents: 5000 });
    const intro = await createService(app, caller, { name: 'Free intro call', service_type: 'session', duration_minutes: 15, price_cents: 0 });
    const workshop = await createService(app, caller, { name: 'Breathwork Workshop', service_type: 'workshop', duration_minutes: 90, price_cents: 2500, max_participants: 12 });
    const course = await createService(app, caller, { name: 'Mindfulness Course (3 weeks)', service_type: 'course', duration_minutes: 60, price_cents: 12000, max_participants: 10 });
    await createService(app, caller, {
      name: 'Wellness Package',
      service_type: 'package',
      duration_minutes: 60,
      price_cents: 13500,
      included_services: [
        { service_id: session.id, quantity: 3 },
        { service_id: intro.id, quantity: 1 },
      ],
    });
    await createService(app, caller, { name: '5-Session Bundle', service_type: 'bundle', duration_minutes: 60, price_cents: 22500, sessions_included: 5, bonus_sessions: 1, validity_days: 180, bundle_service_ids: [session.id] });
    const weekAhead = app.clock.now().getTime() + 7 * 86_400_000;
    const at = (ms: number) => new Date(Math.floor(ms / 3_600_000) * 3_600_000);
    await createSession(app, caller, workshop.id, { start_time: at(weekAhead) });
    for (let week = 1; week <= 3; week++) await createSession(app, caller, course.id, { start_time: at(weekAhead + week * 7 * 86_400_000) });
  }
  const studio = await seedStudio(app, practitioner.id);
  const services = await app.db('services').where({ practitioner_id: practitioner.id }).orderBy('id').select('id', 'name', 'service_type');
  return { password: DEMO_PASSWORD, practitioner, client, admin, services, studio };
}

/**
 * A location with two rooms and a service that requires one (docs/api-conventions.md#rooms-and-pricing). Added once, also to a
 * database seeded before rooms existed.
 */
async function seedStudio(app: AppContext, practitionerId: number) {
  const caller = { id: practitionerId, role: 'practitioner' as const };
  let location = await app.db('locations').where({ practitioner_id: practitionerId, name: 'Harbour Studio' }).first();
  if (!location) {
    location = await createLocation(app, caller, { name: 'Harbour Studio', address: '1 Quay Street, Brooklyn, NY', timezone: 'America/New_York' });
    await createRoom(app, caller, location.id, { name: 'Treatment room', capacity: 1 });
    await createRoom(app, caller, location.id, { name: 'Movement studio', capacity: 12 });
    await createService(app, caller, { name: 'Massage (60 min, treatment room)', service_type: 'session', duration_minutes: 60, price_cents: 9000, location_id: location.id, requires_room: true });
  }
  return { location_id: location.id as number, rooms: await app.rooms.listRooms(location.id) };
}
