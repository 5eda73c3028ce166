/** The days of the week as calendars and conditions write them, Monday first: the one list of them. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A day of the week as calendars write it. */
export type Weekday = (typeof WEEKDAYS)[number];

/** The wall-clock reading of an instant in one time zone. */
export type LocalTime = {
  /** The local date, `YYYY-MM-DD`. */
  readonly date: string;
  readonly weekday: Weekday;
  /** Minutes since local midnight, 0–1439. */
  readonly minutes: number;
  /** The local hour, 0–23. */
  readonly hour: number;
};

/** `Intl`'s English short names (`Mon`) to ours. */
const weekdayByShortName: ReadonlyMap<string, Weekday> = new Map(
  WEEKDAYS.map((weekday) => [`${weekday.charAt(0).toUpperCase()}${weekday.slice(1)}`, weekday]),
);

/**
 * Zones whose UTC offset (minutes) has not changed since 1992 by the tz database, read with arithmetic:
 * the first `Intl.DateTimeFormat` of an instance costs about 12 ms of CPU (it loads ICU's zone data), and
 * every cold start would pay it for the default `Asia/Shanghai` alone. test/calendar/local-time.test.ts
 * checks each against `Intl` every thirteenth day from 2000 to 2035, so a runtime whose zone data disagrees
 * fails the tests rather than a call. Instants before 1992, and every other zone, go through `Intl`.
 */
const FIXED_OFFSET_MINUTES: ReadonlyMap<string, number> = new Map([
  ['Asia/Shanghai', 480],
  ['Asia/Hong_Kong', 480],
  ['Asia/Macau', 480],
  ['Asia/Taipei', 480],
  ['Asia/Singapore', 480],
  ['Asia/Kuala_Lumpur', 480],
  ['Asia/Manila', 480],
  ['Asia/Tokyo', 540],
  ['Asia/Seoul', 540],
  ['Asia/Kolkata', 330],
  ['Asia/Dubai', 240],
  ['Asia/Riyadh', 180],
  ['Asia/Bangkok', 420],
  ['Asia/Jakarta', 420],
  ['Asia/Ho_Chi_Minh', 420],
  ['Asia/Urumqi', 360],
  ['UTC', 0],
  ['Etc/UTC', 0],
  ['Etc/GMT', 0],
]);

/** The zones {@link FIXED_OFFSET_MINUTES} reads without `Intl`, for the tests that check them. */
export const FIXED_OFFSET_ZONES: readonly string[] = [...FIXED_OFFSET_MINUTES.keys()];

const FIXED_SINCE_MS = Date.UTC(1992, 0, 1);

/** Days of the week in `Date#getUTCDay` order, Sunday first. */
const WEEKDAYS_FROM_SUNDAY: readonly Weekday[] = [WEEKDAYS[6], ...WEEKDAYS.slice(0, 6)];

/** The day of the week of `Date#getUTCDay`'s number (0 is Sunday). */
export function weekdayOfUtcDay(day: number): Weekday {
  return WEEKDAYS_FROM_SUNDAY[day] ?? 'mon';
}

/**
 * One formatter per zone name: building an `Intl.DateTimeFormat` costs tens of microseconds (it loads zone
 * data), reusing one costs about one. The map only grows by the zones named in the rules.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function getFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      // h23, not `hour12: false`: the latter formats midnight as "24" in some ICU versions.
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Whether `timeZone` is a zone name this runtime knows (`Asia/Shanghai`, `UTC`). A known zone's formatter is
 * kept, so validating the rules also prepares the per-call conversion.
 */
export function isValidTimeZone(timeZone: string): boolean {
  if (FIXED_OFFSET_MINUTES.has(timeZone)) return true;
  try {
    getFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads the instant `epochMs` (milliseconds since the Unix epoch) on a wall clock in `timeZone`. Only the
 * zone given is used, never the machine's own. Throws a RangeError for an unknown zone or an invalid instant;
 * zones from the rules are checked by {@link isValidTimeZone} when the rules are loaded.
 */
export function toLocalTime(epochMs: number, timeZone: string): LocalTime {
  const offset = FIXED_OFFSET_MINUTES.get(timeZone);
  if (offset !== undefined && epochMs >= FIXED_SINCE_MS) {
    // The wall clock is UTC shifted by the offset; its UTC fields are the local ones.
    const local = new Date(epochMs + offset * 60_000);
    const hour = local.getUTCHours();
    return {
      date: local.toISOString().slice(0, 10),
      weekday: weekdayOfUtcDay(local.getUTCDay()),
      minutes: hour * 60 + local.getUTCMinutes(),
      hour,
    };
  }
  let year = '';
  let month = '';
  let day = '';
  let weekday: Weekday = 'mon';
  let hour = 0;
  let minute = 0;
  for (const part of getFormatter(timeZone).formatToParts(epochMs)) {
    switch (part.type) {
      case 'year':
        year = part.value.padStart(4, '0');
        break;
      case 'month':
        month = part.value;
        break;
      case 'day':
        day = part.value;
        break;
      case 'weekday':
        weekday = weekdayByShortName.get(part.value) ?? weekday;
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
    }
  }
  return { date: `${year}-${month}-${day}`, weekday, minutes: hour * 60 + minute, hour };
}
