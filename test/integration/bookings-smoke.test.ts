import { expect } from 'chai';
import { aBookablePractitioner, aBooking, aUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';

describe('bookings (smoke)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('when a client books a paid session, then it is pending payment and listed', async () => {
    const target = await aBookablePractitioner(h);
    const client = await aUser(h);
    const booking = await aBooking(h, client, target, '2030-01-08T10:00:00Z');
    expect(booking).to.include({ status: 'pending_payment', payment_status: 'unpaid', price_charged: '50.00' });
    const list = await h.http.get('/api/v1/drf/bookings/').set(client.auth);
    expect(list.body.count).to.equal(1);
  });
});
