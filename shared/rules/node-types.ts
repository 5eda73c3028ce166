import { findLookup } from './lookup-checks';
import type {
  Condition,
  Flow,
  FlowNode,
  ListeningNode,
  Prompt,
  RetryPolicy,
  Rules,
  ValueScope,
} from './rules-schema';
import { describeShare, splitBranchName, splitTotal } from './split-shares';
import { listLookupVariables, listPromptVariables } from './templates';

/**
 * What each node type does, in one table: the engine, the compiler, the linter and the drawer ask here
 * instead of testing `node.type` themselves. The table is checked to have every type
 * (`satisfies {[T in NodeType]: …}`), so a new node type is a compile error until its traits are written,
 * and then every reader handles it.
 */

export type NodeType = FlowNode['type'];
type NodeOf<T extends NodeType> = Extract<FlowNode, { readonly type: T }>;

/** A node a node can lead to, with the path of the reference in the node and a label for the graph. */
export type NodeEdge = { readonly path: string; readonly target: string; readonly label: string };

/** A condition a node tests, with its path in the node. */
export type NodeCondition = { readonly path: string; readonly condition: Condition };

/** A prompt a node plays, with its path in the node. */
export type NodePrompt = { readonly path: string; readonly prompt: Prompt };

/**
 * A value a node keeps in the call's state: its name, the most bytes it takes there (UTF-8, JSON-escaped),
 * whether it stays out of logs, and how long it is kept (`flow`, or `once`: until a node has read it).
 */
export type SavedValue = {
  readonly name: string;
  readonly maxBytes: number;
  readonly sensitive: boolean;
  readonly scope: ValueScope;
};

type NodeTraits<T extends NodeType> = {
  /** Plays its prompt and waits for the caller: it has retry policies and hears input. */
  readonly listens: T extends ListeningNode['type'] ? true : false;
  /** Passes on to another node within the same reply (so a cycle of such nodes never waits). */
  readonly chains: boolean;
  /** Entering it ends the caller's time in the flow: it hangs up or hands the call over. */
  readonly endsCall: boolean;
  /** Every node it can lead to (its own retry escalations included). */
  readonly targets: (node: NodeOf<T>) => NodeEdge[];
  /** The conditions it tests. */
  readonly conditions: (node: NodeOf<T>) => NodeCondition[];
  /** Regular expressions it tests input against (besides those in its conditions). */
  readonly patterns: (node: NodeOf<T>) => string[];
  /** The values it collects. */
  readonly saves: (node: NodeOf<T>) => SavedValue[];
  /** The prompts it plays itself (retry wordings, which may be its flow's, apart). */
  readonly prompts: (node: NodeOf<T>) => NodePrompt[];
};

const none = (): [] => [];
const own = (path: string, prompt: Prompt | undefined): NodePrompt[] =>
  prompt === undefined ? [] : [{ path, prompt }];

/** A listening node's own retry escalations, as edges. */
function escalations(node: ListeningNode): NodeEdge[] {
  const edges: NodeEdge[] = [];
  for (const kind of RETRY_KINDS) {
    const escalateTo = node[kind]?.escalateTo;
    if (escalateTo !== undefined)
      edges.push({ path: `${kind}.escalateTo`, target: escalateTo, label: RETRY_LABELS[kind] });
  }
  return edges;
}

const NODE_TRAITS = {
  say: {
    listens: false,
    chains: true,
    endsCall: false,
    targets: (node) => [{ path: 'next', target: node.next, label: '' }],
    conditions: none,
    patterns: none,
    saves: none,
    prompts: (node) => own('say', node.say),
  },
  menu: {
    listens: true,
    chains: false,
    endsCall: false,
    targets: (node) => [
      ...Object.entries(node.keys ?? {}).map(([key, target]) => ({
        path: `keys.${key}`,
        target,
        label: `key ${key}`,
      })),
      ...(node.intents ?? []).map((intent, i) => ({
        path: `intents.${i}.goto`,
        target: intent.goto,
        label: intent.name ?? (intent.keywords ?? intent.patterns ?? []).slice(0, 2).join('/'),
      })),
      ...escalations(node),
    ],
    conditions: none,
    patterns: (node) => (node.intents ?? []).flatMap((intent) => intent.patterns ?? []),
    saves: none,
    prompts: (node) => own('say', node.say),
  },
  collect: {
    listens: true,
    chains: false,
    endsCall: false,
    targets: (node) => [{ path: 'next', target: node.next, label: node.saveAs }, ...escalations(node)],
    conditions: none,
    patterns: (node) => (node.pattern === undefined ? [] : [node.pattern]),
    saves: (node) => [
      { name: node.saveAs, maxBytes: node.maxDigits, sensitive: node.sensitive === true, scope: node.scope },
    ],
    prompts: (node) => own('say', node.say),
  },
  branch: {
    listens: false,
    chains: true,
    endsCall: false,
    targets: (node) => [
      // The graph labels branches with their conditions (draw-rules.ts): not needed at run time.
      ...node.branches.map((branch, i) => ({ path: `branches.${i}.goto`, target: branch.goto, label: '' })),
      { path: 'else', target: node.else, label: 'else' },
    ],
    conditions: (node) =>
      node.branches.map((branch, i) => ({ path: `branches.${i}.when`, condition: branch.when })),
    patterns: none,
    saves: none,
    prompts: none,
  },
  split: {
    listens: false,
    chains: true,
    endsCall: false,
    targets: (node) => {
      const total = splitTotal(node);
      return node.branches.map((branch, i) => ({
        path: `branches.${i}.goto`,
        target: branch.goto,
        label: `${splitBranchName(node, i)} ${describeShare(branch.weight, total)}`,
      }));
    },
    conditions: none,
    patterns: none,
    saves: none,
    prompts: none,
  },
  transfer: {
    listens: false,
    chains: false,
    endsCall: true,
    targets: none,
    conditions: (node) =>
      (node.targets ?? []).flatMap((target, i) =>
        target.when === undefined ? [] : [{ path: `targets.${i}.when`, condition: target.when }],
      ),
    patterns: none,
    saves: none,
    prompts: (node) => own('say', node.say),
  },
  parallelTransfer: {
    listens: false,
    chains: false,
    endsCall: true,
    targets: (node) => [{ path: 'onFail', target: node.onFail, label: 'transfer failed' }],
    conditions: none,
    patterns: none,
    saves: none,
    prompts: none,
  },
  hangup: {
    listens: false,
    chains: false,
    endsCall: true,
    targets: none,
    conditions: none,
    patterns: none,
    saves: none,
    prompts: (node) => own('say', node.say),
  },
  lookup: {
    listens: false,
    // On an answer at hand it passes on within the reply; a slow one pauses it (the filler), never for ever.
    chains: true,
    endsCall: false,
    targets: (node) => [
      { path: 'next', target: node.next, label: node.use },
      { path: 'onError', target: node.onError, label: 'lookup failed' },
    ],
    conditions: none,
    patterns: none,
    saves: (node) =>
      Object.entries(node.save ?? {}).map(([name, field]) => ({
        name,
        maxBytes: field.maxBytes,
        sensitive: field.sensitive === true,
        scope: field.scope,
      })),
    prompts: (node) => own('filler', node.filler),
  },
  subflow: {
    listens: false,
    // The called flow's start is entered within the same reply.
    chains: true,
    endsCall: false,
    targets: (node) => [
      { path: 'next', target: node.next, label: `${node.flow} returns` },
      ...Object.entries(node.exits ?? {}).map(([exit, target]) => ({
        path: `exits.${exit}`,
        target,
        label: `${node.flow} returns ${exit}`,
      })),
    ],
    conditions: none,
    patterns: none,
    saves: none,
    prompts: none,
  },
  return: {
    listens: false,
    // The calling flow goes on within the same reply; within its own flow a return leads nowhere.
    chains: true,
    endsCall: true,
    targets: none,
    conditions: none,
    patterns: none,
    saves: none,
    prompts: (node) => own('say', node.say),
  },
} as const satisfies { readonly [T in NodeType]: NodeTraits<T> };

/** The traits of a node's type, typed for that node (the table's functions take their own type only). */
function traitsOf(node: FlowNode): NodeTraits<NodeType> & {
  readonly targets: (node: FlowNode) => NodeEdge[];
  readonly conditions: (node: FlowNode) => NodeCondition[];
  readonly patterns: (node: FlowNode) => string[];
  readonly saves: (node: FlowNode) => SavedValue[];
  readonly prompts: (node: FlowNode) => NodePrompt[];
} {
  return NODE_TRAITS[node.type] as never;
}

/** Whether a node plays its prompt and waits for the caller (see {@link NODE_TRAITS}). */
export function isListeningNode(node: FlowNode): node is ListeningNode {
  return NODE_TRAITS[node.type].listens;
}

/** Whether entering a node passes on to another within the same reply. */
export function chainsOn(node: FlowNode): boolean {
  return NODE_TRAITS[node.type].chains;
}

/** Whether entering a node ends the caller's time in the flow. */
export function endsCall(node: FlowNode): boolean {
  return NODE_TRAITS[node.type].endsCall;
}

/** Every node name a node can lead to, with the path of the reference, for checks and the graph. */
export function targetsOf(node: FlowNode): NodeEdge[] {
  return traitsOf(node).targets(node);
}

/** The conditions a node tests, with their paths in the node. */
export function conditionsOf(node: FlowNode): NodeCondition[] {
  return traitsOf(node).conditions(node);
}

/** The regular expressions a node tests input against, besides its conditions'. */
export function patternsOf(node: FlowNode): string[] {
  return traitsOf(node).patterns(node);
}

/** The values a node collects. */
export function savesOf(node: FlowNode): SavedValue[] {
  return traitsOf(node).saves(node);
}

/** The prompts a node plays itself: `say`, a lookup's `filler` (retry wordings apart: {@link findRetryPolicy}). */
export function promptsOf(node: FlowNode): NodePrompt[] {
  return traitsOf(node).prompts(node);
}

/**
 * The variables a node reads: in its prompts and the retry wordings it uses (its own or its flow's), its
 * conditions, and what its lookup sends. A value saved with `scope: once` is dropped as the call leaves
 * the first node that reads it, by this definition, which the engine and the linter's state bound share
 * (the linter's bound holds only if the engine drops no later than this says).
 */
export function listVariablesRead(node: FlowNode, flow: Flow, lookups: Rules['lookups']): Set<string> {
  const prompts = promptsOf(node).map((entry) => entry.prompt);
  if (isListeningNode(node)) {
    for (const kind of RETRY_KINDS) prompts.push(...(findRetryPolicy(node, flow, kind).policy.say ?? []));
  }
  const names = new Set(prompts.flatMap((prompt) => [...listPromptVariables(prompt)]));
  for (const { condition } of conditionsOf(node)) if (condition.var !== undefined) names.add(condition.var);
  const lookup = node.type === 'lookup' ? findLookup(lookups, node.use) : undefined;
  for (const name of lookup === undefined ? [] : listLookupVariables(lookup)) names.add(name);
  return names;
}

// --------------------------------------------------------------------------------------------------
// Retry policies
// --------------------------------------------------------------------------------------------------

export const RETRY_KINDS = ['noInput', 'noMatch'] as const;
export type RetryKind = (typeof RETRY_KINDS)[number];

/** How the graph and the traces name each kind of retry. */
const RETRY_LABELS: Readonly<Record<RetryKind, string>> = { noInput: 'no input', noMatch: 'no match' };

/** The policies a listening node falls back to when neither it nor its flow sets one. */
export const DEFAULT_RETRY_POLICIES: Readonly<Record<RetryKind, RetryPolicy>> = {
  noInput: { retries: 2, say: ['抱歉，我没有听到您的声音。'] },
  noMatch: { retries: 2, say: ['抱歉，我没有听懂。'] },
};

/**
 * The policy a listening node follows for a kind of retry: its own, else its flow's, else the default.
 * `from` says which, for the linter and the graph (a flow's escalation is an edge of every node using it).
 */
export function findRetryPolicy(
  node: ListeningNode,
  flow: Flow,
  kind: RetryKind,
): { readonly policy: RetryPolicy; readonly from: 'node' | 'flow' | 'default' } {
  const own = node[kind];
  if (own !== undefined) return { policy: own, from: 'node' };
  const flows = flow[kind];
  if (flows !== undefined) return { policy: flows, from: 'flow' };
  return { policy: DEFAULT_RETRY_POLICIES[kind], from: 'default' };
}

/** How the graph and the traces name a kind of retry (`no input`, `no match`). */
export function describeRetryKind(kind: RetryKind): string {
  return RETRY_LABELS[kind];
}
