import { expect } from 'chai';
import { runMaintenance } from '../../src/app/maintenance';
import { aSchedule, aService, aUser, slot, type TestUser } from '../support/builders';
import { DEFAULT_NOW, startHarness, type Harness } from '../support/harness';
import { expectError } from '../support/lifecycle-fixtures';
import { applied, chargeRefunded, deliver, promoteDelayedJob, succeeded } from '../support/payments';
import { workerSuite, type QueueView } from '../support/worker-suite';
import { completedJob, eventually, outboxRowsOf } from '../support/workers';

const BOOKINGS = '/api/v1/drf/bookings/';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A bundle of 3 sessions + 1 bonus for 100.00, valid 30 days, spent on one 60-minute session service. */
const BUNDLE = { price_cents: 10_000, sessions_included: 3, bonus_sessions: 1, validity_days: 30 };

interface Shop {
  practitioner: TestUser;
  client: TestUser;
  /** The session service the bundle's credits buy (24 h cancellation notice). */
  session: { id: number; duration_minutes: number };
  /** A session service of the same practitioner the bundle does not name. */
  other: { id: number; duration_minutes: number };
  bundle: { id: number };
}

/** A fresh practitioner (open every day 08:00–20:00 UTC) selling a bundle, and a fresh client. */
async function aShop(h: Harness, bundleOverrides: Record<string, unknown> = {}): Promise<Shop> {
  const practitioner = await aUser(h, 'practitioner');
  await aSchedule(h, practitioner);
  const session = await aService(h, practitioner, { price_cents: 5000, cancellation_notice_hours: 24 });
  const other = await aService(h, practitioner, { price_cents: 5000 });
  const bundle = await aService(h, practitioner, { service_type: 'bundle', ...BUNDLE, bundle_service_ids: [session.id], ...bundleOverrides });
  const client = await aUser(h, 'client');
  return { practitioner, client, session, other, bundle };
}

/** A booking's detail as the API answers it (the fields these tests read). */
interface BookingBody {
  id: number;
  status: string;
  credits: { total: number; used: number; remaining: number; expires_at: string } | null;
  [field: string]: unknown;
}

const buyBundle = (h: Harness, who: TestUser, serviceId: number) => h.http.post(`${BOOKINGS}create-bundle/`).set(who.auth).send({ service_id: serviceId });

async function aBundleBooking(h: Harness, shop: Shop, who: TestUser = shop.client): Promise<BookingBody> {
  const res = await buyBundle(h, who, shop.bundle.id);
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body;
}

/** A bundle bought by the shop's client and confirmed offline by the practitioner. */
async function aConfirmedBundle(h: Harness, shop: Shop): Promise<BookingBody> {
  const bought = await aBundleBooking(h, shop);
  const res = await h.http.post(`${BOOKINGS}${bought.id}/confirm/`).set(shop.practitioner.auth).send({});
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return res.body;
}

/** POST bookings/ paying with the bundle, for the session service unless told. */
const redeem = (h: Harness, shop: Shop, bundleId: number, start: string | Date, extra: Record<string, unknown> = {}) =>
  h.http
    .post(BOOKINGS)
    .set(shop.client.auth)
    .send({ practitioner_id: shop.practitioner.id, service_id: shop.session.id, ...slot(start, shop.session.duration_minutes), bundle_booking_id: bundleId, ...extra });

async function aRedemption(h: Harness, shop: Shop, bundleId: number, start: string | Date): Promise<BookingBody> {
  const res = await redeem(h, shop, bundleId, start);
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body;
}

const detail = async (h: Harness, who: TestUser, id: number) => {
  const res = await h.http.get(`${BOOKINGS}${id}/`).set(who.auth);
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return res.body;
};

const cancel = (h: Harness, who: TestUser, id: number) => h.http.post(`${BOOKINGS}${id}/cancel/`).set(who.auth).send({});

/** The balance row and the ledger (kind, credits, booking) of a bundle, as stored. */
async function creditsOf(h: Harness, bundleId: number) {
  const balance = await h.app.db('bundle_credits').where({ bundle_booking_id: bundleId }).first();
  const ledger: Array<{ kind: string; credits: number; booking_id: number | null }> = await h.app
    .db('credit_ledger')
    .where({ bundle_booking_id: bundleId })
    .orderBy('id')
    .select('kind', 'credits', 'booking_id');
  // The balance row and the ledger never disagree.
  if (balance) expect(ledger.reduce((sum, l) => sum + l.credits, 0), 'ledger sum = remaining').to.equal(balance.remaining);
  return { balance, ledger, kinds: ledger.map((l) => l.kind) };
}

/** Row counts of everything a redemption or a purchase writes: equal counts mean nothing was written. */
async function counts(h: Harness): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const table of ['bookings', 'credit_ledger', 'bundle_credits', 'booking_status_history', 'booking_components', 'outbox']) {
    result[table] = Number((await h.app.db(table).count({ n: '*' }).first())!.n);
  }
  return result;
}

/** Sends a request that must be refused with `status`/`code`, and checks that nothing was written. */
async function expectRefusedAndNothingWritten(h: Harness, send: () => Promise<{ status: number; body: { detail?: unknown; code?: unknown } }>, status: number, code: string): Promise<void> {
  const before = await counts(h);
  const res = await send();
  expectError(res, status, code);
  expect(await counts(h)).to.deep.equal(before);
}

/** The 20 one-hour slots 10:00–19:00 UTC of 2030-01-10 and 2030-01-11. */
const twentySlots = (): string[] => Array.from({ length: 20 }, (_, i) => `2030-01-${10 + Math.floor(i / 10)}T${String(10 + (i % 10)).padStart(2, '0')}:00:00Z`);

describe('bundles (HTTP)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  describe('buying and confirming', () => {
    it('when a paid bundle is bought, then 201 pending_payment with a hold, no times and no credits yet', async () => {
      const shop = await aShop(h);
      const bought = await aBundleBooking(h, shop);
      expect(bought).to.include({ booking_type: 'bundle', status: 'pending_payment', payment_status: 'unpaid', price_charged_cents: 10_000, start_time: null, end_time: null, credits: null });
      expect((await creditsOf(h, bought.id)).balance).to.equal(undefined);
      const row = await h.app.db('bookings').where({ id: bought.id }).first();
      expect(row.hold_expires_at.getTime()).to.equal(DEFAULT_NOW.getTime() + h.config.paymentHoldMinutes * 60_000);
    });

    it('when the underscore form create_bundle is used, then it buys the bundle too', async () => {
      const shop = await aShop(h);
      const res = await h.http.post(`${BOOKINGS}create_bundle/`).set(shop.client.auth).send({ service_id: shop.bundle.id });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ booking_type: 'bundle', status: 'pending_payment' });
    });

    it('when the practitioner confirms it (offline payment), then it grants sessions + bonus credits expiring validity_days later', async () => {
      const shop = await aShop(h);
      const confirmed = await aConfirmedBundle(h, shop);
      expect(confirmed).to.include({ status: 'confirmed', payment_status: 'paid' });
      const expiresAt = new Date(DEFAULT_NOW.getTime() + 30 * DAY).toISOString();
      expect(confirmed.credits).to.deep.include({ total: 4, used: 0, remaining: 4, expires_at: expiresAt });
      expect((await detail(h, shop.client, confirmed.id)).credits).to.deep.include({ total: 4, used: 0, remaining: 4, expires_at: expiresAt });
      const { balance, ledger } = await creditsOf(h, confirmed.id);
      expect(balance).to.include({ granted: 4, remaining: 4, expired_at: null });
      expect(ledger).to.deep.equal([{ kind: 'grant', credits: 4, booking_id: null }]);
      const expiry = (await outboxRowsOf(h, confirmed.id)).filter((r) => r.job_name === 'expire-credits');
      expect(expiry, 'one expiry job').to.have.length(1);
      expect(expiry[0]!.run_at!.toISOString()).to.equal(expiresAt);
    });

    it('when anything tries to take the balance below 0, then the database refuses', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      let refused: unknown;
      await h.app.db('bundle_credits').where({ bundle_booking_id: bundle.id }).update({ remaining: -1 }).catch((error: unknown) => (refused = error));
      expect(refused, 'a check violation').to.have.property('constraint', 'bundle_credits_balance');
      expect((await creditsOf(h, bundle.id)).balance.remaining).to.equal(4);
    });

    it('when a free bundle is bought, then it is confirmed with its credits at once', async () => {
      const shop = await aShop(h, { price_cents: 0 });
      const bought = await aBundleBooking(h, shop);
      expect(bought).to.include({ status: 'confirmed', payment_status: 'not_required' });
      expect(bought.credits).to.deep.include({ total: 4, used: 0, remaining: 4 });
      expect((await creditsOf(h, bought.id)).kinds).to.deep.equal(['grant']);
    });
  });

  it('when bookings are listed with booking_type=bundle, then only bundles come back, and a redeemed booking names its bundle', async () => {
    const shop = await aShop(h);
    const bundle = await aConfirmedBundle(h, shop);
    const booking = await aRedemption(h, shop, bundle.id, '2030-01-10T10:00:00Z');
    const bundles = await h.http.get(`${BOOKINGS}?booking_type=bundle`).set(shop.client.auth);
    expect(bundles.status, JSON.stringify(bundles.body)).to.equal(200);
    expect(bundles.body.results.map((b: { id: number }) => b.id)).to.deep.equal([bundle.id]);
    const all = await h.http.get(BOOKINGS).set(shop.client.auth);
    expect(all.body.results.find((b: { id: number }) => b.id === booking.id)).to.include({ bundle_booking_id: bundle.id });
  });

  describe('terms as sold', () => {
    it('when the practitioner edits the bundle after selling it, then the sold bundle keeps its credits, services and refund', async () => {
      const shop = await aShop(h);
      const bought = await aBundleBooking(h, shop);
      const edit = await h.http
        .patch(`/api/v1/drf/services/${shop.bundle.id}/`)
        .set(shop.practitioner.auth)
        .send({ sessions_included: 10, bonus_sessions: 0, bundle_service_ids: [shop.other.id] });
      expect(edit.status, JSON.stringify(edit.body)).to.equal(200);
      const confirmed = await h.http.post(`${BOOKINGS}${bought.id}/confirm/`).set(shop.practitioner.auth).send({});
      expect(confirmed.body.credits).to.include({ total: 4, used: 0, remaining: 4 });
      expect((await redeem(h, shop, bought.id, '2030-01-09T10:00:00Z')).status).to.equal(201);
      const other = await redeem(h, shop, bought.id, '2030-01-09T12:00:00Z', { service_id: shop.other.id });
      expect(other.status).to.equal(400);
      expect(other.body.code).to.equal('service_not_in_bundle');
      // 3 left of 3 + 1: price × (3 − 1) / 3, rounded down.
      const canceled = await cancel(h, shop.client, bought.id);
      expect(canceled.body.refund_due_cents).to.equal(6666);
    });
  });

  describe('redeeming', () => {
    it('when a credit pays for a session, then it is priced 0, confirmed, not_required, and one credit is taken', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      const booking = await aRedemption(h, shop, bundle.id, '2030-01-10T10:00:00Z');
      expect(booking).to.include({ status: 'confirmed', payment_status: 'not_required', price_charged_cents: 0, bundle_booking_id: bundle.id, booking_type: 'individual' });
      expect((await h.app.db('bookings').where({ id: booking.id }).first()).hold_expires_at).to.equal(null);
      expect((await detail(h, shop.client, bundle.id)).credits).to.deep.include({ total: 4, used: 1, remaining: 3 });
      const { balance, ledger } = await creditsOf(h, bundle.id);
      expect(balance.remaining).to.equal(3);
      expect(ledger.at(-1)).to.deep.equal({ kind: 'redeem', credits: -1, booking_id: booking.id });
    });

    it('when 20 redemptions of a 3-credit bundle race for 20 free slots, then exactly 3 × 201 and 17 × 409 no_credits_left, and the ledger agrees', async () => {
      const shop = await aShop(h, { sessions_included: 2, bonus_sessions: 1 });
      const bundle = await aConfirmedBundle(h, shop);
      expect(bundle.credits?.total).to.equal(3);
      const results = await Promise.all(twentySlots().map((start) => redeem(h, shop, bundle.id, start)));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201), JSON.stringify(results.map((r) => r.body))).to.have.length(3);
      expect(statuses.filter((s) => s === 409)).to.have.length(17);
      for (const refused of results.filter((r) => r.status === 409)) expect(refused.body.code).to.equal('no_credits_left');

      const made = results.filter((r) => r.status === 201).map((r) => r.body.id as number);
      const { balance, ledger } = await creditsOf(h, bundle.id);
      expect(balance.remaining).to.equal(0);
      const redeemed = ledger.filter((l) => l.kind === 'redeem');
      expect(redeemed).to.have.length(3);
      expect(redeemed.map((l) => l.booking_id).sort()).to.deep.equal([...made].sort());
      expect(await h.app.db('bookings').where({ bundle_booking_id: bundle.id }).pluck('id')).to.have.members(made);
      expect((await detail(h, shop.client, bundle.id)).credits).to.deep.include({ total: 3, used: 3, remaining: 0 });
    });

    it('when the slot is taken (409 slot_unavailable), then no credit is taken and nothing is written', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      await aRedemption(h, shop, bundle.id, '2030-01-10T10:00:00Z');
      await expectRefusedAndNothingWritten(h, () => redeem(h, shop, bundle.id, '2030-01-10T10:30:00Z'), 409, 'slot_unavailable');
      const { balance, kinds } = await creditsOf(h, bundle.id);
      expect(balance.remaining).to.equal(3);
      expect(kinds).to.deep.equal(['grant', 'redeem']);
    });
  });

  describe('canceling a redeemed booking', () => {
    it('when the client cancels outside the notice, then the credit comes back (a return row), once', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      const booking = await aRedemption(h, shop, bundle.id, '2030-01-10T10:00:00Z');
      const res = await cancel(h, shop.client, booking.id);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ status: 'canceled', refund_due_cents: 0 });
      let { balance, ledger } = await creditsOf(h, bundle.id);
      expect(balance.remaining).to.equal(4);
      expect(ledger.at(-1)).to.deep.equal({ kind: 'return', credits: 1, booking_id: booking.id });
      expect((await detail(h, shop.client, bundle.id)).credits).to.deep.include({ used: 0, remaining: 4 });

      // A second cancel, by either party, is refused and returns nothing again.
      expectError(await cancel(h, shop.client, booking.id), 409, 'invalid_transition');
      expectError(await cancel(h, shop.practitioner, booking.id), 409, 'invalid_transition');
      ({ balance, ledger } = await creditsOf(h, bundle.id));
      expect(balance.remaining).to.equal(4);
      expect(ledger.filter((l) => l.kind === 'return')).to.have.length(1);
    });

    it('when the client cancels inside the notice, then the credit is forfeited', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      // Now is 08:00; the session starts at 12:00, inside its 24 h notice.
      const booking = await aRedemption(h, shop, bundle.id, '2030-01-07T12:00:00Z');
      const res = await cancel(h, shop.client, booking.id);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const { balance, kinds } = await creditsOf(h, bundle.id);
      expect(balance.remaining).to.equal(3);
      expect(kinds).to.deep.equal(['grant', 'redeem']);
      expect((await detail(h, shop.client, bundle.id)).credits).to.deep.include({ used: 1, remaining: 3 });
    });

    it('when the client cancels exactly at the notice, then the credit comes back', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      const booking = await aRedemption(h, shop, bundle.id, new Date(DEFAULT_NOW.getTime() + 24 * HOUR));
      expect((await cancel(h, shop.client, booking.id)).status).to.equal(200);
      expect((await creditsOf(h, bundle.id)).kinds).to.deep.equal(['grant', 'redeem', 'return']);
    });

    it('when the practitioner cancels, even inside the notice, then the credit comes back', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      const booking = await aRedemption(h, shop, bundle.id, '2030-01-07T12:00:00Z');
      const res = await cancel(h, shop.practitioner, booking.id);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const { balance, kinds } = await creditsOf(h, bundle.id);
      expect(balance.remaining).to.equal(4);
      expect(kinds).to.deep.equal(['grant', 'redeem', 'return']);
    });
  });

  describe('canceling the bundle', () => {
    it('when 2 of 3 + 1 credits were spent, then refund = price × (2 − 1) / 3 rounded down, and the rest expire', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      await aRedemption(h, shop, bundle.id, '2030-01-10T10:00:00Z');
      await aRedemption(h, shop, bundle.id, '2030-01-10T12:00:00Z');
      const res = await cancel(h, shop.client, bundle.id);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ status: 'canceled', refund_due_cents: 3333 });
      const { balance, ledger } = await creditsOf(h, bundle.id);
      expect(balance.remaining).to.equal(0);
      expect(balance.expired_at).to.be.instanceOf(Date);
      expect(ledger.at(-1)).to.deep.equal({ kind: 'expire', credits: -2, booking_id: null });
      expect((await outboxRowsOf(h, bundle.id)).filter((r) => r.job_name === 'refund'), 'a refund job').to.have.length(1);
      expect(res.body.credits).to.deep.include({ total: 4, used: 2, remaining: 0 });
    });

    it('when no credit was spent, then the refund is full', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      const res = await cancel(h, shop.client, bundle.id);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.refund_due_cents).to.equal(10_000);
    });

    it('when only bonus credits are left, then nothing is refunded', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      for (const hour of [10, 12, 14]) await aRedemption(h, shop, bundle.id, `2030-01-10T${hour}:00:00Z`);
      const res = await cancel(h, shop.practitioner, bundle.id);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.refund_due_cents).to.equal(0);
      expect((await creditsOf(h, bundle.id)).ledger.at(-1)).to.deep.equal({ kind: 'expire', credits: -1, booking_id: null });
    });

    it('when a redeemed booking is canceled after its bundle was, then its credit does not come back', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      const booking = await aRedemption(h, shop, bundle.id, '2030-01-10T10:00:00Z');
      expect((await cancel(h, shop.client, bundle.id)).status).to.equal(200);
      expect((await cancel(h, shop.client, booking.id)).status).to.equal(200);
      const { balance, kinds } = await creditsOf(h, bundle.id);
      expect(balance.remaining).to.equal(0);
      expect(kinds).to.deep.equal(['grant', 'redeem', 'expire']);
    });

    it('when a redemption uses a canceled bundle, then 409 bundle_not_confirmed and nothing is written', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      expect((await cancel(h, shop.client, bundle.id)).status).to.equal(200);
      await expectRefusedAndNothingWritten(h, () => redeem(h, shop, bundle.id, '2030-01-10T10:00:00Z'), 409, 'bundle_not_confirmed');
    });
  });

  describe('races', () => {
    it('when both parties cancel one redeemed booking at once, then one cancel wins and the credit comes back once', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      const booking = await aRedemption(h, shop, bundle.id, '2030-01-10T10:00:00Z');
      const results = await Promise.all([cancel(h, shop.client, booking.id), cancel(h, shop.practitioner, booking.id)]);
      expect(results.map((r) => r.status).sort(), JSON.stringify(results.map((r) => r.body))).to.deep.equal([200, 409]);
      const { balance, kinds } = await creditsOf(h, bundle.id);
      expect(balance.remaining).to.equal(4);
      expect(kinds).to.deep.equal(['grant', 'redeem', 'return']);
    });

    it('when the bundle and its redeemed bookings are canceled at once, then the refund matches the credits that expired', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      const bookings = [];
      for (const hour of [10, 12, 14]) bookings.push(await aRedemption(h, shop, bundle.id, `2030-01-10T${hour}:00:00Z`));
      const [bundleCancel, ...others] = await Promise.all([cancel(h, shop.client, bundle.id), ...bookings.map((b) => cancel(h, shop.client, b.id))]);
      for (const res of [bundleCancel!, ...others]) expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const { balance, ledger } = await creditsOf(h, bundle.id);
      expect(balance.remaining).to.equal(0);
      const expired = -ledger.filter((l) => l.kind === 'expire').reduce((sum, l) => sum + l.credits, 0);
      const returned = ledger.filter((l) => l.kind === 'return').length;
      expect(expired, 'what was left at the cancel: the unspent credit and those returned before it').to.equal(1 + returned);
      expect(bundleCancel!.body.refund_due_cents).to.equal(Math.floor((10_000 * Math.max(0, expired - 1)) / 3));
    });

    it('when redemptions race with the bundle cancel, then each credit is either spent by a 201 or expired by the cancel', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      const [bundleCancel, ...redemptions] = await Promise.all([cancel(h, shop.client, bundle.id), ...twentySlots().slice(0, 6).map((start) => redeem(h, shop, bundle.id, start))]);
      expect(bundleCancel!.status, JSON.stringify(bundleCancel!.body)).to.equal(200);
      const made = redemptions.filter((r) => r.status === 201);
      for (const refused of redemptions.filter((r) => r.status !== 201)) {
        expect(refused.status, JSON.stringify(refused.body)).to.equal(409);
        expect(refused.body.code).to.be.oneOf(['bundle_not_confirmed', 'bundle_expired', 'no_credits_left']);
      }
      const { balance, ledger } = await creditsOf(h, bundle.id);
      expect(balance.remaining).to.equal(0);
      expect(ledger.filter((l) => l.kind === 'redeem')).to.have.length(made.length);
      const expired = -ledger.filter((l) => l.kind === 'expire').reduce((sum, l) => sum + l.credits, 0);
      expect(made.length + expired).to.equal(4);
      expect(await h.app.db('bookings').where({ bundle_booking_id: bundle.id }).pluck('id')).to.have.members(made.map((r) => r.body.id));
    });
  });

  describe('bad input: a documented 4xx and nothing written', () => {
    it("when bundle_booking_id is another client's bundle, then 404", async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      const stranger = await aUser(h, 'client');
      await expectRefusedAndNothingWritten(
        h,
        () => redeem(h, { ...shop, client: stranger }, bundle.id, '2030-01-10T10:00:00Z'),
        404,
        'not_found',
      );
    });

    it('when the bundle is not confirmed (pending_payment), then 409 bundle_not_confirmed', async () => {
      const shop = await aShop(h);
      const bundle = await aBundleBooking(h, shop);
      await expectRefusedAndNothingWritten(h, () => redeem(h, shop, bundle.id, '2030-01-10T10:00:00Z'), 409, 'bundle_not_confirmed');
    });

    it('when the service is not one the bundle names, then 400 service_not_in_bundle', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      await expectRefusedAndNothingWritten(h, () => redeem(h, shop, bundle.id, '2030-01-10T10:00:00Z', { service_id: shop.other.id }), 400, 'service_not_in_bundle');
    });

    it("when bundle_booking_id names one of the caller's bookings that is not a bundle, then 404", async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      const plain = await aRedemption(h, shop, bundle.id, '2030-01-10T10:00:00Z');
      await expectRefusedAndNothingWritten(h, () => redeem(h, shop, plain.id, '2030-01-10T12:00:00Z'), 404, 'not_found');
    });

    it('when bundle_booking_id does not exist, then 404', async () => {
      const shop = await aShop(h);
      await expectRefusedAndNothingWritten(h, () => redeem(h, shop, 987_654_321, '2030-01-10T10:00:00Z'), 404, 'not_found');
    });

    it('when draft: true comes with bundle_booking_id, then 400', async () => {
      const shop = await aShop(h);
      const bundle = await aConfirmedBundle(h, shop);
      await expectRefusedAndNothingWritten(h, () => redeem(h, shop, bundle.id, '2030-01-10T10:00:00Z', { draft: true }), 400, 'invalid');
      expect((await creditsOf(h, bundle.id)).balance.remaining).to.equal(4);
    });

    it('when create-bundle names a session service, then 400 wrong_service_type', async () => {
      const shop = await aShop(h);
      await expectRefusedAndNothingWritten(h, () => buyBundle(h, shop.client, shop.session.id), 400, 'wrong_service_type');
    });

    it('when create-bundle names an inactive bundle, then 400 service_inactive', async () => {
      const shop = await aShop(h, { is_active: false });
      await expectRefusedAndNothingWritten(h, () => buyBundle(h, shop.client, shop.bundle.id), 400, 'service_inactive');
    });

    it('when create-bundle names no service that exists, then 400 does_not_exist', async () => {
      const shop = await aShop(h);
      await expectRefusedAndNothingWritten(h, () => buyBundle(h, shop.client, 987_654_321), 400, 'does_not_exist');
    });

    it('when the practitioner buys their own bundle, then 400 self_booking', async () => {
      const shop = await aShop(h);
      await expectRefusedAndNothingWritten(h, () => buyBundle(h, shop.practitioner, shop.bundle.id), 400, 'self_booking');
    });
  });
});

describe('bundles: expiry by the reconciler (runMaintenance, fixed clock moved forward)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('when the expiry passes, then the remaining credits expire, the bundle completes, and a redemption is 409 bundle_expired', async () => {
    const shop = await aShop(h, { validity_days: 1 });
    const bundle = await aConfirmedBundle(h, shop);
    await aRedemption(h, shop, bundle.id, '2030-01-07T12:00:00Z');

    h.clock.set(new Date(DEFAULT_NOW.getTime() + DAY - 1));
    expect((await runMaintenance(h.app)).expiredBundles, 'nothing before the expiry').to.equal(0);
    expect((await creditsOf(h, bundle.id)).balance.remaining).to.equal(3);

    h.clock.set(new Date(DEFAULT_NOW.getTime() + DAY));
    expect((await runMaintenance(h.app)).expiredBundles).to.equal(1);
    const { balance, ledger } = await creditsOf(h, bundle.id);
    expect(balance.remaining).to.equal(0);
    expect(ledger.at(-1)).to.deep.equal({ kind: 'expire', credits: -3, booking_id: null });
    const after = await detail(h, shop.client, bundle.id);
    expect(after.status).to.equal('completed');
    expect(after.credits).to.deep.include({ total: 4, used: 1, remaining: 0 });
    expect((await runMaintenance(h.app)).expiredBundles, 'once').to.equal(0);

    await expectRefusedAndNothingWritten(h, () => redeem(h, shop, bundle.id, '2030-01-10T10:00:00Z'), 409, 'bundle_expired');
  });

  it('when every credit was spent before the expiry, then the bundle completes and the ledger gets no empty expire row', async () => {
    const shop = await aShop(h, { validity_days: 1, sessions_included: 1, bonus_sessions: 0 });
    const bundle = await aConfirmedBundle(h, shop);
    await aRedemption(h, shop, bundle.id, '2030-01-07T12:00:00Z');
    h.clock.set(new Date(DEFAULT_NOW.getTime() + DAY));
    expect((await runMaintenance(h.app)).expiredBundles).to.equal(1);
    const { balance, kinds } = await creditsOf(h, bundle.id);
    expect(balance.expired_at).to.be.instanceOf(Date);
    expect(kinds).to.deep.equal(['grant', 'redeem']);
    expect((await detail(h, shop.client, bundle.id)).status).to.equal('completed');
  });

  it('when the expiry has passed but nothing expired the credits yet, then a redemption is 409 bundle_expired and nothing is written', async () => {
    const shop = await aShop(h, { validity_days: 1 });
    const bundle = await aConfirmedBundle(h, shop);
    h.clock.set(new Date(DEFAULT_NOW.getTime() + DAY));
    await expectRefusedAndNothingWritten(h, () => redeem(h, shop, bundle.id, '2030-01-10T10:00:00Z'), 409, 'bundle_expired');
  });

  it('when a redeemed booking is canceled early after its bundle expired, then no credit comes back', async () => {
    const shop = await aShop(h, { validity_days: 1 });
    const bundle = await aConfirmedBundle(h, shop);
    const booking = await aRedemption(h, shop, bundle.id, '2030-01-20T10:00:00Z');
    h.clock.set(new Date(DEFAULT_NOW.getTime() + DAY));
    await runMaintenance(h.app);
    expect((await cancel(h, shop.client, booking.id)).status).to.equal(200);
    const { balance, kinds } = await creditsOf(h, bundle.id);
    expect(balance.remaining).to.equal(0);
    expect(kinds).to.deep.equal(['grant', 'redeem', 'expire']);
  });
});

describe('bundles: real workers (payment webhook, expire-credits job)', () => {
  // The reconciler runs once at start and not again: the expiry must come from the expire-credits job.
  const suite = workerSuite({ env: { RECONCILE_EVERY_MS: '3600000' }, workersForFile: {} });
  let h: Harness;
  let view: QueueView;
  before(() => ({ h, view } = suite));

  it('when the payment webhook confirms a bundle, then its credits are granted', async () => {
    const shop = await aShop(h);
    const bought = await aBundleBooking(h, shop);
    const event = succeeded(bought.id, BUNDLE.price_cents);
    await deliver(h, event);
    await applied(h, event.id);
    const after = await detail(h, shop.client, bought.id);
    expect(after).to.include({ status: 'confirmed', payment_status: 'paid' });
    expect(after.credits).to.deep.include({ total: 4, used: 0, remaining: 4, expires_at: new Date(h.clock.now().getTime() + 30 * DAY).toISOString() });
    expect((await creditsOf(h, bought.id)).kinds).to.deep.equal(['grant']);
  });

  it('when part of a bundle\'s payment went back (charge.refunded) and it is then canceled, then the refund due is the grant less what already went back', async () => {
    const shop = await aShop(h);
    const bought = await aBundleBooking(h, shop);
    const paid = succeeded(bought.id, BUNDLE.price_cents);
    await deliver(h, paid);
    await applied(h, paid.id);
    const partial = chargeRefunded(bought.id, BUNDLE.price_cents, 2000);
    await deliver(h, partial);
    await applied(h, partial.id);
    expect((await detail(h, shop.client, bought.id)).payment_status).to.equal('partially_refunded');
    // 4 credits left of 3 + 1: the grant is price × (4 − 1) / 3 = 10000; 2000 already went back.
    const canceled = await cancel(h, shop.practitioner, bought.id);
    expect(canceled.status, JSON.stringify(canceled.body)).to.equal(200);
    expect(canceled.body.refund_due_cents).to.equal(8000);
  });

  it('when the payment event is delivered twice and the practitioner also confirms, then the credits are granted once', async () => {
    const shop = await aShop(h);
    const bought = await aBundleBooking(h, shop);
    const event = succeeded(bought.id, BUNDLE.price_cents);
    const again = { ...event, id: `${event.id}_again` };
    const [, , offline] = await Promise.all([deliver(h, event), deliver(h, again), h.http.post(`${BOOKINGS}${bought.id}/confirm/`).set(shop.practitioner.auth).send({})]);
    expect(offline.status, JSON.stringify(offline.body)).to.be.oneOf([200, 409]);
    await applied(h, event.id);
    await applied(h, again.id);
    const { balance, kinds } = await creditsOf(h, bought.id);
    expect(balance).to.include({ granted: 4, remaining: 4 });
    expect(kinds).to.deep.equal(['grant']);
    expect((await outboxRowsOf(h, bought.id)).filter((r) => r.job_name === 'expire-credits'), 'one expiry job').to.have.length(1);
  });

  it('when the expire-credits job runs early it waits; at its time it expires the remaining credits and completes the bundle', async () => {
    h.clock.set(DEFAULT_NOW);
    const shop = await aShop(h, { validity_days: 1 });
    const bundle = await aConfirmedBundle(h, shop);
    await aRedemption(h, shop, bundle.id, '2030-01-07T12:00:00Z');
    const row = (await outboxRowsOf(h, bundle.id)).find((r) => r.job_name === 'expire-credits')!;
    expect(row.run_at!.getTime()).to.equal(DEFAULT_NOW.getTime() + DAY);

    // Run before its time (by the app's clock): the job goes back to waiting and changes nothing.
    await promoteDelayedJob(h, 'expansion', 'expire-credits', bundle.id);
    await eventually(async () => expect((await view.queues.expansion.getDelayed()).some((j) => j.data.bookingId === bundle.id && j.attemptsMade === 0)).to.equal(true));
    expect((await creditsOf(h, bundle.id)).balance.remaining).to.equal(3);

    h.clock.set(new Date(DEFAULT_NOW.getTime() + DAY));
    await promoteDelayedJob(h, 'expansion', 'expire-credits', bundle.id);
    const job = await completedJob(view, row);
    expect(job.returnvalue).to.deep.equal({ outcome: 'expired', credits: 3 });
    const { balance, ledger } = await creditsOf(h, bundle.id);
    expect(balance.remaining).to.equal(0);
    expect(ledger.at(-1)).to.deep.equal({ kind: 'expire', credits: -3, booking_id: null });
    const after = await detail(h, shop.client, bundle.id);
    expect(after.status).to.equal('completed');
    expectError(await redeem(h, shop, bundle.id, '2030-01-10T10:00:00Z'), 409, 'bundle_expired');
  });
});
