import type { Knex } from 'knex';
import type { DateOverride, Interval, Schedule, WeeklyRange } from '../domain/availability';
import { fetchPage, type Page, type PageRequest } from './pagination';
import { containsPattern } from './sql';

export interface PractitionerProfile {
  id: number;
  name: string;
  email: string;
  bio: string;
  timezone: string;
}

export interface ScheduleSettings {
  timezone: string;
  buffer_minutes: number;
  min_notice_hours: number;
  max_advance_days: number;
  slot_interval_minutes: number;
}

const hhmm = (time: string): string => time.slice(0, 5);

interface ScheduleRecords {
  weekly: Array<{ weekday: number; start_time: string; end_time: string }>;
  overrides: Array<{ date: string; unavailable: boolean; start_time: string | null; end_time: string | null }>;
  /** Dates, or their ISO text when read as JSON. */
  timeOff: Array<{ start_time: Date | string; end_time: Date | string; reason: string }>;
}

/** The schedule as the availability engine takes it, from its rows (or the same rows read as JSON). */
export function scheduleFromRecords(
  settings: ScheduleSettings,
  weekly: ScheduleRecords['weekly'],
  overrides: ScheduleRecords['overrides'],
  timeOff: ScheduleRecords['timeOff'],
): Schedule {
  return {
    timezone: settings.timezone,
    bufferMinutes: settings.buffer_minutes,
    minNoticeHours: settings.min_notice_hours,
    maxAdvanceDays: settings.max_advance_days,
    slotIntervalMinutes: settings.slot_interval_minutes,
    weeklyHours: weekly.map((w): WeeklyRange => ({ weekday: w.weekday, start: hhmm(w.start_time), end: hhmm(w.end_time) })),
    dateOverrides: overrides.map(
      (o): DateOverride => ({
        date: o.date,
        unavailable: o.unavailable,
        start: o.start_time ? hhmm(o.start_time) : null,
        end: o.end_time ? hhmm(o.end_time) : null,
      }),
    ),
    timeOff: timeOff.map((t): Interval & { reason: string } => ({ start: new Date(t.start_time), end: new Date(t.end_time), reason: t.reason })),
  };
}

export function createPractitionerRepository(db: Knex) {
  const profiles = () =>
    db('practitioners')
      .join('users', 'users.id', 'practitioners.user_id')
      .select('users.id', 'users.name', 'users.email', 'practitioners.bio', 'practitioners.timezone')
      .where('users.is_active', true);

  return {
    async list(page: PageRequest, search?: string): Promise<Page<PractitionerProfile>> {
      const query = profiles().orderBy('users.id');
      if (search) query.whereILike('users.name', containsPattern(search));
      return fetchPage<PractitionerProfile>(query, page);
    },

    async find(id: number): Promise<PractitionerProfile | undefined> {
      return profiles().where('users.id', id).first();
    },

    /** The whole schedule, as the availability engine takes it. */
    async loadSchedule(practitionerId: number, trx?: Knex.Transaction): Promise<Schedule | undefined> {
      const q = trx ?? db;
      const settings: ScheduleSettings | undefined = await q('practitioners').where({ user_id: practitionerId }).first();
      if (!settings) return undefined;
      // One after another, not Promise.all: a transaction is one connection, whose queries must not
      // overlap (pg warns now and pg 9 refuses).
      const weekly = await q('weekly_hours').where({ practitioner_id: practitionerId }).orderBy(['weekday', 'start_time']);
      const overrides = await q('date_overrides')
        .where({ practitioner_id: practitionerId })
        .orderBy(['date', 'start_time'])
        .select('unavailable', 'start_time', 'end_time', q.raw(`to_char(date, 'YYYY-MM-DD') AS date`));
      const timeOff = await q('time_off').where({ practitioner_id: practitionerId }).orderBy('start_time');
      return scheduleFromRecords(settings, weekly, overrides, timeOff);
    },

    /** Replaces the whole schedule in one transaction: a reader never sees half of it. */
    async replaceSchedule(trx: Knex.Transaction, practitionerId: number, schedule: Schedule): Promise<void> {
      await trx('practitioners').where({ user_id: practitionerId }).update({
        timezone: schedule.timezone,
        buffer_minutes: schedule.bufferMinutes,
        min_notice_hours: schedule.minNoticeHours,
        max_advance_days: schedule.maxAdvanceDays,
        slot_interval_minutes: schedule.slotIntervalMinutes,
        // The create path's write checks it (db/migrations/20261205000000_create_in_two_statements.ts).
        schedule_version: trx.raw('schedule_version + 1'),
        updated_at: trx.fn.now(),
      });
      // One connection per transaction: its statements run one after another.
      for (const table of ['weekly_hours', 'date_overrides', 'time_off']) await trx(table).where({ practitioner_id: practitionerId }).delete();
      const rows = <T>(items: T[], map: (item: T) => object) => items.map((item) => ({ practitioner_id: practitionerId, ...map(item) }));
      if (schedule.weeklyHours.length) {
        await trx('weekly_hours').insert(rows(schedule.weeklyHours, (w) => ({ weekday: w.weekday, start_time: w.start, end_time: w.end })));
      }
      if (schedule.dateOverrides.length) {
        await trx('date_overrides').insert(
          rows(schedule.dateOverrides, (o) => ({ date: o.date, unavailable: o.unavailable, start_time: o.start ?? null, end_time: o.end ?? null })),
        );
      }
      if (schedule.timeOff.length) {
        await trx('time_off').insert(
          rows(schedule.timeOff, (t) => ({ start_time: t.start, end_time: t.end, reason: (t as { reason?: string }).reason ?? '' })),
        );
      }
    },
  };
}

export type PractitionerRepository = ReturnType<typeof createPractitionerRepository>;
