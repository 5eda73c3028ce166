import { MAX_DYNAMIC_ID_CHARS } from '../protocol/reply-schema';
import { lineAllowsClassifier } from '../rules/classifier-checks';
import type { CompiledRules } from '../rules/compile-rules';
import type { NodeType } from '../rules/node-types';
import type { Flow } from '../rules/rules-schema';
import { measureLongestState } from '../state/state-token';
import { describeSavers, type FlowVariables } from './flow-variables';
import type { Findings } from './lint-context';

/**
 * The bound on a call's sealed state (`dynamic_id`, 200 characters): at each node where a reply can leave
 * a call, the largest state it could carry there, from the variables that may be live there
 * ({@link FlowVariables.live}), each at its most bytes.
 */

/**
 * Where a reply can leave a call, and so where its state is sealed: the nodes it listens at, a lookup
 * waiting for a slow answer, and the ends (a goodbye, a transfer) whose next event still carries the
 * state. `say`, `branch` and `split` pass on within the reply.
 */
const SEALED_AT = {
  say: false,
  branch: false,
  split: false,
  menu: true,
  collect: true,
  transfer: true,
  parallelTransfer: true,
  hangup: true,
  lookup: true,
  // Both pass on within the reply, into the called flow or back to the calling one.
  subflow: false,
  return: false,
} as const satisfies Record<NodeType, boolean>;

/**
 * The caller's number as the longest state counts it, when the rules keep it: a Chinese mobile number in
 * E.164, the longest a call to a Chinese line carries.
 */
export const LONGEST_CALLER = '+8613800138000';

/**
 * The inputs of the longest state a call could seal at one node: the values it may hold there, each at
 * its most bytes (an ASCII character a byte: the JSON-escaped UTF-8 a value is bounded by, so no value of
 * that bound seals longer), and the caller's number when the rules keep it.
 */
export type LongestState = {
  readonly node: string;
  readonly caller: string;
  readonly vars: Readonly<Record<string, string>>;
};

/** The longest state of each node of a flow where a call's state is sealed, in document order. */
export function listLongestStates(
  compiled: CompiledRules,
  flow: Flow,
  variables: FlowVariables,
): LongestState[] {
  const caller = compiled.keepsCaller ? LONGEST_CALLER : '';
  const states: LongestState[] = [];
  for (const [node, { type }] of Object.entries(flow.nodes)) {
    const live = variables.live.get(node);
    if (live === undefined || !SEALED_AT[type]) continue;
    const vars = Object.fromEntries(
      [...live].sort().map((name) => [name, 'x'.repeat(variables.saved.get(name)?.maxBytes ?? 0)]),
    );
    states.push({ node, caller, vars });
  }
  return states;
}

/** The `dynamic_id` length of a longest state, with the lookup margin, `depth` subflows deep. */
export function measureStateChars(compiled: CompiledRules, state: LongestState, depth = 0): number {
  const { rules } = compiled;
  // A line that turns the classifier off marks its calls' states: a few characters more on each event.
  const flagged = [...(rules.lines ?? []), rules.defaultLine].some((line) => !lineAllowsClassifier(line));
  return measureLongestState(compiled.tag, state.caller, state.vars, depth, flagged);
}

/** A flow whose states are bounded: its variables (entry values included), at the deepest it runs. */
export type FlowStates = {
  readonly flowName: string;
  readonly flow: Flow;
  readonly variables: FlowVariables;
  /** How many subflows deep it can run (each level costs a few characters of the state). */
  readonly depth: number;
};

/**
 * Reports the node of a flow where a call could carry the most state, when that is more than fits in
 * `dynamic_id`, with the values that may be held there.
 */
export function lintStateSize(compiled: CompiledRules, states: FlowStates, findings: Findings): void {
  const { flowName, flow, variables, depth } = states;
  const over = listLongestStates(compiled, flow, variables)
    .map((state) => ({ state, chars: measureStateChars(compiled, state, depth) }))
    .filter(({ chars }) => chars > MAX_DYNAMIC_ID_CHARS);
  const worst = over.reduce<(typeof over)[number] | undefined>(
    (most, entry) => (most === undefined || entry.chars > most.chars ? entry : most),
    undefined,
  );
  if (worst === undefined) return;
  const held = Object.keys(worst.state.vars).map((name) => {
    const saved = variables.saved.get(name);
    const scope = saved?.once === true ? ', scope: once' : '';
    const savers = saved === undefined ? [] : describeSavers(saved, flowName);
    return `${name} (${saved?.maxBytes ?? 0} bytes${scope}, saved by ${savers.join(' or ')})`;
  });
  if (worst.state.caller !== '') held.push("the caller's number");
  const others = over.length - 1;
  findings.errors.push({
    path: `flows.${flowName}.nodes.${worst.state.node}`,
    message:
      `a call here${depth === 0 ? '' : ` (${depth} subflow${depth > 1 ? 's' : ''} deep)`} can carry about ${worst.chars} characters of state, over the ${MAX_DYNAMIC_ID_CHARS} that fit in ` +
      `dynamic_id, and would get the fallback${others > 0 ? ` (so can ${others} other node${others > 1 ? 's' : ''})` : ''}: ` +
      `it may hold ${held.join(', ')}; keep values only until they are read (scope: once), save fewer or ` +
      'smaller ones (maxBytes, maxDigits), or use shorter names',
  });
}
