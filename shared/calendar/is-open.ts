import { isInDateRange } from './calendar-dates';
import type { Calendar, NoHolidayDataPolicy, WeeklyHours } from './calendar-schema';
import { CHINA, CHINA_HOLIDAYS } from './china-holidays';
import type { HolidayKind, HolidayTable } from './holiday-schedule';
import { toLocalTime, WEEKDAYS, type Weekday } from './local-time';

/**
 * Which rule decided a day: `extra day` (the calendar's `open`), `closure` (its `closed`), `holiday` and
 * `make-up workday` (the packaged data), `document holiday` and `document make-up workday` (the
 * document's `holidaySchedules`), `no holiday data` (a year no data covers: the `noHolidayData` policy),
 * or `weekly` (the weekly hours of an ordinary day).
 */
export type DaySource =
  | 'extra day'
  | 'closure'
  | 'holiday'
  | 'make-up workday'
  | 'document holiday'
  | 'document make-up workday'
  | 'no holiday data'
  | 'weekly';

/**
 * Which rule decided, as `DaySource`; `closed hours` when that rule gives the day hours but not the time
 * asked about (a day without hours included). `no holiday data` is kept even outside the hours, so that
 * a trace always shows when the policy decided.
 */
export type OpenReason = Exclude<DaySource, 'no holiday data'> | 'closed hours' | 'no holiday data';

/** The holiday data a calendar reads: the packaged table, the document's schedule, or both. */
export type HolidaySources = {
  /** China's packaged data, for `holidays: cn`. */
  readonly packaged?: HolidayTable | undefined;
  /** The document's schedule of the same name; it wins for every year it lists. */
  readonly document?: HolidayTable | undefined;
  /** What a date in a year neither covers gets. */
  readonly noHolidayData: NoHolidayDataPolicy;
};

/** A year no holiday data covers, met on a date, and the `noHolidayData` policy that decided it. */
export type NoHolidayDataGap = { readonly year: number; readonly policy: NoHolidayDataPolicy };

/** A day's effective hours and the rule that gave them. */
export type DayPlan = {
  readonly hours: readonly string[];
  readonly source: DaySource;
  /** With `no holiday data`: the year no data covers, and the policy that decided. */
  readonly noData?: NoHolidayDataGap;
};

/** Whether a calendar is open at an instant, why, and the local day it was judged on, for traces. */
export type OpenState = {
  readonly open: boolean;
  readonly reason: OpenReason;
  /** The local date in the calendar's zone, `YYYY-MM-DD`. */
  readonly date: string;
  readonly weekday: Weekday;
  /** With `no holiday data`: the year no data covers, and the policy that decided. */
  readonly noData?: NoHolidayDataGap;
};

const mondayToFriday: ReadonlySet<Weekday> = new Set(WEEKDAYS.slice(0, 5));

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

/** Whether `minutes` since local midnight fall in `HH:MM-HH:MM`: start included, end excluded. */
export function isWithinRange(range: string, minutes: number): boolean {
  return toMinutes(range) <= minutes && minutes < toMinutes(range.slice(6));
}

/** Whether any `HH:MM-HH:MM` range includes `minutes`. */
function isWithinHours(hours: readonly string[], minutes: number): boolean {
  return hours.some((range) => isWithinRange(range, minutes));
}

/**
 * The holiday sources a calendar reads when nothing else is known of its document: China's packaged data
 * for `holidays: cn`, none otherwise (a document's schedules are resolved by `compileRules`).
 */
function defaultHolidaySources(calendar: Calendar): HolidaySources | undefined {
  const noHolidayData = calendar.noHolidayData ?? 'weekly';
  return calendar.holidays === CHINA ? { packaged: CHINA_HOLIDAYS, noHolidayData } : undefined;
}

/** Whether any of a calendar's holiday sources covers `year`: the document's or the packaged data. */
export function coversYear(sources: HolidaySources, year: number): boolean {
  return sources.document?.years.has(year) === true || sources.packaged?.years.has(year) === true;
}

/**
 * What the holiday data says of `date`: a day off, a make-up working day or an ordinary day, and which
 * source said it; `undefined` when no source covers the date's year. The document wins for the dates it
 * lists and for every date of the years it lists.
 */
function lookUpHoliday(
  sources: HolidaySources,
  date: string,
): { readonly kind: HolidayKind | 'ordinary'; readonly from: 'document' | 'packaged' } | undefined {
  const year = Number(date.slice(0, 4));
  const { document, packaged } = sources;
  if (document !== undefined) {
    const kind = document.days.get(date);
    if (kind !== undefined) return { kind, from: 'document' };
    if (document.years.has(year)) return { kind: 'ordinary', from: 'document' };
  }
  if (packaged?.years.has(year) === true)
    return { kind: packaged.days.get(date) ?? 'ordinary', from: 'packaged' };
  return undefined;
}

/**
 * The hours of the local day `date` (a `weekday`) and the rule that gave them. The first rule that
 * applies decides:
 *
 * 1. an extra open day (`open`): its hours, even on a closed date or a holiday;
 * 2. a user's closed date (`closed`): closed all day;
 * 3. with holidays, a day off: closed all day;
 * 4. with holidays, a make-up working day (调休): the `workdays` hours, else `mon`'s;
 * 5. with holidays, a year no source covers: the `noHolidayData` policy (weekly hours, closed, or closed
 *    here and a flow chosen by the line);
 * 6. the weekly hours of the weekday.
 */
export function planDay(
  calendar: Calendar,
  sources: HolidaySources | undefined,
  date: string,
  weekday: Weekday,
): DayPlan {
  const extraDays = calendar.open?.filter((day) => day.date === date) ?? [];
  if (extraDays.length > 0) return { hours: extraDays.flatMap((day) => day.hours), source: 'extra day' };
  if (calendar.closed?.some((closure) => isInDateRange(closure, date)) === true) {
    return { hours: [], source: 'closure' };
  }
  const weekly = (): DayPlan => ({ hours: findWeeklyHours(calendar.weekly, weekday), source: 'weekly' });
  if (sources === undefined) return weekly();
  const holiday = lookUpHoliday(sources, date);
  if (holiday === undefined) {
    const policy = sources.noHolidayData;
    const hours = policy === 'weekly' ? findWeeklyHours(calendar.weekly, weekday) : [];
    return { hours, source: 'no holiday data', noData: { year: Number(date.slice(0, 4)), policy } };
  }
  const fromDocument = holiday.from === 'document';
  switch (holiday.kind) {
    case 'off':
      return { hours: [], source: fromDocument ? 'document holiday' : 'holiday' };
    case 'make-up':
      return {
        hours: findMakeUpWorkdayHours(calendar.weekly),
        source: fromDocument ? 'document make-up workday' : 'make-up workday',
      };
    case 'ordinary':
      return weekly();
  }
}

/**
 * Whether `calendar` is open at `epochMs` (milliseconds since the Unix epoch), and which rule decided
 * (see {@link planDay} for the rules and their order). Dates and hours are read in the calendar's
 * `timezone`, else `defaultTimeZone`. `sources` are the holiday data it reads (by default China's
 * packaged data for `holidays: cn`).
 */
export function describeOpenState(
  calendar: Calendar,
  epochMs: number,
  defaultTimeZone: string,
  sources: HolidaySources | undefined = defaultHolidaySources(calendar),
): OpenState {
  const { date, weekday, minutes } = toLocalTime(epochMs, calendar.timezone ?? defaultTimeZone);
  const plan = planDay(calendar, sources, date, weekday);
  const open = isWithinHours(plan.hours, minutes);
  if (plan.noData !== undefined)
    return { open, reason: 'no holiday data', date, weekday, noData: plan.noData };
  const closedAllDay =
    plan.source === 'closure' || plan.source === 'holiday' || plan.source === 'document holiday';
  const reason: OpenReason = open || closedAllDay ? plan.source : 'closed hours';
  return { open, reason, date, weekday };
}

/** Whether `calendar` is open at `epochMs`; see {@link describeOpenState}. */
export function isOpenAt(
  calendar: Calendar,
  epochMs: number,
  defaultTimeZone: string,
  sources?: HolidaySources,
): boolean {
  return describeOpenState(calendar, epochMs, defaultTimeZone, sources ?? defaultHolidaySources(calendar))
    .open;
}

/**
 * Whether `calendar` can ever be open: some weekday has hours, or there is an extra open day, or (with
 * holidays) make-up working days would get hours. False means every call counts as after hours, which is
 * almost always a mistake in the rules.
 */
export function hasAnyOpenHours(calendar: Calendar): boolean {
  return (
    WEEKDAYS.some((weekday) => findWeeklyHours(calendar.weekly, weekday).length > 0) ||
    (calendar.open?.length ?? 0) > 0 ||
    (calendar.holidays !== 'none' && findMakeUpWorkdayHours(calendar.weekly).length > 0)
  );
}
