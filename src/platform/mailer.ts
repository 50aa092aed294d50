import nodemailer from 'nodemailer';
import type { Logger } from './logger';

export interface MailAttachment {
  filename: string;
  content: string;
  contentType: string;
}

export interface Mail {
  to: { name: string; address: string };
  subject: string;
  text: string;
  html?: string;
  attachments?: MailAttachment[];
  /** Stable per notification, so a receiving server can tell a repeat from a new message. */
  messageId?: string;
}

export interface Mailer {
  /** Whether mail really goes out (SMTP_URL is set); otherwise send() only logs. */
  readonly sends: boolean;
  /** 'sent' through SMTP, or 'logged' when no SMTP server is configured. Throws when the server refuses or cannot be reached. */
  send(mail: Mail): Promise<'sent' | 'logged'>;
}

const DEFAULT_FROM = 'Estuary Bookings <no-reply@estuary.example>';

/** SMTP when SMTP_URL is set; otherwise e-mails are recorded and logged, not sent (docs/api-conventions.md#e-mail). */
export function createMailer(smtpUrl: string | null, logger: Logger, from = DEFAULT_FROM): Mailer {
  if (!smtpUrl) {
    return {
      sends: false,
      async send(mail) {
        // The address is personal data: log who by id elsewhere, never the address itself.
        logger.info({ subject: mail.subject }, 'e-mail not sent (no SMTP_URL): recorded only');
        return 'logged';
      },
    };
  }
  // Bounded waits: a hung server must fail the try (and let the job retry) well within the worker's lock.
  // (Settings in the URL's query string take precedence over these.)
  const transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 });
  return {
    sends: true,
    async send(mail) {
      await transport.sendMail({ from, ...mail });
      return 'sent';
    },
  };
}
