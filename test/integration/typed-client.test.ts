import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { createBookingsClient, type BookingsClient } from '../../src/client';
import { EVERY_DAY_8_TO_20 } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';

/** Registers through the typed client and returns a client authenticated as the new user. */
async function registered(h: Harness, role: 'client' | 'practitioner'): Promise<{ id: number; api: BookingsClient }> {
  const anonymous = createBookingsClient({ baseUrl: h.baseUrl });
  const { data, error, response } = await anonymous.POST('/api/v1/auth/register/', {
    body: { email: `${role}-${randomUUID()}@example.test`, password: 'password123', name: `A ${role}`, role },
  });
  expect(response.status, JSON.stringify(error)).to.equal(201);
  return { id: data!.id, api: createBookingsClient({ baseUrl: h.baseUrl, token: data!.token }) };
}

describe('the typed client (src/client/) against the real API', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('when a client books through it, then every step is typed and the booking reads back', async () => {
    const practitioner = await registered(h, 'practitioner');
    const schedule = await practitioner.api.PUT('/api/v1/drf/practitioners/me/schedule/', { body: { timezone: 'UTC', max_advance_days: 365, weekly_hours: EVERY_DAY_8_TO_20 } });
    expect(schedule.response.status, JSON.stringify(schedule.error)).to.equal(200);
    const service = await practitioner.api.POST('/api/v1/drf/services/', { body: { name: 'Breathwork', service_type: 'session', duration_minutes: 60, price_cents: 4500 } });
    expect(service.response.status, JSON.stringify(service.error)).to.equal(201);
    const serviceId = service.data!.id;

    const client = await registered(h, 'client');
    const availability = await client.api.POST('/api/v1/drf/bookings/check-availability/', {
      body: { practitioner_id: practitioner.id, service_id: serviceId, date: '2030-01-08', timezone: 'Europe/London' },
    });
    expect(availability.response.status, JSON.stringify(availability.error)).to.equal(200);
    const first = availability.data!.slots[0]!;
    expect(first).to.include({ start_time: '2030-01-08T08:00:00.000Z' });

    const created = await client.api.POST('/api/v1/drf/bookings/', {
      params: { header: { 'Idempotency-Key': randomUUID() } },
      body: { practitioner_id: practitioner.id, service_id: serviceId, start_time: first.start_time, end_time: first.end_time },
    });
    expect(created.response.status, JSON.stringify(created.error)).to.equal(201);
    const booking = created.data!;
    expect(booking.service.id).to.equal(serviceId);
    expect(booking.price_charged_cents).to.equal(4500);
    expect(booking.status).to.equal('pending_payment');

    const read = await client.api.GET('/api/v1/drf/bookings/{id}/', { params: { path: { id: booking.id } } });
    expect(read.response.status).to.equal(200);
    expect(read.response.headers.get('etag')).to.equal(`"${read.data!.version}"`);
    expect(read.data).to.include({ id: booking.id, status: booking.status, start_time: first.start_time });
  });

  it('when the API refuses, then the typed error carries detail and code', async () => {
    const client = await registered(h, 'client');
    const { data, error, response } = await client.api.GET('/api/v1/drf/bookings/{id}/', { params: { path: { id: 2_000_000_000 } } });
    expect(response.status).to.equal(404);
    expect(data).to.equal(undefined);
    expect(error).to.include({ code: 'not_found' });
    expect(error!.detail).to.be.a('string');
  });
});
