import { aBooking } from './builders';
import { startFakeStripe, type FakeStripe } from './fake-stripe';
import { DEFAULT_NOW, startHarness, type Harness } from './harness';
import { aCast, someStrangers, type Cast, type Strangers } from './lifecycle-fixtures';
import { deleteRedisKeys } from './workers';

export type PaidBooking = { id: number; public_uuid: string; [key: string]: unknown };

export interface FakeStripeSuite {
  readonly fake: FakeStripe;
  readonly h: Harness;
  readonly strangers: Strangers;
  /** Fresh before each test, with the client's unpaid booking at `start` and its payment intent id. */
  readonly cast: Cast;
  readonly booking: PaidBooking;
  readonly pi: string;
}

/**
 * The hooks of the files that pay through a fake Stripe with real workers: the fake, one harness for
 * the file pointed at it (Stripe keys, plus `env`), strangers, the workers `startWorkers` starts
 * (stopped before the harness closes), the clock back at DEFAULT_NOW after each test; before each
 * test a fresh cast and its client's booking at `start`. Read the fields inside tests and hooks.
 */
export function fakeStripeSuite(options: { env: Record<string, string>; start: string; startWorkers: (h: Harness) => Promise<{ close: () => Promise<void> }> }): FakeStripeSuite {
  let fake: FakeStripe | undefined;
  let harness: Harness | undefined;
  let strangers: Strangers | undefined;
  let workers: { close: () => Promise<void> } | undefined;
  let cast: Cast | undefined;
  let booking: PaidBooking | undefined;
  before(async () => {
    fake = await startFakeStripe();
    harness = await startHarness({ env: { STRIPE_SECRET_KEY: 'sk_test_x', PAYMENT_WEBHOOK_SECRET: 'whsec_dev', STRIPE_API_URL: fake.url, ...options.env } });
    strangers = await someStrangers(harness);
    workers = await options.startWorkers(harness);
  });
  after(async () => {
    await workers?.close();
    if (harness) {
      await deleteRedisKeys(harness.config.redisUrl, harness.config.queuePrefix);
      await harness.close();
    }
    await fake?.close();
  });
  afterEach(() => harness?.clock.set(DEFAULT_NOW));
  beforeEach(async () => {
    cast = await aCast(harness!, strangers!);
    booking = await aBooking(harness!, cast.client, cast, options.start);
  });
  return {
    get fake() {
      return fake!;
    },
    get h() {
      return harness!;
    },
    get strangers() {
      return strangers!;
    },
    get cast() {
      return cast!;
    },
    get booking() {
      return booking!;
    },
    get pi() {
      return (booking!.payment as { client_secret: string }).client_secret.split('_secret_')[0]!;
    },
  };
}
