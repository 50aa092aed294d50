import { expect } from 'chai';
import { aBooking, slot } from '../support/builders';
import { BOOKINGS, act, aConfirmedBooking, aPendingBooking, expectError, lifecycleSuite } from '../support/lifecycle-fixtures';

const at = (day: number, hour: number) => `2030-01-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`;

describe('versions, ETag and If-Match on bookings (docs/retries-and-concurrency.md)', () => {
  const suite = lifecycleSuite();
  const get = (who: { auth: Record<string, string> }, id: number) => suite.h.http.get(`${BOOKINGS}/${id}/`).set(who.auth);

  it('when a booking is read, then its ETag is its version, strong and quoted; an action answers the new one', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const booking = await aPendingBooking(h, cast, at(8, 10));
    const res = await get(cast.client, booking.id);
    expect(res.headers.etag!).to.equal(`"${res.body.version}"`);
    const confirmed = await act(h, cast.practitioner, booking.id, 'confirm').set('If-Match', res.headers.etag!);
    expect(confirmed.status, JSON.stringify(confirmed.body)).to.equal(200);
    expect(confirmed.headers.etag!).to.equal(`"${confirmed.body.version}"`);
    expect(confirmed.body.version).to.be.greaterThan(res.body.version);
  });

  it('when PATCH sends a stale If-Match, then 412 precondition_failed and nothing changes; with the current one it applies', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const booking = await aPendingBooking(h, cast, at(8, 12));
    const { headers } = await get(cast.client, booking.id);
    const first = await h.http.patch(`${BOOKINGS}/${booking.id}/`).set(cast.client.auth).set('If-Match', headers.etag!).send({ client_notes: 'first' });
    expect(first.status).to.equal(200);
    const stale = await h.http.patch(`${BOOKINGS}/${booking.id}/`).set(cast.client.auth).set('If-Match', headers.etag!).send({ client_notes: 'second' });
    expectError(stale, 412, 'precondition_failed');
    expect((await get(cast.client, booking.id)).body.client_notes).to.equal('first');
    const fresh = await h.http.patch(`${BOOKINGS}/${booking.id}/`).set(cast.client.auth).set('If-Match', first.headers.etag!).send({ client_notes: 'second' });
    expect(fresh.status).to.equal(200);
  });

  it('when two writers send the same If-Match at once, then exactly one wins and the other gets 412', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const booking = await aPendingBooking(h, cast, at(8, 14));
    const { headers } = await get(cast.client, booking.id);
    const answers = await Promise.all(
      ['a', 'b', 'c', 'd'].map((note) => h.http.patch(`${BOOKINGS}/${booking.id}/`).set(cast.client.auth).set('If-Match', headers.etag!).send({ client_notes: note })),
    );
    expect(answers.map((r) => r.status).sort()).to.deep.equal([200, 412, 412, 412]);
    for (const r of answers.filter((a) => a.status === 412)) expectError(r, 412, 'precondition_failed');
  });

  it('when a confirm and a cancel race with the same If-Match, then one wins and the other is a 412, not a 409', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const booking = await aPendingBooking(h, cast, at(8, 16));
    const { headers } = await get(cast.client, booking.id);
    const [confirm, cancel] = await Promise.all([
      act(h, cast.practitioner, booking.id, 'confirm').set('If-Match', headers.etag!),
      act(h, cast.client, booking.id, 'cancel').set('If-Match', headers.etag!),
    ]);
    expect([confirm.status, cancel.status].sort()).to.deep.equal([200, 412]);
  });

  describe('every write honours If-Match', () => {
    const writes: Array<[string, (cast: Awaited<ReturnType<typeof suite.newCast>>, id: number, etag: string) => Promise<{ status: number; body: { code?: unknown; detail?: unknown } }>, 'pending' | 'confirmed' | 'draft']> = [
      ['POST confirm/', (c, id, e) => act(suite.h, c.practitioner, id, 'confirm').set('If-Match', e), 'pending'],
      ['POST cancel/', (c, id, e) => act(suite.h, c.client, id, 'cancel').set('If-Match', e), 'confirmed'],
      ['DELETE', (c, id, e) => suite.h.http.delete(`${BOOKINGS}/${id}/`).set(c.client.auth).set('If-Match', e), 'confirmed'],
      ['POST reschedule/', (c, id, e) => act(suite.h, c.client, id, 'reschedule', slot(at(12, 10))).set('If-Match', e), 'confirmed'],
      ['POST submit/', (c, id, e) => act(suite.h, c.client, id, 'submit').set('If-Match', e), 'draft'],
      ['POST complete/', (c, id, e) => act(suite.h, c.practitioner, id, 'complete').set('If-Match', e), 'confirmed'],
      ['POST no-show/', (c, id, e) => act(suite.h, c.practitioner, id, 'no-show').set('If-Match', e), 'confirmed'],
    ];
    let hour = 8;
    for (const [name, send, state] of writes) {
      it(`when ${name} sends a stale If-Match, then 412 precondition_failed and the booking is unchanged`, async () => {
        const { h } = suite;
        const cast = await suite.newCast();
        hour += 1;
        const start = at(9, hour);
        const booking =
          state === 'pending' ? await aPendingBooking(h, cast, start) : state === 'confirmed' ? await aConfirmedBooking(h, cast, start) : await aBooking(h, cast.client, cast, start, { draft: true });
        const before = (await get(cast.client, booking.id)).body;
        const stale = `"${before.version - 1 || 99}"`;
        expectError(await send(cast, booking.id, stale), 412, 'precondition_failed');
        const after = (await get(cast.client, booking.id)).body;
        expect(after.version).to.equal(before.version);
        expect(after.status).to.equal(before.status);
      });
    }
  });

  it('when there is no If-Match, then the last writer wins as before', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const booking = await aPendingBooking(h, cast, at(10, 10));
    expect((await h.http.patch(`${BOOKINGS}/${booking.id}/`).set(cast.client.auth).send({ client_notes: 'one' })).status).to.equal(200);
    expect((await h.http.patch(`${BOOKINGS}/${booking.id}/`).set(cast.client.auth).send({ client_notes: 'two' })).status).to.equal(200);
    expect((await get(cast.client, booking.id)).body.client_notes).to.equal('two');
  });

  it('when If-Match is * or lists the current version among others, then the write applies', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const booking = await aPendingBooking(h, cast, at(10, 12));
    const star = await h.http.patch(`${BOOKINGS}/${booking.id}/`).set(cast.client.auth).set('If-Match', '*').send({ client_notes: 'star' });
    expect(star.status).to.equal(200);
    const list = await h.http.patch(`${BOOKINGS}/${booking.id}/`).set(cast.client.auth).set('If-Match', `"1", ${star.headers.etag!}`).send({ client_notes: 'list' });
    expect(list.status).to.equal(200);
  });

  it('when a stranger sends a stale If-Match, then 404: the booking does not exist for them', async () => {
    const { h } = suite;
    const cast = await suite.newCast();
    const booking = await aPendingBooking(h, cast, at(10, 14));
    expectError(await act(h, cast.otherClient, booking.id, 'cancel').set('If-Match', '"99"'), 404, 'not_found');
  });

  describe('malformed If-Match (each a 400 with detail and code)', () => {
    for (const [what, value] of [
      ['garbage', 'garbage'],
      ['a weak ETag', 'W/"1"'],
      ['an unquoted version', '1'],
      ['a zero version', '"0"'],
      ['a list with garbage in it', '"1", nope'],
      ['a huge version', '"99999999999"'],
    ] as const) {
      it(`when If-Match is ${what}, then 400 invalid_if_match and nothing changes`, async () => {
        const { h } = suite;
        const cast = await suite.newCast();
        const booking = await aPendingBooking(h, cast, at(11, 10));
        const res = await h.http.patch(`${BOOKINGS}/${booking.id}/`).set(cast.client.auth).set('If-Match', value).send({ client_notes: 'x' });
        expectError(res, 400, 'invalid_if_match');
        expect(res.body.errors).to.have.property('If-Match');
        expectError(await act(h, cast.client, booking.id, 'cancel').set('If-Match', value), 400, 'invalid_if_match');
        expect((await get(cast.client, booking.id)).body.status).to.equal('pending_payment');
      });
    }
  });
});
