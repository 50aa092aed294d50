import type { Knex } from 'knex';
import type { EventType } from '../domain/booking-events';
import { fetchPage, type Page, type PageRequest } from './pagination';

export interface WebhookEndpointRow {
  id: number;
  owner_id: number;
  practitioner_id: number | null;
  url: string;
  description: string;
  events: EventType[];
  is_active: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveryRow {
  id: number;
  endpoint_id: number;
  event_id: number;
  event_type: EventType;
  status: DeliveryStatus;
  attempts: number;
  last_response_code: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
}

const ENDPOINT_COLUMNS = ['id', 'owner_id', 'practitioner_id', 'url', 'description', 'events', 'is_active', 'disabled_reason', 'disabled_at', 'failing_since', 'created_at', 'updated_at'];
const DELIVERY_COLUMNS = [
  'd.id',
  'd.endpoint_id',
  'd.event_id',
  'e.type as event_type',
  'd.status',
  'd.attempts',
  'd.last_response_code',
  'd.last_error',
  'd.last_attempt_at',
  'd.next_attempt_at',
  'd.delivered_at',
  'd.created_at',
];

/** Webhook endpoints and their deliveries. Reads by owner are scoped to the owner: another's id is not found. */
export function createWebhookRepository(db: Knex) {
  return {
    async insertEndpoint(
      input: Pick<WebhookEndpointRow, 'owner_id' | 'practitioner_id' | 'url' | 'description' | 'events'> & { secret_ciphertext: string; created_at: Date },
    ): Promise<WebhookEndpointRow> {
      const [row] = await db('webhook_endpoints')
        .insert({ ...input, updated_at: input.created_at })
        .returning(ENDPOINT_COLUMNS);
      return row;
    },

    async listEndpoints(ownerId: number, page: PageRequest): Promise<Page<WebhookEndpointRow>> {
      return fetchPage<WebhookEndpointRow>(db('webhook_endpoints').select(ENDPOINT_COLUMNS).where({ owner_id: ownerId }).orderBy('id', 'desc'), page);
    },

    async findEndpoint(ownerId: number, id: number): Promise<WebhookEndpointRow | undefined> {
      return db('webhook_endpoints').select(ENDPOINT_COLUMNS).where({ owner_id: ownerId, id }).first();
    },

    /** Applies the changes; re-enabling clears the disabled state and the failure streak. */
    async updateEndpoint(ownerId: number, id: number, changes: Partial<Pick<WebhookEndpointRow, 'url' | 'events' | 'is_active' | 'description'>> & { secret_ciphertext?: string }, now: Date) {
      const reenable = changes.is_active === true ? { disabled_reason: null, disabled_at: null, failing_since: null } : {};
      const [row] = await db('webhook_endpoints')
        .where({ owner_id: ownerId, id })
        .update({ ...changes, ...reenable, updated_at: now })
        .returning(ENDPOINT_COLUMNS);
      return row as WebhookEndpointRow | undefined;
    },

    async deleteEndpoint(ownerId: number, id: number): Promise<boolean> {
      return (await db('webhook_endpoints').where({ owner_id: ownerId, id }).delete()) > 0;
    },

    /** Active endpoints that want this event of a booking: the practitioner's own, and every admin's. */
    async listening(trxOrDb: Knex | Knex.Transaction, practitionerId: number, type: EventType): Promise<Array<{ id: number }>> {
      return trxOrDb('webhook_endpoints')
        .select('id')
        .where({ is_active: true })
        .whereRaw('? = ANY (events)', [type])
        .andWhere((q) => q.whereNull('practitioner_id').orWhere({ practitioner_id: practitionerId }));
    },

    /** The active endpoints that want any of `types` for this practitioner's bookings, with the events each wants. */
    async listeningToAny(q: Knex | Knex.Transaction, practitionerId: number, types: EventType[]): Promise<Array<{ id: number; events: EventType[] }>> {
      return q('webhook_endpoints')
        .select('id', 'events')
        .where({ is_active: true })
        .whereRaw('events && ?::text[]', [types])
        .andWhere((w) => w.whereNull('practitioner_id').orWhere({ practitioner_id: practitionerId }));
    },

    /** One delivery per (endpoint, event); returns the ids of those that did not exist yet. */
    async insertDeliveries(trx: Knex.Transaction, rows: Array<{ endpoint_id: number; event_id: number; body: string; created_at: Date }>): Promise<number[]> {
      if (!rows.length) return [];
      const inserted: Array<{ id: number }> = await trx('webhook_deliveries').insert(rows).onConflict(['endpoint_id', 'event_id']).ignore().returning('id');
      return inserted.map((r) => r.id);
    },

    async listDeliveries(endpointId: number, page: PageRequest): Promise<Page<WebhookDeliveryRow>> {
      const query = db('webhook_deliveries as d').join('booking_events as e', 'e.id', 'd.event_id').select(DELIVERY_COLUMNS).where('d.endpoint_id', endpointId).orderBy('d.id', 'desc');
      return fetchPage<WebhookDeliveryRow>(query, page, db('webhook_deliveries as d').where('d.endpoint_id', endpointId));
    },

    async findDelivery(endpointId: number, id: number, q: Knex | Knex.Transaction = db): Promise<WebhookDeliveryRow | undefined> {
      return q('webhook_deliveries as d').join('booking_events as e', 'e.id', 'd.event_id').select(DELIVERY_COLUMNS).where({ 'd.endpoint_id': endpointId, 'd.id': id }).first();
    },

    /** A delivery with what sending it needs: its body, and its endpoint's URL, sealed secret and state. */
    async loadForSending(id: number): Promise<
      | { id: number; event_id: number; body: string; status: DeliveryStatus; endpoint_id: number; url: string; secret_ciphertext: string; is_active: boolean; owner_id: number }
      | undefined
    > {
      return db('webhook_deliveries as d')
        .join('webhook_endpoints as w', 'w.id', 'd.endpoint_id')
        .where('d.id', id)
        .first('d.id', 'd.event_id', 'd.body', 'd.status', 'd.endpoint_id', 'w.url', 'w.secret_ciphertext', 'w.is_active', 'w.owner_id');
    },

    /** Records one try; only a pending delivery moves (a delivered one stays delivered whatever a late retry says). */
    async recordAttempt(
      trx: Knex.Transaction,
      id: number,
      attempt: { status: DeliveryStatus; responseCode: number | null; error: string | null; at: Date; nextAttemptAt: Date | null },
    ): Promise<boolean> {
      const updated = await trx('webhook_deliveries')
        .where({ id, status: 'pending' })
        .update({
          status: attempt.status,
          attempts: trx.raw('attempts + 1'),
          last_response_code: attempt.responseCode,
          last_error: attempt.error,
          last_attempt_at: attempt.at,
          next_attempt_at: attempt.nextAttemptAt,
          ...(attempt.status === 'delivered' ? { delivered_at: attempt.at } : {}),
        });
      return updated > 0;
    },

    /** Marks a delivery that will not be tried (its endpoint is disabled) failed. */
    async failPending(id: number, reason: string, at: Date): Promise<void> {
      await db('webhook_deliveries').where({ id, status: 'pending' }).update({ status: 'failed', last_error: reason, last_attempt_at: at, next_attempt_at: null });
    },

    /** A finished delivery (delivered or failed) goes back to pending for one more round of tries; false when it is still pending. */
    async reopen(trx: Knex.Transaction, endpointId: number, id: number, at: Date): Promise<boolean> {
      const updated = await trx('webhook_deliveries').where({ id, endpoint_id: endpointId }).whereIn('status', ['delivered', 'failed']).update({ status: 'pending', next_attempt_at: at });
      return updated > 0;
    },

    async markEndpointHealthy(trx: Knex.Transaction, endpointId: number): Promise<void> {
      await trx('webhook_endpoints').where({ id: endpointId }).whereNotNull('failing_since').update({ failing_since: null });
    },

    /** Starts the failure streak if none is running; returns the endpoint's state after. */
    async markEndpointFailing(trx: Knex.Transaction, endpointId: number, at: Date): Promise<{ failing_since: Date; is_active: boolean; owner_id: number; url: string } | undefined> {
      const [row] = await trx('webhook_endpoints')
        .where({ id: endpointId })
        .update({ failing_since: trx.raw('COALESCE(failing_since, ?)', [at]) })
        .returning(['failing_since', 'is_active', 'owner_id', 'url']);
      return row;
    },

    /** Disables an active endpoint; false when it already was. */
    async disableEndpoint(trx: Knex.Transaction, endpointId: number, reason: string, at: Date): Promise<boolean> {
      const updated = await trx('webhook_endpoints').where({ id: endpointId, is_active: true }).update({ is_active: false, disabled_reason: reason, disabled_at: at, updated_at: at });
      return updated > 0;
    },

    /** Deliveries by status, for /metrics. */
    async countDeliveriesByStatus(): Promise<Record<DeliveryStatus, number>> {
      const rows: Array<{ status: DeliveryStatus; n: string }> = await db('webhook_deliveries').select('status').count({ n: '*' }).groupBy('status');
      const counts: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0 };
      for (const row of rows) counts[row.status] = Number(row.n);
      return counts;
    },
  };
}

export type WebhookRepository = ReturnType<typeof createWebhookRepository>;

/** The in-app notice an endpoint's owner gets when it is disabled (one per disabling). */
export async function recordEndpointDisabledNotice(trx: Knex.Transaction, notice: { ownerId: number; endpointId: number; url: string; reason: string; at: Date }): Promise<void> {
  await trx('notifications')
    .insert({
      user_id: notice.ownerId,
      booking_id: null,
      kind: 'webhook_endpoint_disabled',
      event: 'webhook_endpoint.disabled',
      dedupe_key: `webhook-endpoint-disabled:${notice.endpointId}:${notice.at.toISOString()}`,
      subject: 'Webhook endpoint disabled',
      body: `Your webhook endpoint ${notice.url} (id ${notice.endpointId}) was disabled: ${notice.reason} Fix the receiver, then enable it again (PATCH is_active: true) and redeliver what it missed.`,
      channel: 'in_app',
      created_at: notice.at,
    })
    .onConflict('dedupe_key')
    .ignore();
}
