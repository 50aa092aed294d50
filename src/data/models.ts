import { Model } from 'objection';

// Objection models for the catalog graph (a service with its package items, bundle services and
// sessions). Repositories turn them into plain objects before they leave src/data/.

export class PackageItemModel extends Model {
  static override tableName = 'package_items';
  static override idColumn = ['package_id', 'service_id'];
  package_id!: number;
  service_id!: number;
  quantity!: number;
}

export class BundleServiceModel extends Model {
  static override tableName = 'bundle_services';
  static override idColumn = ['bundle_id', 'service_id'];
  bundle_id!: number;
  service_id!: number;
}

export class ServiceModel extends Model {
  static override tableName = 'services';
  id!: number;
  practitioner_id!: number;
  name!: string;
  description!: string;
  service_type!: string;
  duration_minutes!: number;
  price_cents!: number;
  currency!: string;
  max_participants!: number;
  location_id!: number | null;
  requires_room!: boolean;
  is_active!: boolean;
  cancellation_notice_hours!: number;
  sessions_included!: number | null;
  bonus_sessions!: number | null;
  validity_days!: number | null;
  created_at!: Date;
  updated_at!: Date;
  package_items?: PackageItemModel[];
  bundle_services?: BundleServiceModel[];

  static override relationMappings = () => ({
    package_items: {
      relation: Model.HasManyRelation,
      modelClass: PackageItemModel,
      join: { from: 'services.id', to: 'package_items.package_id' },
    },
    bundle_services: {
      relation: Model.HasManyRelation,
      modelClass: BundleServiceModel,
      join: { from: 'services.id', to: 'bundle_services.bundle_id' },
    },
  });
}

export class LocationModel extends Model {
  static override tableName = 'locations';
  id!: number;
  practitioner_id!: number;
  name!: string;
  address!: string;
  timezone!: string;
  created_at!: Date;
  updated_at!: Date;
}
