import { expect } from 'chai';
import ICAL from 'ical.js';
import { buildBookingInvite } from '../../src/app/notifications/booking-invite';
import { escapeHtml, renderEmail, type EmailContext } from '../../src/app/notifications/email-templates';
import { loadConfig } from '../../src/config';
import { redactEmailAddresses } from '../../src/domain/personal-data';
import { exponentialBackoffDelays, exponentialBackoffSpanMs } from '../../src/domain/retry-backoff';
import { NOTIFICATION_KINDS } from '../../src/jobs/job-contracts';
import { jobOptionsFor } from '../../src/jobs/queues';

const MINUTE = 60_000;

const context = (overrides: Partial<EmailContext> = {}): EmailContext => ({
  kind: 'booking_confirmed',
  role: 'client',
  recipientName: 'Ann <Client>',
  zone: 'America/New_York',
  booking: {
    serviceName: 'Yoga & "Breath"',
    clientName: 'Ann <Client>',
    practitionerName: 'Dr. Sato',
    start: new Date('2030-01-10T01:00:00Z'),
    end: new Date('2030-01-10T02:00:00Z'),
    status: 'confirmed',
    location: null,
    meetingUrl: '',
  },
  details: null,
  ...overrides,
});

describe('e-mail retry policy', () => {
  it('when nothing is set, then a failed send is tried at least 5 times over at least 10 minutes', () => {
    const { emailRetry } = loadConfig({});
    expect(emailRetry.attempts).to.be.at.least(5);
    expect(exponentialBackoffSpanMs(emailRetry.attempts, emailRetry.baseDelayMs)).to.be.at.least(10 * MINUTE);
    expect(jobOptionsFor(loadConfig({}))('notifications', 'send-email')).to.deep.equal({ attempts: 8, backoff: { type: 'exponential', delay: 30_000 } });
    expect(jobOptionsFor(loadConfig({}))('notifications', 'notify'), 'other jobs keep their queue defaults').to.equal(undefined);
  });

  it('when the backoff doubles, then the waits are base × 2^(n-1)', () => {
    expect(exponentialBackoffDelays(5, 100)).to.deep.equal([100, 200, 400, 800]);
    expect(exponentialBackoffSpanMs(1, 100)).to.equal(0);
  });
});

describe('e-mail templates', () => {
  it('when any event is rendered, then there is a subject, a text and an HTML part saying the time in the recipient\'s zone', () => {
    for (const kind of NOTIFICATION_KINDS) {
      const mail = renderEmail(context({ kind }));
      expect(mail.subject, kind).to.be.a('string').with.length.greaterThan(5);
      expect(mail.text, kind).to.include('Wednesday 9 January 2030, 20:00–21:00 (America/New_York, EST)');
      expect(mail.html, kind).to.include('20:00–21:00 (America/New_York, EST)');
    }
  });

  it('when names hold markup, then the HTML escapes it and the text keeps it as typed', () => {
    const mail = renderEmail(context());
    expect(mail.html).to.include('Ann &lt;Client&gt;').and.include('Yoga &amp; &quot;Breath&quot;');
    expect(mail.html).to.not.include('<Client>');
    expect(mail.text).to.include('Hello Ann <Client>,');
    expect(escapeHtml(`<a href="x">'&'</a>`)).to.equal('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('when a booking was rescheduled, then the e-mail says when it was before, in the same zone', () => {
    const mail = renderEmail(context({ kind: 'booking_rescheduled', role: 'practitioner', zone: 'Asia/Tokyo', details: { from: { start_time: '2030-01-09T01:00:00.000Z' } } }));
    expect(mail.text).to.include('It was at Wednesday 9 January 2030, 10:00 (Asia/Tokyo, GMT+9)');
    expect(mail.text).to.include('Client: Ann <Client>');
  });
});

describe('calendar invites', () => {
  const invite = (kind: EmailContext['kind'], sequence: number) =>
    buildBookingInvite({
      kind,
      publicUuid: '7f1c1d2e-0000-4000-8000-000000000001',
      sequence,
      start: new Date('2030-01-10T01:00:00Z'),
      end: new Date('2030-01-10T02:00:00Z'),
      status: 'confirmed',
      summary: 'Yoga, with a comma; and a semicolon',
      description: 'Line one\nLine two',
      location: '',
      meetingUrl: '',
      organizer: { name: 'Dr. Sato', email: 'sato@example.test' },
      attendee: { name: 'Ann', email: 'ann@example.test' },
      stamp: new Date('2030-01-07T08:00:00Z'),
    });

  it('when an invite is built and parsed back, then UID, SEQUENCE, METHOD and STATUS are what RFC 5545 readers need', () => {
    const request = invite('booking_confirmed', 2)!;
    const parsed = new ICAL.Component(ICAL.parse(request.content) as unknown[]);
    const event = parsed.getFirstSubcomponent('vevent')!;
    expect(parsed.getFirstPropertyValue('method')).to.equal('REQUEST');
    expect(event.getFirstPropertyValue('uid')).to.equal('7f1c1d2e-0000-4000-8000-000000000001@estuary');
    expect(event.getFirstPropertyValue('sequence')).to.equal(2);
    expect(event.getFirstPropertyValue('summary')).to.equal('Yoga, with a comma; and a semicolon');
    expect(event.getFirstPropertyValue('description')).to.equal('Line one\nLine two');
    const cancel = new ICAL.Component(ICAL.parse(invite('booking_canceled', 4)!.content) as unknown[]);
    expect(cancel.getFirstPropertyValue('method')).to.equal('CANCEL');
    expect(cancel.getFirstSubcomponent('vevent')!.getFirstPropertyValue('status')).to.equal('CANCELLED');
  });

  it('when the event is not about the booking\'s place in a calendar, then there is no invite', () => {
    expect(invite('reminder_1h', 5)).to.equal(null);
    expect(invite('booking_completed', 5)).to.equal(null);
  });
});

describe('personal data in error texts', () => {
  it('when an SMTP answer quotes addresses, then they are redacted', () => {
    expect(redactEmailAddresses('550 5.1.1 <ann.o\'neil+x@mail.example.com>: Recipient address rejected; also bob@ex.org')).to.equal(
      '550 5.1.1 <[address]>: Recipient address rejected; also [address]',
    );
    expect(redactEmailAddresses('ECONNREFUSED 127.0.0.1:2525')).to.equal('ECONNREFUSED 127.0.0.1:2525');
  });
});
