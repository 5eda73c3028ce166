import type { CallbackEvent } from '../protocol/callback-request';
import type { CallinAction, EventAction } from '../protocol/reply-actions';
import type { CompiledRules } from '../rules/compile-rules';
import type { CallState } from '../state/state-token';
import type { DecisionFacts, HolidayDataGap } from './call-context';

/** Which function received the event: outbound calls start from SmartCall's `DynamicId`, not `callin`. */
export type CallOrigin = 'inbound' | 'outbound';

/** An event the engine decides on (unknown content types are answered before it). */
export type FlowEvent = Exclude<CallbackEvent, { type: 'unknown' }>;

/** The rules in force, and those an instance still holds for calls that started under an older version. */
export type RulesInForce = {
  readonly current: CompiledRules;
  readonly byTag?: ReadonlyMap<string, CompiledRules>;
};

/** The reply, the call's next state (with the rules it belongs to, to seal it) and why. */
export type Decision = (
  | { readonly replyTo: 'callin'; readonly action: CallinAction }
  | { readonly replyTo: 'event'; readonly action: EventAction }
) & {
  readonly state?: CallState;
  readonly rules: CompiledRules;
  readonly trace: string[];
  /** Calendars judged on a date no holiday data covers (the handler warns once a year per instance). */
  readonly holidayGaps: readonly HolidayDataGap[];
  /** The line a callin was routed by, and what the caller's input matched, for the log. */
  readonly facts: Readonly<DecisionFacts>;
};

/** A broken flow met at run time (a loop of `say` nodes, say): answered with the fallback. */
export class FlowError extends Error {
  override readonly name = 'FlowError';
}
