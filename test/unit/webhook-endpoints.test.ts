import { expect } from 'chai';
import { DomainError } from '../../src/domain/errors';
import { isPublicAddress, parseWebhookUrl, shouldDisableEndpoint, webhookRetryDelayMs, webhookRetryWindowMs } from '../../src/domain/webhook-endpoints';
import { createSecretBox } from '../../src/platform/secret-box';

describe('webhook endpoint rules', () => {
  it('when an address is loopback, private, link-local, unspecified, reserved or an IPv6 form of one, then it is not public', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '0.0.0.0', '100.64.0.1', '224.0.0.1', '255.255.255.255', '::', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a00:1', 'fe80::1', 'fd12:3456::1', 'ff02::1', '64:ff9b::a00:1', 'not an ip']) {
      expect(isPublicAddress(address), address).to.equal(false);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e']) expect(isPublicAddress(address), address).to.equal(true);
  });

  it('when a URL is not http(s), holds credentials, is too long, or is plain http in production, then it is refused; a public https URL passes', () => {
    const rules = { allowHttp: true, allowPrivate: false };
    for (const raw of ['ftp://example.com/', 'file:///etc/passwd', 'https://u:p@example.com/', `https://example.com/${'x'.repeat(2040)}`, 'https://127.0.0.1/', 'https://[::1]/', 'http://0x7f.1/']) {
      expect(() => parseWebhookUrl(raw, rules), raw.slice(0, 40)).to.throw(DomainError);
    }
    expect(() => parseWebhookUrl('http://example.com/hook', { allowHttp: false, allowPrivate: false })).to.throw(DomainError, /https:\/\//);
    expect(parseWebhookUrl('https://example.com/hook', rules).hostname).to.equal('example.com');
    expect(parseWebhookUrl('http://127.0.0.1:8080/hook', { allowHttp: true, allowPrivate: true }).port).to.equal('8080');
  });

  it('when retries are spaced, then each wait doubles and the defaults (12 tries from 45 s) span about a day', () => {
    expect([1, 2, 3, 4].map((n) => webhookRetryDelayMs(n, 100))).to.deep.equal([100, 200, 400, 800]);
    const hours = webhookRetryWindowMs(12, 45_000) / 3_600_000;
    expect(hours).to.be.within(20, 30);
  });

  it('when an endpoint has failed since a moment, then it is disabled once disableAfterMs has passed', () => {
    const since = new Date('2030-01-01T00:00:00Z');
    const threeDays = 3 * 24 * 3_600_000;
    expect(shouldDisableEndpoint(null, new Date('2030-02-01T00:00:00Z'), threeDays)).to.equal(false);
    expect(shouldDisableEndpoint(since, new Date('2030-01-03T23:59:59Z'), threeDays)).to.equal(false);
    expect(shouldDisableEndpoint(since, new Date('2030-01-04T00:00:00Z'), threeDays)).to.equal(true);
  });

  it('when a secret is sealed, then it opens under the same key only', () => {
    const box = createSecretBox('k'.repeat(32));
    const sealed = box.seal('whsec_abc');
    expect(sealed).to.not.include('whsec_abc');
    expect(box.open(sealed)).to.equal('whsec_abc');
    expect(() => createSecretBox('other'.repeat(8)).open(sealed)).to.throw();
  });
});
