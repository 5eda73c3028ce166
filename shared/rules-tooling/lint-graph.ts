import { MAX_HOPS } from '../flow/flow-limits';
import {
  chainsOn,
  describeRetryKind,
  endsCall,
  findRetryPolicy,
  isListeningNode,
  type NodeEdge,
  RETRY_KINDS,
  targetsOf,
} from '../rules/node-types';
import type { Flow, FlowNode, Rules } from '../rules/rules-schema';
import { type CallGraph, findHandlerMoves } from './call-graph';
import { findCycles } from './find-cycles';
import type { Findings, FlowLint } from './lint-context';

/**
 * The linter's graph checks: reachability from the start, loops of say and branch nodes, chains longer
 * than the engine follows in one reply, and loops a call can never leave.
 */

/** A flow's nodes by position (document order), with the edges a call can take between them. */
export type FlowGraph = {
  readonly names: readonly string[];
  readonly nodes: readonly FlowNode[];
  readonly successors: readonly (readonly number[])[];
  /**
   * Whether a call can end at the node, or leave the flow there: hang up, transfer, return, have its
   * retries end with the goodbye, run a subflow that can end the call, or hear a handler to another flow.
   */
  readonly ends: readonly boolean[];
  /** Nodes calls enter other than at the start: the targets of handlers heard in other flows. */
  readonly entries: readonly number[];
};

/**
 * How the other flows touch a flow's graph: the handlers heard at its nodes (by node: the node of this
 * flow each leads to, or `leaves` for one that takes the call out of it), the nodes other flows' handlers
 * lead to, and whether a subflow node's flow can end the call itself.
 */
export type FlowSurroundings = {
  readonly handlerTargets: ReadonlyMap<string, readonly (string | 'leaves')[]>;
  readonly entries: readonly string[];
  readonly canEndIn: (flowName: string) => boolean;
};

const ALONE: FlowSurroundings = { handlerTargets: new Map(), entries: [], canEndIn: () => false };

export function buildFlowGraph(flow: Flow, around: FlowSurroundings = ALONE): FlowGraph {
  const names = Object.keys(flow.nodes);
  const position = new Map(names.map((name, i) => [name, i]));
  const nodes = names.map((name) => flow.nodes[name] as FlowNode);
  const successors: number[][] = [];
  const ends: boolean[] = [];
  for (const [i, node] of nodes.entries()) {
    const handled = around.handlerTargets.get(names[i] as string) ?? [];
    const targets = [
      ...listEdges(node, flow).map((edge) => edge.target),
      ...handled.filter((target) => target !== 'leaves'),
    ];
    // Without escalateTo (the default policies have none) used-up retries end with the goodbye.
    const ending =
      endsCall(node) ||
      handled.includes('leaves') ||
      (node.type === 'subflow' && around.canEndIn(node.flow)) ||
      (isListeningNode(node) &&
        RETRY_KINDS.some((kind) => findRetryPolicy(node, flow, kind).policy.escalateTo === undefined));
    // compileRules has checked every target exists.
    successors.push([...new Set(targets.map((target) => position.get(target) ?? -1))].filter((i) => i >= 0));
    ends.push(ending);
  }
  const entries = around.entries.flatMap((name) => {
    const i = position.get(name);
    return i === undefined ? [] : [i];
  });
  return { names, nodes, successors, ends, entries };
}

/**
 * Every way on from a node: its own targets ({@link targetsOf}), and for a listening node that follows its
 * flow's retry policy, the flow's escalation (an edge of every node using it).
 */
export function listEdges(node: FlowNode, flow: Flow): NodeEdge[] {
  const edges = targetsOf(node);
  if (!isListeningNode(node)) return edges;
  for (const kind of RETRY_KINDS) {
    const { policy, from } = findRetryPolicy(node, flow, kind);
    // A node's own escalation is among its targets already.
    if (from === 'flow' && policy.escalateTo !== undefined)
      edges.push({ path: `${kind}.escalateTo`, target: policy.escalateTo, label: describeRetryKind(kind) });
  }
  return edges;
}

/** How the other flows touch each flow's graph (see {@link FlowSurroundings}). */
export function findSurroundings(rules: Rules, graph: CallGraph): Map<string, FlowSurroundings> {
  const handlerTargets = findHandlerMoves(rules, graph);
  const entries = new Map<string, string[]>();
  for (const { flow, target } of graph.heard) {
    if (target.kind === 'node' && target.flow !== flow)
      entries.set(target.flow, [...(entries.get(target.flow) ?? []), target.node]);
  }
  // Whether a call inside a flow (or the flows it calls) can end there, other than by returning.
  const endsInside = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [flowName, flow] of Object.entries(rules.flows)) {
      if (endsInside.has(flowName)) continue;
      const graphOf = buildFlowGraph(flow, {
        handlerTargets: handlerTargets.get(flowName) ?? new Map(),
        entries: [],
        canEndIn: (name) => endsInside.has(name),
      });
      if (!graphOf.nodes.some((node, i) => graphOf.ends[i] === true && node.type !== 'return')) continue;
      endsInside.add(flowName);
      changed = true;
    }
  }
  return new Map(
    Object.keys(rules.flows).map((flowName) => [
      flowName,
      {
        handlerTargets: handlerTargets.get(flowName) ?? new Map(),
        entries: entries.get(flowName) ?? [],
        canEndIn: (name: string) => endsInside.has(name),
      },
    ]),
  );
}

export function lintGraph(lint: FlowLint, graph: FlowGraph, findings: Findings): void {
  const { base, flow } = lint;
  const { names, nodes, successors, ends } = graph;
  const count = names.length;
  const nodePath = (i: number) => `${base}.nodes.${names[i]}`;

  const reachable = new Array<boolean>(count).fill(false);
  const startIndex = names.indexOf(flow.start);
  // The start, and the nodes handlers heard in other flows lead to.
  const queue = [...new Set([...(startIndex < 0 ? [] : [startIndex]), ...graph.entries])];
  for (const i of queue) reachable[i] = true;
  for (let head = 0; head < queue.length; head++) {
    for (const next of successors[queue[head] as number] ?? []) {
      if (reachable[next] === true) continue;
      reachable[next] = true;
      queue.push(next);
    }
  }
  for (let i = 0; i < count; i++) {
    if (reachable[i] === true) continue;
    findings.warnings.push({
      path: nodePath(i),
      message: `no path from the flow's start (${flow.start}), nor any handler, leads to this node; link it from another node or remove it`,
    });
  }

  // say, branch and split nodes are followed within one reply: a cycle of them never waits for the caller.
  // A subflow node goes on in the flow it calls, whose nodes are counted there.
  const chains = (i: number) => nodes[i] !== undefined && nodes[i].type !== 'subflow' && chainsOn(nodes[i]);
  const chainLoops = findCycles(count, (i) => (chains(i) ? (successors[i] ?? []).filter(chains) : []));
  for (const loop of chainLoops) {
    findings.errors.push({
      path: nodePath(loop[0] as number),
      message:
        `say, branch and split nodes ${listNames(loop, names)} lead into each other: the engine follows them in one ` +
        'reply without waiting for the caller, so a call that enters this loop gets the fallback; ' +
        'put a menu or collect node in the loop, or lead out of it',
    });
  }
  lintChainLengths(graph, chains, new Set(chainLoops.flat()), nodePath, findings);

  // Which nodes can still reach an ending, walking the edges backwards from every ending.
  const predecessors: number[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < count; i++) for (const next of successors[i] ?? []) predecessors[next]?.push(i);
  const canEnd = [...ends];
  const pending = ends.flatMap((ending, i) => (ending ? [i] : []));
  for (let head = 0; head < pending.length; head++) {
    for (const previous of predecessors[pending[head] as number] ?? []) {
      if (canEnd[previous] === true) continue;
      canEnd[previous] = true;
      pending.push(previous);
    }
  }
  // The nodes that cannot end are closed under successors; report the loops they all lead into.
  const trapped = (i: number) => canEnd[i] !== true;
  const chainLoopNodes = new Set(chainLoops.flat());
  for (const loop of findCycles(count, (i) => (trapped(i) ? (successors[i] ?? []) : []), true)) {
    if (loop.every((i) => chainLoopNodes.has(i))) continue;
    // Without a node that listens, the loop waits for the caller only inside the flows its subflow nodes call.
    const waits = loop.some((i) => nodes[i] !== undefined && isListeningNode(nodes[i]));
    const ends = waits
      ? 'only maxTurns would end it'
      : 'unless the flows it calls wait for the caller, the engine passes it within one reply until its hop ' +
        'limit and the call gets the fallback; else only maxTurns ends it';
    findings.errors.push({
      path: nodePath(loop[0] as number),
      message:
        `no way out: from ${listNames(loop, names)} a call only moves among these nodes and never reaches a ` +
        `hangup, a transfer, a return or the flow's goodbye, and hears no handler that leads out (${ends}); ` +
        'lead a key, intent or retry policy out to an ending, or give a retry policy no escalateTo so that it ' +
        'ends with the goodbye',
    });
  }
}

/**
 * The most say and branch nodes the engine passes in one reply (its `MAX_HOPS` counts the node that stops
 * the chain too): a longer chain fails at run time as surely as a loop.
 */
const MAX_CHAINED_NODES = MAX_HOPS - 1;

/** Reports where a chain of say and branch nodes longer than the engine follows begins. */
function lintChainLengths(
  graph: FlowGraph,
  chains: (i: number) => boolean,
  inLoop: ReadonlySet<number>,
  nodePath: (i: number) => string,
  findings: Findings,
): void {
  const { successors } = graph;
  const next = (i: number) => (successors[i] ?? []).filter((j) => chains(j) && !inLoop.has(j));
  // Longest chain from each node, loops excluded (they are reported already), by iterative post-order.
  const length = new Map<number, number>();
  const entered = new Set<number>();
  for (let root = 0; root < successors.length; root++) {
    if (!chains(root) || inLoop.has(root) || length.has(root)) continue;
    const stack = [root];
    while (stack.length > 0) {
      const i = stack[stack.length - 1] as number;
      if (!entered.has(i)) {
        entered.add(i);
        for (const j of next(i)) if (!length.has(j)) stack.push(j);
        continue;
      }
      stack.pop();
      if (!length.has(i)) length.set(i, 1 + Math.max(0, ...next(i).map((j) => length.get(j) ?? 0)));
    }
  }
  const hasChainedPredecessor = new Set<number>();
  for (const i of length.keys()) for (const j of next(i)) hasChainedPredecessor.add(j);
  for (const [i, longest] of [...length].sort(([a], [b]) => a - b)) {
    if (longest <= MAX_CHAINED_NODES || hasChainedPredecessor.has(i)) continue;
    findings.errors.push({
      path: nodePath(i),
      message:
        `from here a call can pass ${longest} say, branch and split nodes in a row, and the engine follows at most ` +
        `${MAX_CHAINED_NODES} in one reply (a longer chain gets the fallback); put a menu or collect node in ` +
        'between, or merge some say nodes into one prompt',
    });
  }
}

function listNames(members: readonly number[], names: readonly string[]): string {
  const shown = members.slice(0, 5).map((i) => names[i] ?? '');
  return members.length > 5 ? `${shown.join(', ')} and ${members.length - 5} more` : shown.join(', ');
}
