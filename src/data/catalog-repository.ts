import type { Knex } from 'knex';
import { conflict } from '../domain/errors';
import type { ServiceType } from '../domain/types';
import { LocationModel, ServiceModel } from './models';
import { fetchPage, type Page, type PageRequest } from './pagination';

export interface ServiceRecord {
  id: number;
  practitioner_id: number;
  name: string;
  description: string;
  service_type: ServiceType;
  duration_minutes: number;
  price_cents: number;
  currency: string;
  max_participants: number;
  location_id: number | null;
  /** Every booking and session of it takes one room of its location (docs/api-conventions.md#rooms-and-pricing). */
  requires_room: boolean;
  is_active: boolean;
  cancellation_notice_hours: number;
  sessions_included: number | null;
  bonus_sessions: number | null;
  validity_days: number | null;
  created_at: Date;
  updated_at: Date;
  included_services: Array<{ service_id: number; quantity: number }>;
  bundle_service_ids: number[];
}

export type ServiceColumns = Partial<
  Omit<ServiceRecord, 'id' | 'created_at' | 'updated_at' | 'included_services' | 'bundle_service_ids'>
>;

export interface ServiceGraphInput {
  columns: ServiceColumns;
  includedServices?: Array<{ service_id: number; quantity: number }>;
  bundleServiceIds?: number[];
}

export interface SessionRecord {
  id: number;
  service_id: number;
  start_time: Date;
  end_time: Date;
  /** end_time plus the practitioner's current buffer: the range this session blocks. */
  blocked_until: Date;
  max_participants: number;
  seats_taken: number;
  /** The room it holds, for a service that requires one. */
  room_id: number | null;
  created_at: Date;
}

export interface LocationRecord {
  id: number;
  practitioner_id: number;
  name: string;
  address: string;
  timezone: string;
  created_at: Date;
  updated_at: Date;
}

function toServiceRecord(model: ServiceModel): ServiceRecord {
  const { package_items, bundle_services, ...columns } = model.toJSON() as ServiceModel;
  return {
    ...(columns as Omit<ServiceRecord, 'included_services' | 'bundle_service_ids'>),
    included_services: (package_items ?? []).map((i) => ({ service_id: i.service_id, quantity: i.quantity })),
    bundle_service_ids: (bundle_services ?? []).map((b) => b.service_id),
  };
}

// Always bind the query to this repository's database: Model.knex() is one per process.
const withGraph = (q: Knex | Knex.Transaction) =>
  ServiceModel.query(q).withGraphFetched('[package_items(ordered), bundle_services]').modifiers({
    ordered: (qb) => qb.orderBy('service_id'),
  });

export function createCatalogRepository(db: Knex) {
  async function replaceServiceItems(trx: Knex.Transaction, serviceId: number, input: ServiceGraphInput): Promise<void> {
    if (input.includedServices) {
      await trx('package_items').where({ package_id: serviceId }).delete();
      if (input.includedServices.length) {
        await trx('package_items').insert(input.includedServices.map((i) => ({ package_id: serviceId, ...i })));
      }
    }
    if (input.bundleServiceIds) {
      await trx('bundle_services').where({ bundle_id: serviceId }).delete();
      if (input.bundleServiceIds.length) {
        await trx('bundle_services').insert(input.bundleServiceIds.map((id) => ({ bundle_id: serviceId, service_id: id })));
      }
    }
  }

  return {
    async findService(id: number, trx?: Knex.Transaction): Promise<ServiceRecord | undefined> {
      const model = await withGraph(trx ?? db).findById(id);
      return model ? toServiceRecord(model) : undefined;
    },

    async findServicesByIds(ids: number[]): Promise<ServiceRecord[]> {
      if (!ids.length) return [];
      const models = await withGraph(db).whereIn('id', ids);
      return models.map(toServiceRecord);
    },

    async listServices(
      filter: { practitionerId?: number; serviceType?: ServiceType; isActive?: boolean; ownerId?: number; includeInactive?: boolean },
      page: PageRequest,
    ): Promise<Page<ServiceRecord>> {
      const query = db('services').select('id').orderBy('id');
      if (filter.practitionerId !== undefined) query.where({ practitioner_id: filter.practitionerId });
      if (filter.serviceType) query.where({ service_type: filter.serviceType });
      if (filter.isActive !== undefined) query.where({ is_active: filter.isActive });
      // Inactive services are visible to their owner (and admins) only.
      if (!filter.includeInactive) {
        query.where((q) => {
          q.where({ is_active: true });
          if (filter.ownerId !== undefined) q.orWhere({ practitioner_id: filter.ownerId });
        });
      }
      const { count, results } = await fetchPage<{ id: number }>(query, page);
      const models = results.length ? await withGraph(db).whereIn('id', results.map((r) => r.id)).orderBy('id') : [];
      return { count, results: models.map(toServiceRecord) };
    },

    async insertService(trx: Knex.Transaction, input: ServiceGraphInput): Promise<number> {
      const [row] = await trx('services').insert(input.columns).returning('id');
      await replaceServiceItems(trx, row.id, input);
      return row.id;
    },

    async updateService(trx: Knex.Transaction, id: number, input: ServiceGraphInput): Promise<void> {
      if (Object.keys(input.columns).length) {
        await trx('services').where({ id }).update({ ...input.columns, updated_at: trx.fn.now() });
      }
      await replaceServiceItems(trx, id, input);
    },

    async deleteService(id: number): Promise<void> {
      try {
        await db('services').where({ id }).delete();
      } catch (error) {
        if ((error as { code?: string }).code === '23503') {
          throw conflict('service_in_use', 'This service has bookings or belongs to a package or bundle; deactivate it instead (is_active: false).');
        }
        throw error;
      }
    },

    async listSessions(serviceId: number, page: PageRequest, from?: Date): Promise<Page<SessionRecord>> {
      const query = db('service_sessions').where({ service_id: serviceId }).orderBy([{ column: 'start_time' }, { column: 'id' }]);
      if (from) query.where('end_time', '>', from);
      return fetchPage<SessionRecord>(query, page);
    },

    /** Every session of a service that starts after `from`, in start order. */
    async sessionsStartingAfter(serviceId: number, from: Date): Promise<SessionRecord[]> {
      return db('service_sessions').where({ service_id: serviceId }).where('start_time', '>', from).orderBy([{ column: 'start_time' }, { column: 'id' }]);
    },

    async findSession(id: number, trx?: Knex.Transaction): Promise<SessionRecord | undefined> {
      return (trx ?? db)('service_sessions').where({ id }).first();
    },

    async insertSession(
      trx: Knex.Transaction,
      session: { service_id: number; start_time: Date; end_time: Date; blocked_until: Date; max_participants: number; room_id: number | null },
    ): Promise<SessionRecord> {
      const [row] = await trx('service_sessions').insert(session).returning('*');
      return row;
    },

    /**
     * Takes one seat if one is free: the conditional update is the capacity check (no read-then-write).
     * A seat freed while people wait for it is theirs: only the waitlist's offer (`forWaitlist`) may take
     * it then (joining and leaving lock the session row this update locks, so the check is atomic).
     */
    async takeSeat(trx: Knex.Transaction, sessionId: number, options: { forWaitlist?: boolean } = {}): Promise<boolean> {
      const query = trx('service_sessions').where({ id: sessionId }).andWhere('seats_taken', '<', trx.ref('max_participants'));
      if (!options.forWaitlist) {
        query.whereNotExists(trx('waitlist_entries').select(trx.raw('1')).where({ service_session_id: sessionId, status: 'waiting' }));
      }
      const updated = await query.increment('seats_taken', 1);
      return updated === 1;
    },

    /** A session's seat count, changed under its row lock (see setSessionCapacity's caller). */
    async setSessionCapacity(trx: Knex.Transaction, sessionId: number, maxParticipants: number): Promise<SessionRecord> {
      const [row] = await trx('service_sessions').where({ id: sessionId }).update({ max_participants: maxParticipants, updated_at: trx.fn.now() }).returning('*');
      return row;
    },

    /**
     * One seat in each of these sessions, all or none: the rows are locked in id order (two buyers of
     * one course queue up instead of deadlocking), then each gains a seat only if it has one free.
     * Returns the sessions that were full (nothing is taken then; the caller rolls back).
     */
    async takeSeats(trx: Knex.Transaction, sessionIds: number[]): Promise<number[]> {
      if (!sessionIds.length) return [];
      await trx('service_sessions').select('id').whereIn('id', sessionIds).orderBy('id').forUpdate();
      const taken: Array<{ id: number }> = await trx('service_sessions')
        .whereIn('id', sessionIds)
        .andWhere('seats_taken', '<', trx.ref('max_participants'))
        .update({ seats_taken: trx.raw('seats_taken + 1'), updated_at: trx.fn.now() })
        .returning('id');
      const got = new Set(taken.map((t) => t.id));
      return sessionIds.filter((id) => !got.has(id));
    },

    /**
     * Locks every session of a course parent's components in id order, the order takeSeats locks them
     * in. A cancel then gives the seats back (its own, then its children's, one by one in child order)
     * without ever waiting for a session a buyer of the same course holds while that buyer waits for one
     * the cancel holds.
     */
    async lockParentSessions(trx: Knex.Transaction, parentId: number): Promise<void> {
      const sessionIds = trx('booking_components').select('service_session_id').where({ parent_booking_id: parentId }).whereNotNull('service_session_id');
      await trx('service_sessions').select('id').whereIn('id', sessionIds).orderBy('id').forUpdate();
    },

    /** Gives back the seats a course parent still holds itself: its components no child has taken over. */
    async releaseUnexpandedSeats(trx: Knex.Transaction, parentId: number): Promise<number> {
      const held = trx('booking_components as c')
        .select('c.service_session_id')
        .where('c.parent_booking_id', parentId)
        .whereNotNull('c.service_session_id')
        .whereNotExists(trx('bookings as b').select(trx.raw('1')).whereRaw('b.parent_booking_id = c.parent_booking_id AND b.component_key = c.component_key'));
      const sessions = await trx('service_sessions').select('id').whereIn('id', held).orderBy('id').forUpdate();
      if (!sessions.length) return 0;
      return trx('service_sessions')
        .whereIn('id', sessions.map((s: { id: number }) => s.id))
        .andWhere('seats_taken', '>', 0)
        .decrement('seats_taken', 1);
    },

    async releaseSeat(trx: Knex.Transaction, sessionId: number): Promise<void> {
      await trx('service_sessions').where({ id: sessionId }).andWhere('seats_taken', '>', 0).decrement('seats_taken', 1);
    },

    async listLocations(filter: { practitionerId?: number }, page: PageRequest): Promise<Page<LocationRecord>> {
      const query = LocationModel.query(db).orderBy('id').toKnexQuery();
      if (filter.practitionerId !== undefined) query.where({ practitioner_id: filter.practitionerId });
      return fetchPage<LocationRecord>(query, page);
    },

    async findLocation(id: number, q: Knex | Knex.Transaction = db): Promise<LocationRecord | undefined> {
      return q('locations').where({ id }).first();
    },

    async insertLocation(location: Omit<LocationRecord, 'id' | 'created_at' | 'updated_at'>): Promise<LocationRecord> {
      const [row] = await db('locations').insert(location).returning('*');
      return row;
    },

    async updateLocation(id: number, changes: Partial<Pick<LocationRecord, 'name' | 'address' | 'timezone'>>): Promise<LocationRecord> {
      const [row] = await db('locations').where({ id }).update({ ...changes, updated_at: db.fn.now() }).returning('*');
      return row;
    },

    async deleteLocation(id: number, q: Knex | Knex.Transaction = db): Promise<void> {
      // Its services no longer have a location, so they cannot require a room there.
      await q('services').where({ location_id: id }).update({ requires_room: false });
      await q('locations').where({ id }).delete();
    },
  };
}

export type CatalogRepository = ReturnType<typeof createCatalogRepository>;
