import type { Rules } from '../rules/rules-schema';
import { MAX_CALL_DEPTH } from '../state/state-token';
import type { CallGraph, SubflowCall } from './call-graph';
import { findCycles } from './find-cycles';
import type { Findings } from './lint-context';

/**
 * The checks of the call graph, flows calling flows: recursion, calls deeper than a call's state holds,
 * and `return` nodes with no caller to go back to (in a flow nothing calls, or one a call can start in).
 */
export function lintSubflows(rules: Rules, graph: CallGraph, findings: Findings): void {
  const cyclic = lintRecursion(rules, graph, findings);
  lintDepth(rules, graph, cyclic, findings);
  lintReturns(rules, graph, findings);
}

const callPath = (call: SubflowCall) => `flows.${call.flow}.nodes.${call.node}`;

/** Reports each cycle of subflow calls once; returns the flows in one. */
function lintRecursion(rules: Rules, graph: CallGraph, findings: Findings): Set<string> {
  const names = Object.keys(rules.flows);
  const position = new Map(names.map((name, i) => [name, i]));
  const callsFrom = names.map((name) => graph.calls.filter((call) => call.flow === name));
  const successors = callsFrom.map((calls) => calls.map((call) => position.get(call.calls) ?? -1));
  const cyclic = new Set<string>();
  for (const members of findCycles(names.length, (i) => successors[i] ?? [])) {
    const inCycle = new Set(members);
    for (const i of members) cyclic.add(names[i] as string);
    const cycle = findCycleFrom(members[0] as number, (i) =>
      (successors[i] ?? []).filter((j) => inCycle.has(j)),
    );
    const [first] = cycle;
    const second = cycle[1] ?? first;
    const call = callsFrom[first as number]?.find((candidate) => position.get(candidate.calls) === second);
    if (call === undefined) continue;
    const shown = [...cycle, first as number].map((i) => names[i]).join(' → ');
    const how =
      cycle.length === 1
        ? `this node calls flow ${call.calls}, the flow it is in`
        : `flow ${call.flow} calls flow ${call.calls}, which leads back to flow ${call.flow}`;
    findings.errors.push({
      path: callPath(call),
      message:
        `unbounded recursion: ${how} (${shown}), so each round runs one subflow deeper, and past ` +
        `${MAX_CALL_DEPTH} the call gets the fallback; end the called flow with return instead of calling ` +
        'a flow the call is already in',
    });
  }
  return cyclic;
}

/** A shortest cycle through `start`, as the nodes on it from `start` (breadth first). */
function findCycleFrom(start: number, successorsOf: (i: number) => readonly number[]): number[] {
  const parent = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const i = queue[head] as number;
    for (const next of successorsOf(i)) {
      if (next === start) {
        const path = [i];
        while (path[0] !== start) path.unshift(parent.get(path[0] as number) as number);
        return path;
      }
      if (parent.has(next)) continue;
      parent.set(next, i);
      queue.push(next);
    }
  }
  return [start];
}

/**
 * Reports each subflow node that, on some chain of calls from a flow nothing calls or a call can start
 * in, would run its flow deeper than {@link MAX_CALL_DEPTH} (the engine refuses it: the fallback).
 */
function lintDepth(rules: Rules, graph: CallGraph, cyclic: ReadonlySet<string>, findings: Findings): void {
  const called = new Set(graph.calls.map((call) => call.calls));
  const tops = Object.keys(rules.flows).filter((name) => !called.has(name) || graph.entrances.has(name));
  const reported = new Set<SubflowCall>();
  const walk = (chain: readonly string[]) => {
    const here = chain[chain.length - 1] as string;
    for (const call of graph.calls) {
      if (call.flow !== here || chain.includes(call.calls) || cyclic.has(call.calls)) continue;
      if (chain.length <= MAX_CALL_DEPTH) {
        walk([...chain, call.calls]);
        continue;
      }
      if (reported.has(call)) continue;
      reported.add(call);
      findings.errors.push({
        path: callPath(call),
        message:
          `a call in flow ${chain[0]} would run flow ${call.calls} here ${chain.length} subflows deep ` +
          `(${[...chain, call.calls].join(' → ')}), more than the ${MAX_CALL_DEPTH} a call's state holds, and ` +
          'would get the fallback; run fewer flows within each other, such as by doing this step in the ' +
          'calling flow',
      });
    }
  };
  for (const top of tops) walk([top]);
}

/** Reports a flow with return nodes that no subflow node calls, or that a call can start in. */
function lintReturns(rules: Rules, graph: CallGraph, findings: Findings): void {
  for (const [flowName, flow] of Object.entries(rules.flows)) {
    const returns = Object.entries(flow.nodes).filter(([, node]) => node.type === 'return');
    const [first] = returns;
    if (first === undefined) continue;
    const path = `flows.${flowName}.nodes.${first[0]}`;
    const others = returns.length > 1 ? ` (and its ${returns.length - 1} other return nodes)` : '';
    if (!graph.calls.some((call) => call.calls === flowName)) {
      findings.errors.push({
        path,
        message:
          `every return needs a caller, and no subflow node calls flow ${flowName}, so a call reaching this ` +
          `return${others} has nowhere to go back to and ends with the goodbye; call the flow from a subflow ` +
          `node (type: subflow, flow: ${flowName}), or end here with a hangup`,
      });
      continue;
    }
    const entrances = graph.entrances.get(flowName);
    if (entrances === undefined) continue;
    findings.errors.push({
      path,
      message:
        `a call can start in flow ${flowName} (by ${entrances.map((entrance) => entrance.how).join(', ')}), ` +
        `and there this return${others} has no caller to go back to and ends the call with the goodbye; ` +
        `start calls in a flow that calls ${flowName} from a subflow node instead`,
    });
  }
}
