/**
 * The platform's rules the simulator models, so that it is never kinder than VMS: what the caller can do
 * depends on the replies before (keys are heard only while a `dtmf` reply collects them, a transfer's
 * result comes only after a transfer was started, a call that ended takes nothing more). Each rule has an
 * id, named in every message that applies it, and a row in docs/simulator-rules.md that links its source
 * in docs/reference/protocol.md (test/simulator/platform-rules.test.ts holds the two together).
 */
import type { CallerAction, TurnOutcome } from './call';

/** Every rule: what the platform does, as the simulator models it, and its section in docs/reference/protocol.md. */
export const PLATFORM_RULES = {
  'callin-opens': {
    rule: 'an inbound call opens with callin; an outbound call has none, its first event carries the DynamicId',
    source: 'callin',
    // Nothing to refuse: SimulatedCall sends callin (answer) only on inbound calls, and first.
    byConstruction: true,
  },
  'state-carried': {
    rule: 'each event carries the dynamic_id of the reply before it, none when that reply sent none',
    source: 'dynamic_id-the-calls-state',
    // Nothing to refuse: SimulatedCall sends the last reply's dynamic_id and nothing else of the call.
    byConstruction: true,
  },
  'keys-armed': {
    rule: 'keys are heard only while a dtmf reply collects them, until the dtmf event with the entry',
    source: 'dtmf',
  },
  'key-entry': {
    rule: 'an entry ends after dtmf_max_numbers keys or at dtmf_end_character; keys after it are not collected',
    source: 'dtmf-1',
  },
  'key-timeout': {
    rule: 'noInputTimeout comes only from a key collection that ran out of time',
    source: 'dtmf',
  },
  'barge-in': {
    rule: 'talking over a prompt (timebreak) needs a prompt playing that may be interrupted',
    source: 'timebreak',
  },
  'silent-play': {
    rule: 'a play with nothing to play plays nothing: no timebreak can come, and mute comes once mute_time passes',
    source: 'play',
  },
  'transfer-result': {
    rule: "a parallel transfer's result comes once, after a parallel_transfer reply",
    source: 'parallel_transfer',
  },
  'call-over': {
    rule: 'after hangup, transfer, or the caller hanging up, no event comes (there is no hang-up event)',
    source: 'any-other-content_type',
  },
} as const satisfies Record<
  string,
  { readonly rule: string; readonly source: string; readonly byConstruction?: true }
>;

export type PlatformRuleId = keyof typeof PLATFORM_RULES;

/** How a message names the rule it applies. */
export function ruleTag(id: PlatformRuleId): string {
  return `(simulator rule ${id}, docs/simulator-rules.md)`;
}

/** What the platform is doing for the call after the replies so far: what it would deliver next. */
export type PlatformState = {
  /** The last reply's action and the event it answered, for messages (undefined before the first). */
  readonly last: { readonly action: string; readonly event: string } | undefined;
  /** An open key collection: its most keys and its end key. */
  readonly collecting: { readonly max: number; readonly endKey?: string | undefined } | undefined;
  /** A prompt playing, and whether the caller may talk over it. */
  readonly playing: { readonly bargeIn: boolean } | undefined;
  /**
   * The last reply was a `play` with nothing to play (a lookup's short silence): the ms of silence after
   * which the platform sends `mute` (its `mute_time`; undefined when it set none).
   */
  readonly silentPlay: { readonly muteTimeMs: number | undefined } | undefined;
  /** A parallel transfer started and its result not reported yet. */
  readonly transferring: boolean;
};

export const CALL_START: PlatformState = {
  last: undefined,
  collecting: undefined,
  playing: undefined,
  silentPlay: undefined,
  transferring: false,
};

/**
 * The platform's state after an event and its reply. The event's own result closes what it reports (a
 * `dtmf` event its collection, a `parallel_transfer` event its transfer); then the reply sets what plays
 * and what is collected. `break` stops the prompt only; `continue` and `donothing` change nothing.
 */
export function nextPlatformState(state: PlatformState, event: string, reply: TurnOutcome): PlatformState {
  const reported: PlatformState = {
    ...state,
    collecting: event === 'dtmf' ? undefined : state.collecting,
    transferring: event === 'parallel_transfer' ? false : state.transferring,
  };
  // No valid reply: what the platform does then is not documented; the simulator changes nothing.
  if (reply.action === undefined) return reported;
  const last = { action: reply.action, event };
  switch (reply.action) {
    case 'continue':
    case 'donothing':
      return { ...reported, last };
    case 'break':
      return { ...reported, last, playing: undefined, silentPlay: undefined };
    default: {
      const prompt = reply.texts.length + reply.audio.length > 0;
      return {
        last,
        collecting:
          reply.action === 'dtmf' && reply.keys !== undefined
            ? { max: reply.keys.max, endKey: reply.keys.endKey }
            : undefined,
        playing: prompt ? { bargeIn: reply.bargeIn !== false } : undefined,
        silentPlay: reply.action === 'play' && !prompt ? { muteTimeMs: reply.muteTimeMs } : undefined,
        transferring: reply.action === 'parallel_transfer',
      };
    }
  }
}

/** An action the platform would not deliver (or not whole): the rule, why, and what to do instead. */
export type Refusal = {
  readonly rule: PlatformRuleId;
  /** Starts with what happened to the action (`not heard: …`), then why, then what to do. */
  readonly message: string;
  /** The part of a key entry that is still delivered (the keys before the entry ended), if any. */
  readonly delivered?: string | undefined;
};

function lastReply(state: PlatformState): string {
  if (state.last === undefined) return 'no reply yet (SmartCall played its opening)';
  return `the last reply was ${state.last.action}, to ${state.last.event === 'callin' ? 'the callin' : `a ${state.last.event} event`}`;
}

/** The keys one entry takes: up to its end key, at most its most keys. */
export function takeEntry(keys: string, collecting: NonNullable<PlatformState['collecting']>): string {
  const end =
    collecting.endKey === undefined || collecting.endKey === '' ? -1 : keys.indexOf(collecting.endKey);
  const upToEnd = end === -1 ? keys : keys.slice(0, end + 1);
  return upToEnd.slice(0, collecting.max);
}

/** Where the caller acts, for the advice a refusal gives: a scenario's turn, the prompt, a replayed call. */
export type ActingIn = 'scenario' | 'interactive' | 'replay';

const SILENCE_FIRST: Record<ActingIn, string> = {
  scenario: 'add a turn `silence: true` before this one',
  interactive: 'type /silence first',
  replay: 'under these rules the logged call would need a silence before this turn',
};

const SILENT_NEXT: Record<ActingIn, string> = {
  scenario: 'write `silence: true` for that mute, or `say:` for words said during it',
  interactive: 'type /silence for that mute, or the words said during it',
  replay: 'under these rules the logged call would be silent or speak here',
};

/** Whether the platform would deliver `action` now; a refusal says why not, naming its rule. */
export function refuseAction(
  state: PlatformState,
  action: CallerAction,
  actingIn: ActingIn,
): Refusal | undefined {
  const silenceFirst = SILENCE_FIRST[actingIn];
  switch (action.kind) {
    case 'say':
    case 'silence':
      return undefined;
    case 'keys': {
      if (state.collecting === undefined)
        return {
          rule: 'keys-armed',
          message:
            `not heard: keys are not collected yet (${lastReply(state)}, which collects none). Keys count only ` +
            `once a reply collects them (dtmf): wait for the menu to ask, as a caller would; ${silenceFirst} ` +
            ruleTag('keys-armed'),
        };
      const entry = takeEntry(action.keys, state.collecting);
      if (entry.length === action.keys.length) return undefined;
      const end = state.collecting.endKey ? ` or at ${state.collecting.endKey}` : '';
      return {
        rule: 'key-entry',
        delivered: entry,
        message:
          `not heard: ${action.keys.slice(entry.length)} (the entry ended after ${entry}: it takes at most ` +
          `${state.collecting.max} ${state.collecting.max === 1 ? 'key' : 'keys'}${end}). Press only the keys ` +
          `of one entry per turn ${ruleTag('key-entry')}`,
      };
    }
    case 'keyTimeout':
      return state.collecting === undefined
        ? {
            rule: 'key-timeout',
            message:
              `not sent: no key entry to time out (${lastReply(state)}, which collects no keys). A key ` +
              `time-out follows only a reply that collects keys (dtmf); a caller who does nothing here is silent ${ruleTag('key-timeout')}`,
          }
        : undefined;
    case 'bargeIn':
      if (state.playing?.bargeIn === true) return undefined;
      if (state.silentPlay !== undefined)
        return {
          rule: 'silent-play',
          message:
            `not sent: nothing plays (${lastReply(state)}, with nothing to play: a short silence while the call ` +
            `waits for a lookup), so there is nothing to talk over; the platform sends mute after ` +
            `${state.silentPlay.muteTimeMs ?? 'the mute time in force, in'} ms of silence: ${SILENT_NEXT[actingIn]} ${ruleTag('silent-play')}`,
        };
      return {
        rule: 'barge-in',
        message:
          `not sent: ${state.playing === undefined ? 'no prompt is playing' : 'the prompt may not be interrupted (no barge-in)'} ` +
          `(${lastReply(state)}). Talk over a prompt only while one that allows it plays; else say the words after it ${ruleTag('barge-in')}`,
      };
    case 'transferResult':
      return state.transferring
        ? undefined
        : {
            rule: 'transfer-result',
            message:
              `not sent: no parallel transfer is under way (${lastReply(state)}). The platform reports a ` +
              "transfer's result only after a parallel_transfer reply: when a prompt announced the transfer, " +
              `${silenceFirst}, so that the prompt ends and the transfer starts ${ruleTag('transfer-result')}`,
          };
  }
}

/** The message for an action after the call ended. */
export function callOverMessage(lastAction: string | undefined): string {
  return `the call had already ended (${lastAction ?? 'hung up'}): no event comes after it ${ruleTag('call-over')}`;
}
