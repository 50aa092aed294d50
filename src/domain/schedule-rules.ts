import type { WeeklyRange } from './availability';
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
