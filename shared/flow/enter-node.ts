import type { PromptItem } from '../protocol/call-settings';
import type { Flow, FlowNode, ListeningNode, MenuNode, TransferNode } from '../rules/rules-schema';
import type { CallState } from '../state/state-token';
import type { CallContext } from './call-context';
import { FlowError } from './decision';
import { DEFAULT_GOODBYE, MAX_HOPS } from './flow-limits';
import { renderPrompt } from './render-prompt';
import { branchTaken, enteredNode } from './trace-phrases';

/** Where entering a node leads: what is played, and what the call does next. */
export type Outcome = {
  readonly nodeName: string;
  readonly items: PromptItem[];
  readonly step:
    | { readonly kind: 'listen'; readonly node: ListeningNode }
    | { readonly kind: 'transfer'; readonly number: string }
    | {
        readonly kind: 'parallel';
        readonly ccName: string;
        readonly monitor: boolean;
        readonly playfile: string | undefined;
      }
    | { readonly kind: 'end' };
};

/**
 * Enters `start` after `prefix` (a retry's wording, a recovery prompt), following `say` and `branch`
 * nodes within the reply, up to the node the call waits at, is transferred from, or ends at.
 */
export function enterNode(
  ctx: CallContext,
  flowName: string,
  flow: Flow,
  start: string,
  prefix: PromptItem[],
): Outcome {
  const items = [...prefix];
  let nodeName = start;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const node: FlowNode = getNode(flow, flowName, nodeName);
    ctx.note(enteredNode(nodeName, node.type));
    switch (node.type) {
      case 'say':
        items.push(...renderPrompt(node.say, ctx));
        nodeName = node.next;
        continue;
      case 'branch': {
        const index = node.branches.findIndex((branch) => ctx.holds(branch.when));
        nodeName = node.branches[index]?.goto ?? node.else;
        // The branch's path (`branches.0`), so that a trace tells branches with one target apart.
        ctx.note(branchTaken(index, nodeName));
        continue;
      }
      case 'menu':
      case 'collect':
        items.push(...renderPrompt(node.say, ctx));
        return { nodeName, items, step: { kind: 'listen', node } };
      case 'transfer': {
        if (node.say !== undefined) items.push(...renderPrompt(node.say, ctx));
        const number = chooseTransferTarget(ctx, node);
        if (number === undefined) {
          ctx.note('no transfer target → goodbye');
          items.push(...renderPrompt(flow.goodbye ?? DEFAULT_GOODBYE, ctx));
          return { nodeName, items, step: { kind: 'end' } };
        }
        return { nodeName, items, step: { kind: 'transfer', number } };
      }
      case 'parallelTransfer':
        return {
          nodeName,
          items,
          step: { kind: 'parallel', ccName: node.ccName, monitor: node.monitor, playfile: node.playfile },
        };
      case 'hangup':
        if (node.say !== undefined) items.push(...renderPrompt(node.say, ctx));
        return { nodeName, items, step: { kind: 'end' } };
    }
  }
  throw new FlowError(`flow ${flowName} passes more than ${MAX_HOPS} say or branch nodes from ${start}`);
}

/** The first transfer target whose condition holds (or that has none), else `to`. */
export function chooseTransferTarget(ctx: CallContext, node: TransferNode): string | undefined {
  const target = node.targets?.find((t) => t.when === undefined || ctx.holds(t.when));
  return target?.to ?? node.to;
}

export function getFlow(ctx: CallContext, name: string): Flow {
  const flow = ctx.compiled.rules.flows[name];
  if (flow === undefined) throw new FlowError(`no flow is named ${name}`);
  return flow;
}

export function getNode(flow: Flow, flowName: string, name: string): FlowNode {
  const node = Object.hasOwn(flow.nodes, name) ? flow.nodes[name] : undefined;
  if (node === undefined) throw new FlowError(`flow ${flowName} has no node ${name}`);
  return node;
}

/** A call's state as it enters `node` of `flow` for the first time. */
export function freshState(ctx: CallContext, flow: string, node: string): CallState {
  return {
    rulesTag: ctx.compiled.tag,
    flow,
    node,
    phase: 'listening',
    noInput: 0,
    noMatch: 0,
    turns: 0,
    startedAt: ctx.nowS,
    // Carried only when the rules read it later: every character of the state travels on every event.
    caller: ctx.compiled.keepsCaller ? ctx.caller : '',
    vars: ctx.vars,
  };
}

/** The node a menu key leads to; own keys only (`constructor` is not a key). */
export function findKey(node: MenuNode, key: string): string | undefined {
  return node.keys !== undefined && Object.hasOwn(node.keys, key) ? node.keys[key] : undefined;
}

/** Whether a listening node collects keys (and so needs a `dtmf` reply to hear them). */
export function takesKeys(node: ListeningNode): boolean {
  return node.type === 'collect' || (node.keys !== undefined && Object.keys(node.keys).length > 0);
}
