import { listHandlersHeard } from '../flow/handlers';
import type { CompiledRules } from '../rules/compile-rules';
import { isListeningNode } from '../rules/node-types';
import type { Handler, Rules } from '../rules/rules-schema';
import { MAX_CALL_DEPTH } from '../state/state-token';
import type { FlowStarts } from './lint-context';

/**
 * How the flows of a document lead into each other: the ways a call starts in a flow (lines, outbound,
 * a handler's `flow`), the subflow nodes that call a flow, the handlers heard at each listening node and
 * where they lead, and how deep each flow can run. The linter's checks across flows read it.
 */

/** A way a call starts in a flow as its top flow, said as the linter names it (`defaultLine`, `handler agent`). */
export type FlowEntrance = { readonly how: string; readonly kind: 'inbound' | 'outbound' | 'handler' };

/** A subflow node: the flow it is in, its name, and the flow it calls. */
export type SubflowCall = { readonly flow: string; readonly node: string; readonly calls: string };

/**
 * Where a handler heard at a node leads: a node (of the same flow, or of another flow, which leaves every
 * subflow), the node's prompt again (`repeat`), or the top flow's start (`restart`).
 */
export type HandlerTarget =
  | { readonly kind: 'node'; readonly flow: string; readonly node: string }
  | { readonly kind: 'repeat' }
  | { readonly kind: 'restart' };

/** A handler heard at a listening node, with where it leads from there. */
export type HeardHandler = {
  readonly flow: string;
  readonly node: string;
  readonly handler: Handler;
  readonly target: HandlerTarget;
};

export type CallGraph = {
  /** The ways a call starts in each flow as its top flow (none for a flow only ever called). */
  readonly entrances: ReadonlyMap<string, readonly FlowEntrance[]>;
  /** Every subflow node, in document order. */
  readonly calls: readonly SubflowCall[];
  /** Every handler heard at every listening node, in document order and the order they are tried. */
  readonly heard: readonly HeardHandler[];
  /** How calls reach each flow (inbound, outbound), through the flows that call it or send calls to it. */
  readonly startedBy: ReadonlyMap<string, FlowStarts>;
  /** The deepest each flow runs (0: as a top flow), at most {@link MAX_CALL_DEPTH}. */
  readonly depth: ReadonlyMap<string, number>;
};

export function buildCallGraph(compiled: CompiledRules): CallGraph {
  const { rules } = compiled;
  const calls: SubflowCall[] = [];
  const heard: HeardHandler[] = [];
  for (const [flowName, flow] of Object.entries(rules.flows)) {
    for (const [nodeName, node] of Object.entries(flow.nodes)) {
      if (node.type === 'subflow') calls.push({ flow: flowName, node: nodeName, calls: node.flow });
      if (!isListeningNode(node)) continue;
      for (const { handler } of listHandlersHeard(compiled.handlers, node, flowName))
        heard.push({
          flow: flowName,
          node: nodeName,
          handler,
          target: findHandlerTarget(rules, flowName, handler),
        });
    }
  }
  const entrances = listEntrances(rules);
  for (const { handler, target } of heard) {
    if (handler.flow === undefined || target.kind !== 'node') continue;
    const list = entrances.get(target.flow) ?? [];
    if (!list.some((entrance) => entrance.how === `handler ${handler.name}`))
      list.push({ how: `handler ${handler.name}`, kind: 'handler' });
    entrances.set(target.flow, list);
  }
  return {
    entrances,
    calls,
    heard,
    startedBy: findStartedBy(entrances, calls, heard),
    depth: findDepths(rules, calls),
  };
}

/**
 * Where the handlers heard at each node of each flow lead within it, by flow then node: a node of the
 * flow, or `leaves` for a handler that takes the call out of it (to another flow; `restart` in a flow
 * that is called, back to the flow the call started in). `restart` where the call started is its start.
 */
export function findHandlerMoves(
  rules: Rules,
  graph: CallGraph,
): Map<string, Map<string, (string | 'leaves')[]>> {
  const called = new Set(graph.calls.map((call) => call.calls));
  const leadsTo = (flowName: string, target: HandlerTarget): (string | 'leaves')[] => {
    if (target.kind === 'repeat') return [];
    if (target.kind === 'node') return [target.flow === flowName ? target.node : 'leaves'];
    const top = !called.has(flowName) || graph.entrances.has(flowName);
    return [
      ...(top ? [rules.flows[flowName]?.start ?? ''] : []),
      ...(called.has(flowName) ? ['leaves'] : []),
    ];
  };
  const moves = new Map<string, Map<string, (string | 'leaves')[]>>();
  for (const { flow, node, target } of graph.heard) {
    const byNode = moves.get(flow) ?? new Map<string, (string | 'leaves')[]>();
    byNode.set(node, [...(byNode.get(node) ?? []), ...leadsTo(flow, target)]);
    moves.set(flow, byNode);
  }
  return moves;
}

/** Where a handler heard in `flowName` leads (compileRules has checked its names). */
export function findHandlerTarget(rules: Rules, flowName: string, handler: Handler): HandlerTarget {
  if (handler.do === 'repeat') return { kind: 'repeat' };
  if (handler.do === 'restart') return { kind: 'restart' };
  const flow = handler.flow ?? flowName;
  return { kind: 'node', flow, node: handler.goto ?? rules.flows[flow]?.start ?? '' };
}

/** The ways a document starts calls in its flows: lines, a calendar's `noHolidayData` flow, outbound. */
function listEntrances(rules: Rules): Map<string, FlowEntrance[]> {
  const entrances = new Map<string, FlowEntrance[]>();
  const mark = (name: string | undefined, how: string, kind: FlowEntrance['kind']) => {
    if (name === undefined) return;
    entrances.set(name, [...(entrances.get(name) ?? []), { how, kind }]);
  };
  for (const [i, line] of [rules.defaultLine, ...(rules.lines ?? [])].entries()) {
    const name = i === 0 ? 'defaultLine' : `line ${rules.lines?.[i - 1]?.name}`;
    mark(line.flow, name, 'inbound');
    mark(line.afterHoursFlow, `${name} after hours`, 'inbound');
  }
  // A calendar's noHolidayData flow is where its lines send calls on dates no holiday data covers.
  for (const [name, calendar] of Object.entries(rules.calendars ?? {})) {
    const policy = calendar.noHolidayData ?? rules.noHolidayData;
    if (calendar.holidays !== 'none' && typeof policy === 'object')
      mark(policy.flow, `calendar ${name} with no holiday data`, 'inbound');
  }
  mark(rules.outbound?.defaultFlow, 'outbound.defaultFlow', 'outbound');
  for (const name of rules.outbound?.flows ?? []) mark(name, 'outbound.flows', 'outbound');
  return entrances;
}

/**
 * How calls reach each flow: a flow a line starts has inbound calls, one `outbound` starts has outbound
 * calls, and a flow called by a subflow node or sent calls by a handler has the calls of the flows that
 * lead to it. A flow no call reaches is absent.
 */
function findStartedBy(
  entrances: ReadonlyMap<string, readonly FlowEntrance[]>,
  calls: readonly SubflowCall[],
  heard: readonly HeardHandler[],
): Map<string, FlowStarts> {
  const startedBy = new Map<string, FlowStarts>();
  for (const [flow, list] of entrances) {
    const inbound = list.some((entrance) => entrance.kind === 'inbound');
    const outbound = list.some((entrance) => entrance.kind === 'outbound');
    if (inbound || outbound) startedBy.set(flow, { inbound, outbound });
  }
  const leads = [
    ...calls.map((call) => ({ from: call.flow, to: call.calls })),
    ...heard.flatMap(({ flow, target }) => (target.kind === 'node' ? [{ from: flow, to: target.flow }] : [])),
  ];
  for (let changed = true; changed; ) {
    changed = false;
    for (const { from, to } of leads) {
      const source = startedBy.get(from);
      if (source === undefined) continue;
      const known = startedBy.get(to) ?? { inbound: false, outbound: false };
      const merged = {
        inbound: known.inbound || source.inbound,
        outbound: known.outbound || source.outbound,
      };
      if (startedBy.has(to) && merged.inbound === known.inbound && merged.outbound === known.outbound)
        continue;
      startedBy.set(to, merged);
      changed = true;
    }
  }
  return startedBy;
}

/**
 * The deepest each flow runs: 0 for a flow nothing calls, else one more than the deepest of the flows
 * that call it (a flow a call can also start in runs at the top too, which is never deeper), at most {@link MAX_CALL_DEPTH} (deeper calls, and recursion, are
 * errors of their own).
 */
function findDepths(rules: Rules, calls: readonly SubflowCall[]): Map<string, number> {
  const depth = new Map<string, number>(Object.keys(rules.flows).map((name) => [name, 0]));
  for (let changed = true; changed; ) {
    changed = false;
    for (const call of calls) {
      const deeper = Math.min(MAX_CALL_DEPTH, (depth.get(call.flow) ?? 0) + 1);
      if (deeper <= (depth.get(call.calls) ?? 0)) continue;
      depth.set(call.calls, deeper);
      changed = true;
    }
  }
  return depth;
}
