import { aUser } from '../support/builders';
import { startHarness } from '../support/harness';
describe('probe', () => {
  it('probe', async () => {
    const h = await startHarness({ env: { LOG_LEVEL: 'error' } });
    const u = await aUser(h, 'client');
    const bodies = ['[]', '"text"', '42', 'null', 'true', '{}', '[{}]', `${'['.repeat(5000)}${']'.repeat(5000)}`, `{"a":${'{"a":'.repeat(3000)}1${'}'.repeat(3001)}`];
    for (const b of bodies) {
      for (const key of [undefined, 'k1' + Math.random()]) {
        const res = await fetch(h.baseUrl + '/api/v1/drf/bookings/', { method: 'POST', headers: { ...u.auth, 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) }, body: b });
        console.log(b.slice(0, 10), !!key, res.status, (await res.text()).slice(0, 100));
      }
    }
    await h.close();
  });
});
