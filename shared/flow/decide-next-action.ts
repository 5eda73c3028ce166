import type { CallbackEvent } from '../protocol/callback-request';
import type { CallinAction, CallSettings, EventAction, Playback, PromptItem } from '../protocol/reply';
import type { CompiledRules } from '../rules/compile-rules';
import { normalisePhoneNumber } from '../rules/phone-number';
import type { Flow, FlowNode, MenuNode, Prompt, RetryPolicy } from '../rules/rules-schema';
import type { CallState, DecodedState } from '../state/state-token';
import { normaliseSpeech, readSpokenKey } from './normalise-speech';

/** Which function received the event: outbound calls start from SmartCall's `DynamicId`, not `callin`. */
export type CallOrigin = 'inbound' | 'outbound';

/** An event the engine decides on (unknown content types are answered before it). */
export type FlowEvent = Exclude<CallbackEvent, { type: 'unknown' }>;

export type Decision =
  | {
      readonly replyTo: 'callin';
      readonly action: CallinAction;
      readonly state?: CallState;
      readonly trace: string[];
    }
  | {
      readonly replyTo: 'event';
      readonly action: EventAction;
      readonly state?: CallState;
      readonly trace: string[];
    };

/** A broken flow met at run time (a loop of `say` nodes, say): answered with the fallback. */
export class FlowError extends Error {
  override readonly name = 'FlowError';
}

const DEFAULT_GOODBYE = '感谢您的来电，再见。';
const DEFAULT_NO_INPUT: RetryPolicy = { retries: 2, say: ['抱歉，我没有听到您的声音。'] };
const DEFAULT_NO_MATCH: RetryPolicy = { retries: 2, say: ['抱歉，我没有听懂。'] };
const DEFAULT_MAX_TURNS = 50;
/** Seconds to wait for a menu key when the node does not say. */
const DEFAULT_KEY_TIMEOUT_S = 5;
/**
 * `mute_time` after a goodbye: the next event is what hangs up (whether `hangup` plays its own prompt
 * is undocumented), so keep the wait short once the goodbye has been heard.
 */
const ENDING_MUTE_MS = 2000;
/** `say` nodes chained in one reply before the flow is declared looping. */
const MAX_HOPS = 16;

/** Where entering a node leads: what is played, and what the call does next. */
type Outcome = {
  readonly nodeName: string;
  readonly items: PromptItem[];
  readonly step:
    | { readonly kind: 'listen'; readonly node: MenuNode }
    | { readonly kind: 'transfer'; readonly number: string }
    | { readonly kind: 'end' };
};

type Ctx = {
  readonly compiled: CompiledRules;
  readonly trace: string[];
  readonly nowS: number;
};

/**
 * Decides the reply to one callback: pure, given the rules, the event, the call's decoded state and
 * the time. The same inputs always give the same reply, so a duplicated callback is answered alike.
 * Throws {@link FlowError} only for a flow that is broken at run time.
 */
export function decideNextAction(
  compiled: CompiledRules,
  event: FlowEvent,
  decoded: DecodedState,
  nowMs: number,
  origin: CallOrigin,
): Decision {
  const ctx: Ctx = { compiled, trace: [], nowS: Math.floor(nowMs / 1000) };
  if (event.type === 'callin') return decideCallin(ctx, event.content.callee);
  const state = resolveState(ctx, decoded, origin);
  if (state.kind === 'restart') return state.decision;
  return decideInFlow(ctx, event, state.state);
}

// --------------------------------------------------------------------------------------------------
// callin
// --------------------------------------------------------------------------------------------------

function decideCallin(ctx: Ctx, callee: string | undefined): Decision {
  const { rules, lineByNumber } = ctx.compiled;
  const line = callee === undefined ? undefined : lineByNumber.get(normalisePhoneNumber(callee));
  const flowName = line?.flow ?? rules.defaultLine.flow;
  ctx.trace.push(
    line === undefined ? `default line → flow ${flowName}` : `line ${line.name} → flow ${flowName}`,
  );
  const flow = getFlow(ctx, flowName);
  const settings = mergeSettings(rules.settings, flow.settings, line?.settings ?? rules.defaultLine.settings);
  const outcome = enterNode(ctx, flowName, flow, flow.start, []);
  const state = freshState(ctx, flowName, outcome.nodeName);
  const playback = toPlayback(outcome, settings);
  const reply = (action: CallinAction, next?: CallState): Decision =>
    next === undefined
      ? { replyTo: 'callin', action, trace: ctx.trace }
      : { replyTo: 'callin', action, state: next, trace: ctx.trace };
  switch (outcome.step.kind) {
    case 'listen':
      // Only `answer` may follow `callin`, so keys cannot be collected yet: speech works at once, and
      // the first silence arms the keys (see `keysUnarmed`).
      return reply(
        { action: 'answer', playback, settings },
        { ...state, phase: hasKeys(outcome.step.node) ? 'keysUnarmed' : 'listening' },
      );
    case 'transfer':
      ctx.trace.push('transfer waits for the next event: only answer or hangup may follow callin');
      return reply(
        { action: 'answer', playback, settings: { ...settings, muteTimeMs: 1000 } },
        { ...state, phase: 'transferPending' },
      );
    case 'end':
      if (outcome.items.length === 0) return reply({ action: 'hangup' });
      return reply(
        { action: 'answer', playback, settings: { ...settings, muteTimeMs: ENDING_MUTE_MS } },
        { ...state, phase: 'ending' },
      );
  }
}

// --------------------------------------------------------------------------------------------------
// Later events
// --------------------------------------------------------------------------------------------------

type Resolved =
  | { readonly kind: 'state'; readonly state: CallState }
  | { readonly kind: 'restart'; readonly decision: Decision };

function resolveState(ctx: Ctx, decoded: DecodedState, origin: CallOrigin): Resolved {
  const { rules, tag } = ctx.compiled;
  switch (decoded.kind) {
    case 'ok': {
      const { state } = decoded;
      if (state.rulesTag !== tag) return restart(ctx, `state is from rules ${state.rulesTag}, loaded ${tag}`);
      const flow = rules.flows[state.flow];
      if (flow === undefined || !Object.hasOwn(flow.nodes, state.node))
        return restart(ctx, 'state names no known node');
      return { kind: 'state', state };
    }
    case 'flow':
      if (Object.hasOwn(rules.flows, decoded.flow))
        return startByName(ctx, decoded.flow, 'DynamicId names flow');
      return restart(ctx, `DynamicId names no flow (${decoded.flow})`);
    case 'missing':
      if (origin === 'outbound') {
        return startByName(
          ctx,
          rules.outbound?.defaultFlow ?? rules.defaultLine.flow,
          'no DynamicId, outbound default',
        );
      }
      return restart(ctx, 'state is missing');
    case 'invalid':
      return restart(ctx, `state is ${decoded.reason === 'signature' ? 'tampered' : 'unreadable'}`);
  }
}

/**
 * Starts a flow on an outbound call's first event. SmartCall's own opening (`VoiceCode`) has already
 * been played, so when the flow starts with a menu, that opening is taken as its question and this
 * event as the answer; any other start node is entered and spoken.
 */
function startByName(ctx: Ctx, flowName: string, why: string): Resolved {
  ctx.trace.push(`${why} → flow ${flowName}`);
  const flow = getFlow(ctx, flowName);
  const start = getNode(flow, flowName, flow.start);
  const state = freshState(ctx, flowName, flow.start);
  if (start.type === 'menu')
    return { kind: 'state', state: { ...state, phase: hasKeys(start) ? 'keysUnarmed' : 'listening' } };
  return { kind: 'restart', decision: goTo(ctx, flowName, flow, state, flow.start, []) };
}

/** Recovers a call whose state cannot be used: the default flow again, after the recovery prompt. */
function restart(ctx: Ctx, why: string): Resolved {
  const { rules } = ctx.compiled;
  const flowName = rules.defaultLine.flow;
  ctx.trace.push(`${why}; restarting flow ${flowName}`);
  const flow = getFlow(ctx, flowName);
  const prefix = rules.recovery === undefined ? [] : promptItems(rules.recovery);
  return {
    kind: 'restart',
    decision: goTo(ctx, flowName, flow, freshState(ctx, flowName, flow.start), flow.start, prefix),
  };
}

function decideInFlow(ctx: Ctx, event: Exclude<FlowEvent, { type: 'callin' }>, state: CallState): Decision {
  const flow = getFlow(ctx, state.flow);
  const node = getNode(flow, state.flow, state.node);
  switch (state.phase) {
    case 'ending':
      ctx.trace.push('goodbye was played → hangup');
      return eventReply(ctx, { action: 'hangup' });
    case 'transferred':
      if (event.type === 'parallel_transfer' && event.content.transfer_status === 'fail') break;
      ctx.trace.push('call was transferred → nothing to do');
      return eventReply(ctx, { action: 'donothing' }, state);
    case 'transferPending':
      if (node.type === 'transfer') {
        ctx.trace.push(`transfer to ${node.to}`);
        return eventReply(ctx, { action: 'transfer', number: node.to }, { ...state, phase: 'transferred' });
      }
      break;
    case 'listening':
    case 'keysUnarmed':
      break;
  }
  if (event.type === 'timebreak') {
    ctx.trace.push('caller talked over the prompt → break');
    return eventReply(ctx, { action: 'break' }, state);
  }
  if (event.type === 'parallel_transfer') {
    if (event.content.transfer_status === 'success') {
      ctx.trace.push('parallel transfer succeeded');
      return eventReply(ctx, { action: 'donothing' }, { ...state, phase: 'transferred' });
    }
    ctx.trace.push('parallel transfer failed → goodbye');
    return endCall(ctx, flow, state);
  }
  if (node.type !== 'menu') {
    ctx.trace.push(`node ${state.node} does not listen`);
    return endCall(ctx, flow, state);
  }
  const turned: CallState = { ...state, turns: state.turns + 1 };
  if (turned.turns > (flow.maxTurns ?? DEFAULT_MAX_TURNS)) {
    ctx.trace.push(`turn ${turned.turns} is over the flow's limit`);
    return endCall(ctx, flow, turned);
  }
  switch (event.type) {
    case 'mute':
      if (state.phase === 'keysUnarmed' && hasKeys(node)) {
        ctx.trace.push('silence after the opening → arm keys');
        return goTo(ctx, state.flow, flow, turned, state.node, []);
      }
      return retry(ctx, flow, turned, node, 'noInput', 'silence');
    case 'dtmf': {
      const digits = event.content.dtmf_digits.replace(/[#]$/, '');
      if (digits === '' || digits === 'noInputTimeout')
        return retry(ctx, flow, turned, node, 'noInput', 'no key in time');
      const target = node.keys?.[digits];
      if (target === undefined)
        return retry(ctx, flow, turned, node, 'noMatch', `key ${digits} is not on the menu`);
      ctx.trace.push(`key ${digits} → ${target}`);
      return goTo(ctx, state.flow, flow, turned, target, []);
    }
    case 'normal': {
      const words = normaliseSpeech(event.content.words);
      if (words === '') return retry(ctx, flow, turned, node, 'noInput', 'empty utterance');
      const spokenKey = readSpokenKey(words);
      const keyTarget = spokenKey === undefined ? undefined : node.keys?.[spokenKey];
      if (keyTarget !== undefined) {
        ctx.trace.push(`spoken key ${spokenKey} → ${keyTarget}`);
        return goTo(ctx, state.flow, flow, turned, keyTarget, []);
      }
      const intents = node.intents ?? [];
      const keywordLists = ctx.compiled.keywords.get(`${state.flow}/${state.node}`) ?? [];
      for (const [index, keywords] of keywordLists.entries()) {
        const keyword = keywords.find((k) => words.includes(k));
        const intent = intents[index];
        if (keyword === undefined || intent === undefined) continue;
        ctx.trace.push(`intent ${intent.name ?? index} (keyword ${keyword}) → ${intent.goto}`);
        return goTo(ctx, state.flow, flow, turned, intent.goto, []);
      }
      return retry(ctx, flow, turned, node, 'noMatch', 'utterance matched nothing');
    }
  }
}

/** Handles no-input and no-match: ask again with the next wording, or escalate when retries run out. */
function retry(
  ctx: Ctx,
  flow: Flow,
  state: CallState,
  node: MenuNode,
  kind: 'noInput' | 'noMatch',
  why: string,
): Decision {
  const policy = node[kind] ?? flow[kind] ?? (kind === 'noInput' ? DEFAULT_NO_INPUT : DEFAULT_NO_MATCH);
  const attempt = state[kind] + 1;
  if (attempt <= policy.retries) {
    ctx.trace.push(`${why} → ${kind} retry ${attempt}/${policy.retries}`);
    const wordings = policy.say ?? [];
    const wording = wordings[Math.min(attempt, wordings.length) - 1];
    const prefix = wording === undefined ? [] : promptItems(wording);
    return goTo(ctx, state.flow, flow, { ...state, [kind]: attempt }, state.node, prefix, true);
  }
  if (policy.escalateTo === undefined) {
    ctx.trace.push(`${why} → ${kind} retries used up → goodbye`);
    return endCall(ctx, flow, state);
  }
  ctx.trace.push(`${why} → ${kind} retries used up → ${policy.escalateTo}`);
  return goTo(ctx, state.flow, flow, state, policy.escalateTo, []);
}

/** Ends the call politely: the flow's goodbye now, `hangup` on the next event. */
function endCall(ctx: Ctx, flow: Flow, state: CallState): Decision {
  const items = promptItems(flow.goodbye ?? DEFAULT_GOODBYE);
  return eventReply(
    ctx,
    { action: 'play', playback: { items, bargeIn: false }, muteTimeMs: ENDING_MUTE_MS },
    { ...state, phase: 'ending' },
  );
}

/** Enters `target` (following `say` chains) and renders the reply to a later event. */
function goTo(
  ctx: Ctx,
  flowName: string,
  flow: Flow,
  state: CallState,
  target: string,
  prefix: PromptItem[],
  keepCounters = false,
): Decision {
  const outcome = enterNode(ctx, flowName, flow, target, prefix);
  const settings = mergeSettings(ctx.compiled.rules.settings, flow.settings);
  const playback = toPlayback(outcome, settings);
  const moved = keepCounters && outcome.nodeName === state.node;
  const next: CallState = {
    ...state,
    node: outcome.nodeName,
    phase: 'listening',
    noInput: moved ? state.noInput : 0,
    noMatch: moved ? state.noMatch : 0,
  };
  switch (outcome.step.kind) {
    case 'listen': {
      const { node } = outcome.step;
      if (!hasKeys(node)) return eventReply(ctx, { action: 'play', playback }, next);
      return eventReply(
        ctx,
        { action: 'dtmf', playback, maxDigits: 1, timeoutS: node.keyTimeoutS ?? DEFAULT_KEY_TIMEOUT_S },
        next,
      );
    }
    case 'transfer':
      ctx.trace.push(`transfer to ${outcome.step.number}`);
      return eventReply(
        ctx,
        { action: 'transfer', number: outcome.step.number, playback },
        { ...next, phase: 'transferred' },
      );
    case 'end':
      if (outcome.items.length === 0) return eventReply(ctx, { action: 'hangup' });
      return eventReply(
        ctx,
        { action: 'play', playback: { ...playback, bargeIn: false }, muteTimeMs: ENDING_MUTE_MS },
        { ...next, phase: 'ending' },
      );
  }
}

// --------------------------------------------------------------------------------------------------
// Nodes, prompts, settings
// --------------------------------------------------------------------------------------------------

function enterNode(ctx: Ctx, flowName: string, flow: Flow, start: string, prefix: PromptItem[]): Outcome {
  const items = [...prefix];
  let nodeName = start;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const node: FlowNode = getNode(flow, flowName, nodeName);
    ctx.trace.push(`enter ${nodeName} (${node.type})`);
    switch (node.type) {
      case 'say':
        items.push(...promptItems(node.say));
        nodeName = node.next;
        continue;
      case 'menu':
        items.push(...promptItems(node.say));
        return { nodeName, items, step: { kind: 'listen', node } };
      case 'transfer':
        if (node.say !== undefined) items.push(...promptItems(node.say));
        return { nodeName, items, step: { kind: 'transfer', number: node.to } };
      case 'hangup':
        if (node.say !== undefined) items.push(...promptItems(node.say));
        return { nodeName, items, step: { kind: 'end' } };
    }
  }
  throw new FlowError(`flow ${flowName} chains more than ${MAX_HOPS} say nodes from ${start}`);
}

function getFlow(ctx: Ctx, name: string): Flow {
  const flow = ctx.compiled.rules.flows[name];
  if (flow === undefined) throw new FlowError(`no flow is named ${name}`);
  return flow;
}

function getNode(flow: Flow, flowName: string, name: string): FlowNode {
  const node = Object.hasOwn(flow.nodes, name) ? flow.nodes[name] : undefined;
  if (node === undefined) throw new FlowError(`flow ${flowName} has no node ${name}`);
  return node;
}

function freshState(ctx: Ctx, flow: string, node: string): CallState {
  return {
    rulesTag: ctx.compiled.tag,
    flow,
    node,
    phase: 'listening',
    noInput: 0,
    noMatch: 0,
    turns: 0,
    startedAt: ctx.nowS,
  };
}

function hasKeys(node: MenuNode): boolean {
  return node.keys !== undefined && Object.keys(node.keys).length > 0;
}

/** A prompt as playback items, in order. */
export function promptItems(prompt: Prompt): PromptItem[] {
  const list = Array.isArray(prompt) ? prompt : [prompt];
  return list.map((item) => (typeof item === 'string' ? { tts: item } : item));
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

/** Later settings win; `tts` is merged field by field. */
export function mergeSettings(...layers: (CallSettings | undefined)[]): CallSettings {
  let merged: CallSettings = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    const tts =
      merged.tts === undefined && layer.tts === undefined ? undefined : { ...merged.tts, ...layer.tts };
    merged = { ...merged, ...layer };
    if (tts !== undefined) merged = { ...merged, tts };
  }
  return merged;
}

function eventReply(ctx: Ctx, action: EventAction, state?: CallState): Decision {
  return state === undefined
    ? { replyTo: 'event', action, trace: ctx.trace }
    : { replyTo: 'event', action, state, trace: ctx.trace };
}
