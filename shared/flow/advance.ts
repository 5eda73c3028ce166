import { type CallSettings, mergeSettings } from '../protocol/call-settings';
import { isListeningNode, type RetryKind } from '../rules/node-types';
import type { Flow, FlowNode } from '../rules/rules-schema';
import type { CallState } from '../state/state-token';
import type { CallContext } from './call-context';
import {
  type EngineResult,
  FlowError,
  type FlowEvent,
  type NeedAnswer,
  type Paused,
  type Position,
} from './decision';
import { DEFAULT_MAX_TURNS, MAX_HOPS, SESSION_MARGIN_S } from './flow-limits';
import { behaviourOf, chooseTransferTarget, endCall, type Here, type Step } from './node-behaviour';
import { renderOutcome } from './render-outcome';
import { enteredNode, flowEntered } from './trace-phrases';

/**
 * The one loop of the engine: from a position and a first step, it enters nodes (each node type's
 * behaviour says where entering it leads), until a step ends the reply. That last step is rendered into
 * a decision, or, when it needs a lookup, returned with the paused position.
 */
export function advance(ctx: CallContext, start: Position, first: Step): EngineResult {
  let at = start;
  let step = first;
  let context = ctx;
  const items = [...start.items];
  for (let hop = 0; hop <= MAX_HOPS; hop++) {
    if (step.say !== undefined) items.push(...step.say);
    if (step.kind !== 'goto') {
      const position = { ...at, items };
      if (step.kind !== 'need') return renderOutcome(context, position, step);
      const { trace, holidayGaps, facts } = context;
      const asked = step.need.type === 'classify' ? { asked: step.need.asked } : {};
      return {
        need: step.need,
        paused: {
          position,
          caller: context.caller,
          callId: context.callId,
          trace,
          holidayGaps,
          facts,
          ...asked,
        },
        rules: context.compiled,
      };
    }
    const from = at.state.flow;
    at = { ...at, state: moveTo(context, at.state, step) };
    if (at.state.flow !== from) {
      context.note(flowEntered(at.state.flow));
      // A later reply takes the new flow's settings; `callin`'s answer keeps its own (the line's too).
      if (at.replyTo === 'event') at = { ...at, settings: flowSettings(context, at.state.flow) };
    }
    if (step.vars !== undefined || step.drop !== undefined) context = context.withVars(at.state.vars);
    const here = locate(context, at);
    const node = nodeAt(here);
    context.note(enteredNode(at.state.node, node.type));
    step = behaviourOf(node).enter(context, node, here);
  }
  throw new FlowError(
    `flow ${at.state.flow} passes more than ${MAX_HOPS} say, branch or lookup nodes in one reply`,
  );
}

/**
 * The state after a `goto`: at the target, listening. A retry stays at the node and counts one more of
 * its kind; any other step resets the counters. Leaving a node drops the `once` values it read.
 */
function moveTo(ctx: CallContext, state: CallState, step: Extract<Step, { kind: 'goto' }>): CallState {
  const flow = step.flow ?? state.flow;
  const moving = step.target !== state.node || flow !== state.flow;
  if (moving) ctx.outcome('entered');
  // Values saved by this step are kept even when the node read (and so drops) a value of the same name.
  const once = moving ? (ctx.compiled.dropsOnLeave.get(`${state.flow}/${state.node}`) ?? []) : [];
  const dropped = [...once, ...(step.drop ?? [])];
  const kept =
    dropped.length === 0
      ? state.vars
      : Object.fromEntries(Object.entries(state.vars).filter(([name]) => !dropped.includes(name)));
  const vars = step.vars === undefined ? kept : { ...kept, ...step.vars };
  const retry = step.retry;
  // A retry counts one more of its kind; a repeat keeps the counts; any other move starts them again.
  const counted = (count: number, kind: RetryKind) =>
    step.keepCounts === true ? count : retry === undefined ? 0 : retry === kind ? count + 1 : count;
  const stack = step.stack ?? state.stack ?? [];
  const { stack: _previous, ...rest } = state;
  return {
    ...rest,
    ...(stack.length === 0 ? {} : { stack }),
    flow,
    node: step.target,
    phase: 'listening',
    attempts: 0,
    noInput: counted(state.noInput, 'noInput'),
    noMatch: counted(state.noMatch, 'noMatch'),
    vars,
  };
}

/** The flow of a position, checked to exist. */
export function locate(ctx: CallContext, at: Position): Here {
  return { flowName: at.state.flow, flow: ctx.flowNamed(at.state.flow), at };
}

/** The node of a position, checked to exist. */
export function nodeAt(here: Here): FlowNode {
  const { nodes } = here.flow;
  const name = here.at.state.node;
  const node = Object.hasOwn(nodes, name) ? nodes[name] : undefined;
  if (node === undefined) throw new FlowError(`flow ${here.flowName} has no node ${name}`);
  return node;
}

/**
 * A later event of a call, at the node it waits at: what the caller did (said, pressed, stayed silent,
 * talked over a prompt) or what the platform reports (a transfer's result), by the call's phase.
 */
export function hearEvent(
  ctx: CallContext,
  at: Position,
  event: Exclude<FlowEvent, { type: 'callin' }>,
): EngineResult {
  const here = locate(ctx, at);
  const node = nodeAt(here);
  const { state } = at;
  switch (state.phase) {
    case 'ending':
      ctx.note('goodbye was played → hangup');
      ctx.outcome('ended');
      return advance(ctx, at, { kind: 'reply', action: { action: 'hangup' }, phase: 'none' });
    case 'transferred':
      if (event.type === 'parallel_transfer')
        return advance(ctx, at, afterParallelTransfer(ctx, here, node, event.content.transfer_status));
      ctx.note('call was transferred → nothing to do');
      return advance(ctx, at, { kind: 'reply', action: { action: 'donothing' } });
    case 'transferPending':
      return advance(ctx, at, transferNow(ctx, here, node));
    case 'waiting':
      if (event.type === 'normal' || event.type === 'dtmf') {
        ctx.note(`${event.type === 'normal' ? 'words' : 'keys'} while waiting for a lookup → dropped`);
        ctx.outcome('input-dropped');
      }
      // Whatever the event, it continues the lookup: joined where it is in flight, sent again elsewhere.
      return advance(ctx, at, behaviourOf(node).enter(ctx, node, here));
    case 'listening':
    case 'keysUnarmed':
      break;
  }
  if (event.type === 'timebreak') {
    ctx.note('caller talked over the prompt → break');
    ctx.outcome('barge-in');
    return advance(ctx, at, { kind: 'reply', action: { action: 'break' } });
  }
  if (event.type === 'parallel_transfer')
    return advance(ctx, at, afterParallelTransfer(ctx, here, node, event.content.transfer_status));
  const hear = behaviourOf(node).hear;
  if (!isListeningNode(node) || hear === undefined) {
    ctx.note(`node ${state.node} does not listen`);
    return advance(ctx, at, endCall(ctx, here.flow));
  }
  const turned: Position = { ...at, state: { ...state, turns: state.turns + 1 } };
  const turnedHere = { ...here, at: turned };
  // Turns and the call's age are the call's: the top flow's guards hold inside its subflows too.
  const guard = findGuardReached(ctx, topFlowOf(ctx, state), turned.state);
  if (guard !== undefined) {
    ctx.note(guard);
    ctx.outcome('guard');
    return advance(ctx, turned, endCall(ctx, here.flow));
  }
  if (event.type === 'mute' && state.phase === 'keysUnarmed') {
    ctx.note('first silence → arm keys');
    ctx.outcome('key-arming');
    return advance(ctx, turned, { kind: 'goto', target: state.node });
  }
  return advance(ctx, turned, hear(ctx, node, turnedHere, event));
}

/** Continues a decision paused for a lookup or a classification, with what became of it. */
export function continueWithAnswer(ctx: CallContext, paused: Paused, answer: NeedAnswer): EngineResult {
  const here = locate(ctx, paused.position);
  const node = nodeAt(here);
  const behaviour = behaviourOf(node);
  if ('type' in answer) {
    const take = behaviour.classified;
    if (take === undefined || paused.asked === undefined)
      throw new FlowError(`node ${paused.position.state.node} asked no classifier`);
    return advance(ctx, paused.position, take(ctx, node, here, answer, paused.asked));
  }
  const take = behaviour.answer;
  if (take === undefined) throw new FlowError(`node ${paused.position.state.node} takes no lookup answer`);
  return advance(ctx, paused.position, take(ctx, node, here, answer));
}

/** The flow a call started in (or was last sent to by a handler): the outermost of its stack. */
function topFlowOf(ctx: CallContext, state: CallState): Flow {
  return ctx.flowNamed(state.stack?.[0]?.flow ?? state.flow);
}

/** A flow's call settings, over the document's. */
export function flowSettings(ctx: CallContext, flowName: string): CallSettings {
  return mergeSettings(ctx.compiled.rules.settings, ctx.flowNamed(flowName).settings);
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

/** Performs a transfer that had to wait for this event. */
function transferNow(ctx: CallContext, here: Here, node: FlowNode): Step {
  if (node.type === 'transfer') {
    const number = chooseTransferTarget(ctx, node);
    if (number !== undefined) {
      ctx.note(`transfer to ${number}`);
      ctx.outcome('transferred');
      return { kind: 'reply', action: { action: 'transfer', number }, phase: 'transferred' };
    }
  }
  if (node.type === 'parallelTransfer') {
    ctx.note(`parallel transfer to ${node.ccName}`);
    ctx.outcome('transferred');
    return {
      kind: 'reply',
      action: {
        action: 'parallel_transfer',
        ccName: node.ccName,
        monitor: node.monitor,
        transferPlayfile: node.playfile,
      },
      phase: 'transferred',
    };
  }
  ctx.note(`node ${here.at.state.node} has no transfer`);
  return endCall(ctx, here.flow);
}

function afterParallelTransfer(
  ctx: CallContext,
  here: Here,
  node: FlowNode,
  status: 'success' | 'fail' | undefined,
): Step {
  if (status !== 'success' && status !== 'fail') {
    // Neither success nor fail: the transfer may still be ringing; change nothing.
    ctx.note('transfer status unknown → nothing to do');
    return { kind: 'reply', action: { action: 'donothing' } };
  }
  if (status === 'success') {
    ctx.note('parallel transfer succeeded');
    ctx.outcome('transfer-connected');
    return { kind: 'reply', action: { action: 'donothing' }, phase: 'transferred' };
  }
  ctx.outcome('transfer-failed');
  if (node.type === 'parallelTransfer') {
    ctx.note(`parallel transfer failed → ${node.onFail}`);
    return { kind: 'goto', target: node.onFail };
  }
  ctx.note('parallel transfer failed → goodbye');
  return endCall(ctx, here.flow);
}
