import { expect } from 'chai';
import type { Knex } from 'knex';
import { statementsDuring } from '../support/statements';
import { Redis } from 'ioredis';
import { tokenInvalidationChannel } from '../../src/api/app';
import { OFFLINE_TTL_MS } from '../../src/app/auth/token-cache';
import { aUser, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { anotherWebInstance } from '../support/web-instance';

const ME = '/api/v1/auth/me/';
const TTL_MS = 5000;

/** Another web instance on the same database and Redis prefix, with its own token cache and subscription. */
async function anotherWebProcess(h: Harness, redisUrl = h.config.redisUrl) {
  const web = await anotherWebInstance(h, { tokenInvalidations: true, redisUrl });
  return { ...web, subscribed: () => waitUntil(web.subscribed, 5000) };
}

async function waitUntil(condition: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

/** Counts the statements that read auth_tokens on a Knex instance while `run` runs. */
/** How many statements on auth_tokens `run` caused. */
const tokenQueriesDuring = async (db: Knex, run: () => Promise<unknown>): Promise<number> =>
  (await statementsDuring(db, run)).filter((sql) => sql.includes('auth_tokens')).length;

describe('token cache (issue 13)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ env: { AUTH_CACHE_TTL_MS: String(TTL_MS) } });
    // The harness's instance is subscribed once a request it caches is not read again.
  });
  after(() => h.close());

  /** A user whose token this instance has just read (and cached). */
  async function aCachedUser(role: TestUser['role'] = 'client'): Promise<TestUser> {
    const user = await aUser(h, role);
    expect((await h.http.get(ME).set(user.auth)).status).to.equal(200);
    return user;
  }

  it('when a token was used a moment ago, then the next requests are authenticated without a query', async () => {
    const user = await aUser(h);
    await waitUntil(async () => (await tokenQueriesDuring(h.app.db, () => h.http.get(ME).set(user.auth))) === 0, 5000);
    const queries = await tokenQueriesDuring(h.app.db, async () => {
      for (let i = 0; i < 5; i++) expect((await h.http.get(ME).set(user.auth)).status).to.equal(200);
    });
    expect(queries).to.equal(0);
  });

  it('when the token is revoked, then this process refuses it at once', async () => {
    const user = await aCachedUser();
    expect((await h.http.delete('/api/v1/auth/token/').set(user.auth)).status).to.equal(204);
    const res = await h.http.get(ME).set(user.auth);
    expect(res.status).to.equal(401);
    expect(res.body.code).to.equal('authentication_failed');
  });

  it('when a token is revoked on one web process, then another that cached it refuses it within a second', async () => {
    const web2 = await anotherWebProcess(h);
    try {
      await web2.subscribed();
      const user = await aUser(h);
      const other = await h.http.post('/api/v1/auth/token/').send({ email: user.email, password: 'password123' });
      const otherAuth = { Authorization: `Token ${other.body.token}` };
      // Cached on the second process: a request there no longer reads auth_tokens.
      expect((await web2.http.get(ME).set(user.auth)).status).to.equal(200);
      expect(await tokenQueriesDuring(web2.db, () => web2.http.get(ME).set(user.auth))).to.equal(0);
      expect((await web2.http.get(ME).set(otherAuth)).status).to.equal(200);

      expect((await h.http.post('/api/v1/auth/logout/').set(user.auth)).status).to.equal(204);
      const elapsed = await waitUntil(async () => (await web2.http.get(ME).set(user.auth)).status === 401, 1000);
      expect(elapsed).to.be.below(1000);
      expect((await web2.http.get(ME).set(otherAuth)).status, 'the other token is untouched').to.equal(200);

      // And the other way round, revoking by id.
      const tokens = await web2.http.get('/api/v1/auth/tokens/').set(otherAuth);
      expect((await h.http.get(ME).set(otherAuth)).status).to.equal(200);
      expect((await web2.http.delete(`/api/v1/auth/tokens/${tokens.body.results[0].id}/`).set(otherAuth)).status).to.equal(204);
      await waitUntil(async () => (await h.http.get(ME).set(otherAuth)).status === 401, 1000);
    } finally {
      await web2.close();
    }
  });

  it('when a cached user is deactivated or changes role behind the API, then the stale answer lasts at most the TTL', async () => {
    const changed = await aCachedUser('client');
    const deactivated = await aCachedUser('client');
    await h.app.db('users').where({ id: changed.id }).update({ role: 'admin' });
    await h.app.db('users').where({ id: deactivated.id }).update({ is_active: false });
    h.clock.advance(TTL_MS);
    const me = await h.http.get(ME).set(changed.auth);
    expect(me.status).to.equal(200);
    expect(me.body.role).to.equal('admin');
    expect((await h.http.get(ME).set(deactivated.auth)).status).to.equal(401);
  });

  it('when Redis is unreachable, then a process still caches but for a second at most, and a revocation elsewhere reaches it by then', async () => {
    const offline = await anotherWebProcess(h, 'redis://127.0.0.1:1');
    try {
      const user = await aUser(h);
      expect((await offline.http.get(ME).set(user.auth)).status).to.equal(200);
      expect(await tokenQueriesDuring(offline.db, () => offline.http.get(ME).set(user.auth))).to.equal(0);
      expect((await h.http.delete('/api/v1/auth/token/').set(user.auth)).status).to.equal(204);
      h.clock.advance(OFFLINE_TTL_MS);
      expect((await offline.http.get(ME).set(user.auth)).status).to.equal(401);
    } finally {
      await offline.close();
    }
  });

  it('when every token of a user is invalidated (u:<id>, what a change of the user announces), then each process drops them all', async () => {
    const web2 = await anotherWebProcess(h);
    const publisher = new Redis(h.config.redisUrl);
    try {
      await web2.subscribed();
      const user = await aUser(h);
      expect((await web2.http.get(ME).set(user.auth)).status).to.equal(200);
      await h.app.db('users').where({ id: user.id }).update({ is_active: false });
      expect((await web2.http.get(ME).set(user.auth)).status, 'cached, not yet told').to.equal(200);
      await publisher.publish(tokenInvalidationChannel(h.config.queuePrefix), `u:${user.id}`);
      await waitUntil(async () => (await web2.http.get(ME).set(user.auth)).status === 401, 1000);
    } finally {
      publisher.disconnect();
      await web2.close();
    }
  });

  it('when a process loses its subscription and gets it back, then it forgets what it cached (it may have missed a revocation)', async () => {
    const web2 = await anotherWebProcess(h);
    const admin = new Redis(h.config.redisUrl);
    try {
      await web2.subscribed();
      const user = await aUser(h);
      expect((await web2.http.get(ME).set(user.auth)).status).to.equal(200);
      // Revoked behind the API: no announcement, and the fixed clock never ages the entry.
      await h.app.db('auth_tokens').where({ user_id: user.id }).delete();
      expect((await web2.http.get(ME).set(user.auth)).status).to.equal(200);
      const name = `${tokenInvalidationChannel(h.config.queuePrefix)}:subscriber`;
      const clients = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')).split('\n').filter((line) => line.includes(` name=${name} `));
      expect(clients.length, 'the two instances of this file').to.be.greaterThan(0);
      // Both instances of this file lose theirs (each reconnects by itself).
      for (const line of clients) await admin.call('CLIENT', 'KILL', 'ID', /\bid=(\d+)/.exec(line)![1]!);
      await waitUntil(async () => (await web2.http.get(ME).set(user.auth)).status === 401, 5000);
    } finally {
      admin.disconnect();
      await web2.close();
    }
  });

  it('when the cache TTL is 0, then every request reads the token', async () => {
    const h0 = await startHarness({ env: { AUTH_CACHE_TTL_MS: '0' } });
    try {
      const user = await aUser(h0);
      expect((await h0.http.get(ME).set(user.auth)).status).to.equal(200);
      expect(await tokenQueriesDuring(h0.app.db, () => h0.http.get(ME).set(user.auth))).to.equal(1);
    } finally {
      await h0.close();
    }
  });
});
