import type { Knex } from 'knex';
import type { Config } from '../config';
import { createBookingRepository, type BookingRepository } from '../data/booking-repository';
import { createCatalogRepository, type CatalogRepository } from '../data/catalog-repository';
import { createPractitionerRepository, type PractitionerRepository } from '../data/practitioner-repository';
import { createUserRepository, type UserRepository } from '../data/user-repository';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import { createMailer, type Mailer } from '../platform/mailer';

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
  mailer: Mailer;
}

export function createAppContext(deps: { config: Readonly<Config>; db: Knex; clock: Clock; logger: Logger; mailer?: Mailer }): AppContext {
  return {
    ...deps,
    mailer: deps.mailer ?? createMailer(deps.config.smtpUrl, deps.logger),
    users: createUserRepository(deps.db),
    catalog: createCatalogRepository(deps.db),
    practitioners: createPractitionerRepository(deps.db),
    bookings: createBookingRepository(deps.db),
  };
}
