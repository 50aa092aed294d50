import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { QueueName } from '../../src/jobs/job-contracts';
import { signWebhookPayload } from '../../src/domain/webhook-signature';
import type { Harness } from './harness';
import { eventually, openQueues } from './workers';

export const WEBHOOK = '/api/v1/webhooks/payments/';

export interface ProviderEventBody {
  id: string;
  type: string;
  data: { object: Record<string, unknown> };
}

const unique = () => randomBytes(6).toString('hex');

/** A provider event as docs/api-conventions.md#payment-webhooks describes it; booking_id is a string, as Stripe metadata values are. */
export function anEvent(type: string, object: { bookingRef?: string | number | null; id?: string } & Record<string, unknown>): ProviderEventBody {
  const { bookingRef, id, ...rest } = object;
  return {
    id: `evt_${unique()}`,
    type,
    data: {
      object: {
        id: id ?? `pi_${unique()}`,
        ...(bookingRef === undefined || bookingRef === null ? {} : { metadata: { booking_id: String(bookingRef) } }),
        ...rest,
      },
    },
  };
}

export const succeeded = (bookingRef: string | number | null, amount: number, pi?: string) =>
  anEvent('payment_intent.succeeded', { bookingRef, amount_received: amount, amount, ...(pi ? { id: pi } : {}) });

export const paymentFailed = (bookingRef: string | number, amount: number, pi?: string) =>
  anEvent('payment_intent.payment_failed', { bookingRef, amount, last_payment_error: { message: 'Your card was declined.' }, ...(pi ? { id: pi } : {}) });

/** charge.refunded reports the charge's cumulative amount_refunded. */
export const chargeRefunded = (bookingRef: string | number, amount: number, amountRefunded: number, pi?: string) =>
  anEvent('charge.refunded', { bookingRef, id: `ch_${unique()}`, amount, amount_refunded: amountRefunded, ...(pi ? { payment_intent: pi } : {}) });

/** POSTs the raw body with a Stripe-Signature header (signed with the first configured secret at h's clock unless told otherwise). */
export function postWebhook(h: Harness, body: string | ProviderEventBody, options: { secret?: string; at?: Date; header?: string | null } = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const header = options.header === undefined ? signWebhookPayload(raw, options.secret ?? h.config.paymentWebhookSecrets[0]!, options.at ?? h.clock.now()) : options.header;
  const req = h.http.post(WEBHOOK).set('Content-Type', 'application/json');
  if (header !== null) req.set('Stripe-Signature', header);
  return req.send(raw);
}

/** Delivers an event and expects the 200 acknowledgement. */
export async function deliver(h: Harness, event: ProviderEventBody): Promise<void> {
  const res = await postWebhook(h, event);
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  expect(res.body.received).to.equal(true);
}

export const eventRow = (h: Harness, providerEventId: string) => h.app.db('payment_events').where({ provider_event_id: providerEventId }).first();

/** Waits until the payments worker has applied the event, and returns its row. */
export const applied = (h: Harness, providerEventId: string) =>
  eventually(async () => {
    const row = await eventRow(h, providerEventId);
    expect(row?.processed_at, `event ${providerEventId} applied`).to.be.instanceOf(Date);
    return row;
  });

export const ledgerOf = (h: Harness, bookingId: number) => h.app.db('payments').where({ booking_id: bookingId }).orderBy('id');

export const bookingRow = (h: Harness, bookingId: number) => h.app.db('bookings').where({ id: bookingId }).first();

export const countRows = async (h: Harness, table: string): Promise<number> => Number((await h.app.db(table).count({ n: '*' }).first())!.n);

/** The outbox rows recorded for one job name (payload matched on bookingId when given). */
export async function outboxJobs(h: Harness, name: string, bookingId?: number) {
  const rows = await h.app.db('outbox').where({ job_name: name }).orderBy('id');
  return bookingId === undefined ? rows : rows.filter((r: { payload: { bookingId?: number } }) => r.payload.bookingId === bookingId);
}

/** Runs a delayed job now: its time has come by the test's clock, not yet by the wall clock. */
export async function promoteDelayedJob(h: Harness, queue: QueueName, name: string, bookingId: number): Promise<void> {
  const { queues, close } = openQueues(h);
  try {
    const job = await eventually(async () => {
      const found = (await queues[queue].getDelayed()).find((j) => j.name === name && j.data.bookingId === bookingId);
      expect(found, `a delayed ${queue}/${name} job for booking ${bookingId}`).to.not.equal(undefined);
      return found!;
    });
    await job.promote();
  } finally {
    await close();
  }
}
