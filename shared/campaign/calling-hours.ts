import { addDays, weekdayOfDate } from '../calendar/calendar-dates';
import { describeOpenState, type NoHolidayDataGap, planDay } from '../calendar/is-open';
import { toLocalTime } from '../calendar/local-time';
import type { CompiledCalendar } from '../rules/compile-rules';
import { describeMissingYear } from '../rules/holiday-coverage';

/**
 * When a campaign may call: the open hours of a calendar of the rules, judged as the flows judge them
 * (shared/calendar/is-open.ts: public holidays, 调休 make-up working days, closures, extra open days and
 * the `noHolidayData` policy) in the calendar's own time zone. An hour's end is closed: a calendar open
 * until 12:00 places no call from 12:00:00 on.
 */

/** How far ahead a campaign looks for its calendar's next opening. */
export const OPENING_HORIZON_DAYS = 31;

/** Whether `calendar` is open at `nowMs`, and the year no holiday data covers when the policy decided. */
export function judgeCallingHours(
  calendar: CompiledCalendar,
  nowMs: number,
): { readonly open: boolean; readonly noData?: NoHolidayDataGap } {
  const state = describeOpenState(calendar.calendar, nowMs, calendar.timezone, calendar.holidays);
  return state.noData === undefined ? { open: state.open } : { open: state.open, noData: state.noData };
}

/** `HH:MM` as minutes since midnight. */
function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

const dayMs = (date: string) => Date.parse(`${date}T00:00:00Z`);

/** The instant a wall clock in `timeZone` reads `minutes` past midnight of `date` (the later one in a fold). */
export function localToEpoch(date: string, minutes: number, timeZone: string): number {
  const asUtc = dayMs(date) + minutes * 60_000;
  const offsetAt = (epochMs: number) => {
    const local = toLocalTime(epochMs, timeZone);
    return dayMs(local.date) + local.minutes * 60_000 - (epochMs - (((epochMs % 60_000) + 60_000) % 60_000));
  };
  const first = asUtc - offsetAt(asUtc);
  return asUtc - offsetAt(first);
}

/**
 * The first instant from `nowMs` on at which `calendar` is open: `nowMs` itself when it is open now;
 * undefined when it does not open within `horizonDays`.
 */
export function nextOpening(
  calendar: CompiledCalendar,
  nowMs: number,
  horizonDays: number = OPENING_HORIZON_DAYS,
): number | undefined {
  if (judgeCallingHours(calendar, nowMs).open) return nowMs;
  const today = toLocalTime(nowMs, calendar.timezone).date;
  for (let day = 0; day <= horizonDays; day++) {
    const date = addDays(today, day);
    const plan = planDay(calendar.calendar, calendar.holidays, date, weekdayOfDate(date));
    const starts = plan.hours
      .map((range) => localToEpoch(date, minutesOf(range), calendar.timezone))
      .filter((start) => start > nowMs && judgeCallingHours(calendar, start).open)
      .sort((a, b) => a - b);
    if (starts[0] !== undefined) return starts[0];
  }
  return undefined;
}

/** `14 h 3 min`, `3 min`, `40 s`, `2 d 5 h`: how long until a moment, for a person. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.ceil(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** `2026-02-02 09:00 Asia/Shanghai`: an instant on the calendar's wall clock. */
export function formatLocal(epochMs: number, timeZone: string): string {
  const { date, minutes } = toLocalTime(epochMs, timeZone);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${date} ${hh}:${mm} ${timeZone}`;
}

/** `waiting until 2026-02-02 09:00 Asia/Shanghai (in 14 h 3 min)`. */
export function describeWait(untilMs: number, nowMs: number, timeZone: string): string {
  return `waiting until ${formatLocal(untilMs, timeZone)} (in ${formatDuration(untilMs - nowMs)})`;
}

/**
 * The warning for a calendar judged without holiday data: its `noHolidayData` policy decides whether a
 * campaign calls (`weekly`: the weekly hours, as if there were no public holidays; `closed` and a flow:
 * no call at all, since a campaign has no flow to send a call to instead).
 */
export function describeNoHolidayData(calendarName: string, holidays: string, gap: NoHolidayDataGap): string {
  const closed = gap.policy === 'weekly' ? '' : ' (for a campaign: no call on those days)';
  return `warning: ${describeMissingYear({ calendar: calendarName, holidays, year: gap.year, policy: gap.policy })}${closed}`;
}
