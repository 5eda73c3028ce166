import type { CallbackEvent } from '../protocol/callback-request';
import type { CallinAction, CallSettings, EventAction, Playback, PromptItem } from '../protocol/reply';
import type { CompiledRules } from '../rules/compile-rules';
import { normalisePhoneNumber } from '../rules/phone-number';
import type {
  CollectNode,
  Flow,
  FlowNode,
  Line,
  ListeningNode,
  MenuNode,
  RetryPolicy,
} from '../rules/rules-schema';
import { type CallState, type DecodedState, openState } from '../state/state-token';
import { CallContext, type HolidayDataGap } from './call-context';
import { normaliseSpeech, readSpokenKey } from './normalise-speech';
import { renderPrompt } from './render-prompt';

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
};

/** A broken flow met at run time (a loop of `say` nodes, say): answered with the fallback. */
export class FlowError extends Error {
  override readonly name = 'FlowError';
}

const DEFAULT_GOODBYE = '感谢您的来电，再见。';
const DEFAULT_NO_INPUT: RetryPolicy = { retries: 2, say: ['抱歉，我没有听到您的声音。'] };
const DEFAULT_NO_MATCH: RetryPolicy = { retries: 2, say: ['抱歉，我没有听懂。'] };
const DEFAULT_MAX_TURNS = 50;
/** Seconds to wait for keys when the node does not say. */
const DEFAULT_KEY_TIMEOUT_S = 5;
/**
 * `mute_time` after a goodbye, and before a deferred transfer: the next event is what acts (whether
 * `hangup` plays its own prompt is undocumented), so the wait after the prompt is kept short.
 */
const FOLLOW_UP_MUTE_MS = 2000;
/** A call is ended this long before the platform's `session_timeout`, so the goodbye is heard. */
export const SESSION_MARGIN_S = 20;
/** Nodes passed through (`say`, `branch`) in one reply before the flow is declared looping. */
export const MAX_HOPS = 32;

/** Where entering a node leads: what is played, and what the call does next. */
type Outcome = {
  readonly nodeName: string;
  readonly items: PromptItem[];
  readonly step:
    | { readonly kind: 'listen'; readonly node: ListeningNode }
    | { readonly kind: 'transfer'; readonly number: string }
    | {
        readonly kind: 'parallel';
        readonly ccName: string;
        readonly monitor: boolean;
        readonly playfile: string | undefined;
      }
    | { readonly kind: 'end' };
};

/**
 * Decides the reply to one callback: pure, given the rules, the event, the call's decoded state and the
 * time. The same inputs always give the same reply, so a duplicated callback is answered alike. Throws
 * {@link FlowError} only for a flow that is broken at run time.
 */
export function decideNextAction(
  rules: CompiledRules | RulesInForce,
  event: FlowEvent,
  decoded: DecodedState,
  nowMs: number,
  origin: CallOrigin,
): Decision {
  const inForce: RulesInForce = 'current' in rules ? rules : { current: rules };
  if (event.type === 'callin') {
    const ctx = new CallContext(inForce.current, nowMs, event.content.caller ?? '', {});
    return decideCallin(ctx, event.content);
  }
  const resolved = resolveState(inForce, decoded, origin, nowMs);
  if (resolved.kind === 'restart') return resolved.decision;
  return decideInFlow(resolved.ctx, event, resolved.state);
}

// --------------------------------------------------------------------------------------------------
// callin
// --------------------------------------------------------------------------------------------------

/**
 * Finds the line of a call. Priority: the caller's own number, the longest matching caller prefix,
 * the number that forwarded the call (`orgcallee`), the number dialled (`callee`), the default line.
 * Every step is a map lookup: the cost does not grow with the number of lines.
 */
export function findLine(
  compiled: CompiledRules,
  content: { caller?: string | undefined; callee?: string | undefined; orgcallee?: string | undefined },
): { line: Line | undefined; how: string } {
  const caller = content.caller === undefined ? '' : normalisePhoneNumber(content.caller);
  if (caller !== '') {
    const byCaller = compiled.lineByCaller.get(caller);
    if (byCaller !== undefined) return { line: byCaller, how: 'caller' };
    for (let length = Math.min(caller.length, compiled.longestCallerPrefix); length > 0; length--) {
      const byPrefix = compiled.lineByCallerPrefix.get(caller.slice(0, length));
      if (byPrefix !== undefined) return { line: byPrefix, how: 'caller prefix' };
    }
  }
  if (content.orgcallee !== undefined) {
    const byForward = compiled.lineByForwarded.get(normalisePhoneNumber(content.orgcallee));
    if (byForward !== undefined) return { line: byForward, how: 'forwarding number' };
  }
  if (content.callee !== undefined) {
    const byNumber = compiled.lineByNumber.get(normalisePhoneNumber(content.callee));
    if (byNumber !== undefined) return { line: byNumber, how: 'number dialled' };
  }
  return { line: undefined, how: 'default' };
}

function decideCallin(
  ctx: CallContext,
  content: { caller?: string | undefined; callee?: string | undefined; orgcallee?: string | undefined },
): Decision {
  const { rules } = ctx.compiled;
  const { line, how } = findLine(ctx.compiled, content);
  const target = line ?? rules.defaultLine;
  ctx.note(
    line === undefined
      ? `default line → flow ${target.flow}`
      : `line ${line.name} (by ${how}) → flow ${target.flow}`,
  );
  const flowName = chooseLineFlow(ctx, target);
  const flow = getFlow(ctx, flowName);
  const settings = mergeSettings(rules.settings, flow.settings, target.settings);
  const outcome = enterNode(ctx, flowName, flow, flow.start, []);
  const state = freshState(ctx, flowName, outcome.nodeName);
  const playback = toPlayback(outcome, settings);
  const reply = (action: CallinAction, next?: CallState): Decision =>
    next === undefined
      ? { replyTo: 'callin', action, rules: ctx.compiled, trace: ctx.trace, holidayGaps: ctx.holidayGaps }
      : {
          replyTo: 'callin',
          action,
          state: next,
          rules: ctx.compiled,
          trace: ctx.trace,
          holidayGaps: ctx.holidayGaps,
        };
  switch (outcome.step.kind) {
    case 'listen':
      // Only `answer` may follow `callin`, so keys cannot be collected yet: speech works at once, and
      // the first silence arms the keys (see `keysUnarmed`).
      return reply(
        { action: 'answer', playback, settings },
        { ...state, phase: takesKeys(outcome.step.node) ? 'keysUnarmed' : 'listening' },
      );
    case 'transfer':
    case 'parallel':
      ctx.note('transfer deferred: callin allows only answer or hangup');
      return reply(
        { action: 'answer', playback, settings: { ...settings, muteTimeMs: FOLLOW_UP_MUTE_MS } },
        { ...state, phase: 'transferPending' },
      );
    case 'end':
      if (outcome.items.length === 0) return reply({ action: 'hangup' });
      return reply(
        {
          action: 'answer',
          playback: { ...playback, bargeIn: false },
          settings: { ...settings, muteTimeMs: FOLLOW_UP_MUTE_MS },
        },
        { ...state, phase: 'ending' },
      );
  }
}

/**
 * A line's flow, or its after-hours flow while its calendar is closed, or the flow its calendar's
 * `noHolidayData` policy names on a date no holiday data covers.
 */
function chooseLineFlow(ctx: CallContext, target: Omit<Line, 'name'>): string {
  if (target.calendar === undefined || target.afterHoursFlow === undefined) return target.flow;
  const state = ctx.judgeCalendar(target.calendar);
  const policy = state?.noData?.policy;
  // The trace already names the policy's flow (judgeCalendar).
  if (typeof policy === 'object') return policy.flow;
  if (state?.open === true) return target.flow;
  ctx.note(`calendar ${target.calendar} is closed → flow ${target.afterHoursFlow}`);
  return target.afterHoursFlow;
}

// --------------------------------------------------------------------------------------------------
// Later events
// --------------------------------------------------------------------------------------------------

type Resolved =
  | { readonly kind: 'state'; readonly state: CallState; readonly ctx: CallContext }
  | { readonly kind: 'restart'; readonly decision: Decision };

function resolveState(
  inForce: RulesInForce,
  decoded: DecodedState,
  origin: CallOrigin,
  nowMs: number,
): Resolved {
  const { current } = inForce;
  const fresh = new CallContext(current, nowMs, '', {});
  switch (decoded.kind) {
    case 'ok': {
      const sealed = decoded.state;
      const compiled = sealed.rulesTag === current.tag ? current : inForce.byTag?.get(sealed.rulesTag);
      if (compiled === undefined)
        return restart(fresh, `state is from rules ${sealed.rulesTag}, no longer loaded`);
      const state = openState(sealed, compiled.names);
      if (state === undefined) return restart(fresh, 'state names no known node');
      const ctx = new CallContext(compiled, nowMs, state.caller, state.vars);
      if (compiled !== current) ctx.note(`call keeps the rules it started with (${compiled.rules.version})`);
      return { kind: 'state', state, ctx };
    }
    case 'flow': {
      const { outbound } = current.rules;
      const allowed =
        outbound?.flows === undefined ||
        outbound.flows.includes(decoded.flow) ||
        outbound.defaultFlow === decoded.flow;
      if (Object.hasOwn(current.rules.flows, decoded.flow) && allowed) {
        return startByName(fresh, decoded.flow, 'DynamicId names flow');
      }
      return restart(fresh, `DynamicId names no outbound flow (${decoded.flow})`);
    }
    case 'missing':
      if (origin === 'outbound') {
        return startByName(
          fresh,
          current.rules.outbound?.defaultFlow ?? current.rules.defaultLine.flow,
          'no DynamicId, outbound default',
        );
      }
      return restart(fresh, 'state is missing');
    case 'invalid':
      return restart(
        fresh,
        `state is ${decoded.reason === 'tampered' ? 'tampered or sealed with another key' : 'unreadable'}`,
      );
  }
}

/**
 * Starts a flow on an outbound call's first event. SmartCall's own opening (`VoiceCode`) has already
 * been played, so when the flow starts with a menu or a collect node, that opening is taken as its
 * question and this event as the answer; any other start node is entered and spoken.
 */
function startByName(ctx: CallContext, flowName: string, why: string): Resolved {
  ctx.note(`${why} → flow ${flowName}`);
  const flow = getFlow(ctx, flowName);
  const start = getNode(flow, flowName, flow.start);
  const state = freshState(ctx, flowName, flow.start);
  if (start.type === 'menu' || start.type === 'collect') {
    return { kind: 'state', state: { ...state, phase: takesKeys(start) ? 'keysUnarmed' : 'listening' }, ctx };
  }
  return { kind: 'restart', decision: goTo(ctx, flowName, flow, state, flow.start, []) };
}

/** Recovers a call whose state cannot be used: the default flow again, after the recovery prompt. */
function restart(ctx: CallContext, why: string): Resolved {
  const { rules } = ctx.compiled;
  ctx.note(`${why}; restarting the default line`);
  const flowName = chooseLineFlow(ctx, rules.defaultLine);
  const flow = getFlow(ctx, flowName);
  const prefix = rules.recovery === undefined ? [] : renderPrompt(rules.recovery, ctx);
  return {
    kind: 'restart',
    decision: goTo(ctx, flowName, flow, freshState(ctx, flowName, flow.start), flow.start, prefix),
  };
}

function decideInFlow(
  ctx: CallContext,
  event: Exclude<FlowEvent, { type: 'callin' }>,
  state: CallState,
): Decision {
  const flow = getFlow(ctx, state.flow);
  const node = getNode(flow, state.flow, state.node);
  switch (state.phase) {
    case 'ending':
      ctx.note('goodbye was played → hangup');
      return eventReply(ctx, { action: 'hangup' });
    case 'transferred':
      if (event.type === 'parallel_transfer')
        return afterParallelTransfer(ctx, flow, state, node, event.content.transfer_status);
      ctx.note('call was transferred → nothing to do');
      return eventReply(ctx, { action: 'donothing' }, state);
    case 'transferPending':
      return transferNow(ctx, flow, state, node);
    case 'listening':
    case 'keysUnarmed':
      break;
  }
  if (event.type === 'timebreak') {
    ctx.note('caller talked over the prompt → break');
    return eventReply(ctx, { action: 'break' }, state);
  }
  if (event.type === 'parallel_transfer')
    return afterParallelTransfer(ctx, flow, state, node, event.content.transfer_status);
  if (node.type !== 'menu' && node.type !== 'collect') {
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
      const digits = event.content.dtmf_digits.replace(/#$/, '');
      if (digits === '' || digits === 'noInputTimeout')
        return retry(ctx, flow, state, node, 'noInput', 'no key in time');
      const target = findKey(node, digits);
      const shown = digits.length === 1 ? digits : `${digits.length} keys`;
      if (target === undefined)
        return retry(ctx, flow, state, node, 'noMatch', `key ${shown} is not on the menu`);
      ctx.note(`key ${shown} → ${target}`);
      return goTo(ctx, state.flow, flow, state, target, []);
    }
    case 'normal': {
      const words = normaliseSpeech(event.content.words);
      if (words === '') return retry(ctx, flow, state, node, 'noInput', 'empty utterance');
      // Priority: a spoken key, then the intents in order; within an intent, keywords then patterns.
      const spokenKey = readSpokenKey(words);
      const keyTarget = spokenKey === undefined ? undefined : findKey(node, spokenKey);
      if (keyTarget !== undefined) {
        ctx.note(`spoken key ${spokenKey} → ${keyTarget}`);
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
      digits = event.content.dtmf_digits;
      if (digits === 'noInputTimeout') digits = '';
      if (node.endKey !== undefined && digits.endsWith(node.endKey)) digits = digits.slice(0, -1);
      break;
    case 'normal':
      // Digits read out ("一三八…", "幺二三") count as keys; anything else in the utterance is ignored.
      digits = normaliseSpeech(event.content.words).replace(/[^0-9]/g, '');
      break;
  }
  if (digits === '') return retry(ctx, flow, state, node, 'noInput', 'no digits');
  // Collected digits never reach the trace (and so the logs): card and phone numbers are personal data.
  const shown = `${digits.length} digits`;
  const fits =
    /^[0-9*#]+$/.test(digits) &&
    digits.length >= node.minDigits &&
    digits.length <= node.maxDigits &&
    (node.pattern === undefined || ctx.pattern(node.pattern).test(digits));
  if (!fits) return retry(ctx, flow, state, node, 'noMatch', `${shown} do not fit`);
  ctx.note(`collected ${node.saveAs} (${shown}) → ${node.next}`);
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
  kind: 'noInput' | 'noMatch',
  why: string,
): Decision {
  const policy = node[kind] ?? flow[kind] ?? (kind === 'noInput' ? DEFAULT_NO_INPUT : DEFAULT_NO_MATCH);
  const attempt = state[kind] + 1;
  if (attempt <= policy.retries) {
    ctx.note(`${why} → ${kind} retry ${attempt}/${policy.retries}`);
    const wordings = policy.say ?? [];
    const wording = wordings[Math.min(attempt, wordings.length) - 1];
    const prefix = wording === undefined ? [] : renderPrompt(wording, ctx);
    return goTo(ctx, state.flow, flow, { ...state, [kind]: attempt }, state.node, prefix, true);
  }
  if (policy.escalateTo === undefined) {
    ctx.note(`${why} → ${kind} retries used up → goodbye`);
    return endCall(ctx, flow, state);
  }
  ctx.note(`${why} → ${kind} retries used up → ${policy.escalateTo}`);
  return goTo(ctx, state.flow, flow, state, policy.escalateTo, []);
}

/** Ends the call politely: the flow's goodbye now, `hangup` on the next event. */
function endCall(ctx: CallContext, flow: Flow, state: CallState): Decision {
  const items = renderPrompt(flow.goodbye ?? DEFAULT_GOODBYE, ctx);
  return eventReply(
    ctx,
    { action: 'play', playback: { items, bargeIn: false }, muteTimeMs: FOLLOW_UP_MUTE_MS },
    { ...state, phase: 'ending' },
  );
}

/** Performs a transfer that had to wait for this event. */
function transferNow(ctx: CallContext, flow: Flow, state: CallState, node: FlowNode): Decision {
  if (node.type === 'transfer') {
    const number = chooseTransferTarget(ctx, node);
    if (number !== undefined) {
      ctx.note(`transfer to ${number}`);
      return eventReply(ctx, { action: 'transfer', number }, { ...state, phase: 'transferred' });
    }
  }
  if (node.type === 'parallelTransfer') {
    ctx.note(`parallel transfer to ${node.ccName}`);
    return eventReply(
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
    return eventReply(ctx, { action: 'donothing' }, state);
  }
  if (status === 'success') {
    ctx.note('parallel transfer succeeded');
    return eventReply(ctx, { action: 'donothing' }, { ...state, phase: 'transferred' });
  }
  if (node.type === 'parallelTransfer') {
    ctx.note(`parallel transfer failed → ${node.onFail}`);
    return goTo(ctx, state.flow, flow, { ...state, phase: 'listening' }, node.onFail, []);
  }
  ctx.note('parallel transfer failed → goodbye');
  return endCall(ctx, flow, state);
}

/** The first transfer target whose condition holds (or that has none), else `to`. */
function chooseTransferTarget(
  ctx: CallContext,
  node: Extract<FlowNode, { type: 'transfer' }>,
): string | undefined {
  const target = node.targets?.find((t) => t.when === undefined || ctx.holds(t.when));
  return target?.to ?? node.to;
}

/** Enters `target` (following `say` and `branch` nodes) and renders the reply to a later event. */
function goTo(
  ctx: CallContext,
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
  const same = keepCounters && outcome.nodeName === state.node;
  const next: CallState = {
    ...state,
    node: outcome.nodeName,
    phase: 'listening',
    noInput: same ? state.noInput : 0,
    noMatch: same ? state.noMatch : 0,
  };
  switch (outcome.step.kind) {
    case 'listen': {
      const { node } = outcome.step;
      if (node.type === 'collect') {
        return eventReply(
          ctx,
          {
            action: 'dtmf',
            playback,
            maxDigits: node.maxDigits + (node.endKey === undefined ? 0 : 1),
            timeoutS: node.timeoutS ?? DEFAULT_KEY_TIMEOUT_S,
            endKey: node.endKey,
            muteTimeMs: settings.muteTimeMs,
          },
          next,
        );
      }
      // The flow's mute_time is sent again on every listening reply: the last value sent wins, and a
      // goodbye, a deferred transfer or a recovery may have shortened it.
      const { muteTimeMs } = settings;
      if (!takesKeys(node)) return eventReply(ctx, { action: 'play', playback, muteTimeMs }, next);
      return eventReply(
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
      ctx.note(`transfer to ${outcome.step.number}`);
      return eventReply(
        ctx,
        { action: 'transfer', number: outcome.step.number, playback },
        { ...next, phase: 'transferred' },
      );
    case 'parallel': {
      const { ccName, monitor, playfile } = outcome.step;
      if (outcome.items.length > 0) {
        // `parallel_transfer` plays no prompt of ours: play it first, transfer on the next event.
        ctx.note('prompt now, parallel transfer on the next event');
        return eventReply(
          ctx,
          { action: 'play', playback, muteTimeMs: FOLLOW_UP_MUTE_MS },
          { ...next, phase: 'transferPending' },
        );
      }
      ctx.note(`parallel transfer to ${ccName}`);
      return eventReply(
        ctx,
        { action: 'parallel_transfer', ccName, monitor, transferPlayfile: playfile },
        { ...next, phase: 'transferred' },
      );
    }
    case 'end':
      if (outcome.items.length === 0) return eventReply(ctx, { action: 'hangup' });
      return eventReply(
        ctx,
        { action: 'play', playback: { ...playback, bargeIn: false }, muteTimeMs: FOLLOW_UP_MUTE_MS },
        { ...next, phase: 'ending' },
      );
  }
}

// --------------------------------------------------------------------------------------------------
// Nodes, prompts, settings
// --------------------------------------------------------------------------------------------------

function enterNode(
  ctx: CallContext,
  flowName: string,
  flow: Flow,
  start: string,
  prefix: PromptItem[],
): Outcome {
  const items = [...prefix];
  let nodeName = start;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const node: FlowNode = getNode(flow, flowName, nodeName);
    ctx.note(`enter ${nodeName} (${node.type})`);
    switch (node.type) {
      case 'say':
        items.push(...renderPrompt(node.say, ctx));
        nodeName = node.next;
        continue;
      case 'branch': {
        const taken = node.branches.find((branch) => ctx.holds(branch.when));
        nodeName = taken?.goto ?? node.else;
        ctx.note(taken === undefined ? `no branch holds → ${nodeName}` : `branch → ${nodeName}`);
        continue;
      }
      case 'menu':
      case 'collect':
        items.push(...renderPrompt(node.say, ctx));
        return { nodeName, items, step: { kind: 'listen', node } };
      case 'transfer': {
        if (node.say !== undefined) items.push(...renderPrompt(node.say, ctx));
        const number = chooseTransferTarget(ctx, node);
        if (number === undefined) {
          ctx.note('no transfer target → goodbye');
          items.push(...renderPrompt(flow.goodbye ?? DEFAULT_GOODBYE, ctx));
          return { nodeName, items, step: { kind: 'end' } };
        }
        return { nodeName, items, step: { kind: 'transfer', number } };
      }
      case 'parallelTransfer':
        return {
          nodeName,
          items,
          step: { kind: 'parallel', ccName: node.ccName, monitor: node.monitor, playfile: node.playfile },
        };
      case 'hangup':
        if (node.say !== undefined) items.push(...renderPrompt(node.say, ctx));
        return { nodeName, items, step: { kind: 'end' } };
    }
  }
  throw new FlowError(`flow ${flowName} passes more than ${MAX_HOPS} say or branch nodes from ${start}`);
}

function getFlow(ctx: CallContext, name: string): Flow {
  const flow = ctx.compiled.rules.flows[name];
  if (flow === undefined) throw new FlowError(`no flow is named ${name}`);
  return flow;
}

function getNode(flow: Flow, flowName: string, name: string): FlowNode {
  const node = Object.hasOwn(flow.nodes, name) ? flow.nodes[name] : undefined;
  if (node === undefined) throw new FlowError(`flow ${flowName} has no node ${name}`);
  return node;
}

function freshState(ctx: CallContext, flow: string, node: string): CallState {
  return {
    rulesTag: ctx.compiled.tag,
    flow,
    node,
    phase: 'listening',
    noInput: 0,
    noMatch: 0,
    turns: 0,
    startedAt: ctx.nowS,
    // Carried only when the rules read it later: every character of the state travels on every event.
    caller: ctx.compiled.keepsCaller ? ctx.caller : '',
    vars: ctx.vars,
  };
}

/** The node a menu key leads to; own keys only (`constructor` is not a key). */
function findKey(node: MenuNode, key: string): string | undefined {
  return node.keys !== undefined && Object.hasOwn(node.keys, key) ? node.keys[key] : undefined;
}

/** Whether a listening node collects keys (and so needs a `dtmf` reply to hear them). */
function takesKeys(node: ListeningNode): boolean {
  return node.type === 'collect' || (node.keys !== undefined && Object.keys(node.keys).length > 0);
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

function eventReply(ctx: CallContext, action: EventAction, state?: CallState): Decision {
  return state === undefined
    ? { replyTo: 'event', action, rules: ctx.compiled, trace: ctx.trace, holidayGaps: ctx.holidayGaps }
    : {
        replyTo: 'event',
        action,
        state,
        rules: ctx.compiled,
        trace: ctx.trace,
        holidayGaps: ctx.holidayGaps,
      };
}
