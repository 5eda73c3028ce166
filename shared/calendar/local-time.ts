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
