/**
 * China's statutory public holidays and make-up working days (调休), from the `chinese-days` package. The
 * State Council publishes each year's schedule around November of the year before, so the data ends with
 * the next year at best: update the package every winter. In the function bundles `holidayDataPlugin`
 * (scripts/esbuild-holiday-data.ts) swaps this JSON for a copy with only recent years and no names, keeping
 * its shape; tests run the full file.
 */
import chineseDays from 'chinese-days/dist/chinese-days.json';

/** The part of the package's JSON used here: dates (`YYYY-MM-DD`) as keys; the values are not read. */
type HolidayTable = {
  readonly holidays: Readonly<Record<string, string>>;
  readonly workdays: Readonly<Record<string, string>>;
};

const table: HolidayTable = chineseDays;

// Sets built once per cold start (about 800 dates) keep the per-call lookups to a hash probe.
const holidays = new Set(Object.keys(table.holidays));
const makeUpWorkdays = new Set(Object.keys(table.workdays));

/**
 * Whether `date` (`YYYY-MM-DD`) is a day off of a statutory holiday period, weekends inside the period
 * included. False for any date outside {@link CHINA_HOLIDAY_YEARS}.
 */
export function isChinaHoliday(date: string): boolean {
  return holidays.has(date);
}

/**
 * Whether `date` (`YYYY-MM-DD`) is a make-up working day (调休): a Saturday or Sunday worked in exchange for
 * a longer holiday. False for any date outside {@link CHINA_HOLIDAY_YEARS}.
 */
export function isChinaMakeUpWorkday(date: string): boolean {
  return makeUpWorkdays.has(date);
}

function findYears(dates: Iterable<string>): { readonly first: number; readonly last: number } {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const date of dates) {
    const year = Number(date.slice(0, 4));
    if (year < first) first = year;
    if (year > last) last = year;
  }
  return { first, last };
}

/**
 * The first and last years the holiday data covers (in a bundle: the years kept by the build). A date
 * outside them is treated as an ordinary day, so a linter should warn about such dates, and about
 * `holidays: 'cn'` once the current year passes `last`. With no data at all, `first` is Infinity and `last`
 * is -Infinity, so every year is outside.
 */
// Pure: a bundle that never reads it (the functions) drops the scan.
export const CHINA_HOLIDAY_YEARS: { readonly first: number; readonly last: number } =
  /* @__PURE__ */ findYears([...holidays, ...makeUpWorkdays]);
