/**
 * Coverage of a rules document by simulated calls: which nodes, keys, intents, branches (a branch
 * node's and a split's) and retry escalations (and the other ways on: a collected value's `next`, a
 * failed transfer's `onFail`, a lookup's `next` and `onError`, a subflow node's `next` and `exits` by the
 * return that came back to it) and which handlers the calls went through, per flow (a callback's trace
 * moves from flow to flow at its `now in flow` lines), from the function's own log lines, and what each
 * lookup node's lookups came to. Pure. The ways out of a node come from the node-type traits
 * (`targetsOf`, `findRetryPolicy`), so a new node type's edges are counted by their target without a
 * change here; ways a trace line names precisely (keys, intents, branches, escalations) are read from it.
 */

import { listHandlersHeard } from '../../shared/flow/handlers';
import {
  readBranchTaken,
  readEnteredNode,
  readFlowEntered,
  readHandlerHeard,
  readLookupLine,
  readRetriesUsedUp,
  readSplitTaken,
  readSubflowReturned,
  type TracedLookup,
} from '../../shared/flow/trace-phrases';
import { listHandlersInForce } from '../../shared/rules/compile-rules';
import {
  chainsOn,
  findRetryPolicy,
  isListeningNode,
  RETRY_KINDS,
  targetsOf,
} from '../../shared/rules/node-types';
import type { Flow, FlowNode, Handler, Rules } from '../../shared/rules/rules-schema';
import { splitBranchName } from '../../shared/rules/split-shares';

export type CoverageKind = 'node' | 'key' | 'intent' | 'branch' | 'escalation' | 'edge' | 'handler';

/** One thing a call can go through. */
export type CoverageItem = {
  readonly id: string;
  readonly flow: string;
  /** The node it belongs to (empty for a handler, heard at any node of its flow). */
  readonly node: string;
  readonly kind: CoverageKind;
  /** How a report names it: `node agentBusy`, `menu: key 2 → balanceInfo`. */
  readonly label: string;
};

/** What one callback's log line says of the way the call went. */
export type Visit = {
  /** The flow the call is in after the callback. */
  readonly flow?: string | undefined;
  /** The flow of `nodeBefore`, when it is another: the callback's trace starts there. */
  readonly flowBefore?: string | undefined;
  readonly nodeBefore?: string | undefined;
  readonly matched?: string | undefined;
  readonly trace: readonly string[];
};

export type FlowCoverage = {
  readonly flow: string;
  readonly total: number;
  readonly missed: readonly CoverageItem[];
};

/**
 * What the lookups of one lookup node came to: how often each outcome was seen — `ok`, `waiting (filler)`,
 * `waiting (short silence)`, `failed` with why (`failed status 503`, `failed timeout`) — in the order first seen.
 */
export type LookupCoverage = {
  readonly flow: string;
  readonly node: string;
  /** The lookup it makes (its `use`). */
  readonly use: string;
  readonly seen: ReadonlyMap<string, number>;
};

export type Coverage = {
  readonly flows: readonly FlowCoverage[];
  /** Every lookup node, in document order, with what its lookups came to. */
  readonly lookups: readonly LookupCoverage[];
  readonly total: number;
  readonly visited: number;
  /** Visited share of every item, 0–100. */
  readonly percent: number;
};

const nodeId = (flow: string, node: string) => `${flow}/${node}`;
const edgeId = (flow: string, node: string, path: string) => `${flow}/${node}#${path}`;
const handlerId = (flow: string, handler: string) => `${flow}#handlers.${handler}`;

function kindOfPath(path: string): CoverageKind {
  if (path.startsWith('keys.')) return 'key';
  if (path.startsWith('intents.')) return 'intent';
  if (path.startsWith('branches.') || path === 'else') return 'branch';
  if (path.endsWith('.escalateTo')) return 'escalation';
  return 'edge';
}

/** Paths a trace or the `matched` field names precisely; any other edge is known by its target. */
const SPECIFIC: ReadonlySet<CoverageKind> = new Set(['key', 'intent', 'branch', 'escalation']);

/** A node's ways on that coverage counts: its traits' targets and the retry escalations it follows. */
function edgesOf(node: FlowNode, flow: Flow): { path: string; target: string; label: string }[] {
  // A node that only passes on to one next node is covered by its target node.
  const own = targetsOf(node);
  const edges = chainsOn(node) && own.length === 1 ? [] : own;
  if (!isListeningNode(node)) return edges;
  const extra = RETRY_KINDS.flatMap((kind) => {
    const { policy, from } = findRetryPolicy(node, flow, kind);
    return from !== 'node' && policy.escalateTo !== undefined
      ? [{ path: `${kind}.escalateTo`, target: policy.escalateTo, label: `${kind} (the flow's)` }]
      : [];
  });
  return [...edges, ...extra];
}

function labelOf(nodeName: string, path: string, target: string, label: string): string {
  const kind = kindOfPath(path);
  switch (kind) {
    case 'key':
      return `${nodeName}: key ${path.slice('keys.'.length)} → ${target}`;
    case 'intent':
      return `${nodeName}: intent ${label || path} → ${target}`;
    case 'branch':
      // A split's branches by their name and share (`short 10%`), a branch node's by their path.
      return `${nodeName}: ${path === 'else' ? 'else' : label || path.replace(/\.goto$/, '')} → ${target}`;
    case 'escalation':
      return `${nodeName}: ${path.split('.')[0]} escalation${label.endsWith("(the flow's)") ? " (the flow's)" : ''} → ${target}`;
    default:
      return `${nodeName}: ${path} → ${target}`;
  }
}

/**
 * Every node and way on of every flow, in document order, then the handlers some node of the flow hears
 * (its own, then the document's it does not replace).
 */
export function listCoverageItems(rules: Rules): CoverageItem[] {
  const items: CoverageItem[] = [];
  for (const [flowName, flow] of Object.entries(rules.flows)) {
    items.push(...listNodeItems(flowName, flow));
    // The handlers some node of the flow hears, in the order they are tried.
    const inForce = new Map([
      [flowName, listHandlersInForce(rules, flowName).map((handler) => ({ handler }))],
    ]);
    const heard = new Set(
      Object.values(flow.nodes).flatMap((node) =>
        isListeningNode(node) ? listHandlersHeard(inForce, node, flowName).map(({ handler }) => handler) : [],
      ),
    );
    for (const { handler } of inForce.get(flowName) ?? []) {
      if (!heard.has(handler)) continue;
      items.push({
        id: handlerId(flowName, handler.name),
        flow: flowName,
        node: '',
        kind: 'handler',
        label: `handler ${handler.name} → ${describeHandlerTarget(flowName, handler)}`,
      });
    }
  }
  return items;
}

/** Where a handler leads, as coverage names it: `main/agent`, `repeat`, `restart`. */
function describeHandlerTarget(flowName: string, handler: Handler): string {
  if (handler.do !== undefined) return handler.do;
  const flow = handler.flow ?? flowName;
  return handler.goto === undefined ? `flow ${flow}` : `${flow}/${handler.goto}`;
}

/** The nodes and ways on of one flow, in document order. */
function listNodeItems(flowName: string, flow: Flow): CoverageItem[] {
  const items: CoverageItem[] = [];
  for (const [nodeName, node] of Object.entries(flow.nodes)) {
    items.push({
      id: nodeId(flowName, nodeName),
      flow: flowName,
      node: nodeName,
      kind: 'node',
      label: `node ${nodeName}`,
    });
    for (const edge of edgesOf(node, flow)) {
      items.push({
        id: edgeId(flowName, nodeName, edge.path),
        flow: flowName,
        node: nodeName,
        kind: kindOfPath(edge.path),
        label: labelOf(nodeName, edge.path, edge.target, edge.label),
      });
    }
  }
  return items;
}

/** How coverage names what a lookup came to: `ok`, `waiting (filler)`, `failed status 503`. */
function lookupOutcomeOf(traced: TracedLookup): string {
  switch (traced.outcome) {
    case 'ok':
      return 'ok';
    case 'waiting':
      return `waiting (${traced.hold})`;
    case 'failed':
      return `failed ${traced.why}`;
  }
}

/** A lookup's outcome at a node of a flow, read from one callback's trace. */
type LookupSeen = { readonly flow: string; readonly node: string; readonly outcome: string };

/** The ids of the items one callback went through. */
export function visitedBy(rules: Rules, visit: Visit): Set<string> {
  return walkVisit(rules, visit).seen;
}

/** The items one callback went through, and what the lookups it made came to, node by node. */
function walkVisit(rules: Rules, visit: Visit): { seen: Set<string>; lookups: LookupSeen[] } {
  const seen = new Set<string>();
  const lookups: LookupSeen[] = [];
  const flowNamed = (name: string | undefined) =>
    name !== undefined && Object.hasOwn(rules.flows, name) ? rules.flows[name] : undefined;
  // The flow the call is in: the one it heard the event in, until a trace line says it moved to another.
  let flowName = visit.flowBefore ?? visit.flow;
  let flow = flowNamed(flowName);
  if (flowName === undefined || flow === undefined) return { seen, lookups };
  const nodeOf = (name: string | undefined) =>
    name !== undefined && flow !== undefined && Object.hasOwn(flow.nodes, name)
      ? flow.nodes[name]
      : undefined;
  /** Marks the ways on of `from` that lead to `target` and that no trace line names precisely. */
  const markByTarget = (from: string, target: string) => {
    const node = nodeOf(from);
    // A lookup's trace line names the way it went (next or onError, which may lead to the same node).
    if (node === undefined || node.type === 'lookup' || flow === undefined || flowName === undefined) return;
    for (const edge of edgesOf(node, flow))
      if (edge.target === target && !SPECIFIC.has(kindOfPath(edge.path)))
        seen.add(edgeId(flowName, from, edge.path));
  };

  const heardIn = flowName;
  const heardFlow = flow;
  // The node that heard the event. An outbound call's first event names none (its state was a flow
  // name): SmartCall's opening was the question of the flow's start node, which heard the answer.
  const hearer = visit.nodeBefore ?? (visit.matched === undefined ? undefined : heardFlow.start);
  const before = nodeOf(hearer);
  if (hearer !== undefined && before !== undefined) {
    const from = hearer;
    seen.add(nodeId(heardIn, from));
    const key = /^(?:spoken )?key (.)$/.exec(visit.matched ?? '')?.[1];
    if (key !== undefined && before.type === 'menu' && Object.hasOwn(before.keys ?? {}, key))
      seen.add(edgeId(heardIn, from, `keys.${key}`));
    const intent = /^intent (.+)$/.exec(visit.matched ?? '')?.[1];
    if (intent !== undefined && before.type === 'menu') {
      (before.intents ?? []).forEach((candidate, i) => {
        if ((candidate.name ?? String(i)) === intent) seen.add(edgeId(heardIn, from, `intents.${i}.goto`));
      });
    }
    for (const line of visit.trace) {
      const escalation = readRetriesUsedUp(line);
      if (escalation === undefined || !isListeningNode(before)) continue;
      const { kind, target } = escalation;
      if (findRetryPolicy(before, heardFlow, kind).policy.escalateTo === target)
        seen.add(edgeId(heardIn, from, `${kind}.escalateTo`));
    }
  }

  // The node the last node entered came from, when the way between them is an edge of that node.
  let previous = hearer;
  let current: string | undefined;
  for (const line of visit.trace) {
    const entered = readEnteredNode(line);
    if (entered !== undefined) {
      seen.add(nodeId(flowName, entered));
      if (previous !== undefined) markByTarget(previous, entered);
      previous = entered;
      current = entered;
      continue;
    }
    const moved = readFlowEntered(line);
    if (moved !== undefined) {
      flowName = moved;
      flow = flowNamed(moved);
      if (flow === undefined) break;
      // Into a called flow's start, back to a subflow node's way on, or where a handler led: no edge of
      // the node before names it.
      previous = undefined;
      current = undefined;
      continue;
    }
    const returned = readSubflowReturned(line);
    if (returned !== undefined) {
      seen.add(
        edgeId(
          returned.flow,
          returned.caller,
          returned.exit === undefined ? 'next' : `exits.${returned.exit}`,
        ),
      );
      previous = undefined;
      continue;
    }
    const handler = readHandlerHeard(line);
    if (handler !== undefined) {
      // A handler leads where it says, which is no way on of the node that heard it.
      seen.add(handlerId(flowName, handler.name));
      previous = undefined;
      continue;
    }
    // A lookup answered on a later event is the one the call waited at: the node that heard it.
    const looked = readLookupLine(line);
    const at = current ?? hearer;
    if (looked !== undefined && at !== undefined && nodeOf(at)?.type === 'lookup') {
      lookups.push({ flow: flowName, node: at, outcome: lookupOutcomeOf(looked) });
      if (looked.outcome !== 'waiting')
        seen.add(edgeId(flowName, at, looked.outcome === 'ok' ? 'next' : 'onError'));
      continue;
    }
    if (current === undefined) continue;
    const split = readSplitTaken(line);
    const splitNode = nodeOf(current);
    if (split !== undefined && splitNode?.type === 'split') {
      const index = splitNode.branches.findIndex((_, i) => splitBranchName(splitNode, i) === split.branch);
      if (index !== -1) seen.add(edgeId(flowName, current, `branches.${index}.goto`));
      continue;
    }
    const branch = readBranchTaken(line);
    if (branch === 'else') seen.add(edgeId(flowName, current, 'else'));
    else if (branch !== undefined) seen.add(edgeId(flowName, current, `branches.${branch}.goto`));
  }
  return { seen, lookups };
}

/** Coverage of `rules` by these callbacks' log lines. */
export function computeCoverage(rules: Rules, visits: Iterable<Visit>): Coverage {
  const seen = new Set<string>();
  const outcomes = new Map<string, Map<string, number>>();
  for (const visit of visits) {
    const walked = walkVisit(rules, visit);
    for (const id of walked.seen) seen.add(id);
    for (const { flow, node, outcome } of walked.lookups) {
      const own = outcomes.get(nodeId(flow, node)) ?? new Map<string, number>();
      own.set(outcome, (own.get(outcome) ?? 0) + 1);
      outcomes.set(nodeId(flow, node), own);
    }
  }
  const lookups = Object.entries(rules.flows).flatMap(([flow, { nodes }]) =>
    Object.entries(nodes).flatMap(([node, spec]) =>
      spec.type === 'lookup'
        ? [{ flow, node, use: spec.use, seen: outcomes.get(nodeId(flow, node)) ?? new Map() }]
        : [],
    ),
  );
  const items = listCoverageItems(rules);
  const flows = Object.keys(rules.flows).map((flow) => {
    const own = items.filter((item) => item.flow === flow);
    return { flow, total: own.length, missed: own.filter((item) => !seen.has(item.id)) };
  });
  const visited = items.filter((item) => seen.has(item.id)).length;
  return {
    flows,
    lookups,
    total: items.length,
    visited,
    percent: items.length === 0 ? 100 : Math.floor((visited / items.length) * 1000) / 10,
  };
}

/** The coverage report: per flow, what share was visited and what never was. */
export function formatCoverage(coverage: Coverage): string {
  const lines = [
    `coverage: ${coverage.visited}/${coverage.total} (${coverage.percent}%) of nodes and ways on`,
  ];
  for (const flow of coverage.flows) {
    const visited = flow.total - flow.missed.length;
    lines.push(
      `  flow ${flow.flow}: ${visited}/${flow.total}${flow.missed.length === 0 ? ', all visited' : ''}`,
    );
    for (const item of flow.missed) lines.push(`    never visited: ${item.label}`);
    for (const lookup of coverage.lookups) {
      if (lookup.flow !== flow.flow) continue;
      const seen = [...lookup.seen].map(([outcome, count]) => `${outcome} ×${count}`);
      lines.push(
        `    lookup ${lookup.node} (${lookup.use}): ${seen.length === 0 ? 'never looked up' : seen.join(', ')}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
