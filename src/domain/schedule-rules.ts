import type { DateOverride, WeeklyRange } from './availability';
import { invalid } from './errors';

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** Ranges of one key (a weekday, a date) must not overlap; touching (09:00–12:00, 12:00–13:00) is fine. */
export function assertNoOverlappingRanges<T extends { start: string; end: string }>(field: string, ranges: T[], keyOf: (range: T) => string | number): void {
  const byKey = new Map<string | number, T[]>();
  for (const range of ranges) byKey.set(keyOf(range), [...(byKey.get(keyOf(range)) ?? []), range]);
  for (const [key, group] of byKey) {
    const sorted = [...group].sort((a, b) => minutes(a.start) - minutes(b.start));
    for (let i = 1; i < sorted.length; i++) {
      const previous = sorted[i - 1]!;
      const current = sorted[i]!;
      if (minutes(current.start) < minutes(previous.end)) {
        const detail = `Overlapping ranges on ${key}: ${previous.start}-${previous.end} and ${current.start}-${current.end}.`;
        throw invalid(detail, { [field]: [detail] });
      }
    }
  }
}

export const assertWeeklyHoursDoNotOverlap = (ranges: WeeklyRange[]): void =>
  assertNoOverlappingRanges('weekly_hours', ranges, (r) => `weekday ${r.weekday}`);

/** A date is either closed or open for some hours: a closed override beside any other override of its date is ambiguous. */
export function assertClosedDatesStandAlone(overrides: DateOverride[]): void {
  const closed = new Set(overrides.filter((o) => o.unavailable).map((o) => o.date));
  const clash = [...closed].find((date) => overrides.filter((o) => o.date === date).length > 1);
  if (clash) {
    const detail = `${clash} is marked unavailable and has other overrides; send one or the other.`;
    throw invalid(detail, { date_overrides: [detail] });
  }
}
