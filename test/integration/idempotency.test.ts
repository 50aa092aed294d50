import { expect } from 'chai';
import { runMaintenance } from '../../src/app/maintenance';
import { aUser, slot } from '../support/builders';
import { DEFAULT_NOW } from '../support/harness';
import { BOOKINGS, HOUR, act, aConfirmedBooking, expectError, lifecycleSuite } from '../support/lifecycle-fixtures';

const KEY = 'Idempotency-Key';
const REPLAYED = 'idempotent-replayed';
let serial = 0;
const aKey = () => `key-${Date.now()}-${(serial += 1)}`;

describe('Idempotency-Key on POST (docs/retries-and-concurrency.md)', () => {
  const suite = lifecycleSuite();
  const start = (hours: number) => new Date(DEFAULT_NOW.getTime() + hours * HOUR).toISOString();
  const bookingCount = (clientId: number) => suite.h.app.db('bookings').where({ client_id: clientId }).count<{ n: string }[]>({ n: '*' }).then(([r]) => Number(r!.n));

  it('when 20 identical creates carry one key at once, then exactly one booking exists and every answer is the original 201 (replayed, with the header) or 409 idempotency_key_in_use', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const body = { practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot(start(24 + 2)) };
    const key = aKey();
    const answers = await Promise.all(Array.from({ length: 20 }, () => h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send(body)));

    expect(await bookingCount(cast.client.id)).to.equal(1);
    const originals = answers.filter((r) => r.status === 201 && r.headers[REPLAYED] === undefined);
    expect(originals, 'one request ran').to.have.length(1);
    const original = originals[0]!;
    for (const res of answers) {
      if (res === original) continue;
      if (res.status === 409) expectError(res, 409, 'idempotency_key_in_use');
      else {
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.headers[REPLAYED]).to.equal('true');
        expect(res.body).to.deep.equal(original.body);
        expect(res.headers.location).to.equal(original.headers.location);
      }
    }
    // Once the first has answered, every retry is the replay.
    const again = await h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send(body);
    expect(again.status).to.equal(201);
    expect(again.headers[REPLAYED]).to.equal('true');
    expect(again.body).to.deep.equal(original.body);
    expect(await bookingCount(cast.client.id)).to.equal(1);
  });

  it('when the same key comes with another body, then 422 idempotency_key_reused and nothing is created', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const key = aKey();
    const first = await h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send({ practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot(start(24 + 4)) });
    expect(first.status).to.equal(201);
    const other = await h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send({ practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot(start(24 + 6)) });
    expectError(other, 422, 'idempotency_key_reused');
    // Another path with the same key is another request too.
    expectError(await act(h, cast.client, first.body.id, 'cancel').set(KEY, key), 422, 'idempotency_key_reused');
    expect(await bookingCount(cast.client.id)).to.equal(1);
  });

  it('when the first answer was a 4xx, then a retry with the key gets the same 4xx replayed', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const key = aKey();
    const body = { practitioner_id: cast.practitioner.id, service_id: 999_999, ...slot(start(24 + 8)) };
    const first = await h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send(body);
    expect(first.status).to.be.within(400, 499);
    const again = await h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send(body);
    expect(again.status).to.equal(first.status);
    expect(again.body).to.deep.equal(first.body);
    expect(again.headers[REPLAYED]).to.equal('true');
  });

  it('when user B sends the key user A used, then B gets B\'s own result, never A\'s', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const other = await aUser(h, 'client');
    const key = aKey();
    const body = { practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot(start(48 + 2)) };
    const a = await h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send(body);
    expect(a.status).to.equal(201);
    const b = await h.http.post(`${BOOKINGS}/`).set(other.auth).set(KEY, key).send({ ...body, ...slot(start(48 + 4)) });
    expect(b.status, JSON.stringify(b.body)).to.equal(201);
    expect(b.headers[REPLAYED]).to.equal(undefined);
    expect(b.body.id).to.not.equal(a.body.id);
    expect(b.body.client.id ?? b.body.client_id).to.not.equal(cast.client.id);
  });

  it('when an action is retried with its key, then it runs once and the retry is the replay of its answer', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const booking = await aConfirmedBooking(h, cast, start(48 + 6));
    const key = aKey();
    const first = await act(h, cast.client, booking.id, 'cancel').set(KEY, key).send({ reason: 'ill' });
    expect(first.status).to.equal(200);
    const again = await act(h, cast.client, booking.id, 'cancel').set(KEY, key).send({ reason: 'ill' });
    expect(again.status, 'not a 409 invalid_transition: the cancel is not run again').to.equal(200);
    expect(again.headers[REPLAYED]).to.equal('true');
    expect(again.body).to.deep.equal(first.body);
    expect(again.headers.etag).to.equal(first.headers.etag);
  });

  it('when the first attempt fails on our side (5xx), then the key is released and a retry runs the request', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const booking = await aConfirmedBooking(h, cast, start(48 + 8));
    const key = aKey();
    const lockFamily = h.app.bookings.lockFamily;
    h.app.bookings.lockFamily = async () => {
      throw new Error('database went away');
    };
    try {
      const failed = await act(h, cast.client, booking.id, 'cancel').set(KEY, key);
      expect(failed.status).to.equal(500);
    } finally {
      h.app.bookings.lockFamily = lockFamily;
    }
    const retry = await act(h, cast.client, booking.id, 'cancel').set(KEY, key);
    expect(retry.status).to.equal(200);
    expect(retry.headers[REPLAYED]).to.equal(undefined);
    expect(retry.body.status).to.equal('canceled');
  });

  it('when a claim was left unanswered by a process that died, then after five minutes a retry of the same request takes it over', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const key = aKey();
    const body = { practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot(start(72 + 2)) };
    const first = await h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send(body);
    expect(first.status).to.equal(201);
    // As if the process had died before storing the answer (and before the booking was written: the time is freed).
    await h.app.db('idempotency_keys').where({ key }).update({ response_status: null, response_body: null });
    expect((await act(h, cast.client, first.body.id, 'cancel')).status).to.equal(200);
    expectError(await h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send(body), 409, 'idempotency_key_in_use');
    h.clock.set(new Date(DEFAULT_NOW.getTime() + 6 * 60_000));
    const retry = await h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send(body);
    expect(retry.status, JSON.stringify(retry.body)).to.equal(201);
    expect(retry.headers[REPLAYED]).to.equal(undefined);
  });

  it('when an anonymous caller retries POST auth/token/ with a key, then the same token comes back replayed, and the stored body is sealed', async () => {
    const { h } = suite;
    const user = await aUser(h, 'client');
    const key = aKey();
    const first = await h.http.post('/api/v1/auth/token/').set(KEY, key).send({ email: user.email, password: 'password123' });
    expect(first.status).to.equal(200);
    const again = await h.http.post('/api/v1/auth/token/').set(KEY, key).send({ email: user.email, password: 'password123' });
    expect(again.status).to.equal(200);
    expect(again.headers[REPLAYED]).to.equal('true');
    expect(again.body.token).to.equal(first.body.token);
    const row = await h.app.db('idempotency_keys').where({ key }).first('owner', 'response_body');
    expect(row.owner).to.match(/^ip:/);
    expect(row.response_body).to.not.include(first.body.token);
  });

  it('when keys are older than 24 hours, then the maintenance sweep purges them and the key may be used afresh', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const key = aKey();
    const body = { practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot(start(72 + 4)) };
    expect((await h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send(body)).status).to.equal(201);
    h.clock.set(new Date(DEFAULT_NOW.getTime() + 23 * HOUR));
    expect((await runMaintenance(h.app)).purgedIdempotencyKeys).to.equal(0);
    h.clock.set(new Date(DEFAULT_NOW.getTime() + 25 * HOUR));
    expect((await runMaintenance(h.app)).purgedIdempotencyKeys).to.be.at.least(1);
    expect(await h.app.db('idempotency_keys').where({ key }).first()).to.equal(undefined);
  });

  describe('bad keys (each a 400 with detail and code)', () => {
    for (const [what, value] of [
      ['300 characters', 'k'.repeat(300)],
      ['empty', ''],
      ['blank', '   '],
    ] as const) {
      it(`when the Idempotency-Key is ${what}, then 400 invalid_idempotency_key and nothing is created`, async () => {
        const { h } = suite;
        const cast = await suite.newCast();
        const res = await h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, value).send({ practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot(start(72 + 6)) });
        expectError(res, 400, 'invalid_idempotency_key');
        expect(res.body.errors).to.have.property(KEY);
        expect(await bookingCount(cast.client.id)).to.equal(0);
      });
    }

    it('when the key is exactly 255 characters, then it is accepted', async () => {
      const { h } = suite;
      const cast = await suite.newCast();
      const res = await h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, 'k'.repeat(255)).send({ practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot(start(72 + 8)) });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    });
  });
});
