import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config';

describe('configuration', () => {
  it('when nothing is set, then the contract defaults apply', () => {
    const config = loadConfig({});
    expect(config).to.include({ port: 3000, queuePrefix: 'bookings', paymentHoldMinutes: 15, maxUnpaidHoldsPerPractitioner: 3, smtpUrl: null, databaseUrl: 'postgres://postgres@127.0.0.1:5432/estuary_bookings' });
    expect(config.paymentWebhookSecrets).to.deep.equal(['whsec_dev']);
  });

  it('when a value is bad, then one error names the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).to.throw(ConfigError, /PORT/);
    expect(() => loadConfig({ PAYMENT_HOLD_MINUTES: '0' })).to.throw(ConfigError, /PAYMENT_HOLD_MINUTES/);
  });

  it('when in production or taking real payments, then secrets must be set explicitly', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'a-long-enough-session-secret' })).to.throw(ConfigError, /PAYMENT_WEBHOOK_SECRET/);
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_test_x' })).to.throw(ConfigError, /PAYMENT_WEBHOOK_SECRET/);
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_x', PAYMENT_WEBHOOK_SECRET: 'whsec_new,whsec_old' }).paymentWebhookSecrets).to.deep.equal(['whsec_new', 'whsec_old']);
  });

  it('when TRUST_PROXY is set, then it is a number of proxy hops (false/0 off, true = 1) and anything else names the variable', () => {
    expect(loadConfig({}).trustProxyHops).to.equal(0);
    for (const [raw, hops] of [['false', 0], ['0', 0], ['true', 1], ['1', 1], ['2', 2]] as const) expect(loadConfig({ TRUST_PROXY: raw }).trustProxyHops, raw).to.equal(hops);
    for (const raw of ['yes please', '-1', '1.5']) expect(() => loadConfig({ TRUST_PROXY: raw }), raw).to.throw(ConfigError, /TRUST_PROXY/);
  });

  it('when QUEUE_PREFIX is a hash tag, then it is accepted; a Redis Cluster requires one', () => {
    expect(loadConfig({ QUEUE_PREFIX: '{bookings}' }).queuePrefix).to.equal('{bookings}');
    for (const raw of ['{bookings', 'book{ings}', '{}', '{a}{b}', 'a:b']) expect(() => loadConfig({ QUEUE_PREFIX: raw }), raw).to.throw(ConfigError, /QUEUE_PREFIX/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000' })).to.throw(ConfigError, /QUEUE_PREFIX: must be a hash tag/);
    const config = loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,redis-b:7001,[::1]:7002', QUEUE_PREFIX: '{bookings}' });
    expect(config.redisClusterNodes).to.deep.equal([
      { host: '127.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(loadConfig({}).redisClusterNodes).to.equal(null);
    for (const raw of ['127.0.0.1', 'a:1,,b:2', 'a b:1']) expect(() => loadConfig({ REDIS_CLUSTER_NODES: raw, QUEUE_PREFIX: '{x}' }), raw).to.throw(ConfigError, /REDIS_CLUSTER_NODES/);
  });

  it('when the token cache is tuned, then AUTH_CACHE_TTL_MS (0 turns it off) and AUTH_CACHE_MAX are bounded', () => {
    expect(loadConfig({}).authCache).to.deep.equal({ ttlMs: 5000, max: 10_000 });
    expect(loadConfig({ AUTH_CACHE_TTL_MS: '0', AUTH_CACHE_MAX: '50' }).authCache).to.deep.equal({ ttlMs: 0, max: 50 });
    expect(() => loadConfig({ AUTH_CACHE_TTL_MS: '3600000' })).to.throw(ConfigError, /AUTH_CACHE_TTL_MS/);
    expect(() => loadConfig({ AUTH_CACHE_MAX: '0' })).to.throw(ConfigError, /AUTH_CACHE_MAX/);
  });
});
