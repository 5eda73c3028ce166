import * as v from 'valibot';
import { NAME_PATTERN } from '../text/name';
import { DateOrRangeSchema, DateSchema } from './calendar-dates';
import { isValidTimeZone } from './local-time';

/**
 * A business-hours calendar: when a line or a branch counts as open. Written by users in the rules
 * document, so every part is strict (an unknown key is an error) and every message says what to write.
 *
 * ```json
 * {
 *   "timezone": "Asia/Shanghai",
 *   "weekly": { "workdays": ["09:00-12:00", "13:30-18:00"], "sat": ["10:00-16:00"] },
 *   "holidays": "cn",
 *   "closed": ["2026-12-24..2026-12-26", "2026-06-01"],
 *   "open": [{ "date": "2026-12-27", "hours": ["10:00-14:00"] }]
 * }
 * ```
 *
 * Which rule decides a day is documented on `describeOpenState` (shared/calendar/is-open.ts).
 */

/**
 * `HH:MM-HH:MM`, local time, start included and end excluded. `24:00` may end a range; a range never
 * crosses midnight (write one range on each day instead).
 */
export const TimeRangeSchema = v.pipe(
  v.string('hours are written as text'),
  v.regex(
    /^(?:[01]\d|2[0-3]):[0-5]\d-(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/,
    'hours are written "HH:MM-HH:MM" on a 24-hour clock, such as "09:00-18:00" or "20:00-24:00"',
  ),
  // Both ends are zero-padded, so comparing the texts compares the times.
  v.check(
    (range) => range.slice(0, 5) < range.slice(6),
    'hours end after they start and never cross midnight: write "22:00-24:00" on one day and "00:00-02:00" on the next',
  ),
);

const HoursSchema = v.array(TimeRangeSchema, 'hours are a list of ranges, such as ["09:00-18:00"]');

/** A day open outside the weekly pattern, with its own hours. */
export const ExtraOpenDaySchema = v.strictObject(
  {
    date: DateSchema,
    hours: v.pipe(
      HoursSchema,
      v.minLength(1, 'an extra open day lists its hours, such as ["10:00-16:00"]; to close a day use closed'),
    ),
  },
  'an extra open day is {date: "YYYY-MM-DD", hours: ["HH:MM-HH:MM", ...]}',
);

/**
 * Opening hours by day of the week; a missing or empty day is closed. `workdays` is shorthand for Monday
 * to Friday: it applies to each of `mon`–`fri` that is not given itself (so `fri: ["09:00-17:00"]` next
 * to it shortens Friday, and `fri: []` closes it). It also gives the hours of make-up working days.
 */
export const WeeklyHoursSchema = v.strictObject(
  {
    workdays: v.optional(HoursSchema),
    mon: v.optional(HoursSchema),
    tue: v.optional(HoursSchema),
    wed: v.optional(HoursSchema),
    thu: v.optional(HoursSchema),
    fri: v.optional(HoursSchema),
    sat: v.optional(HoursSchema),
    sun: v.optional(HoursSchema),
  },
  'weekly hours are keyed by workdays (Monday to Friday), mon, tue, wed, thu, fri, sat or sun',
);
export type WeeklyHours = v.InferOutput<typeof WeeklyHoursSchema>;

/** An IANA time zone name that this runtime knows, such as `Asia/Shanghai`. */
export const TimeZoneSchema = v.pipe(
  v.string('a timezone is written as text'),
  v.check(isValidTimeZone, 'this timezone is unknown; write an IANA zone name such as "Asia/Shanghai"'),
);

/**
 * What a calendar does on a date whose year its holiday data does not cover (China's schedule for the
 * next year is published only weeks before it starts):
 * - `weekly`: the weekly hours, as if no day were a holiday, with a warning (the default);
 * - `closed`: closed all day;
 * - `{flow: NAME}`: calls that a line routes by this calendar go to that flow (in conditions the
 *   calendar counts as closed).
 * Extra open days and closures still decide first.
 */
export const NoHolidayDataFlowSchema = v.strictObject({
  flow: v.pipe(v.string('flow is the name of a flow'), v.minLength(1, 'flow is the name of a flow')),
});

export const NoHolidayDataSchema = v.union(
  [v.picklist(['weekly', 'closed']), NoHolidayDataFlowSchema],
  'noHolidayData is "weekly", "closed" or {flow: NAME}',
);
export type NoHolidayDataPolicy = v.InferOutput<typeof NoHolidayDataSchema>;

/** See the example at the top of this file. */
export const CalendarSchema = v.strictObject(
  {
    /**
     * The IANA zone the hours and dates are in, such as `Asia/Shanghai`. Optional: the caller supplies
     * the default (the deployment's zone).
     */
    timezone: v.optional(TimeZoneSchema),
    weekly: WeeklyHoursSchema,
    /**
     * Which public holidays close the calendar (and which make-up working days open it):
     * - `cn`: China's statutory holidays and 调休 from the packaged data, with the years the document's
     *   `holidaySchedules.cn` lists taking precedence over the package;
     * - the name of another schedule in `holidaySchedules`: that schedule alone;
     * - `none` (the default): no public holidays; list days off in `closed`.
     * Names are checked against the document when the rules are compiled.
     */
    holidays: v.optional(
      v.pipe(
        v.string('holidays is "cn", "none" or the name of a schedule in holidaySchedules'),
        v.regex(NAME_PATTERN, 'holidays is "cn", "none" or the name of a schedule in holidaySchedules'),
      ),
      'none',
    ),
    /** What a date in a year no holiday data covers gets; the document's `noHolidayData` by default. */
    noHolidayData: v.optional(NoHolidayDataSchema),
    /** Days closed all day, over the weekly hours and make-up working days. */
    closed: v.optional(v.array(DateOrRangeSchema, 'closed is a list of dates and ranges of dates')),
    /** Days open with their own hours, over everything else (even a closed date or a public holiday). */
    open: v.optional(v.array(ExtraOpenDaySchema, 'open is a list of extra days')),
  },
  'a calendar has weekly hours and may have timezone, holidays, noHolidayData, closed and open; no other keys',
);
export type Calendar = v.InferOutput<typeof CalendarSchema>;
