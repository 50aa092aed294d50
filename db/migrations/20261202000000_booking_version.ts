import type { Knex } from 'knex';

// docs/api-conventions.md#booking-versions: a booking carries `version`, 1 at creation and +1 on every change (written by the
// booking repository's update path). Calendar feeds publish it as the event's SEQUENCE.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE bookings ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE bookings DROP COLUMN IF EXISTS version');
}
