/**
 * Warm capacity from the rules' calendars: the scheduled minimum instances (FC's `provisionConfig`) that
 * keep a function warm while its calendars are open, from a lead time before opening, and at zero at
 * night and on holidays. Pure: `npm run capacity` (scripts/capacity/capacity.ts) reads the files.
 *
 * FC's scheduled actions (fc3's `provisionConfig.scheduledActions`) each set the minimum when their
 * `cron(...)` or `at(...)` fires, between their `startTime` and `endTime`; when several are in force the
 * largest minimum wins, and with none in force `defaultTarget` applies. A dated zero therefore cannot close a
 * holiday under a weekly cron. So the period is cut into runs of ordinary days: each run gets its own copy
 * of the weekly crons, their start and end times around the days that differ (holidays, closures, make-up
 * working days, extra open days); a day that differs and has hours gets dated `at(...)` actions; a day
 * that differs and has none gets nothing. After the period a baseline of the plain weekly crons takes
 * over for a year, so a schedule not regenerated in time falls back to weekly hours, never to zero in
 * business hours.
 */
import { addDays, daysBetween, weekdayOfDate } from '../calendar/calendar-dates';
import { planDay } from '../calendar/is-open';
import { WEEKDAYS, type Weekday } from '../calendar/local-time';
import type { CompiledCalendar, CompiledRules } from '../rules/compile-rules';

/** FC accepts at most this many scheduled actions on a function. */
export const MAX_SCHEDULED_ACTIONS = 100;

/** Days the baseline (the plain weekly crons after the period) stays in force. */
export const BASELINE_DAYS = 366;

const DAY_MINUTES = 1440;

/** A warm window of one local day, in minutes since midnight: `start` included, `end` excluded (≤ 1440). */
export type WarmWindow = { readonly start: number; readonly end: number };

/** One of fc3's `provisionConfig.scheduledActions`. Times are local to `timeZone`. */
export type ScheduledAction = {
  readonly name: string;
  readonly startTime: string;
  readonly endTime: string;
  readonly target: number;
  readonly scheduleExpression: string;
  readonly timeZone: string;
};

/** fc3's `provisionConfig`, as written into s.yaml. */
export type ProvisionConfig = {
  readonly defaultTarget: number;
  readonly alwaysAllocateCPU: boolean;
  readonly scheduledActions: readonly ScheduledAction[];
};

/** A day of the period whose windows differ from its weekday's, and why. */
export type DeviatingDay = {
  readonly date: string;
  readonly reason: string;
  readonly windows: readonly WarmWindow[];
};

/** What {@link planWarmCapacity} made. */
export type WarmPlan = {
  readonly timeZone: string;
  /** First day of the period, `YYYY-MM-DD`. */
  readonly from: string;
  /** The day after the period: the baseline starts there. */
  readonly until: string;
  readonly provisionConfig: ProvisionConfig;
  readonly deviatingDays: readonly DeviatingDay[];
  /** Instance-minutes kept warm over the period (windows × target). */
  readonly warmInstanceMinutes: number;
  /**
   * The first day of the period no holiday data covers: from it on, days follow the calendars'
   * `noHolidayData` policy (plain weekly hours, mostly), holidays and 调休 unknown.
   */
  readonly noHolidayDataFrom?: string;
};

export type WarmPlanOptions = {
  readonly from: string;
  readonly weeks: number;
  readonly leadMinutes: number;
  /** Instances kept warm in open hours (≥ 1). */
  readonly target: number;
};

export type WarmPlanResult =
  | { readonly ok: true; readonly plan: WarmPlan }
  | { readonly ok: false; readonly error: string };

/** `HH:MM` (checked by the calendar schema) to minutes since midnight. */
function toMinutes(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/**
 * The warm windows of some `HH:MM-HH:MM` ranges: each opened `leadMinutes` early (not before midnight),
 * overlapping or touching windows merged, in order.
 */
export function toWarmWindows(ranges: readonly string[], leadMinutes: number): WarmWindow[] {
  const windows = ranges
    .map((range) => ({ start: Math.max(0, toMinutes(range) - leadMinutes), end: toMinutes(range.slice(6)) }))
    .sort((a, b) => a.start - b.start);
  const merged: WarmWindow[] = [];
  for (const window of windows) {
    const last = merged.at(-1);
    if (last !== undefined && window.start <= last.end) {
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, window.end) };
    } else merged.push(window);
  }
  return merged;
}

function sameWindows(a: readonly WarmWindow[], b: readonly WarmWindow[]): boolean {
  return (
    a.length === b.length && a.every((window, i) => window.start === b[i]?.start && window.end === b[i]?.end)
  );
}

/** Every calendar's hours of a date, by the rules of {@link planDay}, and the first reason that is not weekly. */
function planDate(
  calendars: readonly CompiledCalendar[],
  date: string,
  weekday: Weekday,
): { hours: string[]; reason: string; noData: boolean } {
  const hours: string[] = [];
  let reason = 'weekly';
  let noData = false;
  for (const { calendar, holidays } of calendars) {
    const plan = planDay(calendar, holidays, date, weekday);
    hours.push(...plan.hours);
    if (reason === 'weekly' && plan.source !== 'weekly') reason = plan.source;
    if (plan.noData !== undefined) noData = true;
  }
  return { hours, reason, noData };
}

/** The weekly hours of a weekday alone: no holidays, closures or extra days. */
function weeklyHours(calendars: readonly CompiledCalendar[], weekday: Weekday): string[] {
  return calendars.flatMap(
    ({ calendar }) =>
      planDay({ ...calendar, open: undefined, closed: undefined }, undefined, '2000-01-03', weekday).hours,
  );
}

const CRON_DAYS: Readonly<Record<Weekday, string>> = {
  mon: 'MON',
  tue: 'TUE',
  wed: 'WED',
  thu: 'THU',
  fri: 'FRI',
  sat: 'SAT',
  sun: 'SUN',
};

/** A minute of the day as `[seconds, minutes, hours]`; the end of the day (1440) as 23:59:59. */
function clockOf(minute: number): [number, number, number] {
  return minute >= DAY_MINUTES ? [59, 59, 23] : [0, minute % 60, Math.floor(minute / 60)];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `HHMM` of a minute of the day, for action names (`2400` for the end of the day). */
function hhmm(minute: number): string {
  return `${pad(Math.floor(minute / 60))}${pad(minute % 60)}`;
}

/** `HH:MM:SS` of a minute of the day. */
function clockText(minute: number): string {
  const [s, m, h] = clockOf(minute);
  return `${pad(h)}:${pad(m)}:${pad(s)}`;
}

/** A weekly cron of FC's six fields (seconds first; `?` for the day of the month). */
export function weeklyCron(minute: number, weekdays: readonly Weekday[]): string {
  const [s, m, h] = clockOf(minute);
  return `cron(${s} ${m} ${h} ? * ${weekdays.map((day) => CRON_DAYS[day]).join(',')})`;
}

/** The weekly crons of some weekly windows: one per time of day, up (the target) or down (zero). */
type WeeklyStep = { readonly minute: number; readonly target: number; readonly weekdays: Weekday[] };

function weeklySteps(weekly: ReadonlyMap<Weekday, readonly WarmWindow[]>, target: number): WeeklyStep[] {
  const steps = new Map<string, WeeklyStep>();
  const add = (minute: number, to: number, weekday: Weekday) => {
    const key = `${to > 0 ? 'up' : 'down'}-${minute}`;
    const step = steps.get(key) ?? { minute, target: to, weekdays: [] };
    step.weekdays.push(weekday);
    steps.set(key, step);
  };
  for (const [index, weekday] of WEEKDAYS.entries()) {
    const next = weekly.get(WEEKDAYS[(index + 1) % WEEKDAYS.length] ?? weekday) ?? [];
    for (const window of weekly.get(weekday) ?? []) {
      add(window.start, target, weekday);
      if (!runsPastMidnight(window, next)) add(window.end, 0, weekday);
    }
  }
  return [...steps.values()].sort((a, b) => a.minute - b.minute || a.target - b.target);
}

/**
 * Whether a window ends at midnight into a next day warm from 00:00: then it needs no step down at
 * 23:59:59, which would leave the function at zero for the last second of the day.
 */
function runsPastMidnight(window: WarmWindow, next: readonly WarmWindow[]): boolean {
  return window.end >= DAY_MINUTES && next[0]?.start === 0;
}

function stepName(prefix: string, step: { minute: number; target: number }): string {
  return `${prefix}-${step.target > 0 ? 'up' : 'down'}-${hhmm(step.minute)}`;
}

/**
 * Plans the scheduled minimum instances of one function from `calendars` (all in one time zone) for
 * `weeks` weeks from `from`. Fails, with a sentence, when the calendars' zones differ or the plan needs
 * more than {@link MAX_SCHEDULED_ACTIONS} actions.
 */
export function planWarmCapacity(
  calendars: readonly CompiledCalendar[],
  options: WarmPlanOptions,
): WarmPlanResult {
  const zones = [...new Set(calendars.map((calendar) => calendar.timezone))];
  const timeZone = zones[0];
  if (timeZone === undefined) return { ok: false, error: 'no calendar to plan from' };
  if (zones.length > 1)
    return {
      ok: false,
      error: `the calendars are in different time zones (${zones.join(', ')}); give them one timezone`,
    };
  const { from, leadMinutes, target } = options;
  const until = addDays(from, options.weeks * 7);
  const weekly = new Map<Weekday, readonly WarmWindow[]>(
    WEEKDAYS.map((weekday) => [weekday, toWarmWindows(weeklyHours(calendars, weekday), leadMinutes)]),
  );
  const steps = weeklySteps(weekly, target);
  const actions: ScheduledAction[] = [];
  const deviatingDays: DeviatingDay[] = [];
  let noHolidayDataFrom: string | undefined;
  const at = (date: string) => `${date}T00:00:00`;
  let runStart: string | undefined;
  // A run whose days are all cold (a lone Sunday between holidays) needs no actions.
  let runWarm = false;
  let runs = 0;
  let warmInstanceMinutes = 0;
  const closeRun = (end: string) => {
    if (runStart === undefined || !runWarm) {
      runStart = undefined;
      return;
    }
    runs++;
    for (const step of steps) {
      actions.push({
        name: stepName(`w${runs}`, step),
        startTime: at(runStart),
        endTime: at(end),
        target: step.target,
        scheduleExpression: weeklyCron(step.minute, step.weekdays),
        timeZone,
      });
    }
    runStart = undefined;
    runWarm = false;
  };
  const days: { date: string; weekday: Weekday; reason: string; windows: WarmWindow[] }[] = [];
  for (let date = from; date < until; date = addDays(date, 1)) {
    const weekday = weekdayOfDate(date);
    const planned = planDate(calendars, date, weekday);
    if (planned.noData) noHolidayDataFrom ??= date;
    days.push({ date, weekday, reason: planned.reason, windows: toWarmWindows(planned.hours, leadMinutes) });
  }
  // The day after the period follows the baseline: its weekday's weekly windows.
  const windowsAfter = (index: number) => days[index + 1]?.windows ?? weekly.get(weekdayOfDate(until)) ?? [];
  for (const [index, { date, weekday, reason, windows }] of days.entries()) {
    warmInstanceMinutes += windows.reduce((sum, window) => sum + window.end - window.start, 0) * target;
    const usual = weekly.get(weekday) ?? [];
    if (sameWindows(windows, usual)) {
      runStart ??= date;
      runWarm ||= windows.length > 0;
      continue;
    }
    closeRun(date);
    deviatingDays.push({ date, reason, windows });
    const dated = (minute: number, to: number) =>
      actions.push({
        name: stepName(`d${date.replaceAll('-', '')}`, { minute, target: to }),
        startTime: at(date),
        endTime: at(addDays(date, 1)),
        target: to,
        scheduleExpression: `at(${date}T${clockText(minute)})`,
        timeZone,
      });
    // The day before ran into this one by its weekly crons, which left it warm past midnight.
    const before = index === 0 ? undefined : days[index - 1];
    const beforeUsual = before === undefined ? [] : (weekly.get(before.weekday) ?? []);
    const carried =
      before !== undefined &&
      sameWindows(before.windows, beforeUsual) &&
      beforeUsual.some((window) => runsPastMidnight(window, weekly.get(weekday) ?? []));
    if (carried && windows[0]?.start !== 0) dated(0, 0);
    // The day before stepped down at 23:59:59 by its weekly crons (its usual next day opens later), but
    // this one opens at 00:00: a dated step up at the same second keeps the last second warm (the largest
    // of simultaneous firings wins).
    const steppedDown =
      before !== undefined &&
      sameWindows(before.windows, beforeUsual) &&
      beforeUsual.some(
        (window) => window.end >= DAY_MINUTES && !runsPastMidnight(window, weekly.get(weekday) ?? []),
      );
    if (steppedDown && before !== undefined && windows[0]?.start === 0)
      actions.push({
        name: `d${date.replaceAll('-', '')}-up-carry`,
        startTime: at(before.date),
        endTime: at(date),
        target,
        scheduleExpression: `at(${before.date}T23:59:59)`,
        timeZone,
      });
    for (const window of windows) {
      dated(window.start, target);
      if (!runsPastMidnight(window, windowsAfter(index))) dated(window.end, 0);
    }
  }
  closeRun(until);
  for (const step of steps) {
    actions.push({
      name: stepName('base', step),
      startTime: at(until),
      endTime: at(addDays(until, BASELINE_DAYS)),
      target: step.target,
      scheduleExpression: weeklyCron(step.minute, step.weekdays),
      timeZone,
    });
  }
  if (actions.length > MAX_SCHEDULED_ACTIONS) {
    return {
      ok: false,
      error:
        `${actions.length} scheduled actions, more than FC's ${MAX_SCHEDULED_ACTIONS}: ` +
        `plan fewer --weeks (${deviatingDays.length} days differ from their weekday in ${options.weeks} weeks)`,
    };
  }
  return {
    ok: true,
    plan: {
      timeZone,
      from,
      until,
      provisionConfig: { defaultTarget: 0, alwaysAllocateCPU: false, scheduledActions: actions },
      deviatingDays,
      warmInstanceMinutes,
      ...(noHolidayDataFrom === undefined ? {} : { noHolidayDataFrom }),
    },
  };
}

/** Days from `from` to `until`, for summaries. */
export function periodDays(plan: Pick<WarmPlan, 'from' | 'until'>): number {
  return daysBetween(plan.from, plan.until);
}

/** `HH:MM-HH:MM` of a warm window, for the printed plan. */
export function formatWindow(window: WarmWindow): string {
  const text = (minute: number) => `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
  return `${text(window.start)}-${text(window.end)}`;
}

/**
 * What keeping instances warm costs at list prices: idle provisioned instances with `alwaysAllocateCPU:
 * false` pay their memory alone (idle vCPU is 0 CU), 0.15 CU per GB-second.
 */
export type CostAssumptions = {
  /** The function's memory, MB. */
  readonly memoryMb: number;
  /** Price of one CU. */
  readonly pricePerCu: number;
  /** CU per GB-second of memory. */
  readonly cuPerGbSecond: number;
};

/** FC 3.0's list price of the first tier, USD per CU, and its memory conversion factor. */
export const LIST_PRICE_PER_CU = 0.00002;
export const MEMORY_CU_PER_GB_SECOND = 0.15;

/** The idle cost of `instanceMinutes` warm instance-minutes, in the currency of `pricePerCu`. */
export function estimateIdleCost(instanceMinutes: number, assumptions: CostAssumptions): number {
  return (
    instanceMinutes * 60 * (assumptions.memoryMb / 1024) * assumptions.cuPerGbSecond * assumptions.pricePerCu
  );
}

/** How many days ahead `deploy:check` warns that a warm schedule's calendar period ends. */
export const SCHEDULE_WARNING_DAYS = 45;

/** The prefix of the baseline actions' names: their start is the end of the period planned day by day. */
const BASELINE_PREFIX = 'base-';

/**
 * Why a function's warm schedule needs `npm run capacity` again, on local day `today` (`YYYY-MM-DD` in the
 * schedule's zone), or undefined: its period, planned day by day from the calendars (holidays, 调休), ends
 * within {@link SCHEDULE_WARNING_DAYS} days (after it only the plain weekly hours hold), or has ended, or
 * the baseline too. A schedule `npm run capacity` did not write (no baseline actions) says nothing.
 */
export function describeScheduleEnd(
  fn: string,
  actions: readonly Pick<ScheduledAction, 'name' | 'startTime' | 'endTime'>[],
  today: string,
): string | undefined {
  const baseline = actions.filter((action) => action.name.startsWith(BASELINE_PREFIX));
  const first = baseline[0];
  if (first === undefined) return undefined;
  const periodEnd = first.startTime.slice(0, 10);
  const baselineEnd = first.endTime.slice(0, 10);
  const again = 'run npm run capacity again and s deploy';
  if (baselineEnd <= today)
    return `${fn}'s warm schedule ended on ${baselineEnd}: no instance is kept warm; ${again}`;
  const days = Math.round(
    (Date.parse(`${periodEnd}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000,
  );
  if (days > SCHEDULE_WARNING_DAYS) return undefined;
  return days <= 0
    ? `${fn}'s warm schedule follows the calendars only until ${periodEnd}: since then plain weekly hours, holidays and 调休 ignored; ${again}`
    : `${fn}'s warm schedule follows the calendars until ${periodEnd} (in ${days} day${days === 1 ? '' : 's'}), then plain weekly hours, holidays and 调休 ignored; ${again}`;
}

/** The options a function's schedule was planned with, written beside it so that it can be planned again. */
export type PlanStamp = {
  readonly from: string;
  readonly weeks: number;
  readonly leadMinutes: number;
  readonly target: number;
};

/** `# planned: from=2026-02-01 weeks=13 lead=15m instances=1`: the comment a written schedule carries. */
export function formatPlanStamp(stamp: PlanStamp): string {
  return `# planned: from=${stamp.from} weeks=${stamp.weeks} lead=${stamp.leadMinutes}m instances=${stamp.target}`;
}

/** The stamp in a schedule's text, if it has one. */
export function readPlanStamp(text: string): PlanStamp | undefined {
  const match =
    /# planned: from=(\d{4}-\d{2}-\d{2}) weeks=(\d{1,2}) lead=(\d{1,3})m instances=(\d{1,3})\b/.exec(text);
  if (match === null) return undefined;
  return {
    from: match[1] as string,
    weeks: Number(match[2]),
    leadMinutes: Number(match[3]),
    target: Number(match[4]),
  };
}

/** The calendars a function follows: their names, and those the rules compiled. */
export type FunctionCalendars = { readonly names: string[]; readonly calendars: CompiledCalendar[] };

/**
 * The calendars `inbound` follows (its lines' and the default line's) and `outbound` (`outbound.calendar`),
 * and the lines without a calendar, which warm capacity cannot follow.
 */
export function capacityCalendars(compiled: Pick<CompiledRules, 'rules' | 'calendars'>): {
  readonly inbound: FunctionCalendars;
  readonly outbound: FunctionCalendars;
  readonly uncounted: readonly string[];
} {
  const { rules, calendars } = compiled;
  const pick = (names: readonly (string | undefined)[]): FunctionCalendars => {
    const unique = [...new Set(names.filter((name): name is string => name !== undefined))];
    return {
      names: unique,
      calendars: unique.flatMap((name) => {
        const calendar = calendars.get(name);
        return calendar === undefined ? [] : [calendar];
      }),
    };
  };
  return {
    inbound: pick([...(rules.lines ?? []).map((line) => line.calendar), rules.defaultLine.calendar]),
    outbound: pick([rules.outbound?.calendar]),
    uncounted: (rules.lines ?? []).filter((line) => line.calendar === undefined).map((line) => line.name),
  };
}
