import { isOpenAt } from '../calendar/is-open';
import { type LocalTime, toLocalTime } from '../calendar/local-time';
import type { CompiledRules } from '../rules/compile-rules';
import { normalisePhoneNumber } from '../rules/phone-number';
import type { Condition } from '../rules/rules-schema';

/**
 * What a decision may read besides the event: the rules, the clock, the caller and the values collected
 * so far. The local time is worked out once per decision, and only if something asks for it.
 */
export class CallContext {
  #local: LocalTime | undefined;

  constructor(
    readonly compiled: CompiledRules,
    readonly nowMs: number,
    readonly caller: string,
    readonly vars: Readonly<Record<string, string>>,
    readonly trace: string[] = [],
  ) {}

  /** The same call, with values collected since: same clock, same trace. */
  withVars(vars: Readonly<Record<string, string>>): CallContext {
    return new CallContext(this.compiled, this.nowMs, this.caller, vars, this.trace);
  }

  /** Adds a step to the trace of why the call went where it went (logged with the reply). */
  note(step: string): void {
    this.trace.push(step);
  }

  get nowS(): number {
    return Math.floor(this.nowMs / 1000);
  }

  /** Local time in the rules' time zone. */
  get local(): LocalTime {
    this.#local ??= toLocalTime(this.nowMs, this.compiled.rules.timezone);
    return this.#local;
  }

  /** Whether a calendar of the rules is open now (an unknown name counts as closed; compile refuses it). */
  isOpen(calendarName: string): boolean {
    const calendar = this.compiled.rules.calendars?.[calendarName];
    return calendar !== undefined && isOpenAt(calendar, this.nowMs, this.compiled.rules.timezone);
  }

  /** Whether every part of a condition holds. */
  holds(condition: Condition): boolean {
    if (condition.open !== undefined && !this.isOpen(condition.open)) return false;
    if (condition.closed !== undefined && this.isOpen(condition.closed)) return false;
    if (condition.time !== undefined && !isWithin(condition.time, this.local.minutes)) return false;
    if (condition.weekdays !== undefined && !condition.weekdays.includes(this.local.weekday)) return false;
    if (condition.callerIn !== undefined || condition.callerPrefix !== undefined) {
      const caller = normalisePhoneNumber(this.caller);
      const listed = condition.callerIn?.some((n) => normalisePhoneNumber(n) === caller) ?? true;
      const prefixed =
        condition.callerPrefix?.some((p) => caller.startsWith(normalisePhoneNumber(p))) ?? true;
      if (caller === '' || !listed || !prefixed) return false;
    }
    if (condition.var !== undefined) {
      const value = this.vars[condition.var];
      if (value === undefined) return false;
      if (condition.equals !== undefined && value !== condition.equals) return false;
      if (condition.in !== undefined && !condition.in.includes(value)) return false;
      if (condition.matches !== undefined && !this.pattern(condition.matches).test(value)) return false;
    }
    return true;
  }

  /** A compiled pattern of the rules (compiled on the spot if it is not one of them). */
  pattern(source: string): RegExp {
    return this.compiled.patterns.get(source) ?? new RegExp(source, 'u');
  }
}

/** Whether local minutes fall in `HH:MM-HH:MM` (start included, end excluded). */
export function isWithin(range: string, minutes: number): boolean {
  const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return minutes >= toMinutes(range.slice(0, 5)) && minutes < toMinutes(range.slice(6, 11));
}
