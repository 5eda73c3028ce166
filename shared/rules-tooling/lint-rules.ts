import { hasAnyOpenHours } from '../calendar/is-open';
import { SESSION_MARGIN_S } from '../flow/flow-limits';
import { type CallSettings, mergeSettings } from '../protocol/call-settings';
import { isClassifierOn } from '../rules/classifier-checks';
import { type CompiledRules, compileRules, type RulesIssue } from '../rules/compile-rules';
import { describeShortfall, findHolidayDataShortfalls } from '../rules/holiday-coverage';
import { conditionsOf, isListeningNode, promptsOf, RETRY_KINDS } from '../rules/node-types';
import type { Condition, RetryPolicy, Rules } from '../rules/rules-schema';
import { buildCallGraph } from './call-graph';
import { analyseRulesVariables, type FlowVariables, findUnsetVariable } from './flow-variables';
import type { Findings, FlowLint } from './lint-context';
import { buildFlowGraph, type FlowSurroundings, findSurroundings, lintGraph } from './lint-graph';
import { lintHandlers } from './lint-handlers';
import { lintFlowLookups, lintLookupUse } from './lint-lookups';
import { lintClassifierChoices, lintMenu } from './lint-menus';
import { lintDocumentPrompts, lintPrompt, type PromptScope } from './lint-prompts';
import { lintSplit } from './lint-splits';
import { lintStateSize } from './lint-state';
import { lintSubflows } from './lint-subflows';
import { RULES_DESCRIPTIONS } from './rules-descriptions';

/**
 * What `lintRules` found: errors (the document is refused, or a call would break or go nowhere) and
 * warnings (it works, but not as its author probably meant). `compiled` is there whenever the document
 * compiles, even with lint errors, so that tools can still draw it.
 */
export type LintRulesResult = {
  readonly errors: RulesIssue[];
  readonly warnings: RulesIssue[];
  readonly compiled?: CompiledRules;
};

/**
 * Checks a rules document (already parsed from JSON or YAML): first everything `compileRules` checks
 * (schema, unknown keys and names, duplicate numbers), then, when it compiles, the flow graphs and the
 * prompts: unreachable nodes and unused flows, dead ends, loops with no way out, input a node can never
 * hear, values read where no path has saved them, placeholders, settings the platform overrides,
 * characters TTS refuses, calendars that never open, splits that split nothing or keep a share under 1 %,
 * states that could outgrow `dynamic_id` (path by path, with `scope: once`), and lookups: unused, sending
 * values no path saved, sensitive values in urls; across flows, recursion and calls deeper than a call's
 * state holds, returns with no caller, values followed into subflows and back, and handlers heard where
 * they should not be or never. Every finding names the dotted path of what is wrong and says what to do.
 * Pure, and linear in the size of the document (keyword checks are quadratic only within one menu).
 */
export function lintRules(document: unknown, options: LintOptions = {}): LintRulesResult {
  const result = compileRules(document, RULES_DESCRIPTIONS);
  if (!result.ok) return { errors: [...result.issues], warnings: [] };
  const { rules } = result.compiled;
  const findings: Findings = { errors: [], warnings: [] };
  const graph = buildCallGraph(result.compiled);

  lintCalendars(rules, findings);
  if (options.todayIn !== undefined) lintHolidayData(result.compiled, options.todayIn, findings);
  lintSettings('settings', rules.settings, findings);
  lintSettings('defaultLine.settings', rules.defaultLine.settings, findings);
  for (const [i, line] of (rules.lines ?? []).entries())
    lintSettings(`lines.${i}.settings`, line.settings, findings);
  lintDocumentPrompts(rules, findings);
  lintLookupUse(rules, findings);
  lintClassifierGuard(rules, findings);
  lintSubflows(rules, graph, findings);
  lintHandlers(rules, graph, findings);
  const variablesOf = analyseRulesVariables(result.compiled, graph);
  const surroundings = findSurroundings(rules, graph);
  for (const [flowName, flow] of Object.entries(rules.flows)) {
    const variables = variablesOf.get(flowName) as FlowVariables;
    lintFlow(
      {
        rules,
        flowName,
        flow,
        base: `flows.${flowName}`,
        startedBy: graph.startedBy.get(flowName),
        surroundings: surroundings.get(flowName) as FlowSurroundings,
        entered: graph.entrances.has(flowName) || graph.calls.some((call) => call.calls === flowName),
      },
      variables,
      findings,
    );
    lintStateSize(
      result.compiled,
      { flowName, flow, variables, depth: graph.depth.get(flowName) ?? 0 },
      findings,
    );
  }
  return { errors: findings.errors, warnings: findings.warnings, compiled: result.compiled };
}

/** What a lint may depend on besides the document, passed in so that the linter stays pure. */
export type LintOptions = {
  /**
   * Today's date (`YYYY-MM-DD`) in a time zone, to judge holiday data from (each calendar in its own
   * zone); without it, no date-dependent check is made.
   */
  readonly todayIn?: (timezone: string) => string;
};

// --------------------------------------------------------------------------------------------------
// Calendars and settings
// --------------------------------------------------------------------------------------------------

function lintCalendars(rules: Rules, findings: Findings): void {
  const read = new Set<string>();
  for (const [name, calendar] of Object.entries(rules.calendars ?? {})) {
    const base = `calendars.${name}`;
    read.add(calendar.holidays);
    if (!hasAnyOpenHours(calendar)) {
      findings.errors.push({
        path: `${base}.weekly`,
        message:
          'this calendar is never open: no day has hours, so every call counts as after hours; ' +
          'give weekly hours such as workdays: ["09:00-18:00"]',
      });
    }
    if (calendar.holidays === 'none' && calendar.noHolidayData !== undefined) {
      findings.warnings.push({
        path: `${base}.noHolidayData`,
        message: 'this calendar has no holidays (holidays: none), so noHolidayData never applies; remove it',
      });
    }
  }
  for (const name of Object.keys(rules.holidaySchedules ?? {})) {
    if (read.has(name)) continue;
    findings.warnings.push({
      path: `holidaySchedules.${name}`,
      message:
        `no calendar reads this schedule: holidays: ${name} would (China's data is read from holidaySchedules.cn, ` +
        'in lower case)',
    });
  }
}

/**
 * Calendars whose holiday data runs out within `HOLIDAY_WARNING_DAYS` of `today` (a warning), or has
 * already (an error: calls are being judged by the `noHolidayData` policy).
 */
function lintHolidayData(
  compiled: CompiledRules,
  todayIn: (timezone: string) => string,
  findings: Findings,
): void {
  for (const shortfall of findHolidayDataShortfalls(compiled, todayIn)) {
    const finding = {
      path: `calendars.${shortfall.calendar}.holidays`,
      message: describeShortfall(shortfall),
    };
    (shortfall.inDays === 0 ? findings.errors : findings.warnings).push(finding);
  }
}

function lintSettings(path: string, settings: CallSettings | undefined, findings: Findings): void {
  if (settings?.bargeIn === false && settings.bargeInAfterMs !== undefined) {
    findings.warnings.push({
      path: `${path}.bargeInAfterMs`,
      message:
        'bargeInAfterMs has no effect where bargeIn is false (callers cannot interrupt); remove one of them',
    });
  }
}
// --------------------------------------------------------------------------------------------------
// Flows (the graph, menus and prompts have files of their own)
// --------------------------------------------------------------------------------------------------

function lintFlow(lint: FlowLint, variables: FlowVariables, findings: Findings): void {
  const { flow, flowName, base, startedBy, entered, rules } = lint;
  // A flow a subflow node calls, or a handler sends calls to, is used (its callers are linted themselves).
  if (startedBy === undefined && !entered) {
    // Without outbound.flows a SmartCall DynamicId may name any flow; with it, only those listed.
    findings.warnings.push({
      path: base,
      message:
        rules.outbound?.flows === undefined
          ? 'no line, defaultLine or outbound.defaultFlow starts this flow, so it is only reachable as a ' +
            'SmartCall DynamicId naming it; route a line to it, or list it in outbound.flows if that is intended'
          : 'no line, defaultLine or outbound entry starts this flow, and outbound.flows does not list it, so ' +
            'no call can reach it; route a line to it, list it in outbound.flows, or remove it',
    });
  }
  lintSettings(`${base}.settings`, flow.settings, findings);
  const session = mergeSettings(rules.settings, flow.settings).sessionTimeoutS;
  if (flow.maxCallS !== undefined && session !== undefined && flow.maxCallS >= session - SESSION_MARGIN_S) {
    findings.warnings.push({
      path: `${base}.maxCallS`,
      message:
        `calls are ended ${SESSION_MARGIN_S} s before sessionTimeoutS (${session} s), so maxCallS (${flow.maxCallS} s) ` +
        `never takes effect; keep maxCallS under ${session - SESSION_MARGIN_S} s, or raise sessionTimeoutS`,
    });
  }

  const hasCaller = startedBy?.inbound === true;
  const scope: PromptScope = { kind: 'flow', flowName, variables, node: undefined, hasCaller };
  if (flow.goodbye !== undefined) lintPrompt(`${base}.goodbye`, flow.goodbye, scope, findings);
  lintRetryPrompts(base, flow, scope, findings);

  for (const [nodeName, node] of Object.entries(flow.nodes)) {
    const path = `${base}.nodes.${nodeName}`;
    const at: PromptScope = { ...scope, node: nodeName };
    for (const { path: where, prompt } of promptsOf(node))
      lintPrompt(`${path}.${where}`, prompt, at, findings);
    if (isListeningNode(node)) lintRetryPrompts(path, node, at, findings);
    if (node.type === 'menu') lintMenu(path, node, findings);
    if (node.type === 'menu' && isClassifierOn(rules, flow, node))
      lintClassifierChoices(path, node, findings);
    if (node.type === 'split') lintSplit(path, node, findings);
    if (node.type === 'collect' && node.timeoutS !== undefined) {
      findings.warnings.push({
        path: `${path}.timeoutS`,
        message: `timeoutS is now keyTimeoutS, as on menus: write keyTimeoutS: ${node.timeoutS} instead (timeoutS is still read)`,
      });
    }
    for (const { path: where, condition } of conditionsOf(node))
      lintVariable(`${path}.${where}`, condition, variables, nodeName, findings);
    if (
      node.type === 'transfer' &&
      node.to === undefined &&
      node.targets?.every((target) => isConditional(target.when)) === true
    ) {
      findings.warnings.push({
        path: `${path}.targets`,
        message:
          'every target has a condition and there is no to, so when none holds the call has nowhere to go ' +
          'and ends with the goodbye; add to: the number to dial otherwise',
      });
    }
  }
  lintFlowLookups(rules, flow, { variables, hasCaller, base }, findings);
  lintGraph(lint, buildFlowGraph(flow, lint.surroundings), findings);
}

function lintRetryPrompts(
  base: string,
  owner: { noInput?: RetryPolicy | undefined; noMatch?: RetryPolicy | undefined },
  scope: PromptScope,
  findings: Findings,
): void {
  for (const kind of RETRY_KINDS) {
    for (const [i, prompt] of (owner[kind]?.say ?? []).entries())
      lintPrompt(`${base}.${kind}.say.${i}`, prompt, scope, findings);
  }
}

/** A condition with no field always holds. */
function isConditional(condition: Condition | undefined): boolean {
  return condition !== undefined && Object.values(condition).some((value) => value !== undefined);
}

function lintVariable(
  path: string,
  condition: Condition,
  variables: FlowVariables,
  node: string,
  findings: Findings,
): void {
  const unset = condition.var === undefined ? undefined : findUnsetVariable(variables, node, condition.var);
  if (unset === undefined) return;
  findings.errors.push({
    path: `${path}.var`,
    message: `${unset.reason}, so this condition never holds; ${unset.fix}`,
  });
}

/**
 * A classification is cut off at `waitMs`, so none takes longer: a latency limit at or over it can never
 * be passed, and the guard would never turn a slow provider off for being slow.
 */
function lintClassifierGuard(rules: Rules, findings: Findings): void {
  const { classifier } = rules;
  if (classifier === undefined || classifier.guard.latencyP95Ms < classifier.waitMs) return;
  findings.warnings.push({
    path: 'classifier.guard.latencyP95Ms',
    message:
      `a classification is cut off at waitMs (${classifier.waitMs} ms), so its p95 never passes ` +
      `latencyP95Ms (${classifier.guard.latencyP95Ms} ms) and the guard never turns a slow model off; ` +
      `set latencyP95Ms under waitMs, such as ${Math.max(100, Math.round(classifier.waitMs * 0.7))}`,
  });
}
