import { describeOpenState, isWithinRange, type OpenState } from '../calendar/is-open';
import { type LocalTime, toLocalTime } from '../calendar/local-time';
import type { CompiledRules } from '../rules/compile-rules';
import { describeNoHolidayData, type MissingHolidayYear } from '../rules/holiday-coverage';
import type { RetryKind } from '../rules/node-types';
import { normalisePhoneNumber } from '../rules/phone-number';
import type { Condition, Flow } from '../rules/rules-schema';
import { FlowError } from './decision';
import type { OutcomeWord } from './outcome-words';
import { noHolidayDataNote } from './trace-phrases';

/** A calendar judged on a date no holiday data covers: logged once per calendar and year by the handler. */
export type HolidayDataGap = MissingHolidayYear;

/** Facts of a decision for its log line, set as the engine meets them. */
export type DecisionFacts = {
  /** The line a callin was routed by (`default` for the default line). */
  line?: string;
  /** What the caller's input matched: `key 1`, `intent agent`, `collected card`. */
  matched?: string;
  /** What happened, in the words of {@link OUTCOME_WORDS}, each once, in order. */
  outcomes?: OutcomeWord[];
  /** The retry a node counted (`no-input 3` when retries ran out too), for the log line. */
  retry?: { readonly kind: RetryKind; readonly count: number };
  /** What each lookup of the decision came to, for the log line and replay. */
  lookups?: LookupRecord[];
  /** What the language model was asked and answered, for the log line, mining and replay. */
  classified?: ClassifyRecord;
  /**
   * An outbound call's first event, heard at its flow's start node (SmartCall's opening asked the
   * question): where the call was, for the log line's `nodeBefore`.
   */
  heardAtStart?: { readonly flow: string; readonly node: string };
};

/** A classification in a decision: the verdict or why there was none, and whether the call took it. */
export type ClassifyRecord = {
  /** `nomatch`: asked because nothing matched; `doubtful`: asked about a doubtful keyword match. */
  readonly asked: 'nomatch' | 'doubtful';
  /** The choice the model made (`none` included), when it answered. */
  readonly choice?: string;
  readonly confidence?: number;
  /** Why no verdict was taken: a word of CLASSIFY_FAILURES, `none` or `below-threshold`. */
  readonly why?: string;
  /** Whether the call went where the verdict said. */
  readonly taken: boolean;
  readonly ms: number;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
};

/** What a lookup came to in a decision: its outcome, and on success the values saved (raw; the log masks). */
export type LookupRecord = {
  readonly use: string;
  readonly outcome: 'ok' | 'failed' | 'waiting';
  /** Why it failed: a word of LOOKUP_FAILURES, with the field for `missing` and `invalid`. */
  readonly why?: string;
  readonly status?: number;
  readonly attempts: number;
  readonly values?: Readonly<Record<string, string>>;
  /** The saved values that are sensitive (never logged). */
  readonly sensitive?: readonly string[];
};

/**
 * What a decision may read besides the event: the rules, the clock, the caller, the call's id and the
 * values collected so far. The local time is worked out once per decision, and only if something asks for it.
 */
export class CallContext {
  #local: LocalTime | undefined;

  constructor(
    readonly compiled: CompiledRules,
    readonly nowMs: number,
    readonly caller: string,
    /** The platform's `call_id`: the same on every callback of the call (a split node's choice reads it). */
    readonly callId: string,
    readonly vars: Readonly<Record<string, string>>,
    readonly trace: string[] = [],
    /** Calendars judged on a date no holiday data covers, at most once each. */
    readonly holidayGaps: HolidayDataGap[] = [],
    /** What the log line names besides the trace: the line a call came in on, what the caller matched. */
    readonly facts: DecisionFacts = {},
    /** Each calendar's state at `nowMs`, judged once however often the decision asks (shared by withVars). */
    private readonly openStates = new Map<string, OpenState>(),
  ) {}

  /** The same call, with values collected since: same clock, same trace and facts. */
  withVars(vars: Readonly<Record<string, string>>): CallContext {
    return new CallContext(
      this.compiled,
      this.nowMs,
      this.caller,
      this.callId,
      vars,
      this.trace,
      this.holidayGaps,
      this.facts,
      this.openStates,
    );
  }

  /** Adds a step to the trace of why the call went where it went (logged with the reply). */
  note(step: string): void {
    this.trace.push(step);
  }

  /** Says what happened, for the log line's `outcomes` (each word once). */
  outcome(word: OutcomeWord): void {
    this.facts.outcomes ??= [];
    if (!this.facts.outcomes.includes(word)) this.facts.outcomes.push(word);
  }

  get nowS(): number {
    return Math.floor(this.nowMs / 1000);
  }

  /** Local time in the rules' time zone. */
  get local(): LocalTime {
    this.#local ??= toLocalTime(this.nowMs, this.compiled.rules.timezone);
    return this.#local;
  }

  /**
   * Whether a calendar of the rules is open now, and why (an unknown name counts as closed; compile
   * refuses it). A date no holiday data covers is noted in the trace with the policy that decided it,
   * and kept in `holidayGaps`.
   */
  judgeCalendar(calendarName: string): OpenState | undefined {
    const compiled = this.compiled.calendars.get(calendarName);
    if (compiled === undefined) return undefined;
    const known = this.openStates.get(calendarName);
    if (known !== undefined) return known;
    const state = describeOpenState(compiled.calendar, this.nowMs, compiled.timezone, compiled.holidays);
    this.openStates.set(calendarName, state);
    if (state.noData !== undefined) {
      const { year, policy } = state.noData;
      // Noted and kept once per calendar (and so per year: `nowMs` is one instant).
      const decided = typeof policy === 'object' ? '' : `: ${state.open ? 'open' : 'closed'}`;
      this.note(
        noHolidayDataNote(calendarName, year, `noHolidayData ${describeNoHolidayData(policy)}${decided}`),
      );
      this.holidayGaps.push({ calendar: calendarName, holidays: compiled.calendar.holidays, year, policy });
    }
    return state;
  }

  /** Whether a calendar of the rules is open now; see {@link judgeCalendar}. */
  isOpen(calendarName: string): boolean {
    return this.judgeCalendar(calendarName)?.open === true;
  }

  /** Whether every part of a condition holds. */
  holds(condition: Condition): boolean {
    if (condition.open !== undefined && !this.isOpen(condition.open)) return false;
    if (condition.closed !== undefined && this.isOpen(condition.closed)) return false;
    if (condition.time !== undefined && !isWithinRange(condition.time, this.local.minutes)) return false;
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

  /** A flow of the rules, by name (compile checks every name; a broken one is a {@link FlowError}). */
  flowNamed(name: string): Flow {
    const { flows } = this.compiled.rules;
    const flow = Object.hasOwn(flows, name) ? flows[name] : undefined;
    if (flow === undefined) throw new FlowError(`no flow is named ${name}`);
    return flow;
  }

  /** A compiled pattern of the rules (compiled on the spot if it is not one of them). */
  pattern(source: string): RegExp {
    return this.compiled.patterns.get(source) ?? new RegExp(source, 'u');
  }
}
