import type { ClassifyAnswer } from '../../shared/classify/classify-types';
import { decideNextAction, resumeNextAction } from '../../shared/flow/decide-next-action';
import {
  type CallOrigin,
  type ClassifyNeed,
  type Decision,
  type EngineResult,
  type FlowEvent,
  isNeed,
  type LookupNeed,
} from '../../shared/flow/decision';
import type { LookupAnswer } from '../../shared/lookup/lookup-types';
import type { PromptItem } from '../../shared/protocol/call-settings';
import { type CompiledRules, compileRules } from '../../shared/rules/compile-rules';
import type { RulesInput } from '../../shared/rules/rules-schema';
import { decodeState, encodeState } from '../../shared/state/state-token';

/** The call id of every engine call walked here unless its options name another. */
export const CALL_ID = '130301340124^117079730123';

/** Compiles a rules document the test knows to be valid, failing the test with the issues if it is not. */
/** A classification's verdict: `choice` at `confidence`, in 420 ms, 300 tokens in and 12 out. */
export function classifiedAs(choice: string, confidence: number): ClassifyAnswer {
  return {
    type: 'classify',
    kind: 'classified',
    choice,
    confidence,
    ms: 420,
    usage: { promptTokens: 300, completionTokens: 12 },
  };
}

export function compileOrThrow(rules: RulesInput): CompiledRules {
  const result = compileRules(rules);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.compiled;
}

/** How a {@link Call} is played, besides the rules it starts under. */
export type CallOptions = {
  /** Whether the call came in (a callin starts it) or went out through SmartCall. Inbound by default. */
  readonly origin?: CallOrigin;
  /** Older rules versions the instance still holds, by tag; empty by default. */
  readonly byTag?: Map<string, CompiledRules>;
  /** The keys that seal and open `dynamic_id`, the sealing one first. */
  readonly keys: readonly [string, ...string[]];
  /** The instant (ms since the epoch) a turn is played at unless it names its own. */
  readonly now: number;
  /** Answers the lookups the flow needs, as the edge would; without it a need fails the test. */
  readonly answer?: (need: LookupNeed) => LookupAnswer;
  /** Answers the classifications menus ask for; without it one fails the test. */
  readonly classify?: (need: ClassifyNeed) => ClassifyAnswer;
  /** The keys that open a sealed SmartCall DynamicId (`OUTBOUND_SECRETS`); none by default. */
  readonly outboundKeys?: readonly string[];
  /** The call's `call_id`, on each of its events; {@link CALL_ID} by default. */
  readonly callId?: string;
};

/**
 * Plays a call turn by turn against `decideNextAction`, carrying only what the platform carries from
 * one event to the next: the reply's sealed `dynamic_id`. `rules` and `byTag` may change between turns,
 * as when an instance loads a newer rules version during a call.
 */
export class Call {
  /** The `dynamic_id` the next event carries; a test may set it to replay or forge a state. */
  dynamicId: string | undefined;
  /** The rules in force for the next turn. */
  rules: CompiledRules;
  readonly origin: CallOrigin;
  readonly byTag: Map<string, CompiledRules>;
  readonly keys: readonly [string, ...string[]];
  readonly now: number;
  /** The lookups the call needed, in order. */
  readonly needs: LookupNeed[] = [];
  /** The classifications the call asked for, in order. */
  readonly asked: ClassifyNeed[] = [];
  answer: ((need: LookupNeed) => LookupAnswer) | undefined;
  classify: ((need: ClassifyNeed) => ClassifyAnswer) | undefined;
  readonly outboundKeys: readonly string[];
  readonly callId: string;

  constructor(rules: CompiledRules, options: CallOptions) {
    this.answer = options.answer;
    this.classify = options.classify;
    this.rules = rules;
    this.origin = options.origin ?? 'inbound';
    this.byTag = options.byTag ?? new Map();
    this.keys = options.keys;
    this.now = options.now;
    this.outboundKeys = options.outboundKeys ?? [];
    this.callId = options.callId ?? CALL_ID;
  }

  /**
   * Sends one event and returns the decision. A callin carries no state; any other event carries the
   * last reply's `dynamic_id` unless `content` gives its own (`dynamic_id: undefined` sends none).
   */
  send(type: FlowEvent['type'], content: Record<string, unknown> = {}, now = this.now): Decision {
    const withState = type === 'callin' ? content : { dynamic_id: this.dynamicId, ...content };
    const decoded = decodeState(
      type === 'callin' ? undefined : (withState.dynamic_id as string | undefined),
      this.keys,
      this.callId,
      { outbound: { keys: this.outboundKeys, nowMs: now } },
    );
    const event = {
      callId: this.callId,
      timestamp: now,
      contentOk: true,
      type,
      content: withState,
    } as FlowEvent;
    let result: EngineResult = decideNextAction(
      { current: this.rules, byTag: this.byTag },
      event,
      decoded,
      now,
      this.origin,
    );
    while (isNeed(result)) {
      const { need } = result;
      if (need.type === 'classify') {
        this.asked.push(need);
        if (this.classify === undefined)
          throw new Error(`the menu asks the classifier: ${need.request.utterance}`);
        result = resumeNextAction(result.rules, result.paused, this.classify(need), now);
        continue;
      }
      this.needs.push(need);
      if (this.answer === undefined) throw new Error(`the flow needs lookup ${need.request.name}`);
      result = resumeNextAction(result.rules, result.paused, this.answer(need), now);
    }
    const decision = result;
    this.dynamicId =
      decision.state === undefined
        ? undefined
        : encodeState(decision.state, decision.rules.names, this.keys, this.callId);
    return decision;
  }
}

/** What a decision plays, item by item: the TTS text, or `audio:<file>` for a recording. */
export function spoken(decision: Decision): string[] {
  const action = decision.action as { playback?: { items: readonly PromptItem[] } };
  return (action.playback?.items ?? []).map((item) => ('tts' in item ? item.tts : `audio:${item.audio}`));
}
