import { addDays, weekdayOfDate } from '../../shared/calendar/calendar-dates';
import { listChinaHolidayYears } from '../../shared/calendar/china-holidays';
import type { Weekday } from '../../shared/calendar/local-time';

/**
 * The years the holiday tests judge, from the installed package rather than the calendar: the newest
 * packaged year, and the first year no packaged data covers (2026 and 2027 with chinese-days 1.5.7).
 * Updating the package moves them on; the tests stay true.
 */
export const LAST_PACKAGED_YEAR = listChinaHolidayYears().at(-1) as number;
export const FIRST_UNCOVERED_YEAR = LAST_PACKAGED_YEAR + 1;

/** The first `weekday` on or after `date` (`YYYY-MM-DD`). */
export function nextWeekday(date: string, weekday: Weekday): string {
  let day = date;
  while (weekdayOfDate(day) !== weekday) day = addDays(day, 1);
  return day;
}
