import { listVariablesRead, savesOf } from '../rules/node-types';
import type { Flow, Rules } from '../rules/rules-schema';
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
  /** The same without `once` drops: the variables some path to the node has saved. */
  readonly reached: ReadonlyMap<string, ReadonlySet<string>>;
};

/** The values a call may enter a flow with: a sealed DynamicId's, declared under `outbound.vars`. */
export type EntryVariables = Readonly<
  Record<string, { readonly maxBytes: number; readonly sensitive?: boolean | undefined }>
>;

/** Where the linter says an entry variable is saved. */
export const ENTRY_SAVER = 'outbound.vars';

export function analyseFlowVariables(
  flowName: string,
  flow: Flow,
  lookups: Rules['lookups'],
  entry: EntryVariables = {},
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
  const reads = new Map(
    Object.entries(flow.nodes).map(([name, node]) => [name, listVariablesRead(node, flow, lookups)]),
  );
  const once = new Set([...saved].filter(([, variable]) => variable.once).map(([name]) => name));
  return {
    flowName,
    saved,
    live: propagate(
      flow,
      Object.keys(entry),
      (node, name) => once.has(name) && reads.get(node)?.has(name) === true,
    ),
    reached: propagate(flow, Object.keys(entry), () => false),
  };
}

/**
 * The variables that may be in a call's state as it enters each reachable node: a forward dataflow to
 * a fixed point (sets only grow, so it ends within nodes × variables rounds), from `entry` at the start.
 * `drops` says whether leaving `node` drops `name`.
 */
function propagate(
  flow: Flow,
  entry: readonly string[],
  drops: (node: string, name: string) => boolean,
): Map<string, ReadonlySet<string>> {
  const live = new Map<string, Set<string>>();
  if (!Object.hasOwn(flow.nodes, flow.start)) return live;
  live.set(flow.start, new Set(entry));
  const queue = [flow.start];
  const queued = new Set(queue);
  for (let head = 0; head < queue.length; head++) {
    const name = queue[head] as string;
    queued.delete(name);
    const node = flow.nodes[name];
    if (node === undefined) continue;
    const kept = [...(live.get(name) ?? [])].filter((variable) => !drops(name, variable));
    const saves = savesOf(node).map((value) => value.name);
    for (const edge of listEdges(node, flow)) {
      if (!Object.hasOwn(flow.nodes, edge.target)) continue;
      const target = live.get(edge.target) ?? new Set<string>();
      const before = live.has(edge.target) ? target.size : -1;
      live.set(edge.target, target);
      for (const variable of edge.path === 'next' ? [...kept, ...saves] : kept) target.add(variable);
      if (target.size !== before && !queued.has(edge.target)) {
        queued.add(edge.target);
        queue.push(edge.target);
      }
    }
  }
  return live;
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
  const saved = variables.saved.get(name);
  if (saved === undefined) {
    return {
      reason: `no collect or lookup node in flow ${variables.flowName} saves ${name} (collect saveAs, a lookup node's save, or outbound.vars for values a DynamicId carries)`,
      fix: 'save it first or fix the name',
    };
  }
  const live = node === undefined ? undefined : variables.live.get(node);
  if (node === undefined || live === undefined || live.has(name)) return undefined;
  if (variables.reached.get(node)?.has(name) !== true) {
    return {
      reason: `no path from the flow's start to here passes a node that saves ${name} (${saved.savedBy.join(', ')})`,
      fix: 'save it on the way here or fix the name',
    };
  }
  return {
    reason: `${name} is kept once (scope: once), and every path here passes a node that reads it first and drops it`,
    fix: 'read it before, or keep it for the flow (scope: flow)',
  };
}
