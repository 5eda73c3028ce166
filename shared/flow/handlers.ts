import type { CompiledHandler } from '../rules/compile-rules';
import type { Handler, ListeningNode } from '../rules/rules-schema';
import type { CallFrame } from '../state/state-token';
import type { CallContext } from './call-context';
import { FlowError } from './decision';
import { matchIntents } from './match-intents';
import type { Here, Step } from './node-behaviour';
import { handlerHeard, intentExcluded } from './trace-phrases';

/**
 * Global handlers: what a caller may say (or press, at menus that take keys) at any listening node, heard
 * after the node's own keys and intents. The flow's handlers come first, then the document's; a node
 * hears all of them, none (`handlers: false`) or those it names.
 */

/** What the caller did, as a handler hears it: words (normalised), or one key at a menu. */
export type HandlerInput = { readonly words: string; readonly spokenKey?: string } | { readonly key: string };

/** The step of the first handler in force at this node that the input selects, or undefined. */
export function hearHandlers(
  ctx: CallContext,
  node: ListeningNode,
  here: Here,
  input: HandlerInput,
  /** Hears the name of each handler an exclude voided for these words. */
  voided?: (name: string) => void,
): Step | undefined {
  const heard = listHandlersHeard(ctx.compiled.handlers, node, here.flowName);
  if (heard.length === 0) return undefined;
  if ('key' in input) {
    const byKey = heard.find(({ handler }) => handler.keys?.includes(input.key) === true);
    return byKey === undefined ? undefined : take(ctx, here, byKey, `key ${input.key}`);
  }
  if (input.spokenKey !== undefined) {
    const { spokenKey } = input;
    const byKey = heard.find(({ handler }) => handler.keys?.includes(spokenKey) === true);
    if (byKey !== undefined) return take(ctx, here, byKey, `spoken key ${spokenKey}`);
  }
  const match = matchIntents(
    heard.map(({ matcher }) => matcher),
    input.words,
    (index, exclude) => {
      const name = heard[index]?.handler.name ?? String(index);
      voided?.(name);
      ctx.note(intentExcluded(name, exclude, 'handler'));
    },
  );
  const chosen = match === undefined ? undefined : heard[match.index];
  return match === undefined || chosen === undefined ? undefined : take(ctx, here, chosen, match.why);
}

/** The step of the handler named `name` heard at this node (a classifier's verdict), or undefined. */
export function takeHandlerNamed(
  ctx: CallContext,
  node: ListeningNode,
  here: Here,
  name: string,
  why: string,
): Step | undefined {
  const chosen = listHandlersHeard(ctx.compiled.handlers, node, here.flowName).find(
    ({ handler }) => handler.name === name,
  );
  return chosen === undefined ? undefined : take(ctx, here, chosen, why);
}

/**
 * The handlers a listening node of a flow hears, in the order they are tried: none with `handlers: false`,
 * those named in a list, else all in force in the flow (the linter asks here too).
 */
export function listHandlersHeard<T extends { readonly handler: Handler }>(
  handlers: ReadonlyMap<string, readonly T[]>,
  node: ListeningNode,
  flowName: string,
): readonly T[] {
  if (node.handlers === false) return [];
  const inForce = handlers.get(flowName) ?? [];
  const named = node.handlers;
  return Array.isArray(named) ? inForce.filter(({ handler }) => named.includes(handler.name)) : inForce;
}

/** Where a handler leads: a node, another flow, the node's prompt again, or the top flow's start. */
function take(ctx: CallContext, here: Here, chosen: CompiledHandler, why: string): Step {
  const { handler } = chosen;
  const { state } = here.at;
  ctx.facts.matched = `handler ${handler.name}`;
  ctx.outcome('matched');
  if (handler.do === 'repeat') {
    ctx.note(handlerHeard(handler.name, why, `repeat ${state.node}`));
    // The node's retry counts stand: "再说一遍" between wrong answers does not start them again.
    return { kind: 'goto', target: state.node, keepCounts: true };
  }
  const stack = state.stack ?? [];
  if (handler.do === 'restart') {
    const top = stack[0]?.flow ?? here.flowName;
    const start = startOf(ctx, top);
    ctx.note(handlerHeard(handler.name, why, `${top}/${start}`));
    return leaveTo(ctx, here, top, start, stack.length);
  }
  const { flow, goto } = handler;
  if (flow === undefined) {
    // The schema gives a handler without `do` or `flow` its `goto`.
    if (goto === undefined) throw new FlowError(`handler ${handler.name} leads nowhere`);
    ctx.note(handlerHeard(handler.name, why, goto));
    return { kind: 'goto', target: goto };
  }
  const target = goto ?? startOf(ctx, flow);
  ctx.note(handlerHeard(handler.name, why, `${flow}/${target}`));
  const top = stack[0]?.flow ?? here.flowName;
  // Every subflow is left, and the top flow too when the handler leads to another flow, which becomes
  // the call's top flow: its guards and its start (`restart`) are the call's from then on.
  return leaveTo(ctx, here, flow, target, flow === top ? stack.length : stack.length + 1);
}

/**
 * A move to `flow`/`target` that leaves the innermost `leaving` flows the call is in (the current one
 * first, then those it was called from): their own values are dropped and the stack is emptied.
 */
function leaveTo(ctx: CallContext, here: Here, flow: string, target: string, leaving: number): Step {
  const stack = here.at.state.stack ?? [];
  const chain = [...stack.map((frame: CallFrame) => frame.flow), here.flowName];
  const left = chain.slice(chain.length - leaving);
  const drop = left.flatMap((name) => ctx.compiled.dropsOnLeavingFlow.get(name) ?? []);
  return { kind: 'goto', target, flow, stack: [], ...(drop.length === 0 ? {} : { drop }) };
}

function startOf(ctx: CallContext, flowName: string): string {
  return ctx.flowNamed(flowName).start;
}
