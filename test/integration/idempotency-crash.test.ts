import { expect } from 'chai';
import { requestFingerprint } from '../../src/app/idempotency/idempotent-requests';
import { slot } from '../support/builders';
import { DEFAULT_NOW } from '../support/harness';
import { BOOKINGS, HOUR, expectError, lifecycleSuite } from '../support/lifecycle-fixtures';

const KEY = 'Idempotency-Key';
let serial = 0;
const aKey = () => `crash-${Date.now()}-${(serial += 1)}`;

/**
 * docs/retries-and-concurrency.md: the key is tied to the booking by the booking's own write, so a process
 * that dies between the commit and storing its answer cannot make a retry book twice.
 */
describe('Idempotency-Key written with the booking (issue 14)', () => {
  const suite = lifecycleSuite();
  const start = (hours: number) => new Date(DEFAULT_NOW.getTime() + hours * HOUR).toISOString();
  const keyRow = (key: string) => suite.h.app.db('idempotency_keys').where({ key }).first();
  /** What a process that died after the booking's commit, before storing the answer, leaves behind. */
  const dieBeforeAnswering = (key: string, minutesAgo: number) =>
    suite.h.app
      .db('idempotency_keys')
      .where({ key })
      .update({ response_status: null, response_headers: null, response_body: null, locked_at: new Date(suite.h.clock.now().getTime() - minutesAgo * 60_000) });

  it('when a session is booked with a key, then the key names the booking, written in the same statement', async () => {
    const cast = await suite.newCast();
    const key = aKey();
    const res = await suite.h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send({ practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot(start(30)) });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(Number((await keyRow(key)).booking_id)).to.equal(res.body.id);
  });

  it('when the process died after the booking committed, then the retry answers 201 with that booking and books nothing more', async () => {
    const cast = await suite.newCast();
    const key = aKey();
    const body = { practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot(start(32)) };
    const first = await suite.h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send(body);
    expect(first.status).to.equal(201);
    await dieBeforeAnswering(key, 10);

    const retry = await suite.h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send(body);
    expect(retry.status, JSON.stringify(retry.body)).to.equal(201);
    expect(retry.body.id).to.equal(first.body.id);
    expect(retry.body.payment).to.deep.equal(first.body.payment);
    expect(await suite.h.app.db('bookings').where({ client_id: cast.client.id })).to.have.length(1);
    // The recovered answer is now the stored one.
    const again = await suite.h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send(body);
    expect(again.headers['idempotent-replayed']).to.equal('true');
    expect(again.body.id).to.equal(first.body.id);
  });

  it('when the first request may still be running (its claim is recent), then a retry is 409 idempotency_key_in_use even though its booking exists', async () => {
    const cast = await suite.newCast();
    const key = aKey();
    const body = { practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot(start(34)) };
    expect((await suite.h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send(body)).status).to.equal(201);
    await dieBeforeAnswering(key, 1);
    expectError(await suite.h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send(body), 409, 'idempotency_key_in_use');
  });

  it('when the process died before its booking committed, then the abandoned claim is taken over and the retry books once', async () => {
    const cast = await suite.newCast();
    const key = aKey();
    const body = { practitioner_id: cast.practitioner.id, service_id: cast.service.id, ...slot(start(26)) };
    // What a process that died before its commit leaves: a bare claim, long unanswered.
    await suite.h.app.db('idempotency_keys').insert({
      owner: `user:${cast.client.id}`,
      key,
      request_hash: requestFingerprint(suite.h.config.sessionSecret, { method: 'POST', path: `${BOOKINGS}/`, body }),
      created_at: suite.h.clock.now(),
      locked_at: new Date(suite.h.clock.now().getTime() - 10 * 60_000),
    });
    const retry = await suite.h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send(body);
    expect(retry.status, JSON.stringify(retry.body)).to.equal(201);
    expect(retry.headers['idempotent-replayed']).to.equal(undefined);
    expect(await suite.h.app.db('bookings').where({ client_id: cast.client.id })).to.have.length(1);
    expect(Number((await keyRow(key)).booking_id)).to.equal(retry.body.id);
  });

  it('when a draft is made with a key (the transaction path), then the key names the booking too', async () => {
    const cast = await suite.newCast({ price_cents: 0 });
    const key = aKey();
    const res = await suite.h.http.post(`${BOOKINGS}/`).set(cast.client.auth).set(KEY, key).send({ practitioner_id: cast.practitioner.id, service_id: cast.service.id, draft: true, ...slot(start(28)) });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(Number((await keyRow(key)).booking_id)).to.equal(res.body.id);
  });
});
