/**
 * China's statutory public holidays and make-up working days (调休), from the `chinese-days` package. The
 * State Council publishes each year's schedule around November of the year before, so the data ends with
 * the next year at best; a year beyond it is *unknown*, never an ordinary year (see `noHolidayData`), and
 * a rules document can supply it itself (`holidaySchedules.cn`). In the function bundles
 * `holidayDataPlugin` (scripts/build/esbuild-holiday-data.ts) swaps this JSON for a copy with every year from
 * the year before the build on and no names, keeping its shape; tests and the CLI read the full file.
 */
import chineseDays from 'chinese-days/dist/chinese-days.json';
import { listYears } from './calendar-dates';
import type { HolidayKind, HolidayTable } from './holiday-schedule';

/**
 * The name of China's holidays: `holidays: cn` reads the packaged data, and the document's
 * `holidaySchedules.cn` adds to it and wins for the years it lists.
 */
export const CHINA = 'cn';

/** The part of the package's JSON used here: dates (`YYYY-MM-DD`) as keys; the values are not read. */
type PackageTable = {
  readonly holidays: Readonly<Record<string, string>>;
  readonly workdays: Readonly<Record<string, string>>;
};

const table: PackageTable = chineseDays;

function indexPackage(data: PackageTable): HolidayTable {
  const days = new Map<string, HolidayKind>();
  const daysOff = Object.keys(data.holidays);
  for (const date of daysOff) days.set(date, 'off');
  for (const date of Object.keys(data.workdays)) days.set(date, 'make-up');
  // The years covered are those with a day off (every year has New Year's Day).
  return { years: new Set(listYears(daysOff)), days };
}

/**
 * The packaged data as a holiday table (built once per cold start; about 80 dates in a bundle, 800 in
 * the full file): a date in a year outside `years` is unknown to it.
 */
export const CHINA_HOLIDAYS: HolidayTable = indexPackage(table);

/** The packaged years, in order (in a bundle: the years kept by the build). Computed on demand, not at load. */
export function listChinaHolidayYears(): number[] {
  return [...CHINA_HOLIDAYS.years].sort((a, b) => a - b);
}

/**
 * Whether `date` (`YYYY-MM-DD`) is a day off of a statutory holiday period, weekends inside the period
 * included. False for any date outside the packaged years.
 */
export function isChinaHoliday(date: string): boolean {
  return CHINA_HOLIDAYS.days.get(date) === 'off';
}

/**
 * Whether `date` (`YYYY-MM-DD`) is a make-up working day (调休): a Saturday or Sunday worked in exchange for
 * a longer holiday. False for any date outside the packaged years.
 */
export function isChinaMakeUpWorkday(date: string): boolean {
  return CHINA_HOLIDAYS.days.get(date) === 'make-up';
}
