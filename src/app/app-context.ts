import type { Knex } from 'knex';
import type { Config } from '../config';
import { createBookingRepository, type BookingRepository } from '../data/booking-repository';
import { createCalendarRepository, type CalendarRepository } from '../data/calendar-repository';
import { createCatalogRepository, type CatalogRepository } from '../data/catalog-repository';
import { createCreditRepository, type CreditRepository } from '../data/credit-repository';
import { createEmailRepository, type EmailRepository } from '../data/email-repository';
import { createEventRepository, type EventRepository } from '../data/event-repository';
import { createNotificationRepository, type NotificationRepository } from '../data/notification-repository';
import { createPractitionerRepository, type PractitionerRepository } from '../data/practitioner-repository';
import { createUserRepository, type UserRepository } from '../data/user-repository';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import { createMailer, type Mailer } from '../platform/mailer';
import { createPaymentProvider, type PaymentProvider } from '../platform/payment-provider';
import { createPaymentRepository, type PaymentRepository } from '../data/payment-repository';
import { createSessionStore, type SessionStore } from '../data/session-store';
import { createWebhookRepository, type WebhookRepository } from '../data/webhook-repository';
import { createSecretBox, type SecretBox } from '../platform/secret-box';
import { createWebhookTransport, type WebhookTransport } from '../platform/webhook-transport';

/** Everything a use case may touch, passed in (tests build one against their own database and clock). */
export interface AppContext {
  config: Readonly<Config>;
  db: Knex;
  clock: Clock;
  logger: Logger;
  users: UserRepository;
  catalog: CatalogRepository;
  practitioners: PractitionerRepository;
  bookings: BookingRepository;
  calendar: CalendarRepository;
  credits: CreditRepository;
  events: EventRepository;
  notifications: NotificationRepository;
  emails: EmailRepository;
  mailer: Mailer;
  payments: PaymentRepository;
  paymentProvider: PaymentProvider;
  sessions: SessionStore;
  webhooks: WebhookRepository;
  /** Outgoing webhook HTTP, with the address checks (docs/api-conventions.md#outgoing-webhooks). */
  webhookTransport: WebhookTransport;
  /** Seals secrets stored in the database (webhook signing secrets). */
  secretBox: SecretBox;
}

export function createAppContext(deps: { config: Readonly<Config>; db: Knex; clock: Clock; logger: Logger; mailer?: Mailer; paymentProvider?: PaymentProvider; webhookTransport?: WebhookTransport }): AppContext {
  return {
    ...deps,
    mailer: deps.mailer ?? createMailer(deps.config.smtpUrl, deps.logger, deps.config.emailFrom),
    paymentProvider: deps.paymentProvider ?? createPaymentProvider(deps.config),
    payments: createPaymentRepository(deps.db),
    users: createUserRepository(deps.db),
    catalog: createCatalogRepository(deps.db),
    practitioners: createPractitionerRepository(deps.db),
    bookings: createBookingRepository(deps.db),
    calendar: createCalendarRepository(),
    credits: createCreditRepository(deps.db),
    events: createEventRepository(deps.db),
    notifications: createNotificationRepository(deps.db),
    emails: createEmailRepository(deps.db),
    sessions: createSessionStore(deps.db),
    webhooks: createWebhookRepository(deps.db),
    webhookTransport:
      deps.webhookTransport ?? createWebhookTransport({ allowPrivate: deps.config.webhooks.allowPrivateUrls, timeoutMs: deps.config.webhooks.timeoutMs }),
    secretBox: createSecretBox(deps.config.webhooks.secretKey),
  };
}
