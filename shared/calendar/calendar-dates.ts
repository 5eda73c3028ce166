import * as v from 'valibot';
import { type Weekday, weekdayOfUtcDay } from './local-time';

/**
 * Local dates, `YYYY-MM-DD`, as calendars and holiday schedules write them: checked, compared as text
 * (zero-padded ISO dates sort as they run) and stepped through without any time zone.
 */

const DAY_MS = 86_400_000;

function toUtcMs(date: string): number {
  // setUTCFullYear, not Date.UTC: the latter reads years 0–99 as 1900–1999.
  return new Date(0).setUTCFullYear(
    Number(date.slice(0, 4)),
    Number(date.slice(5, 7)) - 1,
    Number(date.slice(8, 10)),
  );
}

function fromUtcMs(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Whether `YYYY-MM-DD` (already matched by shape) names a day that exists. */
function isRealDate(date: string): boolean {
  const ms = toUtcMs(date);
  return !Number.isNaN(ms) && fromUtcMs(ms) === date;
}

/** The day of the week of a date, whatever the machine's zone. */
export function weekdayOfDate(date: string): Weekday {
  return weekdayOfUtcDay(new Date(toUtcMs(date)).getUTCDay());
}

/** The date `days` days after `date` (before it, when negative). */
export function addDays(date: string, days: number): string {
  return fromUtcMs(toUtcMs(date) + days * DAY_MS);
}

/** The first and last day of `YYYY-MM-DD` (one day) or `YYYY-MM-DD..YYYY-MM-DD`. */
export function rangeEnds(written: string): { readonly first: string; readonly last: string } {
  return { first: written.slice(0, 10), last: written.slice(-10) };
}

/** Whether `date` is the day `YYYY-MM-DD` or falls in `YYYY-MM-DD..YYYY-MM-DD`, ends included. */
export function isInDateRange(written: string, date: string): boolean {
  const { first, last } = rangeEnds(written);
  return first <= date && date <= last;
}

/**
 * Every day of `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD`, in order. Callers bound the range first (a
 * schedule's ranges lie within one year), so the work is bounded by what they accepted.
 */
export function* expandDateRange(written: string): Generator<string> {
  const { first, last } = rangeEnds(written);
  for (let date = first; date <= last; date = addDays(date, 1)) yield date;
}

/** A local date, `YYYY-MM-DD`. */
export const DateSchema = v.pipe(
  v.string('a date is written as text'),
  v.regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is written "YYYY-MM-DD", such as "2026-10-01"'),
  v.check(isRealDate, 'this date does not exist; write a real day as "YYYY-MM-DD"'),
);

/** One day `YYYY-MM-DD`, or the days of `YYYY-MM-DD..YYYY-MM-DD`, both ends included. */
export const DateOrRangeSchema = v.pipe(
  v.string('a date is written as text'),
  v.regex(
    /^\d{4}-\d{2}-\d{2}(?:\.\.\d{4}-\d{2}-\d{2})?$/,
    'a date is "YYYY-MM-DD" or a range "YYYY-MM-DD..YYYY-MM-DD", such as "2026-12-24..2026-12-26"',
  ),
  v.check(
    (written) => written.split('..').every(isRealDate),
    'this date does not exist; write a real day as "YYYY-MM-DD"',
  ),
  v.check(
    (written) => rangeEnds(written).first <= rangeEnds(written).last,
    'a range is written first day first',
  ),
);

/** The years of some dates, each once, in order. */
export function listYears(dates: Iterable<string>): number[] {
  const years = new Set<number>();
  for (const date of dates) years.add(Number(date.slice(0, 4)));
  return [...years].sort((a, b) => a - b);
}

/** Whole days from `from` to `to` (negative when `to` comes first). */
export function daysBetween(from: string, to: string): number {
  return Math.round((toUtcMs(to) - toUtcMs(from)) / DAY_MS);
}
