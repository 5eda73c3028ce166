import { type CompiledRules, listEntryVariables } from '../rules/compile-rules';
import { listVariablesRead, savesOf } from '../rules/node-types';
import type { Flow, Rules } from '../rules/rules-schema';
import { type CallGraph, findHandlerMoves } from './call-graph';
import { listEdges } from './lint-graph';

/**
 * What the linter knows of a flow's variables: who saves each, and which may be in a call's state at each
 * node. Saving happens on a node's `next` edge (a collect's digits, a lookup's answer: its other ways on,
 * retries, `onError`, save nothing); a value saved with `scope: once` is dropped as the call leaves a
 * node that reads it ({@link listVariablesRead}); `flow` values stay. Calls enter a flow at its start
 * with no values, or, in a flow an outbound call may start, with the values a sealed DynamicId may carry
 * (`outbound.vars`).
 */

/** A variable as the flow's nodes save it. */
export type SavedVariable = {
  /** Some node saves it with `sensitive`: it stays out of logs, and should stay out of urls. */
  readonly sensitive: boolean;
  /** Some collect node saves it with `sensitive`: digits a caller typed (a PIN), not to be read back aloud. */
  readonly collectedSensitive: boolean;
  /** The most bytes it takes in the state: its largest `maxBytes` (a collect's `maxDigits`). */
  readonly maxBytes: number;
  /** Every node that saves it says `scope: once` (so a reader drops it whichever saved it). */
  readonly once: boolean;
  /** The nodes that save it, in document order. */
  readonly savedBy: readonly string[];
};

export type FlowVariables = {
  readonly flowName: string;
  readonly saved: ReadonlyMap<string, SavedVariable>;
  /**
   * For each node a call can reach from the start, the variables that may be in its state as it enters
   * (a union over every path: sound for a size bound, and for "never set here").
   */
  readonly live: ReadonlyMap<string, ReadonlySet<string>>;
  /** The same without `once` drops, nor those of a called flow returning: the variables some path to the node has saved. */
  readonly reached: ReadonlyMap<string, ReadonlySet<string>>;
  /** How the flow sits among the others (callers, called flows), for what {@link findUnsetVariable} says. */
  readonly context: FlowContext;
};

/** The values a call may enter a flow with: a sealed DynamicId's, declared under `outbound.vars`. */
export type EntryVariables = Readonly<
  Record<string, { readonly maxBytes: number; readonly sensitive?: boolean | undefined }>
>;

/** Where the linter says an entry variable is saved. */
export const ENTRY_SAVER = 'outbound.vars';

/**
 * A value a call may bring into a flow from another: from a subflow node that calls it (the caller's
 * values), from where a handler sending calls here was heard, or handed back by a flow it calls
 * (`scope: call`). Its bound and sensitivity are those of the nodes that saved it, named `node (flow F)`.
 */
export type InheritedValue = Omit<SavedVariable, 'once'>;

/** What a flow's subflow nodes do to a call's values: the called flow's own dropped, its `call` values added. */
export type CalledFlow = {
  /** The values the called flow saves for itself ({@link CompiledRules.dropsOnLeavingFlow}). */
  readonly drops: ReadonlySet<string>;
  /** The values it, or a flow it calls, may save with `scope: call`. */
  readonly adds: ReadonlyMap<string, InheritedValue>;
};

/** How a flow sits among the others, for an analysis across flows (see {@link analyseRulesVariables}). */
export type FlowContext = {
  /** Values calls may bring to nodes of the flow, by node: its start from its callers, a handler's target. */
  readonly seeds: ReadonlyMap<string, ReadonlyMap<string, InheritedValue>>;
  /** The flows its subflow nodes call, by name. */
  readonly called: ReadonlyMap<string, CalledFlow>;
  /** The nodes of the flow a handler heard at a node leads to, by the node that hears it. */
  readonly handlerEdges: ReadonlyMap<string, readonly string[]>;
  /** The subflow nodes that call the flow (`main/verify`). */
  readonly callers: readonly string[];
  /** The values kept `once` in the whole document ({@link CompiledRules.onceValues}). */
  readonly once?: ReadonlySet<string>;
};

const NO_CONTEXT: FlowContext = { seeds: new Map(), called: new Map(), handlerEdges: new Map(), callers: [] };

export function analyseFlowVariables(
  flowName: string,
  flow: Flow,
  lookups: Rules['lookups'],
  entry: EntryVariables = {},
  context: FlowContext = NO_CONTEXT,
): FlowVariables {
  const saved = new Map<string, SavedVariable>();
  for (const [name, variable] of Object.entries(entry)) {
    const sensitive = variable.sensitive === true;
    saved.set(name, {
      sensitive,
      collectedSensitive: false,
      maxBytes: variable.maxBytes,
      once: false,
      savedBy: [ENTRY_SAVER],
    });
  }
  for (const [nodeName, node] of Object.entries(flow.nodes)) {
    for (const value of savesOf(node)) {
      const known = saved.get(value.name);
      saved.set(value.name, {
        sensitive: value.sensitive || known?.sensitive === true,
        collectedSensitive:
          (value.sensitive && node.type === 'collect') || known?.collectedSensitive === true,
        maxBytes: Math.max(value.maxBytes, known?.maxBytes ?? 0),
        once: value.scope === 'once' && (known?.once ?? true),
        savedBy: [...(known?.savedBy ?? []), nodeName],
      });
    }
  }
  // Once-ness is the document's (as the engine drops them), else, for a flow alone, its own savers'.
  const once =
    context.once ?? new Set([...saved].filter(([, variable]) => variable.once).map(([name]) => name));
  const inherited = [
    ...[...context.seeds.values()].flatMap((values) => [...values]),
    ...[...context.called.values()].flatMap(({ adds }) => [...adds]),
  ];
  for (const [name, value] of inherited)
    saved.set(name, { ...mergeValue(saved.get(name), value), once: false });
  for (const [name, variable] of saved) saved.set(name, { ...variable, once: once.has(name) });
  const reads = new Map(
    Object.entries(flow.nodes).map(([name, node]) => [name, listVariablesRead(node, flow, lookups)]),
  );
  const seeds = new Map([...context.seeds].map(([node, values]) => [node, [...values.keys()]]));
  seeds.set(flow.start, [...Object.keys(entry), ...(seeds.get(flow.start) ?? [])]);
  return {
    flowName,
    saved,
    live: propagate(
      flow,
      seeds,
      context,
      (node, name) => once.has(name) && reads.get(node)?.has(name) === true,
      true,
    ),
    reached: propagate(flow, seeds, context, () => false, false),
    context,
  };
}

/** A value as two savers describe it: the larger bound, sensitive if either says so. */
export function mergeValue(known: InheritedValue | undefined, value: InheritedValue): InheritedValue {
  if (known === undefined) return value;
  return {
    sensitive: known.sensitive || value.sensitive,
    collectedSensitive: known.collectedSensitive || value.collectedSensitive,
    maxBytes: Math.max(known.maxBytes, value.maxBytes),
    savedBy: [...new Set([...known.savedBy, ...value.savedBy])],
  };
}

/**
 * The variables that may be in a call's state as it enters each reachable node: a forward dataflow to
 * a fixed point (sets only grow, so it ends within nodes × variables rounds), from `seeds` (the start's
 * entry values, and what other flows bring). `drops` says whether leaving `node` drops `name`; a subflow
 * node's ways on lose the called flow's own values (when `returns` is set) and gain its `call` values; a
 * handler's edge carries the values of the node that heard it.
 */
function propagate(
  flow: Flow,
  seeds: ReadonlyMap<string, readonly string[]>,
  context: FlowContext,
  drops: (node: string, name: string) => boolean,
  returns: boolean,
): Map<string, ReadonlySet<string>> {
  const live = new Map<string, Set<string>>();
  const queue: string[] = [];
  const queued = new Set<string>();
  const reach = (target: string, variables: Iterable<string>) => {
    if (!Object.hasOwn(flow.nodes, target)) return;
    const into = live.get(target) ?? new Set<string>();
    const before = live.has(target) ? into.size : -1;
    live.set(target, into);
    for (const variable of variables) into.add(variable);
    if (into.size !== before && !queued.has(target)) {
      queued.add(target);
      queue.push(target);
    }
  };
  if (Object.hasOwn(flow.nodes, flow.start)) for (const [node, names] of seeds) reach(node, names);
  for (let head = 0; head < queue.length; head++) {
    const name = queue[head] as string;
    queued.delete(name);
    const node = flow.nodes[name];
    if (node === undefined) continue;
    const kept = [...(live.get(name) ?? [])].filter((variable) => !drops(name, variable));
    const called = node.type === 'subflow' ? context.called.get(node.flow) : undefined;
    const saves = savesOf(node).map((value) => value.name);
    for (const edge of listEdges(node, flow)) {
      if (called !== undefined) {
        const back = kept.filter((variable) => !returns || !called.drops.has(variable));
        reach(edge.target, [...back, ...called.adds.keys()]);
      } else reach(edge.target, edge.path === 'next' ? [...kept, ...saves] : kept);
    }
    for (const target of context.handlerEdges.get(name) ?? []) reach(target, kept);
  }
  return live;
}

/**
 * The nodes that save a value, as a finding in `flowName` names them: its own nodes by name, others with
 * their flow (`askCard (flow identify)`), each once (a value handed back to a flow that runs the saver's
 * flow again comes back under both names).
 */
export function describeSavers(saved: SavedVariable, flowName: string): string[] {
  const own = ` (flow ${flowName})`;
  return [
    ...new Set(saved.savedBy.map((saver) => (saver.endsWith(own) ? saver.slice(0, -own.length) : saver))),
  ];
}

/** Why a variable has no value where it is read, and what to do about it. */
export type UnsetVariable = { readonly reason: string; readonly fix: string };

/**
 * Why `name` is never set where `node` reads it (undefined for the flow's own prompts: its goodbye and
 * retry wordings, spoken anywhere), or undefined when some path sets it. A node no path reaches is
 * judged by the flow as a whole (the graph lint reports it unreachable).
 */
export function findUnsetVariable(
  variables: FlowVariables,
  node: string | undefined,
  name: string,
): UnsetVariable | undefined {
  const { flowName, context } = variables;
  const saved = variables.saved.get(name);
  const droppedBy = [...context.called].filter(([, called]) => called.drops.has(name)).map(([flow]) => flow);
  if (saved === undefined) {
    if (droppedBy.length > 0) {
      return {
        reason: `${name} is saved only in flow ${droppedBy.join(' or ')}, which drops its own values when it returns here`,
        fix: `save it there with scope: call to hand it back`,
      };
    }
    return {
      reason:
        context.callers.length === 0
          ? `no collect or lookup node in flow ${flowName} saves ${name} (collect saveAs, a lookup node's save, or outbound.vars for values a DynamicId carries)`
          : `no collect or lookup node in flow ${flowName} saves ${name}, and no path to a subflow node that calls it (${context.callers.join(', ')}) saves it first`,
      fix: 'save it first or fix the name',
    };
  }
  const live = node === undefined ? undefined : variables.live.get(node);
  if (node === undefined || live === undefined || live.has(name)) return undefined;
  if (variables.reached.get(node)?.has(name) !== true) {
    return {
      reason: `no path from the flow's start to here passes a node that saves ${name} (${describeSavers(saved, variables.flowName).join(', ')})`,
      fix: 'save it on the way here or fix the name',
    };
  }
  if (!saved.once && droppedBy.length > 0) {
    return {
      reason: `flow ${droppedBy.join(' or ')} saves ${name} for itself, and drops it when it returns, on every path here`,
      fix: `save it there with scope: call, or under another name`,
    };
  }
  return {
    reason: `${name} is kept once (scope: once), and every path here passes a node that reads it first and drops it`,
    fix: 'read it before, or keep it for the flow (scope: flow)',
  };
}

/**
 * The variables of every flow, across flows: a call enters a called flow with the values live at the
 * subflow node that calls it (the union over its callers), comes back to the node's ways on without the
 * called flow's own values but with those it saved with `scope: call`, and a handler's target gets the
 * values of the node that heard it. Rounds of the per-flow analysis until what flows bring each other
 * stops growing (it only grows, so it ends).
 */
export function analyseRulesVariables(compiled: CompiledRules, graph: CallGraph): Map<string, FlowVariables> {
  const { rules } = compiled;
  const called = findCalledFlows(compiled, graph);
  const handlerEdges = new Map(
    [...findHandlerMoves(rules, graph)].map(([flow, byNode]) => [
      flow,
      new Map([...byNode].map(([node, moves]) => [node, moves.filter((move) => move !== 'leaves')])),
    ]),
  );
  const contextOf = (flowName: string, seeds: Seeds): FlowContext => {
    const flow = rules.flows[flowName] as Flow;
    const calls = Object.values(flow.nodes).flatMap((node) => (node.type === 'subflow' ? [node.flow] : []));
    return {
      seeds: seeds.get(flowName) ?? new Map(),
      called: new Map(calls.map((name) => [name, called.get(name) as CalledFlow])),
      handlerEdges: handlerEdges.get(flowName) ?? new Map(),
      callers: graph.calls
        .filter((call) => call.calls === flowName)
        .map((call) => `${call.flow}/${call.node}`),
      once: compiled.onceValues,
    };
  };
  let seeds: Seeds = new Map();
  for (;;) {
    const results = new Map(
      Object.entries(rules.flows).map(([name, flow]) => [
        name,
        analyseFlowVariables(
          name,
          flow,
          rules.lookups,
          listEntryVariables(rules, name),
          contextOf(name, seeds),
        ),
      ]),
    );
    const next = findSeeds(compiled, graph, results);
    if (describeSeeds(next) === describeSeeds(seeds)) return results;
    seeds = next;
  }
}

/** Values other flows bring, by flow, then node. */
type Seeds = Map<string, Map<string, Map<string, InheritedValue>>>;

/** What each flow's subflow nodes may bring and take, from what the flows save and call. */
function findCalledFlows(compiled: CompiledRules, graph: CallGraph): Map<string, CalledFlow> {
  const { rules } = compiled;
  const adds = new Map<string, Map<string, InheritedValue>>();
  for (const [flowName, flow] of Object.entries(rules.flows)) {
    const own = new Map<string, InheritedValue>();
    for (const [nodeName, node] of Object.entries(flow.nodes)) {
      for (const value of savesOf(node)) {
        if (value.scope !== 'call') continue;
        own.set(
          value.name,
          mergeValue(own.get(value.name), {
            sensitive: value.sensitive,
            collectedSensitive: value.sensitive && node.type === 'collect',
            maxBytes: value.maxBytes,
            savedBy: [`${nodeName} (flow ${flowName})`],
          }),
        );
      }
    }
    adds.set(flowName, own);
  }
  // A flow hands back what the flows it calls hand back to it too.
  for (let changed = true; changed; ) {
    changed = false;
    for (const call of graph.calls) {
      const into = adds.get(call.flow) as Map<string, InheritedValue>;
      for (const [name, value] of adds.get(call.calls) ?? []) {
        const known = into.get(name);
        const merged = mergeValue(known, value);
        if (known !== undefined && describeValue(known) === describeValue(merged)) continue;
        into.set(name, merged);
        changed = true;
      }
    }
  }
  return new Map(
    Object.keys(rules.flows).map((name) => [
      name,
      { drops: new Set(compiled.dropsOnLeavingFlow.get(name) ?? []), adds: adds.get(name) ?? new Map() },
    ]),
  );
}

/** What the flows bring each other, from one round's analysis. */
function findSeeds(
  compiled: CompiledRules,
  graph: CallGraph,
  results: ReadonlyMap<string, FlowVariables>,
): Seeds {
  const { rules } = compiled;
  const seeds: Seeds = new Map();
  const bring = (from: string, at: string, flow: string, node: string) => {
    const variables = results.get(from);
    const live = variables?.live.get(at);
    if (variables === undefined || live === undefined) return;
    const byNode = seeds.get(flow) ?? new Map<string, Map<string, InheritedValue>>();
    const values = byNode.get(node) ?? new Map<string, InheritedValue>();
    for (const name of live) {
      const { once: _once, savedBy, ...value } = variables.saved.get(name) as SavedVariable;
      // Named with their flow in the flow they are brought to: `askCard (flow main)`.
      const named = savedBy.map((saver) => (saver.includes(' (flow ') ? saver : `${saver} (flow ${from})`));
      values.set(name, mergeValue(values.get(name), { ...value, savedBy: named }));
    }
    byNode.set(node, values);
    seeds.set(flow, byNode);
  };
  for (const call of graph.calls)
    bring(call.flow, call.node, call.calls, rules.flows[call.calls]?.start ?? '');
  for (const { flow, node, target } of graph.heard) {
    if (target.kind === 'node' && target.flow !== flow) bring(flow, node, target.flow, target.node);
    if (target.kind !== 'restart') continue;
    // Back to the start of the flow the call started in, which (through others) called this one, with
    // what it held at the call (the values of the flows between are dropped).
    for (const call of graph.calls) {
      const top = graph.entrances.has(call.flow) || !graph.calls.some(({ calls }) => calls === call.flow);
      if (top && callsReach(graph, call.calls, flow))
        bring(call.flow, call.node, call.flow, rules.flows[call.flow]?.start ?? '');
    }
  }
  return seeds;
}

/** Whether a call in flow `from` can be inside flow `to` (it is `to`, or calls it through others). */
function callsReach(graph: CallGraph, from: string, to: string): boolean {
  const seen = new Set([from]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const flow = queue[head] as string;
    if (flow === to) return true;
    for (const call of graph.calls) {
      if (call.flow !== flow || seen.has(call.calls)) continue;
      seen.add(call.calls);
      queue.push(call.calls);
    }
  }
  return false;
}

/** A canonical text of seeds, to tell when a round brought nothing new. */
function describeSeeds(seeds: Seeds): string {
  const sorted = [...seeds].sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(
    sorted.map(([flow, byNode]) => [
      flow,
      [...byNode]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([node, values]) => [
          node,
          [...values]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, value]) => [name, describeValue(value)]),
        ]),
    ]),
  );
}

/** What can grow of a value as more savers are found: its bound, its sensitivity, its savers. */
function describeValue(value: InheritedValue): string {
  return `${value.maxBytes} ${value.sensitive} ${value.collectedSensitive} ${value.savedBy.length}`;
}
