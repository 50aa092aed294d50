import { notFound } from '../../domain/errors';
import type { Caller } from '../../domain/types';
import type { ServiceRecord } from '../../data/catalog-repository';
import type { Page, PageRequest } from '../../data/pagination';
import type { PractitionerProfile } from '../../data/practitioner-repository';
import type { AppContext } from '../app-context';
import { listServices } from './services';

/** Practitioners as anyone signed in sees them: never their e-mail address. */
export type PublicProfile = Omit<PractitionerProfile, 'email'>;

const publicProfile = ({ email: _email, ...profile }: PractitionerProfile): PublicProfile => profile;

export async function listPractitioners(app: AppContext, page: PageRequest, search?: string): Promise<Page<PublicProfile>> {
  const result = await app.practitioners.list(page, search);
  return { ...result, results: result.results.map(publicProfile) };
}

/** A practitioner's public profile with the services they offer now (their first 100, active only). */
export async function getPractitionerProfile(app: AppContext, caller: Caller, id: number): Promise<PublicProfile & { services: ServiceRecord[] }> {
  const profile = await app.practitioners.find(id);
  if (!profile) throw notFound();
  const services = await listServices(app, caller, { practitionerId: profile.id, isActive: true }, { page: 1, pageSize: 100 });
  return { ...publicProfile(profile), services: services.results };
}
