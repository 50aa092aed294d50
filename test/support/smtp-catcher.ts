import type { AddressInfo } from 'node:net';
import ICAL from 'ical.js';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string | undefined;
  attachments: ParsedMail['attachments'];
}

/**
 * A real SMTP server on loopback (smtp-server, by nodemailer's authors) that keeps what it receives,
 * parsed with mailparser. `stop()` closes it (connections are refused: the server is down) and `start()`
 * listens again on the same port; `rejectWith(451)` makes it answer every recipient with that code.
 */
export class SmtpCatcher {
  readonly received: CaughtMail[] = [];
  port = 0;
  private server: SMTPServer | undefined;
  private rejectCode: number | null = null;

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  rejectWith(code: number | null): void {
    this.rejectCode = code;
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (this.rejectCode === null) return callback();
        // Servers quote the address back; the application must not log or keep it.
        const error = new Error(`<${address.address}>: mailbox temporarily unavailable, try again later`) as Error & { responseCode: number };
        error.responseCode = this.rejectCode;
        callback(error);
      },
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            const to = [mail.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? ''));
            this.received.push({ to, subject: mail.subject ?? '', text: mail.text ?? '', html: typeof mail.html === 'string' ? mail.html : '', messageId: mail.messageId, attachments: mail.attachments });
            callback();
          })
          .catch(callback);
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  to(address: string): CaughtMail[] {
    return this.received.filter((m) => m.to.includes(address));
  }
}

export interface ParsedInvite {
  method: string;
  uid: string;
  sequence: number;
  status: string;
  start: Date;
  end: Date;
}

/** The .ics attached to a mail, parsed back with ical.js (not the library that wrote it). */
export function inviteOf(mail: CaughtMail): ParsedInvite | undefined {
  const attachment = mail.attachments.find((a) => a.contentType === 'text/calendar' || a.filename?.endsWith('.ics'));
  if (!attachment) return undefined;
  const calendar = new ICAL.Component(ICAL.parse(attachment.content.toString('utf8')) as unknown[]);
  const event = calendar.getFirstSubcomponent('vevent')!;
  const time = (name: string) => (event.getFirstPropertyValue(name) as ICAL.Time).toJSDate();
  return {
    method: String(calendar.getFirstPropertyValue('method')),
    uid: String(event.getFirstPropertyValue('uid')),
    sequence: Number(event.getFirstPropertyValue('sequence')),
    status: String(event.getFirstPropertyValue('status')),
    start: time('dtstart'),
    end: time('dtend'),
  };
}
