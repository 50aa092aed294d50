import { expect } from 'chai';
import { aBookablePractitioner, aBooking, aUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';

describe('the first hour: where the start URL leads, searching by client name', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('when a browser opens the URL the server prints, then it is sent to the docs', async () => {
    const res = await h.http.get('/').set('Accept', 'text/html,application/xhtml+xml');
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal('/api/v1/docs/');
  });

  it('when a program asks for /, then it gets an index of links', async () => {
    const res = await h.http.get('/').set('Accept', 'application/json');
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ docs: '/api/v1/docs/', schema: '/api/v1/schema/', health: '/healthz' });
  });

  it('when a practitioner searches their bookings by a client\'s name, then they find that client\'s bookings only', async () => {
    const target = await aBookablePractitioner(h);
    const ada = await aUser(h, 'client', 'Ada Lovelace');
    const bob = await aUser(h, 'client', 'Bob Stone');
    const adas = await aBooking(h, ada, target, '2030-01-10T10:00:00Z');
    await aBooking(h, bob, target, '2030-01-10T12:00:00Z');
    const res = await h.http.get('/api/v1/drf/bookings/?search=lovelace').set(target.practitioner.auth);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.count).to.equal(1);
    expect(res.body.results.map((b: { id: number }) => b.id)).to.deep.equal([adas.id]);
  });
});
