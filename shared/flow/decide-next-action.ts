import { mergeSettings } from '../protocol/call-settings';
import { lineAllowsClassifier } from '../rules/classifier-checks';
import type { CompiledRules } from '../rules/compile-rules';
import { isListeningNode } from '../rules/node-types';
import { mayStartOutbound, refuseOutboundValue } from '../rules/outbound-start';
import { normalisePhoneNumber } from '../rules/phone-number';
import type { DefaultLine, Line } from '../rules/rules-schema';
import { type CallState, type DecodedState, openState, startState } from '../state/state-token';
import { advance, continueWithAnswer, flowSettings, hearEvent } from './advance';
import { CallContext } from './call-context';
import {
  type CallOrigin,
  type EngineResult,
  FlowError,
  type FlowEvent,
  type NeedAnswer,
  type Paused,
  type Position,
  type RulesInForce,
} from './decision';
import { takesKeys } from './node-behaviour';
import { renderPrompt } from './render-prompt';
import { calendarClosed, flowChosen } from './trace-phrases';

/**
 * Decides the reply to one callback: pure, given the rules, the event, the call's decoded state and the
 * time. The same inputs always give the same reply, so a duplicated callback is answered alike. It may
 * stop at a node that needs a lookup: it then returns the need with the paused position, and
 * {@link resumeNextAction} continues with the answer. Throws {@link FlowError} only for a flow that is
 * broken at run time.
 */
export function decideNextAction(
  rules: CompiledRules | RulesInForce,
  event: FlowEvent,
  decoded: DecodedState,
  nowMs: number,
  origin: CallOrigin,
): EngineResult {
  const inForce: RulesInForce = 'current' in rules ? rules : { current: rules };
  if (event.type === 'callin') {
    const ctx = new CallContext(inForce.current, nowMs, event.content.caller ?? '', event.callId, {});
    return decideCallin(ctx, event.content);
  }
  const resolved = resolveState(inForce, decoded, origin, nowMs, event.callId);
  if (resolved.kind === 'restart') return resolved.result;
  return hearEvent(resolved.ctx, laterPosition(resolved.ctx, resolved.state), event);
}

/**
 * Continues a decision paused for a lookup (see {@link decideNextAction}) with what became of it, under
 * the rules it paused in. Pure, like the first entry; it may pause again at a later lookup node.
 */
export function resumeNextAction(
  rules: CompiledRules,
  paused: Paused,
  answer: NeedAnswer,
  nowMs: number,
): EngineResult {
  const ctx = new CallContext(
    rules,
    nowMs,
    paused.caller,
    paused.callId,
    paused.position.state.vars,
    [...paused.trace],
    [...paused.holidayGaps],
    { ...paused.facts },
  );
  return continueWithAnswer(ctx, paused, answer);
}

/** Where a later event finds the call: at its sealed state, with its flow's settings, nothing said yet. */
function laterPosition(ctx: CallContext, state: CallState, items: Position['items'] = []): Position {
  return { state, items, replyTo: 'event', settings: flowSettings(ctx, state.flow) };
}

/**
 * A call's state as it starts `flow` at its start node, on `line` (whose `classifier: false` the state
 * keeps for the rest of the call).
 */
function freshState(
  ctx: CallContext,
  flow: string,
  node: string,
  line?: Pick<DefaultLine, 'classifier'>,
): CallState {
  const state = startState({
    rulesTag: ctx.compiled.tag,
    flow,
    node,
    startedAt: ctx.nowS,
    // Carried only when the rules read it later: every character of the state travels on every event.
    caller: ctx.compiled.keepsCaller ? ctx.caller : '',
    vars: ctx.vars,
  });
  return lineAllowsClassifier(line) ? state : { ...state, classifierOff: true };
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
): EngineResult {
  const { rules } = ctx.compiled;
  const { line, how } = findLine(ctx.compiled, content);
  const target = line ?? rules.defaultLine;
  ctx.facts.line = line?.name ?? 'default';
  ctx.note(flowChosen(line === undefined ? 'default line' : `line ${line.name} (by ${how})`, target.flow));
  const flowName = chooseLineFlow(ctx, target);
  const flow = ctx.flowNamed(flowName);
  ctx.outcome('started');
  const position: Position = {
    state: freshState(ctx, flowName, flow.start, target),
    items: [],
    replyTo: 'callin',
    settings: mergeSettings(rules.settings, flow.settings, target.settings),
  };
  return advance(ctx, position, { kind: 'goto', target: flow.start });
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
  ctx.note(calendarClosed(target.calendar, target.afterHoursFlow));
  return target.afterHoursFlow;
}

// --------------------------------------------------------------------------------------------------
// Later events
// --------------------------------------------------------------------------------------------------

type Resolved =
  | { readonly kind: 'state'; readonly state: CallState; readonly ctx: CallContext }
  | { readonly kind: 'restart'; readonly result: EngineResult };

function resolveState(
  inForce: RulesInForce,
  decoded: DecodedState,
  origin: CallOrigin,
  nowMs: number,
  callId: string,
): Resolved {
  const { current } = inForce;
  const fresh = new CallContext(current, nowMs, '', callId, {});
  switch (decoded.kind) {
    case 'ok': {
      const sealed = decoded.state;
      const compiled = sealed.rulesTag === current.tag ? current : inForce.byTag?.get(sealed.rulesTag);
      if (compiled === undefined)
        return restart(fresh, `state is from rules ${sealed.rulesTag}, no longer loaded`);
      const state = openState(sealed, compiled.names);
      if (state === undefined) return restart(fresh, 'state names no known node');
      if (!stackChains(compiled, state))
        return restart(fresh, "state's subflow nodes do not call each other");
      const ctx = new CallContext(compiled, nowMs, state.caller, callId, state.vars);
      if (compiled !== current) ctx.note(`call keeps the rules it started with (${compiled.rules.version})`);
      return { kind: 'state', state, ctx };
    }
    case 'flow': {
      // A plain flow name is SmartCall's DynamicId, which only outbound calls carry: on an inbound call it
      // is a forged state (it would let a caller pick any flow), and recovers as one.
      if (origin === 'inbound')
        return restart(fresh, 'state is a plain name, which inbound calls never carry');
      const { outbound } = current.rules;
      if (mayStartOutbound(current.rules, decoded.flow)) {
        return startByName(fresh, decoded.flow, 'DynamicId names flow');
      }
      // Named by whoever started the call (it may hold anything, a phone number too): never traced as written.
      const why = `DynamicId names no flow this call may start (${decoded.flow.length} characters)`;
      if (outbound?.defaultFlow !== undefined)
        return startByName(fresh, outbound.defaultFlow, `${why}, outbound default`);
      return restart(fresh, why);
    }
    case 'outbound':
      return startSealedOutbound(fresh, decoded, origin);
    case 'missing':
      if (origin === 'outbound') {
        return startByName(
          fresh,
          current.rules.outbound?.defaultFlow ?? current.rules.defaultLine.flow,
          'no DynamicId, outbound default',
        );
      }
      return restart(fresh, 'state is missing');
    case 'invalid': {
      const why = `state is ${INVALID_STATE[decoded.reason]}`;
      // On an outbound call a DynamicId that is no sealed state and no name (`appt:42`, `复诊`) was set by
      // whoever started the call: like one naming no flow, it starts the outbound default. A sealed one
      // refused (forged, or stale) is not acted on at all.
      const defaultFlow = current.rules.outbound?.defaultFlow;
      const refused = decoded.reason === 'tampered' || decoded.reason === 'expired';
      if (origin === 'outbound' && !refused && defaultFlow !== undefined) {
        return startByName(fresh, defaultFlow, 'DynamicId is no flow name, outbound default');
      }
      return restart(fresh, why);
    }
  }
}

/**
 * Whether a state's subflow nodes call each other in turn, the last the flow the call is in: a state the
 * engine sealed always does; one that does not would return a call into an unrelated flow.
 */
function stackChains(compiled: CompiledRules, state: CallState): boolean {
  const stack = state.stack ?? [];
  return stack.every((frame, i) => {
    const node = compiled.rules.flows[frame.flow]?.nodes[frame.node];
    return node?.type === 'subflow' && node.flow === (stack[i + 1]?.flow ?? state.flow);
  });
}

/** How the trace words a `dynamic_id` that cannot be used, by reason. */
const INVALID_STATE = {
  tampered: 'tampered or sealed with another key',
  expired: 'a sealed DynamicId past its expiry',
  malformed: 'unreadable',
  format: 'unreadable',
} as const satisfies Record<Extract<DecodedState, { kind: 'invalid' }>['reason'], string>;

/**
 * The values of a sealed DynamicId that the rules declare (`outbound.vars`), each within its size: only
 * those enter the call, so the state-size lint knows every value a call can start with. The trace names
 * a value dropped, never its content.
 */
function keepDeclared(ctx: CallContext, vars: Readonly<Record<string, string>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars)) {
    const refused = refuseOutboundValue(ctx.compiled.rules, name, value);
    if (refused === undefined) kept[name] = value;
    else ctx.note(`DynamicId value ${refused} → dropped`);
  }
  return kept;
}

/**
 * A DynamicId sealed by the call's sender (shared/state/outbound-id.ts): it starts its flow as a plain name
 * would (outbound calls only, the same `outbound.flows`), with its variables as the call's first values.
 * Those are the sender's data (a name, a time): the trace counts them and never quotes them. A flow it may
 * not start is handled as a plain name's: the outbound default (without the values, which were meant for
 * another flow), else the recovery.
 */
function startSealedOutbound(
  fresh: CallContext,
  decoded: Extract<DecodedState, { kind: 'outbound' }>,
  origin: CallOrigin,
): Resolved {
  if (origin === 'inbound')
    return restart(fresh, 'state is a sealed DynamicId, which inbound calls never carry');
  const count = Object.keys(decoded.vars).length;
  const what = `sealed DynamicId (${count} value${count === 1 ? '' : 's'})`;
  if (mayStartOutbound(fresh.compiled.rules, decoded.flow)) {
    return startByName(fresh.withVars(keepDeclared(fresh, decoded.vars)), decoded.flow, `${what} names flow`);
  }
  const why = `${what} names flow ${decoded.flow}, which this call may not start`;
  const defaultFlow = fresh.compiled.rules.outbound?.defaultFlow;
  if (defaultFlow !== undefined) return startByName(fresh, defaultFlow, `${why}, outbound default`);
  return restart(fresh, why);
}

/**
 * Starts a flow on an outbound call's first event. SmartCall's own opening (`VoiceCode`) has already
 * been played, so when the flow starts with a menu or a collect node, that opening is taken as its
 * question and this event as the answer; any other start node is entered and spoken.
 */
function startByName(ctx: CallContext, flowName: string, why: string): Resolved {
  ctx.note(flowChosen(why, flowName));
  ctx.outcome('started');
  const flow = ctx.flowNamed(flowName);
  const start = Object.hasOwn(flow.nodes, flow.start) ? flow.nodes[flow.start] : undefined;
  if (start === undefined) throw new FlowError(`flow ${flowName} has no node ${flow.start}`);
  const state = freshState(ctx, flowName, flow.start);
  if (isListeningNode(start)) {
    ctx.facts.heardAtStart = { flow: flowName, node: flow.start };
    return { kind: 'state', state: { ...state, phase: takesKeys(start) ? 'keysUnarmed' : 'listening' }, ctx };
  }
  return {
    kind: 'restart',
    result: advance(ctx, laterPosition(ctx, state), { kind: 'goto', target: flow.start }),
  };
}

/** Recovers a call whose state cannot be used: the default flow again, after the recovery prompt. */
function restart(ctx: CallContext, why: string): Resolved {
  const { rules } = ctx.compiled;
  ctx.note(flowChosen(`${why}; restarting the default line`, rules.defaultLine.flow));
  ctx.outcome('recovered');
  const flowName = chooseLineFlow(ctx, rules.defaultLine);
  const flow = ctx.flowNamed(flowName);
  const prefix = rules.recovery === undefined ? [] : renderPrompt(rules.recovery, ctx);
  // The line the call came in on is lost with its state: when any line keeps its words from the model,
  // this call might be one of its calls, so it is kept from the model too (privacy fails closed).
  const anyLineOff = (rules.lines ?? []).some((line) => !lineAllowsClassifier(line));
  const line = anyLineOff ? { classifier: false } : rules.defaultLine;
  const position = laterPosition(ctx, freshState(ctx, flowName, flow.start, line), prefix);
  return { kind: 'restart', result: advance(ctx, position, { kind: 'goto', target: flow.start }) };
}
