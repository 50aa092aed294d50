import { expect } from 'chai';
import type supertest from 'supertest';
import { aUser, type TestUser } from '../support/builders';
import { startHarness, type Harness } from '../support/harness';

/** The headers every response carries (docs/api-conventions.md#security-headers), framing aside. */
function expectBaseHeaders(res: supertest.Response, what: string): void {
  expect(res.headers['x-content-type-options'], what).to.equal('nosniff');
  expect(res.headers['referrer-policy'], what).to.equal('no-referrer');
}

describe('security headers (issue 10, item 16; docs/api-conventions.md#security-headers)', () => {
  let h: Harness;
  let admin: TestUser;
  before(async () => {
    h = await startHarness({ queues: true, env: { RATE_LIMIT_ANON_PER_MINUTE: '1000000' } });
    admin = await aUser(h, 'admin');
  });
  after(() => h.close());

  it('when the API answers, whatever the outcome, then nosniff, no-referrer and X-Frame-Options: DENY are set', async () => {
    const answers: Array<[string, supertest.Response]> = [
      ['200 JSON', await h.http.get('/api/v1/auth/me/').set(admin.auth)],
      ['201', await h.http.post('/api/v1/auth/register/').send({ email: `h-${Date.now()}@example.test`, password: 'password123', name: 'H' })],
      ['204', await h.http.post('/api/v1/auth/logout/')],
      ['400', await h.http.post('/api/v1/auth/token/').send({})],
      ['401', await h.http.get('/api/v1/auth/me/')],
      ['401 bad token', await h.http.get('/api/v1/auth/me/').set('Authorization', 'Token nope')],
      ['404', await h.http.get('/api/v1/nothing-here/')],
      ['405', await h.http.put('/api/v1/auth/me/').send({})],
      ['415', await h.http.post('/api/v1/auth/token/').set('Content-Type', 'text/plain').send('x')],
      ['probe', await h.http.get('/healthz')],
      ['metrics', await h.http.get('/metrics')],
      ['schema', await h.http.get('/api/v1/schema/')],
      ['webhook', await h.http.post('/api/v1/webhooks/payments/').send({ id: 'evt_x', type: 'x', data: { object: {} } })],
    ];
    for (const [what, res] of answers) {
      expectBaseHeaders(res, what);
      expect(res.headers['x-frame-options'], what).to.equal('DENY');
    }
  });

  it('when the docs page and its assets are served, then nosniff and no-referrer, no DENY, and nothing stops the page loading its own scripts and styles', async () => {
    for (const path of ['/api/v1/docs/', '/api/v1/docs', '/api/v1/docs/swagger-initializer.js', '/api/v1/docs/swagger-ui-bundle.js', '/api/v1/docs/swagger-ui.css']) {
      const res = await h.http.get(path);
      expect(res.status, path).to.equal(200);
      expectBaseHeaders(res, path);
      expect(res.headers['x-frame-options'], path).to.not.equal('DENY');
      const csp = res.headers['content-security-policy'] as string | undefined;
      if (csp) {
        expect(csp, path).to.not.match(/default-src 'none'/);
        expect(csp, path).to.match(/script-src[^;]*'self'/);
      }
    }
  });

  it('when an admin opens the queue dashboard, then nosniff and no-referrer, and no DENY', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      const res = await h.http.get(path).set(admin.auth);
      expect(res.status, path).to.equal(200);
      expectBaseHeaders(res, path);
      expect(res.headers['x-frame-options'], path).to.not.equal('DENY');
    }
    const refused = await h.http.get('/admin/queues');
    expect(refused.status).to.equal(401);
    expectBaseHeaders(refused, 'dashboard 401');
  });
});
