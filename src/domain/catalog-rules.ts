/** Who sees what in the catalog. Pure. */
import type { Caller } from './types';

/** An inactive service is seen only by the practitioner who offers it and by admins. */
export function canSeeService(service: { is_active: boolean; practitioner_id: number }, caller: Caller | null): boolean {
  return service.is_active || caller?.role === 'admin' || caller?.id === service.practitioner_id;
}

/** The same rule as a filter for lists: everything for an admin, else active ones and the caller's own. */
export function serviceVisibility(caller: Caller): { includeInactive: boolean; ownerId: number } {
  return { includeInactive: caller.role === 'admin', ownerId: caller.id };
}
