import type { ClassifyAnswer, ClassifyRequest, GuardSettings } from '../classify/classify-types';
import type { LookupAnswer, LookupRequest } from '../lookup/lookup-types';
import type { CallSettings, PromptItem } from '../protocol/call-settings';
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

/** What a decision reports besides its reply: the trace, holiday data gaps and facts for the log line. */
export type DecisionNotes = {
  readonly trace: string[];
  /** Calendars judged on a date no holiday data covers (the handler warns once a year per instance). */
  readonly holidayGaps: readonly HolidayDataGap[];
  /** The line a callin was routed by, what the caller's input matched, the outcome words, for the log. */
  readonly facts: Readonly<DecisionFacts>;
};

/** The reply, the call's next state (with the rules it belongs to, to seal it) and why. */
export type Decision = (
  | { readonly replyTo: 'callin'; readonly action: CallinAction }
  | { readonly replyTo: 'event'; readonly action: EventAction }
) & {
  readonly state?: CallState;
  readonly rules: CompiledRules;
} & DecisionNotes;

/**
 * Where a decision is while it runs: the call's state at the node reached, what the reply says so far,
 * which event it answers and the call settings in force (a line's too, on `callin`). Plain data: a
 * decision paused for a lookup is continued from it.
 */
export type Position = {
  readonly state: CallState;
  readonly items: readonly PromptItem[];
  readonly replyTo: 'callin' | 'event';
  readonly settings: CallSettings;
};

/** A lookup the engine needs answered before it can decide: the request, and how many attempts remain. */
export type LookupNeed = {
  readonly type: 'lookup';
  readonly request: LookupRequest;
  /** Attempts sent in earlier callbacks of the call (its state's `attempts`). */
  readonly attemptsSoFar: number;
  readonly maxAttempts: number;
  /** How long this callback may wait for the answer, ms. */
  readonly waitMs: number;
};

/**
 * Why a menu asks the classifier: nothing matched, or a keyword match is doubtful (the intent it chose,
 * and why, which stands on a failure). `excluded` names the intents and handlers an exclude voided for
 * these words: the model is not offered them.
 */
export type Asked = (
  | { readonly kind: 'nomatch' }
  | { readonly kind: 'doubtful'; readonly intent: number; readonly why: string }
) & { readonly excluded?: readonly string[] };

/** An utterance the engine asks a language model about, at a menu whose `classifier` is on. */
export type ClassifyNeed = {
  readonly type: 'classify';
  readonly request: ClassifyRequest;
  /** How long this callback may wait for the verdict, ms. */
  readonly waitMs: number;
  /** The document's guard and prices, which the edge's per-instance guard judges by. */
  readonly guard: GuardSettings;
  /** Why it is asked: nothing matched, or a doubtful keyword match (the intent that stands on a failure). */
  readonly asked: Asked;
};

/** What the edge brings back for a need: a lookup's answer, or a classification's. */
export type NeedAnswer = LookupAnswer | ClassifyAnswer;

/**
 * A decision paused for something only the edge can do (a lookup, a classification): perform `need`,
 * then continue with `resumeNextAction(rules, paused, answer, now)`. Plain data throughout.
 */
export type Need = {
  readonly need: LookupNeed | ClassifyNeed;
  readonly paused: Paused;
  readonly rules: CompiledRules;
};

/** Everything a paused decision continues from. */
export type Paused = {
  readonly position: Position;
  /** The caller's number (on `callin` it is known even when the state does not keep it). */
  readonly caller: string;
  /** The call's id, which a split node after the lookup reads. */
  readonly callId: string;
  /** Why a menu asked the classifier, when the decision paused for one. */
  readonly asked?: ClassifyNeed['asked'];
} & DecisionNotes;

/** What the engine returns: a decision, or a need to perform first. */
export type EngineResult = Decision | Need;

export function isNeed(result: EngineResult): result is Need {
  return 'need' in result;
}

/** A broken flow met at run time (a loop of `say` nodes, say): answered with the fallback. */
export class FlowError extends Error {
  override readonly name = 'FlowError';
}
