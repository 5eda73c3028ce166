import { type CallSettings, FOLLOW_UP_MUTE_MS, type Playback } from '../protocol/call-settings';
import type { CallinAction, EventAction } from '../protocol/reply-actions';
import type { FirstMenuMode } from '../rules/rules-schema';
import type { CallState } from '../state/state-token';
import type { CallContext } from './call-context';
import type { Decision, Position } from './decision';
import { DEFAULT_KEY_TIMEOUT_S } from './flow-limits';
import { type Step, takesKeys } from './node-behaviour';

/** Which event the reply answers: only `answer` and `hangup` may follow `callin`. */
export type ReplyTo = Decision['replyTo'];

/**
 * The silence after a lookup's filler (or in place of it) before the platform sends the next event,
 * which asks for the answer again: the shortest `mute_time` the platform honours.
 */
export const LOOKUP_HOLD_MUTE_MS = 1000;

/**
 * The silence after the greeting before the first `dtmf` reply plays the menu (`firstMenu: once`): the
 * shortest `mute_time` the platform honours, so the menu follows the greeting closely.
 */
const FIRST_MENU_MUTE_MS = LOOKUP_HOLD_MUTE_MS;

/** How a menu with keys is first heard in a flow: its `firstMenu`, else the document's, else `repeat`. */
function firstMenuMode(ctx: CallContext, flowName: string): FirstMenuMode {
  return ctx.flowNamed(flowName).firstMenu ?? ctx.compiled.rules.firstMenu ?? 'repeat';
}

/** A step that ends a reply: neither a move to another node nor a lookup to perform. */
export type FinalStep = Exclude<Step, { kind: 'goto' | 'need' }>;

/**
 * Renders the step a decision ended on, at `at`, into the reply: the one place a step becomes an action.
 * What `callin` cannot do at once (collect keys, transfer) is answered now and done on the next event:
 * keys are armed by the first silence (`keysUnarmed`), a transfer waits in `transferPending`.
 */
export function renderOutcome(ctx: CallContext, at: Position, step: FinalStep): Decision {
  const { settings, replyTo, state } = at;
  const playback = toPlayback(at, step, settings);
  /** Plays a prompt now and waits for the next event (`answer` on callin, `play` after). */
  const promptNow = (shown: Playback, next: CallState, muteTimeMs = settings.muteTimeMs): Decision =>
    replyTo === 'callin'
      ? callinDecision(
          ctx,
          { action: 'answer', playback: shown, settings: { ...settings, muteTimeMs } },
          next,
        )
      : eventDecision(ctx, { action: 'play', playback: shown, muteTimeMs }, next);
  const deferTransfer = (): Decision => {
    ctx.note('transfer deferred: callin allows only answer or hangup');
    ctx.outcome('transfer-deferred');
    return promptNow(playback, { ...state, phase: 'transferPending' }, FOLLOW_UP_MUTE_MS);
  };

  switch (step.kind) {
    case 'listen': {
      const { node } = step;
      if (replyTo === 'callin') {
        // Only `answer` may follow `callin`, so keys cannot be collected yet: speech works at once, and
        // the first silence arms the keys (see `keysUnarmed`).
        if (!takesKeys(node)) return promptNow(playback, state);
        const unarmed: CallState = { ...state, phase: 'keysUnarmed' };
        if (firstMenuMode(ctx, state.flow) === 'repeat') return promptNow(playback, unarmed);
        // `once`: what comes before the node plays now, the node's own prompt with the first `dtmf` reply.
        const before = playback.items.slice(0, playback.items.length - (step.say?.length ?? 0));
        ctx.note('prompt held for the first dtmf reply (firstMenu: once)');
        return promptNow({ ...playback, items: before }, unarmed, FIRST_MENU_MUTE_MS);
      }
      // The flow's mute_time is sent again on every listening reply: the last value sent wins, and a
      // goodbye, a deferred transfer or a recovery may have shortened it.
      const { muteTimeMs } = settings;
      if (node.type === 'collect') {
        return eventDecision(
          ctx,
          {
            action: 'dtmf',
            playback,
            maxDigits: node.maxDigits + (node.endKey === undefined ? 0 : 1),
            // `timeoutS` is the former name of `keyTimeoutS`, still read.
            timeoutS: node.keyTimeoutS ?? node.timeoutS ?? DEFAULT_KEY_TIMEOUT_S,
            endKey: node.endKey,
            muteTimeMs,
          },
          state,
        );
      }
      if (!takesKeys(node)) return promptNow(playback, state);
      return eventDecision(
        ctx,
        {
          action: 'dtmf',
          playback,
          maxDigits: 1,
          timeoutS: node.keyTimeoutS ?? DEFAULT_KEY_TIMEOUT_S,
          muteTimeMs,
        },
        state,
      );
    }
    case 'transfer':
      if (replyTo === 'callin') return deferTransfer();
      ctx.note(`transfer to ${step.number}`);
      ctx.outcome('transferred');
      return eventDecision(
        ctx,
        { action: 'transfer', number: step.number, playback },
        { ...state, phase: 'transferred' },
      );
    case 'parallel': {
      if (replyTo === 'callin') return deferTransfer();
      if (at.items.length > 0) {
        // `parallel_transfer` plays no prompt of ours: play it first, transfer on the next event.
        ctx.note('prompt now, parallel transfer on the next event');
        ctx.outcome('transfer-deferred');
        return promptNow(playback, { ...state, phase: 'transferPending' }, FOLLOW_UP_MUTE_MS);
      }
      const { ccName, monitor, playfile } = step;
      ctx.note(`parallel transfer to ${ccName}`);
      ctx.outcome('transferred');
      return eventDecision(
        ctx,
        { action: 'parallel_transfer', ccName, monitor, transferPlayfile: playfile },
        { ...state, phase: 'transferred' },
      );
    }
    case 'end':
      ctx.outcome('ended');
      return at.items.length === 0
        ? reply(ctx, replyTo, { action: 'hangup' })
        : promptNow({ ...playback, bargeIn: false }, { ...state, phase: 'ending' }, FOLLOW_UP_MUTE_MS);
    case 'hold':
      // The filler (or nothing) plays uninterrupted; the silence after it brings the next event.
      return promptNow(
        { ...playback, bargeIn: false },
        { ...state, phase: 'waiting', attempts: step.attempts },
        LOOKUP_HOLD_MUTE_MS,
      );
    case 'reply':
      if (step.phase === 'none') return eventDecision(ctx, step.action);
      return eventDecision(
        ctx,
        step.action,
        step.phase === undefined ? state : { ...state, phase: step.phase },
      );
  }
}

function toPlayback(at: Position, step: FinalStep, settings: CallSettings): Playback {
  const bargeIn = step.kind === 'listen' ? (step.node.bargeIn ?? settings.bargeIn) : settings.bargeIn;
  return {
    items: [...at.items],
    bargeIn,
    bargeInAfterMs: bargeIn === false ? undefined : settings.bargeInAfterMs,
  };
}

function reply(ctx: CallContext, replyTo: ReplyTo, action: CallinAction & EventAction): Decision {
  return replyTo === 'callin' ? callinDecision(ctx, action) : eventDecision(ctx, action);
}

function callinDecision(ctx: CallContext, action: CallinAction, state?: CallState): Decision {
  const common = { rules: ctx.compiled, trace: ctx.trace, holidayGaps: ctx.holidayGaps, facts: ctx.facts };
  return state === undefined
    ? { replyTo: 'callin', action, ...common }
    : { replyTo: 'callin', action, state, ...common };
}

/** A decision answering a later event, with the call's next state unless the call is over. */
function eventDecision(ctx: CallContext, action: EventAction, state?: CallState): Decision {
  const common = { rules: ctx.compiled, trace: ctx.trace, holidayGaps: ctx.holidayGaps, facts: ctx.facts };
  return state === undefined
    ? { replyTo: 'event', action, ...common }
    : { replyTo: 'event', action, state, ...common };
}
