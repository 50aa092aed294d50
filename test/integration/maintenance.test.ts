import { expect } from 'chai';
import { runMaintenance } from '../../src/app/maintenance';
import { DEFAULT_NOW, startHarness, type Harness } from '../support/harness';

const DAY = 86_400_000;

describe('maintenance sweep (the reconciler job)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('when relayed outbox rows are older than a week, then they are purged; recent and unrelayed rows stay', async () => {
    const row = (dispatchedAt: Date | null) => ({ queue: 'notifications', job_name: 'notify', payload: JSON.stringify({ bookingId: 1 }), dispatched_at: dispatchedAt, done_at: dispatchedAt });
    await h.app.db('outbox').insert([row(new Date(DEFAULT_NOW.getTime() - 8 * DAY)), row(new Date(DEFAULT_NOW.getTime() - 6 * DAY)), row(null)]);
    const result = await runMaintenance(h.app);
    expect(result.purgedOutboxRows).to.equal(1);
    const left = await h.app.db('outbox').orderBy('id').select('dispatched_at');
    expect(left).to.have.length(2);
    expect(left[1].dispatched_at).to.equal(null);
  });

  it('when a row was relayed long ago but its job has not run yet (a start months ahead), then it stays: Redis may still lose that job', async () => {
    await h.app.db('outbox').del();
    await h.app.db('outbox').insert({ queue: 'lifecycle', job_name: 'start-booking', payload: JSON.stringify({ bookingId: 1 }), dispatched_at: new Date(DEFAULT_NOW.getTime() - 30 * DAY) });
    const result = await runMaintenance(h.app);
    expect(result.purgedOutboxRows).to.equal(0);
    expect(await h.app.db('outbox').select('job_name')).to.deep.equal([{ job_name: 'start-booking' }]);
  });

  it('when HTTP sessions have expired, then the sweep removes them', async () => {
    await h.app.db('http_sessions').insert([
      { key: 'old', data: JSON.stringify({}), expires_at: h.app.db.raw("now() - interval '1 minute'") },
      { key: 'live', data: JSON.stringify({}), expires_at: h.app.db.raw("now() + interval '1 day'") },
    ]);
    const result = await runMaintenance(h.app);
    expect(result.expiredSessions).to.equal(1);
    expect((await h.app.db('http_sessions').select('key')).map((r) => r.key)).to.deep.equal(['live']);
  });
});
