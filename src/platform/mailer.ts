import nodemailer from 'nodemailer';
import type { Logger } from './logger';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** 'sent' through SMTP, or 'logged' when no SMTP server is configured. */
  send(mail: Mail): Promise<'sent' | 'logged'>;
}

const FROM = 'Estuary Bookings <no-reply@estuary.example>';

/** SMTP when SMTP_URL is set; otherwise e-mails are recorded and logged, not sent (CONTRACT §3). */
export function createMailer(smtpUrl: string | null, logger: Logger): Mailer {
  if (!smtpUrl) {
    return {
      async send(mail) {
        // The address is personal data: log who by id elsewhere, never the address itself.
        logger.info({ subject: mail.subject }, 'e-mail not sent (no SMTP_URL): recorded only');
        return 'logged';
      },
    };
  }
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(mail) {
      await transport.sendMail({ from: FROM, ...mail });
      return 'sent';
    },
  };
}
