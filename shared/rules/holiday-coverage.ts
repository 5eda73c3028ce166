import { addDays, daysBetween } from '../calendar/calendar-dates';
import type { NoHolidayDataPolicy } from '../calendar/calendar-schema';
import { CHINA } from '../calendar/china-holidays';
import { coversYear } from '../calendar/is-open';
import type { CompiledRules } from './compile-rules';

/**
 * How far ahead a missing year of holiday data is announced (status, `rules check`): long enough for an
 * operator to publish a schedule the State Council has just released, which it does weeks ahead.
 */
export const HOLIDAY_WARNING_DAYS = 45;

/** A calendar whose holiday data ends before a date within the warning window. */
export type HolidayDataShortfall = MissingHolidayYear & {
  /** The year's first day. */
  readonly from: string;
  /** Days from today to `from`: 0 when the year has begun and calls are judged without data already. */
  readonly inDays: number;
};

/**
 * Every calendar with holidays whose data does not cover a date from today to `horizonDays` ahead, one
 * entry per missing year. `todayIn` gives today's date in a zone (each calendar is read in its own), so
 * the function stays pure: the status passes the clock, `rules check` the `--at` date.
 */
export function findHolidayDataShortfalls(
  compiled: CompiledRules,
  todayIn: (timezone: string) => string,
  horizonDays: number = HOLIDAY_WARNING_DAYS,
): HolidayDataShortfall[] {
  const found: HolidayDataShortfall[] = [];
  for (const [calendar, { calendar: written, holidays, timezone }] of compiled.calendars) {
    if (holidays === undefined) continue;
    const today = todayIn(timezone);
    const last = addDays(today, horizonDays);
    for (let year = Number(today.slice(0, 4)); year <= Number(last.slice(0, 4)); year++) {
      if (coversYear(holidays, year)) continue;
      const from = `${String(year).padStart(4, '0')}-01-01`;
      const inDays = Math.max(0, daysBetween(today, from));
      found.push({
        calendar,
        holidays: written.holidays,
        year,
        from,
        inDays,
        policy: holidays.noHolidayData,
      });
    }
  }
  return found;
}

/** The policy as docs/rules.md and traces name it: `weekly`, `closed` or `flow NAME`. */
export function describeNoHolidayData(policy: NoHolidayDataPolicy): string {
  return typeof policy === 'object' ? `flow ${policy.flow}` : policy;
}

/** What a calendar's holidays rest on, for the status and the CLI. */
export type HolidayCoverage = {
  readonly holidays: string;
  readonly timezone: string;
  /** Years of the packaged data in this build (`holidays: cn`), in order. */
  readonly packagedYears: readonly number[];
  /** Years of the document's schedule, which win over the packaged data, in order. */
  readonly documentYears: readonly number[];
  readonly noHolidayData: string;
};

/** Each calendar with holidays, and the years its data covers. */
export function describeHolidayCoverage(compiled: CompiledRules): Record<string, HolidayCoverage> {
  const sorted = (years: ReadonlySet<number> | undefined) => [...(years ?? [])].sort((a, b) => a - b);
  const described: Record<string, HolidayCoverage> = {};
  for (const [name, { calendar, holidays, timezone }] of compiled.calendars) {
    if (holidays === undefined) continue;
    described[name] = {
      holidays: calendar.holidays,
      timezone,
      packagedYears: sorted(holidays.packaged?.years),
      documentYears: sorted(holidays.document?.years),
      noHolidayData: describeNoHolidayData(holidays.noHolidayData),
    };
  }
  return described;
}

/** A calendar meeting a year no holiday data covers, and the policy that judges it meanwhile. */
export type MissingHolidayYear = {
  readonly calendar: string;
  /** The calendar's `holidays`: `cn` or the name of a document schedule. */
  readonly holidays: string;
  readonly year: number;
  readonly policy: NoHolidayDataPolicy;
};

/** What an operator does about a missing year: the one wording for the log, the status and `check`. */
export function describeMissingYear(missing: MissingHolidayYear, when = ''): string {
  const { calendar, holidays, year, policy } = missing;
  return (
    `calendar ${calendar} has no holiday data for ${year}${when}: ` +
    `calls are judged by noHolidayData ${describeNoHolidayData(policy)}; ` +
    `add ${year} to holidaySchedules.${holidays} once its schedule is published` +
    (holidays === CHINA ? ', or update chinese-days and redeploy' : '')
  );
}

/** One line an operator can act on, for a shortfall (status warnings, logs, `rules check`). */
export function describeShortfall(shortfall: HolidayDataShortfall): string {
  const { from, inDays } = shortfall;
  const when = inDays === 0 ? `since ${from}` : `from ${from}, in ${inDays} ${inDays === 1 ? 'day' : 'days'}`;
  return describeMissingYear(shortfall, ` (${when})`);
}

/** `2004–2026, 2028`: runs of years, for one line of a terminal. */
export function formatYearRuns(years: readonly number[]): string {
  const runs: string[] = [];
  let start = years[0];
  for (let i = 0; start !== undefined && i < years.length; i++) {
    const year = years[i] as number;
    const next = years[i + 1];
    if (next !== year + 1) {
      runs.push(start === year ? String(year) : `${start}–${year}`);
      start = next;
    }
  }
  return runs.length === 0 ? 'none' : runs.join(', ');
}
