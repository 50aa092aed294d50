import { expect } from 'chai';
import supertest from 'supertest';
import { aUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';
import { anotherWebInstance } from '../support/web-instance';
import { validatingClient } from '../support/openapi-responses';

const REGISTER = '/api/v1/auth/register/';
const TOKEN = '/api/v1/auth/token/';
const LOGIN = '/api/v1/auth/login/';
const LOGOUT = '/api/v1/auth/logout/';
const ME = '/api/v1/auth/me/';
const TOKENS = '/api/v1/auth/tokens/';
const LOCATIONS = '/api/v1/drf/locations/';

let counter = 0;
const freshEmail = (prefix = 'user') => `${prefix}-${Date.now().toString(36)}-${++counter}@example.test`;

/** Every error body: a sentence in `detail` and a snake_case `code`. */
function expectErrorBody(body: { detail?: unknown; code?: unknown }, code?: string): void {
  expect(body.detail, JSON.stringify(body)).to.be.a('string').with.length.greaterThan(0);
  expect(body.code, JSON.stringify(body)).to.match(/^[a-z]+(_[a-z]+)*$/);
  if (code) expect(body.code).to.equal(code);
}

/** The value of a cookie set by a response, read from its Set-Cookie headers. */
function cookieValue(res: supertest.Response, name: string): string | undefined {
  const raw = res.headers['set-cookie'] as unknown as string[] | string | undefined;
  const cookies = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const found = cookies.map((c) => c.split(';')[0]!).find((c) => c.startsWith(`${name}=`));
  return found?.slice(name.length + 1);
}

/** The request Cookie header that replays every cookie a response set. */
function cookieHeader(res: supertest.Response): string {
  const raw = res.headers['set-cookie'] as unknown as string[] | string | undefined;
  return (Array.isArray(raw) ? raw : raw ? [raw] : []).map((c) => c.split(';')[0]!).join('; ');
}

describe('auth', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  describe('register', () => {
    it('when a client registers, then the answer is 201 with the user and a token that works', async () => {
      const email = freshEmail('client');
      const res = await h.http.post(REGISTER).send({ email, password: 'password123', name: 'Cleo Client', role: 'client' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ email, name: 'Cleo Client', role: 'client' });
      expect(res.body.id).to.be.a('number');
      expect(res.body.token).to.be.a('string').with.length.greaterThan(20);
      expect(res.body).to.not.have.property('password');
      expect(res.body).to.not.have.property('password_hash');

      const me = await h.http.get(ME).set('Authorization', `Token ${res.body.token}`);
      expect(me.status).to.equal(200);
      expect(me.body).to.include({ id: res.body.id, email, role: 'client' });
    });

    it('when a practitioner registers, then they get the practitioner role and a schedule to edit', async () => {
      const res = await h.http.post(REGISTER).send({ email: freshEmail('prac'), password: 'password123', name: 'Pat Practitioner', role: 'practitioner' });
      expect(res.status).to.equal(201);
      expect(res.body.role).to.equal('practitioner');
      const schedule = await h.http.get('/api/v1/drf/practitioners/me/schedule/').set('Authorization', `Token ${res.body.token}`);
      expect(schedule.status).to.equal(200);
    });

    it('when the role is left out, then the user is a client', async () => {
      const res = await h.http.post(REGISTER).send({ email: freshEmail(), password: 'password123', name: 'No Role' });
      expect(res.status).to.equal(201);
      expect(res.body.role).to.equal('client');
    });

    it('when the email is given in capitals, then it is stored lower-case and logs in either way', async () => {
      const email = freshEmail('mixed');
      const res = await h.http.post(REGISTER).send({ email: email.toUpperCase(), password: 'password123', name: 'Mixed Case' });
      expect(res.status).to.equal(201);
      expect(res.body.email).to.equal(email);
      const token = await h.http.post(TOKEN).send({ email: email.toUpperCase(), password: 'password123' });
      expect(token.status).to.equal(200);
    });

    it('when the email is already registered (in any case), then 409 email_taken and no second user', async () => {
      const email = freshEmail('dup');
      expect((await h.http.post(REGISTER).send({ email, password: 'password123', name: 'First' })).status).to.equal(201);
      const again = await h.http.post(REGISTER).send({ email: email.toUpperCase(), password: 'password456', name: 'Second' });
      expect(again.status).to.equal(409);
      expectErrorBody(again.body, 'email_taken');
      const rows = await h.app.db('users').where({ email });
      expect(rows).to.have.length(1);
    });

    const badRegistrations: Array<[string, Record<string, unknown>, string]> = [
      ['a malformed email', { email: 'not-an-email', password: 'password123', name: 'X' }, 'email'],
      ['a short password', { email: 'short@example.test', password: 'short', name: 'X' }, 'password'],
      ['an unknown role', { email: 'role@example.test', password: 'password123', name: 'X', role: 'wizard' }, 'role'],
      ['the admin role', { email: 'admin@example.test', password: 'password123', name: 'X', role: 'admin' }, 'role'],
      ['no name', { email: 'noname@example.test', password: 'password123' }, 'name'],
      ['an unknown field', { email: 'extra@example.test', password: 'password123', name: 'X', is_staff: true }, 'is_staff'],
      ['a number for the password', { email: 'num@example.test', password: 12345678, name: 'X' }, 'password'],
    ];
    for (const [what, body, field] of badRegistrations) {
      it(`when registering with ${what}, then 400 naming ${field} and no user is created`, async () => {
        const before = await h.app.db('users').count({ n: '*' }).first();
        const res = await h.http.post(REGISTER).send(body);
        expect(res.status, JSON.stringify(res.body)).to.equal(400);
        expectErrorBody(res.body);
        expect(res.body.errors).to.have.property(field);
        const after = await h.app.db('users').count({ n: '*' }).first();
        expect(after).to.deep.equal(before);
      });
    }
  });

  describe('token', () => {
    it('when the credentials are right, then a new token is issued and works', async () => {
      const user = await aUser(h, 'client');
      const res = await h.http.post(TOKEN).send({ email: user.email, password: 'password123' });
      expect(res.status).to.equal(200);
      expect(res.body).to.have.all.keys('token');
      expect(res.body.token).to.not.equal(user.token);
      const me = await h.http.get(ME).set('Authorization', `Token ${res.body.token}`);
      expect(me.status).to.equal(200);
      expect(me.body.id).to.equal(user.id);
    });

    it('when the password is wrong, then 400 authentication_failed', async () => {
      const user = await aUser(h, 'client');
      const res = await h.http.post(TOKEN).send({ email: user.email, password: 'wrong-password' });
      expect(res.status).to.equal(400);
      expectErrorBody(res.body, 'authentication_failed');
      expect(res.body).to.not.have.property('token');
    });

    it('when the email is unknown, then the same 400 authentication_failed (no account enumeration)', async () => {
      const user = await aUser(h, 'client');
      const wrongPassword = await h.http.post(TOKEN).send({ email: user.email, password: 'wrong-password' });
      const unknown = await h.http.post(TOKEN).send({ email: freshEmail('nobody'), password: 'password123' });
      expect(unknown.status).to.equal(400);
      expectErrorBody(unknown.body, 'authentication_failed');
      expect(unknown.body.detail).to.equal(wrongPassword.body.detail);
    });

    it('when the email or password is missing, then 400 naming the field', async () => {
      const res = await h.http.post(TOKEN).send({ email: freshEmail() });
      expect(res.status).to.equal(400);
      expectErrorBody(res.body);
      expect(res.body.errors).to.have.property('password');
    });

    it('when a token is issued, then only its hash is stored, never the key', async () => {
      const user = await aUser(h, 'client');
      const res = await h.http.post(TOKEN).send({ email: user.email, password: 'password123' });
      const rows: Array<Record<string, unknown>> = await h.app.db('auth_tokens').where({ user_id: user.id });
      expect(rows).to.have.length(2);
      for (const key of [user.token, res.body.token as string]) {
        for (const row of rows) {
          for (const value of Object.values(row)) expect(String(value)).to.not.include(key);
        }
      }
      for (const row of rows) expect(row.key_hash).to.match(/^[0-9a-f]{64}$/);
    });

    it('when a password is stored, then it is a slow-KDF hash, not the password', async () => {
      const user = await aUser(h, 'client');
      const row = await h.app.db('users').where({ id: user.id }).first();
      expect(row.password_hash).to.not.include('password123');
      expect(row.password_hash).to.match(/^(scrypt|argon2)/);
    });
  });

  describe('Authorization header', () => {
    for (const scheme of ['Token', 'token', 'TOKEN', 'tOkEn']) {
      it(`when the scheme is written "${scheme}", then the token is accepted`, async () => {
        const user = await aUser(h, 'client');
        const res = await h.http.get(ME).set('Authorization', `${scheme} ${user.token}`);
        expect(res.status).to.equal(200);
        expect(res.body.id).to.equal(user.id);
      });
    }

    it('when no credentials are sent, then 401 not_authenticated with WWW-Authenticate: Token', async () => {
      for (const path of [ME, '/api/v1/drf/bookings/', '/api/v1/drf/services/', LOCATIONS]) {
        const res = await h.http.get(path);
        expect(res.status, path).to.equal(401);
        expect(res.headers['www-authenticate'], path).to.equal('Token');
        expectErrorBody(res.body, 'not_authenticated');
      }
    });

    for (const header of ['Bearer abcdef0123456789', 'Token', 'Token ', 'Token a b', 'Basic dXNlcjpwYXNz', 'Token abc!def', `Token ${'a'.repeat(500)}`]) {
      it(`when the header is malformed (${JSON.stringify(header.slice(0, 30))}), then 401 with WWW-Authenticate`, async () => {
        const res = await h.http.get(ME).set('Authorization', header);
        expect(res.status).to.equal(401);
        expect(res.headers['www-authenticate']).to.equal('Token');
        expectErrorBody(res.body);
      });
    }

    it('when the token is unknown, then 401 authentication_failed', async () => {
      const res = await h.http.get(ME).set('Authorization', 'Token 0123456789abcdef0123456789abcdef01234567');
      expect(res.status).to.equal(401);
      expect(res.headers['www-authenticate']).to.equal('Token');
      expectErrorBody(res.body, 'authentication_failed');
    });

    it('when a bad token comes with a write, then 401 and nothing is written', async () => {
      const before = await h.app.db('locations').count({ n: '*' }).first();
      const res = await h.http.post(LOCATIONS).set('Authorization', 'Token nope').send({ name: 'Studio' });
      expect(res.status).to.equal(401);
      expect(await h.app.db('locations').count({ n: '*' }).first()).to.deep.equal(before);
    });

    it('when the user is deactivated, then their token stops working', async () => {
      const user = await aUser(h, 'client');
      await h.app.db('users').where({ id: user.id }).update({ is_active: false });
      const res = await h.http.get(ME).set(user.auth);
      expect(res.status).to.equal(401);
      const token = await h.http.post(TOKEN).send({ email: user.email, password: 'password123' });
      expect(token.status).to.equal(400);
      expectErrorBody(token.body, 'authentication_failed');
    });

    it('when a token-authenticated client writes, then no CSRF token is needed', async () => {
      const practitioner = await aUser(h, 'practitioner');
      const res = await h.http.post(LOCATIONS).set(practitioner.auth).send({ name: 'Studio A' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    });
  });

  describe('session', () => {
    async function loggedInAgent(role: 'client' | 'practitioner' = 'practitioner') {
      const user = await aUser(h, role);
      const agent = validatingClient(supertest.agent(h.baseUrl));
      const res = await agent.post(LOGIN).send({ email: user.email, password: 'password123' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const csrf = cookieValue(res, 'csrftoken');
      expect(csrf, 'csrftoken cookie').to.be.a('string').with.length.greaterThan(0);
      return { user, agent, csrf: csrf!, login: res };
    }

    it('when a user logs in, then the answer names them, sets a session cookie and a csrftoken cookie', async () => {
      const { user, login, csrf } = await loggedInAgent('client');
      expect(login.body).to.include({ id: user.id, email: user.email, role: 'client' });
      expect(login.body.csrftoken).to.equal(csrf);
      const sessionCookie = ((login.headers['set-cookie'] as unknown as string[]) ?? []).find((c) => c.startsWith('estuary.sid='));
      expect(sessionCookie, 'session cookie').to.be.a('string');
      expect(sessionCookie!.toLowerCase()).to.include('httponly');
    });

    it('when logged in, then /me/ answers from the session cookie alone', async () => {
      const { agent, user } = await loggedInAgent('client');
      const me = await agent.get(ME);
      expect(me.status).to.equal(200);
      expect(me.body).to.include({ id: user.id, email: user.email });
    });

    it('when the password is wrong, then login is 400 authentication_failed and no session starts', async () => {
      const user = await aUser(h, 'client');
      const agent = validatingClient(supertest.agent(h.baseUrl));
      const res = await agent.post(LOGIN).send({ email: user.email, password: 'wrong-password' });
      expect(res.status).to.equal(400);
      expectErrorBody(res.body, 'authentication_failed');
      const me = await agent.get(ME);
      expect(me.status).to.equal(401);
    });

    it('when a session-authenticated POST has no X-CSRFToken, then 403 csrf_failed and nothing is written', async () => {
      const { agent } = await loggedInAgent();
      const before = await h.app.db('locations').count({ n: '*' }).first();
      const res = await agent.post(LOCATIONS).send({ name: 'No CSRF Studio' });
      expect(res.status).to.equal(403);
      expectErrorBody(res.body, 'csrf_failed');
      expect(await h.app.db('locations').count({ n: '*' }).first()).to.deep.equal(before);
    });

    it('when a session-authenticated POST has a wrong X-CSRFToken, then 403 csrf_failed', async () => {
      const { agent, csrf } = await loggedInAgent();
      const res = await agent.post(LOCATIONS).set('X-CSRFToken', `${csrf.slice(0, -1)}x`).send({ name: 'Wrong CSRF Studio' });
      expect(res.status).to.equal(403);
      expectErrorBody(res.body, 'csrf_failed');
    });

    // The client sends 'é' as two UTF-8 bytes; Node reads header bytes as latin-1, so the server sees two
    // characters ('Ã©'), each two bytes long again in UTF-8: a value as long as the token, but not in bytes
    // (issue 10, item 13).
    for (const [what, value] of [
      ['non-ASCII characters as many bytes long as the token', (csrf: string) => 'é'.repeat(csrf.length / 2)],
      ['one non-ASCII character in a token of the right byte length', (csrf: string) => `${csrf.slice(0, -2)}é`],
      ['a very long value', (csrf: string) => csrf.repeat(200)],
      ['control-free punctuation', (csrf: string) => '!'.repeat(csrf.length)],
    ] as const) {
      it(`when X-CSRFToken holds ${what}, then 403 csrf_failed, never a 500`, async () => {
        const { agent, csrf } = await loggedInAgent();
        const res = await agent.post(LOCATIONS).set('X-CSRFToken', value(csrf)).send({ name: 'Malformed CSRF Studio' });
        expect(res.status, JSON.stringify(res.body)).to.equal(403);
        expectErrorBody(res.body, 'csrf_failed');
      });
    }

    it('when another session\'s CSRF token is sent, then 403 csrf_failed', async () => {
      const first = await loggedInAgent();
      const second = await loggedInAgent();
      const res = await first.agent.post(LOCATIONS).set('X-CSRFToken', second.csrf).send({ name: 'Crossed Studio' });
      expect(res.status).to.equal(403);
      expectErrorBody(res.body, 'csrf_failed');
    });

    it('when the csrftoken cookie value is echoed in X-CSRFToken, then the write works', async () => {
      const { agent, csrf, user } = await loggedInAgent();
      const res = await agent.post(LOCATIONS).set('X-CSRFToken', csrf).send({ name: 'CSRF Studio' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.practitioner_id).to.equal(user.id);
    });

    it('when a session-authenticated request is safe (GET), then no CSRF token is needed', async () => {
      const { agent } = await loggedInAgent();
      const res = await agent.get(LOCATIONS);
      expect(res.status).to.equal(200);
    });

    it('when logging out without the CSRF token, then 403 and the session survives', async () => {
      const { agent } = await loggedInAgent('client');
      const res = await agent.post(LOGOUT);
      expect(res.status).to.equal(403);
      expectErrorBody(res.body, 'csrf_failed');
      expect((await agent.get(ME)).status).to.equal(200);
    });

    it('when logging out with the CSRF token, then 204 and the session no longer authenticates', async () => {
      const { agent, csrf } = await loggedInAgent('client');
      const res = await agent.post(LOGOUT).set('X-CSRFToken', csrf);
      expect(res.status).to.equal(204);
      const me = await agent.get(ME);
      expect(me.status).to.equal(401);
      expect(me.headers['www-authenticate']).to.equal('Token');
      expectErrorBody(me.body, 'not_authenticated');
    });

    it('when a copy of the session cookie taken before logout is replayed, then it no longer authenticates', async () => {
      const { agent, csrf, login } = await loggedInAgent('client');
      const copied = cookieHeader(login);
      expect((await h.http.get(ME).set('Cookie', copied)).status).to.equal(200);
      expect((await agent.post(LOGOUT).set('X-CSRFToken', csrf)).status).to.equal(204);
      const replay = await h.http.get(ME).set('Cookie', copied);
      expect(replay.status).to.equal(401);
      expectErrorBody(replay.body, 'not_authenticated');
    });

    it('when someone logs in over an existing session cookie, then a new session key is issued and the old one is dead', async () => {
      const first = await loggedInAgent('client');
      const planted = cookieHeader(first.login);
      const victim = await aUser(h, 'client');
      const res = await h.http.post(LOGIN).set('Cookie', planted).set('X-CSRFToken', first.csrf).send({ email: victim.email, password: 'password123' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(cookieValue(res, 'estuary.sid')).to.be.a('string').and.not.equal(cookieValue(first.login, 'estuary.sid'));
      const withPlanted = await h.http.get(ME).set('Cookie', planted);
      if (withPlanted.status === 200) expect(withPlanted.body.id, 'the planted cookie must not become the victim').to.not.equal(victim.id);
      const withNew = await h.http.get(ME).set('Cookie', cookieHeader(res));
      expect(withNew.status).to.equal(200);
      expect(withNew.body.id).to.equal(victim.id);
    });

    it('when a session is stored, then the cookie holds only an opaque key, not the user or the CSRF token', async () => {
      const { login, user, csrf } = await loggedInAgent('client');
      const raw = cookieValue(login, 'estuary.sid')!;
      const decoded = Buffer.from(decodeURIComponent(raw), 'base64').toString('utf8');
      expect(decoded).to.not.include(csrf);
      expect(decoded).to.not.include(`"user":${user.id}`);
    });

    it('when a session cookie comes with a token header, then the token decides who is calling', async () => {
      const { agent } = await loggedInAgent('client');
      const other = await aUser(h, 'practitioner');
      const me = await agent.get(ME).set(other.auth);
      expect(me.status).to.equal(200);
      expect(me.body.id).to.equal(other.id);
      const write = await agent.post(LOCATIONS).set(other.auth).send({ name: 'Token wins' });
      expect(write.status, JSON.stringify(write.body)).to.equal(201);
    });

    it('when the session cookie is forged, then the caller is anonymous', async () => {
      const res = await h.http.get(ME).set('Cookie', 'estuary.sid=eyJwYXNzcG9ydCI6eyJ1c2VyIjoxfX0=');
      expect(res.status).to.equal(401);
    });
  });
  describe('token revocation (issue 10, item 15)', () => {
    /** A second web process on the same database, as another instance behind the load balancer would be (no Redis: it caches no token). */
    const anotherWebProcess = () => anotherWebInstance(h);

    async function secondToken(user: { email: string }): Promise<string> {
      const res = await h.http.post(TOKEN).send({ email: user.email, password: 'password123' });
      expect(res.status).to.equal(200);
      return res.body.token as string;
    }

    it('when a token-authenticated client logs out, then that token is a 401 at once and their other tokens still work', async () => {
      const user = await aUser(h, 'client');
      const other = await secondToken(user);
      const res = await h.http.post(LOGOUT).set(user.auth);
      expect(res.status).to.equal(204);
      const revoked = await h.http.get(ME).set(user.auth);
      expect(revoked.status).to.equal(401);
      expectErrorBody(revoked.body, 'authentication_failed');
      expect((await h.http.get(ME).set('Authorization', `Token ${other}`)).status).to.equal(200);
    });

    it('when DELETE /auth/token/ is sent with a token, then 204 and that token is a 401 on every web process at once', async () => {
      const user = await aUser(h, 'client');
      const other = await secondToken(user);
      const web2 = await anotherWebProcess();
      try {
        expect((await web2.http.get(ME).set(user.auth)).status).to.equal(200);
        const res = await h.http.delete('/api/v1/auth/token/').set(user.auth);
        expect(res.status).to.equal(204);
        expect((await web2.http.get(ME).set(user.auth)).status, 'the other process').to.equal(401);
        expect((await h.http.get(ME).set(user.auth)).status, 'this process').to.equal(401);
        expect((await web2.http.get(ME).set('Authorization', `Token ${other}`)).status).to.equal(200);
      } finally {
        await web2.close();
      }
    });

    it('when DELETE /auth/token/ is sent without credentials, then 401; with a session, then 400 no_token (there is no token to revoke)', async () => {
      const anonymous = await h.http.delete('/api/v1/auth/token/');
      expect(anonymous.status).to.equal(401);
      expectErrorBody(anonymous.body, 'not_authenticated');
      const user = await aUser(h, 'client');
      const agent = validatingClient(supertest.agent(h.baseUrl));
      const login = await agent.post(LOGIN).send({ email: user.email, password: 'password123' });
      const res = await agent.delete('/api/v1/auth/token/').set('X-CSRFToken', login.body.csrftoken);
      expect(res.status).to.equal(400);
      expectErrorBody(res.body, 'no_token');
      expect((await h.http.get(ME).set(user.auth)).status).to.equal(200);
    });

    it('when a user lists their tokens, then each shows id, created_at and last_used_at (never the key or its hash), theirs only', async () => {
      const user = await aUser(h, 'client');
      const unused = await secondToken(user);
      const stranger = await aUser(h, 'client');
      const res = await h.http.get(TOKENS).set(user.auth);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ count: 2, next: null, previous: null });
      for (const token of res.body.results) {
        expect(token).to.have.all.keys('id', 'created_at', 'last_used_at', 'current');
        expect(token.id).to.be.a('number');
        expect(new Date(token.created_at).getTime()).to.be.greaterThan(0);
        for (const secret of [user.token, unused, stranger.token]) expect(JSON.stringify(token)).to.not.include(secret.slice(0, 8));
      }
      const current = res.body.results.filter((t: { current: boolean }) => t.current);
      expect(current, 'the token of this request').to.have.length(1);
      expect(current[0].last_used_at, 'used just now').to.be.a('string');
      expect(res.body.results.find((t: { current: boolean }) => !t.current).last_used_at, 'never used').to.equal(null);
      const ids = (await h.app.db('auth_tokens').where({ user_id: user.id }).pluck('id')).sort();
      expect(res.body.results.map((t: { id: number }) => t.id).sort()).to.deep.equal(ids);
    });

    it('when a user revokes one of their tokens by id, then 204, that token is a 401 and the one in hand still works', async () => {
      const user = await aUser(h, 'client');
      const other = await secondToken(user);
      const list = await h.http.get(TOKENS).set('Authorization', `Token ${other}`);
      const target = list.body.results.find((t: { current: boolean }) => !t.current);
      const res = await h.http.delete(`${TOKENS}${target.id}/`).set('Authorization', `Token ${other}`);
      expect(res.status).to.equal(204);
      expect((await h.http.get(ME).set(user.auth)).status).to.equal(401);
      expect((await h.http.get(ME).set('Authorization', `Token ${other}`)).status).to.equal(200);
      const again = await h.http.delete(`${TOKENS}${target.id}/`).set('Authorization', `Token ${other}`);
      expect(again.status).to.equal(404);
      expectErrorBody(again.body, 'not_found');
    });

    it("when a user tries to revoke another user's token, then 404 and that token keeps working", async () => {
      const victim = await aUser(h, 'client');
      const attacker = await aUser(h, 'client');
      const [victimTokenId] = await h.app.db('auth_tokens').where({ user_id: victim.id }).pluck('id');
      const res = await h.http.delete(`${TOKENS}${victimTokenId}/`).set(attacker.auth);
      expect(res.status).to.equal(404);
      expectErrorBody(res.body, 'not_found');
      expect((await h.http.get(ME).set(victim.auth)).status).to.equal(200);
      for (const bad of ['abc', '0', '-1', '99999999999999999999']) {
        const malformed = await h.http.delete(`${TOKENS}${bad}/`).set(attacker.auth);
        expect(malformed.status, bad).to.equal(404);
      }
    });

    it('when the token endpoints are called without credentials, then 401', async () => {
      expect((await h.http.get(TOKENS)).status).to.equal(401);
      expect((await h.http.delete(`${TOKENS}1/`)).status).to.equal(401);
    });
  });
});
