import { measureStateBytes } from '../state/state-token';
import type { Rules } from './rules-schema';

/**
 * What an outbound call's `DynamicId` may start, read from the rules: the engine obeys it, and
 * `npx vms-callflow outbound-id --rules` refuses to seal what the engine would not obey.
 */

/** Whether a DynamicId may start `flow`: one of the rules, and listed by `outbound.flows` when it is given. */
export function mayStartOutbound(rules: Rules, flow: string): boolean {
  const { outbound, flows } = rules;
  const allowed =
    outbound?.flows === undefined || outbound.flows.includes(flow) || outbound.defaultFlow === flow;
  return Object.hasOwn(flows, flow) && allowed;
}

/**
 * Why a value a sealed DynamicId carries does not enter the call: its name is not declared under
 * `outbound.vars`, or it is over its `maxBytes`; undefined when it enters.
 */
export function refuseOutboundValue(rules: Rules, name: string, value: string): string | undefined {
  const declared = rules.outbound?.vars ?? {};
  const bound = Object.hasOwn(declared, name) ? declared[name] : undefined;
  if (bound === undefined) return `${name} is not declared in outbound.vars`;
  if (measureStateBytes(value) > bound.maxBytes) return `${name} is over its ${bound.maxBytes} bytes`;
  return undefined;
}
