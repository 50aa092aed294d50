import type { Knex } from 'knex';
import type { Config } from '../config';
import type { BookingRepository } from '../data/booking-repository';
import type { NewBookingRepository } from '../data/new-booking-repository';
import type { CalendarRepository } from '../data/calendar-repository';
import type { CalendarFeedRepository } from '../data/calendar-feed-repository';
import type { WaitlistRepository } from '../data/waitlist-repository';
import type { CatalogRepository } from '../data/catalog-repository';
import type { CreditRepository } from '../data/credit-repository';
import type { EmailRepository } from '../data/email-repository';
import type { EventRepository } from '../data/event-repository';
import type { IdempotencyRepository } from '../data/idempotency-repository';
import type { NotificationRepository } from '../data/notification-repository';
import type { PractitionerRepository } from '../data/practitioner-repository';
import type { RoomRepository } from '../data/room-repository';
import type { UserRepository } from '../data/user-repository';
import type { Clock } from '../platform/clock';
import type { TokenCache } from './auth/token-cache';
import type { Logger } from '../platform/logger';
import type { Mailer } from '../platform/mailer';
import type { PaymentProvider } from '../platform/payment-provider';
import type { PaymentRepository } from '../data/payment-repository';
import type { SessionStore } from '../data/session-store';
import type { WebhookRepository } from '../data/webhook-repository';
import type { SecretBox } from '../platform/secret-box';
import type { WebhookTransport } from '../platform/webhook-transport';

/** Everything a use case may touch, passed in (tests build one against their own database and clock). */
export interface AppContext {
  config: Readonly<Config>;
  db: Knex;
  clock: Clock;
  logger: Logger;
  users: UserRepository;
  /** Token → user, a few seconds, in a web process; caches nothing elsewhere (src/app/auth/token-cache.ts). */
  tokenCache: TokenCache;
  catalog: CatalogRepository;
  rooms: RoomRepository;
  practitioners: PractitionerRepository;
  bookings: BookingRepository;
  /** The create path's one read and one write (docs/benchmarks.md#create-in-two-statements). */
  newBookings: NewBookingRepository;
  calendar: CalendarRepository;
  feeds: CalendarFeedRepository;
  waitlists: WaitlistRepository;
  credits: CreditRepository;
  events: EventRepository;
  notifications: NotificationRepository;
  emails: EmailRepository;
  mailer: Mailer;
  payments: PaymentRepository;
  paymentProvider: PaymentProvider;
  sessions: SessionStore;
  /** Idempotency-Key claims and the answers they replay (docs/retries-and-concurrency.md). */
  idempotency: IdempotencyRepository;
  webhooks: WebhookRepository;
  /** Outgoing webhook HTTP, with the address checks (docs/api-conventions.md#outgoing-webhooks). */
  webhookTransport: WebhookTransport;
  /** Seals secrets stored in the database (webhook signing secrets). */
  secretBox: SecretBox;
}
