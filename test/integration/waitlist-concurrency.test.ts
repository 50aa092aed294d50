import { expect } from 'chai';
import { SYSTEM, transitionBooking } from '../../src/app/bookings/transition-booking';
import { offsetClock } from '../../src/platform/clock';
import { aBookablePractitioner, aService, aUser, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { deleteRedisKeys, eventually, killSpawnedWorkers, spawnWorker, type SpawnedWorker } from '../support/workers';

const BOOKINGS = '/api/v1/drf/bookings/';
const SEATS = 3;
const QUEUED = 30;
const ROUNDS = 24;

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('Waitlist offers under cancels, lapsing holds and killed workers', function () {
  this.timeout(300_000);
  let h: Harness<ReturnType<typeof offsetClock>>;
  before(async () => {
    // The real clock: the spawned workers read it too.
    h = await startHarness({ clock: offsetClock() });
  });
  after(async () => {
    await killSpawnedWorkers();
    await deleteRedisKeys(h.config.redisUrl, h.config.queuePrefix);
    await h.close();
  });

  it(`when ${QUEUED} clients queue for a ${SEATS}-seat session and seats free at random while workers are SIGKILLed, then every seat ends with exactly one person, given in waitlist order`, async () => {
    const seed = Number(process.env.WAITLIST_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const { practitioner } = await aBookablePractitioner(h);
    const service = await aService(h, practitioner, { service_type: 'workshop', max_participants: SEATS, price_cents: 2500 });
    const start = new Date(Math.ceil((Date.now() + 5 * 86_400_000) / 3_600_000) * 3_600_000);
    const created = await h.http.post(`/api/v1/drf/services/${service.id}/sessions/`).set(practitioner.auth).send({ start_time: start.toISOString() });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const sessionId: number = created.body.id;
    const waitlist = `/api/v1/drf/services/${service.id}/sessions/${sessionId}/waitlist/`;

    const holders = await Promise.all(Array.from({ length: SEATS }, () => aUser(h)));
    for (const holder of holders) {
      const res = await h.http.post(BOOKINGS).set(holder.auth).send({ practitioner_id: practitioner.id, service_id: service.id, service_session_id: sessionId });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
    const queued: TestUser[] = [];
    for (let i = 0; i < QUEUED; i++) {
      const client = await aUser(h);
      const res = await h.http.post(waitlist).set(client.auth).send({});
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.position).to.equal(i + 1);
      queued.push(client);
    }
    const byId = new Map<number, TestUser>([...holders, ...queued].map((u) => [u.id, u]));

    const workers: SpawnedWorker[] = [await spawnWorker(h), await spawnWorker(h)];
    const figures = { seed, cancels: 0, expiries: 0, confirms: 0, kills: 0, refusedAsMoved: 0 };
    const began = Date.now();
    const activeBookings = () =>
      h.app.db('bookings').where({ service_session_id: sessionId }).whereIn('status', ['pending_payment', 'confirmed']).select('id', 'client_id', 'status');

    for (let round = 0; round < ROUNDS; round++) {
      const active = await activeBookings();
      const pick = active[Math.floor(random() * active.length)];
      const roll = random();
      if (pick && roll < 0.45) {
        const res = await h.http.post(`${BOOKINGS}${pick.id}/cancel/`).set(byId.get(Number(pick.client_id))!.auth).send({});
        if (res.status === 200) figures.cancels++;
        else figures.refusedAsMoved++;
      } else if (pick && roll < 0.8 && pick.status === 'pending_payment') {
        // The hold lapses: the same system move the expire-hold job makes.
        try {
          await transitionBooking(h.app, SYSTEM, pick.id, 'expire_hold', { expect: { status: ['pending_payment'] }, reason: 'payment_timeout' });
          figures.expiries++;
        } catch {
          figures.refusedAsMoved++;
        }
      } else if (pick && pick.status === 'pending_payment') {
        const res = await h.http.post(`${BOOKINGS}${pick.id}/confirm/`).set(practitioner.auth).send({});
        if (res.status === 200) figures.confirms++;
      }
      if (round % 4 === 1) {
        // SIGKILL one worker in the middle of whatever it is doing, start another.
        const victim = workers.splice(Math.floor(random() * workers.length), 1)[0]!;
        victim.kill('SIGKILL');
        await victim.exited;
        figures.kills++;
        workers.push(await spawnWorker(h));
      }
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 250)));
    }

    const freed = figures.cancels + figures.expiries;
    const expectedOffers = Math.min(freed, QUEUED);
    // Quiet: every freed seat was offered (or the queue ran out), and every offer job has finished.
    await eventually(
      async () => {
        const offered = await h.app.db('waitlist_entries').where({ service_session_id: sessionId, status: 'offered' }).count<{ n: string }[]>({ n: '*' }).first();
        expect(Number(offered!.n), 'offers made').to.equal(expectedOffers);
        const open = await h.app.db('outbox').where({ job_name: 'offer-waitlist-seats' }).whereNull('done_at').count<{ n: string }[]>({ n: '*' }).first();
        expect(Number(open!.n), 'offer jobs still to run').to.equal(0);
      },
      90_000,
      250,
    );

    const session = await h.app.db('service_sessions').where({ id: sessionId }).first();
    const active = await activeBookings();
    const entries: Array<{ id: number; client_id: number; status: string; offered_booking_id: number | null }> = await h.app
      .db('waitlist_entries')
      .where({ service_session_id: sessionId })
      .orderBy('id');
    const offers = entries.filter((e) => e.status === 'offered');
    const summary = { ...figures, freed, offers: offers.length, seconds: Math.round((Date.now() - began) / 1000), active: active.length, seats_taken: session.seats_taken };
    console.log(`      waitlist figures: ${JSON.stringify(summary)}`);

    // Every seat has exactly one person: no oversell, no empty seat while someone waits.
    expect(session.seats_taken).to.equal(SEATS);
    expect(active).to.have.length(SEATS);
    expect(new Set(active.map((b) => b.client_id)).size, 'one seat per person').to.equal(SEATS);
    // Offers went to the queue's head, in order: the offered entries are exactly the first ones.
    expect(offers.map((e) => e.id)).to.deep.equal(entries.slice(0, offers.length).map((e) => e.id));
    expect(entries.slice(offers.length).every((e) => e.status === 'waiting')).to.equal(true);
    const offerBookingIds = offers.map((e) => Number(e.offered_booking_id));
    expect(offerBookingIds, 'booked in queue order').to.deep.equal([...offerBookingIds].sort((a, b) => a - b));
    // Each offered person got exactly one booking, and nobody outside the queue got one from it.
    const all = await h.app.db('bookings').where({ service_session_id: sessionId }).select('id', 'client_id');
    const perClient = new Map<number, number>();
    for (const b of all) perClient.set(Number(b.client_id), (perClient.get(Number(b.client_id)) ?? 0) + 1);
    expect([...perClient.values()].every((n) => n === 1), 'one booking per person').to.equal(true);
    expect(all).to.have.length(SEATS + offers.length);
    for (const e of offers) expect(perClient.get(Number(e.client_id))).to.equal(1);
  });
});
