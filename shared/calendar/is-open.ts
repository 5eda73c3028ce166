import type { Calendar, WeeklyHours } from './calendar-schema';
import { isChinaHoliday, isChinaMakeUpWorkday } from './china-holidays';
import { toLocalTime, type Weekday } from './local-time';

/**
 * Which rule decided. Open: `weekly`, `make-up workday` or `extra day`, whose hours include the time.
 * Closed: `closure` (a user's closed date), `holiday` (a statutory holiday), or `closed hours` (the hours
 * that apply to the day, from whichever rule, do not include the time; a day without hours included).
 */
export type OpenReason = 'weekly' | 'holiday' | 'make-up workday' | 'closure' | 'extra day' | 'closed hours';

/** Whether a calendar is open at an instant, why, and the local day it was judged on, for traces. */
export type OpenState = {
  readonly open: boolean;
  readonly reason: OpenReason;
  /** The local date in the calendar's zone, `YYYY-MM-DD`. */
  readonly date: string;
  readonly weekday: Weekday;
};

const mondayToFriday: ReadonlySet<Weekday> = new Set(['mon', 'tue', 'wed', 'thu', 'fri']);

/** A day's own hours, else `workdays` for Monday to Friday; no hours means closed. */
function findWeeklyHours(weekly: WeeklyHours, weekday: Weekday): readonly string[] {
  return weekly[weekday] ?? (mondayToFriday.has(weekday) ? weekly.workdays : undefined) ?? [];
}

/** Make-up working days replace a weekday, so they take the weekday pattern (`workdays`, else Monday). */
function findMakeUpWorkdayHours(weekly: WeeklyHours): readonly string[] {
  return weekly.workdays ?? weekly.mon ?? [];
}

/** `HH:MM` (validated by the schema) to minutes since midnight. */
function toMinutes(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/** Whether any `HH:MM-HH:MM` range includes `minutes`: start included, end excluded. */
function isWithinHours(hours: readonly string[], minutes: number): boolean {
  return hours.some((range) => toMinutes(range) <= minutes && minutes < toMinutes(range.slice(6)));
}

/** Whether `date` is a closed day `YYYY-MM-DD` or falls in `YYYY-MM-DD..YYYY-MM-DD` (ends included). */
function isInClosure(closure: string, date: string): boolean {
  // Zero-padded ISO dates compare as text.
  return closure.length === 10 ? closure === date : closure.slice(0, 10) <= date && date <= closure.slice(12);
}

/**
 * Whether `calendar` is open at `epochMs` (milliseconds since the Unix epoch), and which rule decided.
 * Dates and hours are read in the calendar's `timezone`, else `defaultTimeZone`. The first rule that
 * applies to the local date decides:
 *
 * 1. an extra open day (`open`): open within its hours, even on a closed date or a holiday;
 * 2. a user's closed date (`closed`): closed all day;
 * 3. with `holidays: 'cn'`, a statutory holiday: closed all day;
 * 4. with `holidays: 'cn'`, a make-up working day (调休): open within the `workdays` hours, else `mon`'s;
 * 5. the weekly hours of the local weekday.
 *
 * Beyond the years of the holiday data (`CHINA_HOLIDAY_YEARS`), rules 3 and 4 never apply.
 */
export function describeOpenState(calendar: Calendar, epochMs: number, defaultTimeZone: string): OpenState {
  const { date, weekday, minutes } = toLocalTime(epochMs, calendar.timezone ?? defaultTimeZone);
  const decide = (hours: readonly string[], reason: OpenReason): OpenState =>
    isWithinHours(hours, minutes)
      ? { open: true, reason, date, weekday }
      : { open: false, reason: 'closed hours', date, weekday };

  const extraDays = calendar.open?.filter((day) => day.date === date) ?? [];
  if (extraDays.length > 0) {
    return decide(
      extraDays.flatMap((day) => day.hours),
      'extra day',
    );
  }
  if (calendar.closed?.some((closure) => isInClosure(closure, date)) === true) {
    return { open: false, reason: 'closure', date, weekday };
  }
  if (calendar.holidays === 'cn') {
    if (isChinaHoliday(date)) return { open: false, reason: 'holiday', date, weekday };
    if (isChinaMakeUpWorkday(date)) return decide(findMakeUpWorkdayHours(calendar.weekly), 'make-up workday');
  }
  return decide(findWeeklyHours(calendar.weekly, weekday), 'weekly');
}

/** Whether `calendar` is open at `epochMs`; see {@link describeOpenState} for the rules and their order. */
export function isOpenAt(calendar: Calendar, epochMs: number, defaultTimeZone: string): boolean {
  return describeOpenState(calendar, epochMs, defaultTimeZone).open;
}

/**
 * Whether `calendar` can ever be open: some weekday has hours, or there is an extra open day, or (with
 * `holidays: 'cn'`) make-up working days would get hours. False means every call counts as after hours,
 * which is almost always a mistake in the rules.
 */
export function hasAnyOpenHours(calendar: Calendar): boolean {
  const weekdays: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  return (
    weekdays.some((weekday) => findWeeklyHours(calendar.weekly, weekday).length > 0) ||
    (calendar.open?.length ?? 0) > 0 ||
    (calendar.holidays === 'cn' && findMakeUpWorkdayHours(calendar.weekly).length > 0)
  );
}
