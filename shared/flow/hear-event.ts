import { mergeSettings } from '../protocol/call-settings';
import { findRetryPolicy, isListeningNode, type RetryKind } from '../rules/node-types';
import type { CollectNode, Flow, FlowNode, ListeningNode, MenuNode } from '../rules/rules-schema';
import type { CallState } from '../state/state-token';
import { normaliseSpeech, readSpokenKey } from '../text/normalise-speech';
import type { CallContext } from './call-context';
import type { Decision, FlowEvent } from './decision';
import { chooseTransferTarget, findKey, getFlow, getNode } from './enter-node';
import { DEFAULT_MAX_TURNS, MAX_KEY_ENTRY_CHARS, MAX_UTTERANCE_CHARS, SESSION_MARGIN_S } from './flow-limits';
import { endCall, eventDecision, goTo } from './render-outcome';
import { renderPrompt } from './render-prompt';
import { countedDigits, retriesUsedUp } from './trace-phrases';

/**
 * A later event of a call in a flow: what the caller did (said, pressed, stayed silent, talked over a
 * prompt) or what the platform reports (a transfer's result), heard by the node the call waits at.
 */

export function decideInFlow(
  ctx: CallContext,
  event: Exclude<FlowEvent, { type: 'callin' }>,
  state: CallState,
): Decision {
  const flow = getFlow(ctx, state.flow);
  const node = getNode(flow, state.flow, state.node);
  switch (state.phase) {
    case 'ending':
      ctx.note('goodbye was played → hangup');
      return eventDecision(ctx, { action: 'hangup' });
    case 'transferred':
      if (event.type === 'parallel_transfer')
        return afterParallelTransfer(ctx, flow, state, node, event.content.transfer_status);
      ctx.note('call was transferred → nothing to do');
      return eventDecision(ctx, { action: 'donothing' }, state);
    case 'transferPending':
      return transferNow(ctx, flow, state, node);
    case 'listening':
    case 'keysUnarmed':
      break;
  }
  if (event.type === 'timebreak') {
    ctx.note('caller talked over the prompt → break');
    return eventDecision(ctx, { action: 'break' }, state);
  }
  if (event.type === 'parallel_transfer')
    return afterParallelTransfer(ctx, flow, state, node, event.content.transfer_status);
  if (!isListeningNode(node)) {
    ctx.note(`node ${state.node} does not listen`);
    return endCall(ctx, flow, state);
  }
  const turned: CallState = { ...state, turns: state.turns + 1 };
  const guard = findGuardReached(ctx, flow, turned);
  if (guard !== undefined) {
    ctx.note(guard);
    return endCall(ctx, flow, turned);
  }
  if (event.type === 'mute' && state.phase === 'keysUnarmed') {
    ctx.note('first silence → arm keys');
    return goTo(ctx, state.flow, flow, turned, state.node, []);
  }
  return node.type === 'menu'
    ? hearMenu(ctx, flow, turned, node, event)
    : hearCollect(ctx, flow, turned, node, event);
}

/**
 * What of an utterance the engine reads: its first {@link MAX_UTTERANCE_CHARS} characters. ASR sends a
 * sentence; a longer text is hostile or broken, and the rules' own patterns must never run on it whole.
 */
function heardWords(words: string): string {
  return words.length > MAX_UTTERANCE_CHARS ? words.slice(0, MAX_UTTERANCE_CHARS) : words;
}

/** What of a key entry the engine reads: its first {@link MAX_KEY_ENTRY_CHARS} keys (collect takes 32 at most). */
function heardKeys(keys: string): string {
  return keys.length > MAX_KEY_ENTRY_CHARS ? keys.slice(0, MAX_KEY_ENTRY_CHARS) : keys;
}

type HeardEvent = Extract<FlowEvent, { type: 'mute' | 'dtmf' | 'normal' }>;

function hearMenu(
  ctx: CallContext,
  flow: Flow,
  state: CallState,
  node: MenuNode,
  event: HeardEvent,
): Decision {
  switch (event.type) {
    case 'mute':
      return retry(ctx, flow, state, node, 'noInput', 'silence');
    case 'dtmf': {
      const digits = heardKeys(event.content.dtmf_digits).replace(/#$/, '');
      if (digits === '' || digits === 'noInputTimeout')
        return retry(ctx, flow, state, node, 'noInput', 'no key in time');
      const target = findKey(node, digits);
      const shown = digits.length === 1 ? digits : `${digits.length} keys`;
      if (target === undefined)
        return retry(ctx, flow, state, node, 'noMatch', `key ${shown} is not on the menu`);
      ctx.note(`key ${shown} → ${target}`);
      ctx.facts.matched = `key ${shown}`;
      return goTo(ctx, state.flow, flow, state, target, []);
    }
    case 'normal': {
      const words = normaliseSpeech(heardWords(event.content.words));
      if (words === '') return retry(ctx, flow, state, node, 'noInput', 'empty utterance');
      // Priority: a spoken key, then the intents in order; within an intent, keywords then patterns.
      const spokenKey = readSpokenKey(words);
      const keyTarget = spokenKey === undefined ? undefined : findKey(node, spokenKey);
      if (keyTarget !== undefined) {
        ctx.note(`spoken key ${spokenKey} → ${keyTarget}`);
        ctx.facts.matched = `spoken key ${spokenKey}`;
        return goTo(ctx, state.flow, flow, state, keyTarget, []);
      }
      const matchers = ctx.compiled.intents.get(`${state.flow}/${state.node}`) ?? [];
      for (const [index, matcher] of matchers.entries()) {
        const intent = node.intents?.[index];
        if (intent === undefined) continue;
        const keyword = matcher.keywords.find((k) => words.includes(k));
        const pattern = keyword === undefined ? matcher.patterns.find((p) => p.test(words)) : undefined;
        if (keyword === undefined && pattern === undefined) continue;
        const why = keyword === undefined ? `pattern /${pattern?.source}/` : `keyword ${keyword}`;
        ctx.note(`intent ${intent.name ?? index} (${why}) → ${intent.goto}`);
        ctx.facts.matched = `intent ${intent.name ?? index}`;
        return goTo(ctx, state.flow, flow, state, intent.goto, []);
      }
      return retry(ctx, flow, state, node, 'noMatch', 'utterance matched nothing');
    }
  }
}

function hearCollect(
  ctx: CallContext,
  flow: Flow,
  state: CallState,
  node: CollectNode,
  event: HeardEvent,
): Decision {
  let digits: string;
  switch (event.type) {
    case 'mute':
      return retry(ctx, flow, state, node, 'noInput', 'silence');
    case 'dtmf':
      digits = heardKeys(event.content.dtmf_digits);
      if (digits === 'noInputTimeout') digits = '';
      if (node.endKey !== undefined && digits.endsWith(node.endKey)) digits = digits.slice(0, -1);
      break;
    case 'normal':
      // Digits read out ("一三八…", "幺二三") count as keys; anything else in the utterance is ignored.
      digits = normaliseSpeech(heardWords(event.content.words)).replace(/[^0-9]/g, '');
      break;
  }
  if (digits === '') return retry(ctx, flow, state, node, 'noInput', 'no digits');
  // Collected digits never reach the trace (and so the logs): card and phone numbers are personal data.
  const shown = countedDigits(digits.length);
  const fits =
    /^[0-9*#]+$/.test(digits) &&
    digits.length >= node.minDigits &&
    digits.length <= node.maxDigits &&
    (node.pattern === undefined || ctx.pattern(node.pattern).test(digits));
  if (!fits) return retry(ctx, flow, state, node, 'noMatch', `${shown} do not fit`);
  ctx.note(`collected ${node.saveAs} (${shown}) → ${node.next}`);
  ctx.facts.matched = `collected ${node.saveAs}`;
  const vars = { ...state.vars, [node.saveAs]: digits };
  return goTo(ctx.withVars(vars), state.flow, flow, { ...state, vars }, node.next, []);
}

/** The first guard a call has reached (turns, call age, the platform's session timeout), if any. */
function findGuardReached(ctx: CallContext, flow: Flow, state: CallState): string | undefined {
  if (state.turns > (flow.maxTurns ?? DEFAULT_MAX_TURNS))
    return `turn ${state.turns} is over the flow's limit`;
  const ageS = ctx.nowS - state.startedAt;
  if (flow.maxCallS !== undefined && ageS >= flow.maxCallS)
    return `call is ${ageS} s old, the flow allows ${flow.maxCallS} s`;
  const session = mergeSettings(ctx.compiled.rules.settings, flow.settings).sessionTimeoutS;
  if (session !== undefined && ageS >= session - SESSION_MARGIN_S) {
    return `call is ${ageS} s old, the platform hangs up at ${session} s`;
  }
  return undefined;
}

/** Handles no-input and no-match: ask again with the next wording, or escalate when retries run out. */
function retry(
  ctx: CallContext,
  flow: Flow,
  state: CallState,
  node: ListeningNode,
  kind: RetryKind,
  why: string,
): Decision {
  const { policy } = findRetryPolicy(node, flow, kind);
  const attempt = state[kind] + 1;
  if (attempt <= policy.retries) {
    ctx.note(`${why} → ${kind} retry ${attempt}/${policy.retries}`);
    const wordings = policy.say ?? [];
    const wording = wordings[Math.min(attempt, wordings.length) - 1];
    const prefix = wording === undefined ? [] : renderPrompt(wording, ctx);
    return goTo(ctx, state.flow, flow, { ...state, [kind]: attempt }, state.node, prefix, true);
  }
  if (policy.escalateTo === undefined) {
    ctx.note(retriesUsedUp(why, kind, 'goodbye'));
    return endCall(ctx, flow, state);
  }
  ctx.note(retriesUsedUp(why, kind, policy.escalateTo));
  return goTo(ctx, state.flow, flow, state, policy.escalateTo, []);
}

/** Performs a transfer that had to wait for this event. */
function transferNow(ctx: CallContext, flow: Flow, state: CallState, node: FlowNode): Decision {
  if (node.type === 'transfer') {
    const number = chooseTransferTarget(ctx, node);
    if (number !== undefined) {
      ctx.note(`transfer to ${number}`);
      return eventDecision(ctx, { action: 'transfer', number }, { ...state, phase: 'transferred' });
    }
  }
  if (node.type === 'parallelTransfer') {
    ctx.note(`parallel transfer to ${node.ccName}`);
    return eventDecision(
      ctx,
      {
        action: 'parallel_transfer',
        ccName: node.ccName,
        monitor: node.monitor,
        transferPlayfile: node.playfile,
      },
      { ...state, phase: 'transferred' },
    );
  }
  ctx.note(`node ${state.node} has no transfer`);
  return endCall(ctx, flow, state);
}

function afterParallelTransfer(
  ctx: CallContext,
  flow: Flow,
  state: CallState,
  node: FlowNode,
  status: 'success' | 'fail' | undefined,
): Decision {
  if (status !== 'success' && status !== 'fail') {
    // Neither success nor fail: the transfer may still be ringing; change nothing.
    ctx.note('transfer status unknown → nothing to do');
    return eventDecision(ctx, { action: 'donothing' }, state);
  }
  if (status === 'success') {
    ctx.note('parallel transfer succeeded');
    return eventDecision(ctx, { action: 'donothing' }, { ...state, phase: 'transferred' });
  }
  if (node.type === 'parallelTransfer') {
    ctx.note(`parallel transfer failed → ${node.onFail}`);
    return goTo(ctx, state.flow, flow, { ...state, phase: 'listening' }, node.onFail, []);
  }
  ctx.note('parallel transfer failed → goodbye');
  return endCall(ctx, flow, state);
}
