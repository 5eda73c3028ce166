import * as v from 'valibot';
import { DateOrRangeSchema, daysBetween, expandDateRange, rangeEnds, weekdayOfDate } from './calendar-dates';
import type { Weekday } from './local-time';

/**
 * A public-holiday schedule written in the rules document, one entry per year, as a government notice
 * gives it: the days off (weekends inside a holiday period included) and the make-up working days (调休).
 * It lets operators add a year the day its notice appears, by publishing rules, without waiting for a
 * package release and a redeploy.
 *
 * ```yaml
 * holidaySchedules:
 *   cn:                       # `holidays: cn` calendars: this wins over the packaged data for 2027
 *     - year: 2027
 *       daysOff: ["2027-01-01..2027-01-03", "2027-02-05..2027-02-11"]
 *       makeUpWorkdays: ["2027-02-14"]
 * ```
 */

/** The years a schedule may name: wide enough for any hotline, narrow enough to catch typos. */
export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2100;

/**
 * Days one year may list, its ranges counted day by day: a year and the December before it. With the
 * limits on entries and years it bounds the work of checking and indexing any document.
 */
const MAX_DAYS_PER_YEAR = 397;
const MAX_ENTRIES_PER_LIST = 100;

const DateListSchema = v.pipe(
  v.array(DateOrRangeSchema, 'a list of dates and ranges of dates'),
  v.maxLength(
    MAX_ENTRIES_PER_LIST,
    `a year lists at most ${MAX_ENTRIES_PER_LIST} dates or ranges in each list`,
  ),
);

/** One year of a schedule. */
export const HolidayYearSchema = v.strictObject(
  {
    year: v.pipe(
      v.number('year is a number, such as 2027'),
      v.integer('year is a whole number, such as 2027'),
      v.minValue(FIRST_YEAR, `year is from ${FIRST_YEAR} to ${LAST_YEAR}`),
      v.maxValue(LAST_YEAR, `year is from ${FIRST_YEAR} to ${LAST_YEAR}`),
    ),
    /** Days off, `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD`: closed all day. */
    daysOff: v.optional(DateListSchema, []),
    /** Saturdays and Sundays worked in exchange (调休): open with the weekday hours. */
    makeUpWorkdays: v.optional(DateListSchema, []),
  },
  'a year of holidays is {year, daysOff: [...], makeUpWorkdays: [...]}; no other keys',
);

/** Years in any order; each year once. Cross-checks are in {@link findHolidayScheduleIssues}. */
export const HolidayScheduleSchema = v.pipe(
  v.array(
    HolidayYearSchema,
    'a holiday schedule is a list of years: [{year: 2027, daysOff: [...], makeUpWorkdays: [...]}]',
  ),
  v.maxLength(LAST_YEAR - FIRST_YEAR + 1, 'a holiday schedule lists each year once'),
);
export type HolidaySchedule = v.InferOutput<typeof HolidayScheduleSchema>;

/** What a holiday table says of one day. */
export type HolidayKind = 'off' | 'make-up';

/**
 * Holiday data indexed for per-call lookups: which years it covers (a date in another year is unknown
 * to it, not an ordinary day) and what it says of each listed day.
 */
export type HolidayTable = {
  readonly years: ReadonlySet<number>;
  readonly days: ReadonlyMap<string, HolidayKind>;
};

/**
 * The checks a schema cannot make, each with the path of the entry: dates in the wrong year, make-up
 * working days that are not weekend days, a day listed as both or twice, a year listed twice.
 * `base` is the schedule's own path, such as `holidaySchedules.cn`.
 */
export function* findHolidayScheduleIssues(
  schedule: HolidaySchedule,
  base: string,
): Generator<{ path: string; message: string }> {
  const yearAt = new Map<number, number>();
  const dayAt = new Map<string, string>();
  for (const [i, entry] of schedule.entries()) {
    const path = `${base}.${i}`;
    const earlier = yearAt.get(entry.year);
    if (earlier !== undefined) {
      yield {
        path: `${path}.year`,
        message: `${entry.year} is listed twice (also at ${base}.${earlier}); merge the two entries`,
      };
    } else yearAt.set(entry.year, i);
    const lists = [
      ['daysOff', entry.daysOff],
      ['makeUpWorkdays', entry.makeUpWorkdays],
    ] as const;
    let days = 0;
    for (const [key, list] of lists) {
      for (const [j, written] of list.entries()) {
        const where = `${path}.${key}.${j}`;
        // Both ends in the year first: this also bounds the days walked below.
        const { first, last } = rangeEnds(written);
        const outside = [first, last].find((date) => !isInScheduleYear(date, entry.year));
        if (outside !== undefined) {
          yield {
            path: where,
            message:
              `${outside} is not in ${entry.year}; a year lists its own days ` +
              '(and days of the December before, as some notices do)',
          };
          continue;
        }
        days += daysBetween(first, last) + 1;
        if (days > MAX_DAYS_PER_YEAR) {
          yield {
            path: where,
            message: `${entry.year} lists more than ${MAX_DAYS_PER_YEAR} days; list each day once`,
          };
          return;
        }
        const problem = findDayProblem(written, key, where, dayAt);
        if (problem !== undefined) yield { path: where, message: problem };
      }
    }
  }
}

/**
 * The first problem of one entry: a make-up day that is not a weekend day, or a day listed before.
 * Records the entry's days in `dayAt` (up to its first problem).
 */
function findDayProblem(
  written: string,
  key: 'daysOff' | 'makeUpWorkdays',
  where: string,
  dayAt: Map<string, string>,
): string | undefined {
  for (const date of expandDateRange(written)) {
    if (key === 'makeUpWorkdays' && !isWeekend(date)) {
      return `${date} is a ${WEEKDAY_NAMES[weekdayOfDate(date)]}; a make-up working day is a Saturday or Sunday`;
    }
    const other = dayAt.get(date);
    if (other === undefined) dayAt.set(date, where);
    else if (other.split('.').at(-2) === key) return `${date} is listed twice (also at ${other})`;
    else return `${date} is listed as both a day off and a make-up working day (also at ${other})`;
  }
  return undefined;
}

/** A notice for year Y covers Y, and sometimes the last days of December before it (2019's did). */
function isInScheduleYear(date: string, year: number): boolean {
  return date.startsWith(`${year}-`) || date.startsWith(`${year - 1}-12-`);
}

const WEEKDAY_NAMES: Readonly<Record<Weekday, string>> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

function isWeekend(date: string): boolean {
  const weekday = weekdayOfDate(date);
  return weekday === 'sat' || weekday === 'sun';
}

/** Indexes a validated schedule (see {@link findHolidayScheduleIssues}) for lookups. */
export function indexHolidaySchedule(schedule: HolidaySchedule): HolidayTable {
  const days = new Map<string, HolidayKind>();
  for (const entry of schedule) {
    for (const written of entry.daysOff) for (const date of expandDateRange(written)) days.set(date, 'off');
    for (const written of entry.makeUpWorkdays)
      for (const date of expandDateRange(written)) days.set(date, 'make-up');
  }
  return { years: new Set(schedule.map((entry) => entry.year)), days };
}
