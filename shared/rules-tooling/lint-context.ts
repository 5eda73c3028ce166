import type { RulesIssue } from '../rules/compile-rules';
import type { Flow, Rules } from '../rules/rules-schema';
import type { FlowSurroundings } from './lint-graph';

/** What the linter's checks add to: errors refuse the document, warnings are listed apart. */
export type Findings = { readonly errors: RulesIssue[]; readonly warnings: RulesIssue[] };

/** How a flow can start: from a line (inbound), from `outbound.defaultFlow` or `outbound.flows`, or both. */
export type FlowStarts = { inbound: boolean; outbound: boolean };

/** One flow being linted, with where it sits in the document. */
export type FlowLint = {
  readonly rules: Rules;
  readonly flowName: string;
  readonly flow: Flow;
  /** `flows.NAME` */
  readonly base: string;
  /** How calls reach the flow: started in it, or through the flows that call it or send calls to it. */
  readonly startedBy: FlowStarts | undefined;
  /** A line, outbound, a handler's `flow` or a subflow node leads calls into the flow. */
  readonly entered: boolean;
  /** How the other flows touch this one's graph: handlers heard here and sent here, subflows it calls. */
  readonly surroundings: FlowSurroundings;
};
