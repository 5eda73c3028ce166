import {
  type CallSettings,
  FOLLOW_UP_MUTE_MS,
  mergeSettings,
  type Playback,
  type PromptItem,
} from '../protocol/call-settings';
import type { CallinAction, EventAction } from '../protocol/reply-actions';
import type { Flow } from '../rules/rules-schema';
import type { CallState } from '../state/state-token';
import type { CallContext } from './call-context';
import type { Decision } from './decision';
import { enterNode, type Outcome, takesKeys } from './enter-node';
import { DEFAULT_GOODBYE, DEFAULT_KEY_TIMEOUT_S } from './flow-limits';
import { renderPrompt } from './render-prompt';

/** Which event the reply answers: only `answer` and `hangup` may follow `callin`. */
export type ReplyTo = Decision['replyTo'];

/**
 * Turns where entering a node led into the reply, for `callin` and for any later event alike: the one
 * place an outcome becomes an action. What `callin` cannot do at once (collect keys, transfer) is
 * answered now and done on the next event: keys are armed by the first silence (`keysUnarmed`), a
 * transfer waits in `transferPending`. `settings` are the call's settings in force (a line's too, on
 * `callin`); `next` is the state the call moves to.
 */
export function renderOutcome(
  ctx: CallContext,
  outcome: Outcome,
  next: CallState,
  settings: CallSettings,
  replyTo: ReplyTo,
): Decision {
  const playback = toPlayback(outcome, settings);
  /** Plays a prompt now and waits for the next event (`answer` on callin, `play` after). */
  const promptNow = (shown: Playback, state: CallState, muteTimeMs = settings.muteTimeMs): Decision =>
    replyTo === 'callin'
      ? callinDecision(
          ctx,
          { action: 'answer', playback: shown, settings: { ...settings, muteTimeMs } },
          state,
        )
      : eventDecision(ctx, { action: 'play', playback: shown, muteTimeMs }, state);
  const goodbye = (): Decision =>
    outcome.items.length === 0
      ? reply(ctx, replyTo, { action: 'hangup' })
      : promptNow({ ...playback, bargeIn: false }, { ...next, phase: 'ending' }, FOLLOW_UP_MUTE_MS);

  switch (outcome.step.kind) {
    case 'listen': {
      const { node } = outcome.step;
      if (replyTo === 'callin') {
        // Only `answer` may follow `callin`, so keys cannot be collected yet: speech works at once, and
        // the first silence arms the keys (see `keysUnarmed`).
        return promptNow(playback, { ...next, phase: takesKeys(node) ? 'keysUnarmed' : 'listening' });
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
          next,
        );
      }
      if (!takesKeys(node)) return promptNow(playback, next);
      return eventDecision(
        ctx,
        {
          action: 'dtmf',
          playback,
          maxDigits: 1,
          timeoutS: node.keyTimeoutS ?? DEFAULT_KEY_TIMEOUT_S,
          muteTimeMs,
        },
        next,
      );
    }
    case 'transfer':
      if (replyTo === 'callin') {
        ctx.note('transfer deferred: callin allows only answer or hangup');
        return promptNow(playback, { ...next, phase: 'transferPending' }, FOLLOW_UP_MUTE_MS);
      }
      ctx.note(`transfer to ${outcome.step.number}`);
      return eventDecision(
        ctx,
        { action: 'transfer', number: outcome.step.number, playback },
        { ...next, phase: 'transferred' },
      );
    case 'parallel': {
      if (replyTo === 'callin') {
        ctx.note('transfer deferred: callin allows only answer or hangup');
        return promptNow(playback, { ...next, phase: 'transferPending' }, FOLLOW_UP_MUTE_MS);
      }
      if (outcome.items.length > 0) {
        // `parallel_transfer` plays no prompt of ours: play it first, transfer on the next event.
        ctx.note('prompt now, parallel transfer on the next event');
        return promptNow(playback, { ...next, phase: 'transferPending' }, FOLLOW_UP_MUTE_MS);
      }
      const { ccName, monitor, playfile } = outcome.step;
      ctx.note(`parallel transfer to ${ccName}`);
      return eventDecision(
        ctx,
        { action: 'parallel_transfer', ccName, monitor, transferPlayfile: playfile },
        { ...next, phase: 'transferred' },
      );
    }
    case 'end':
      return goodbye();
  }
}

/**
 * Enters `target` in reply to a later event (following `say` and `branch` nodes) and renders it.
 * `keepCounters` keeps the retry counters when the call stays at its node (a retry).
 */
export function goTo(
  ctx: CallContext,
  flowName: string,
  flow: Flow,
  state: CallState,
  target: string,
  prefix: PromptItem[],
  keepCounters = false,
): Decision {
  const outcome = enterNode(ctx, flowName, flow, target, prefix);
  const same = keepCounters && outcome.nodeName === state.node;
  const next: CallState = {
    ...state,
    node: outcome.nodeName,
    phase: 'listening',
    noInput: same ? state.noInput : 0,
    noMatch: same ? state.noMatch : 0,
  };
  return renderOutcome(
    ctx,
    outcome,
    next,
    mergeSettings(ctx.compiled.rules.settings, flow.settings),
    'event',
  );
}

/** Ends the call politely: the flow's goodbye now, `hangup` on the next event. */
export function endCall(ctx: CallContext, flow: Flow, state: CallState): Decision {
  const items = renderPrompt(flow.goodbye ?? DEFAULT_GOODBYE, ctx);
  return eventDecision(
    ctx,
    { action: 'play', playback: { items, bargeIn: false }, muteTimeMs: FOLLOW_UP_MUTE_MS },
    { ...state, phase: 'ending' },
  );
}

function toPlayback(outcome: Outcome, settings: CallSettings): Playback {
  const bargeIn =
    outcome.step.kind === 'listen' ? (outcome.step.node.bargeIn ?? settings.bargeIn) : settings.bargeIn;
  return {
    items: outcome.items,
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
export function eventDecision(ctx: CallContext, action: EventAction, state?: CallState): Decision {
  const common = { rules: ctx.compiled, trace: ctx.trace, holidayGaps: ctx.holidayGaps, facts: ctx.facts };
  return state === undefined
    ? { replyTo: 'event', action, ...common }
    : { replyTo: 'event', action, state, ...common };
}
