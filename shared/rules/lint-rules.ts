import { hasAnyOpenHours } from '../calendar/is-open';
import { MAX_HOPS, mergeSettings, SESSION_MARGIN_S } from '../flow/decide-next-action';
import { normaliseSpeech } from '../flow/normalise-speech';
import { PROMPT_PLACEHOLDER } from '../flow/render-prompt';
import type { CallSettings } from '../protocol/reply';
import { hasForbiddenTtsCharacter } from '../protocol/tts-text';
import { type CompiledRules, compileRules, type RulesIssue, targetsOf } from './compile-rules';
import { describeShortfall, findHolidayDataShortfalls } from './holiday-coverage';
import type { Condition, Flow, FlowNode, ListeningNode, Prompt, RetryPolicy, Rules } from './rules-schema';

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
 * hear, variables never collected, placeholders, settings the platform overrides, characters TTS refuses,
 * calendars that never open. Every finding names the dotted path of what is wrong and says what to do.
 * Pure, and linear in the size of the document (keyword checks are quadratic only within one menu).
 */
export function lintRules(document: unknown, options: LintOptions = {}): LintRulesResult {
  const result = compileRules(document);
  if (!result.ok) return { errors: [...result.issues], warnings: [] };
  const { rules } = result.compiled;
  const findings: Findings = { errors: [], warnings: [] };
  const startedBy = findFlowStarts(rules);

  lintCalendars(rules, findings);
  if (options.today !== undefined) lintHolidayData(result.compiled, options.today, findings);
  lintSettings('settings', rules.settings, findings);
  lintSettings('defaultLine.settings', rules.defaultLine.settings, findings);
  for (const [i, line] of (rules.lines ?? []).entries())
    lintSettings(`lines.${i}.settings`, line.settings, findings);
  lintDocumentPrompts(rules, findings);
  for (const [flowName, flow] of Object.entries(rules.flows)) {
    lintFlow(
      { rules, flowName, flow, base: `flows.${flowName}`, startedBy: startedBy.get(flowName) },
      findings,
    );
    lintStateSize(result.compiled, flowName, flow, findings);
  }
  return { errors: findings.errors, warnings: findings.warnings, compiled: result.compiled };
}

/** What a lint may depend on besides the document, passed in so that the linter stays pure. */
export type LintOptions = {
  /**
   * The date (`YYYY-MM-DD`) to judge holiday data from, as each calendar's local date; without it, no
   * date-dependent check is made.
   */
  readonly today?: string;
};

type Findings = { readonly errors: RulesIssue[]; readonly warnings: RulesIssue[] };

/** How a flow can start: from a line (inbound), from `outbound.defaultFlow` or `outbound.flows`, or both. */
type FlowStarts = { inbound: boolean; outbound: boolean };

function findFlowStarts(rules: Rules): Map<string, FlowStarts> {
  const starts = new Map<string, FlowStarts>();
  const mark = (name: string | undefined, how: keyof FlowStarts) => {
    if (name === undefined) return;
    const entry = starts.get(name) ?? { inbound: false, outbound: false };
    entry[how] = true;
    starts.set(name, entry);
  };
  for (const line of [rules.defaultLine, ...(rules.lines ?? [])]) {
    mark(line.flow, 'inbound');
    mark(line.afterHoursFlow, 'inbound');
  }
  // A calendar's noHolidayData flow is where its lines send calls on dates no holiday data covers.
  for (const policy of [
    rules.noHolidayData,
    ...Object.values(rules.calendars ?? {}).map((c) => c.noHolidayData),
  ]) {
    if (typeof policy === 'object') mark(policy.flow, 'inbound');
  }
  mark(rules.outbound?.defaultFlow, 'outbound');
  for (const name of rules.outbound?.flows ?? []) mark(name, 'outbound');
  return starts;
}

// --------------------------------------------------------------------------------------------------
// Calendars and settings
// --------------------------------------------------------------------------------------------------

function lintCalendars(rules: Rules, findings: Findings): void {
  for (const [name, calendar] of Object.entries(rules.calendars ?? {})) {
    const base = `calendars.${name}`;
    if (!hasAnyOpenHours(calendar)) {
      findings.errors.push({
        path: `${base}.weekly`,
        message:
          'this calendar is never open: no day has hours, so every call counts as after hours; ' +
          'give weekly hours such as workdays: ["09:00-18:00"]',
      });
    }
  }
}

/**
 * Calendars whose holiday data runs out within `HOLIDAY_WARNING_DAYS` of `today` (a warning), or has
 * already (an error: calls are being judged by the `noHolidayData` policy).
 */
function lintHolidayData(compiled: CompiledRules, today: string, findings: Findings): void {
  for (const shortfall of findHolidayDataShortfalls(compiled, () => today)) {
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
// Prompts
// --------------------------------------------------------------------------------------------------

/** Where a prompt is spoken, which decides the placeholders that have a value there. */
type PromptScope =
  /** In a flow: its collected variables, and whether calls in it have a caller number. */
  | {
      readonly kind: 'flow';
      readonly flowName: string;
      readonly saved: ReadonlyMap<string, SavedVariable>;
      readonly hasCaller: boolean;
    }
  /** `recovery`: said when a call's state is lost, so nothing collected and no caller number. */
  | { readonly kind: 'recovery' }
  /** `fallback.say`: spoken as written, when anything fails inside (placeholders are never filled in). */
  | { readonly kind: 'fallback' };

type SavedVariable = { readonly sensitive: boolean };

const VARIABLE_PLACEHOLDER = /^vars\.([A-Za-z][A-Za-z0-9_-]{0,31})$/;
const PLACEHOLDER_HELP = 'use {{caller.last4}}, {{vars.NAME}}, {{vars.NAME|digits}} or {{timeOfDay}}';

function lintDocumentPrompts(rules: Rules, findings: Findings): void {
  if (rules.recovery !== undefined) lintPrompt('recovery', rules.recovery, { kind: 'recovery' }, findings);
  if (rules.fallback !== undefined)
    lintPrompt('fallback.say', rules.fallback.say, { kind: 'fallback' }, findings);
}

/** Every TTS text of a prompt, with its path: `say`, `say.1`, `say.1.tts`. */
function* listTexts(path: string, prompt: Prompt): Generator<{ path: string; text: string }> {
  const items = Array.isArray(prompt)
    ? prompt.map((item, i) => ({ item, path: `${path}.${i}` }))
    : [{ item: prompt, path }];
  for (const { item, path: itemPath } of items) {
    if (typeof item === 'string') yield { path: itemPath, text: item };
    else if ('tts' in item) yield { path: `${itemPath}.tts`, text: item.tts };
  }
}

function lintPrompt(path: string, prompt: Prompt, scope: PromptScope, findings: Findings): void {
  for (const { path: textPath, text } of listTexts(path, prompt)) {
    lintPlaceholders(textPath, text, scope, findings);
    // Placeholders are filled in before the text is cleaned, so their braces are not what TTS sees.
    const spoken = text.replace(PROMPT_PLACEHOLDER, '');
    if (hasForbiddenTtsCharacter(spoken)) {
      const characters = [...new Set(spoken)]
        .filter(hasForbiddenTtsCharacter)
        .map((ch) => `\`${ch}\``)
        .join(' ');
      findings.warnings.push({
        path: textPath,
        message:
          `the platform forbids ${characters} in TTS text; they will be replaced ("*" reads as 星, ":" as "：") ` +
          'or removed before sending; write what should be heard instead',
      });
    }
  }
}

function lintPlaceholders(path: string, text: string, scope: PromptScope, findings: Findings): void {
  if (!text.includes('{{')) return;
  for (const match of text.matchAll(PROMPT_PLACEHOLDER)) {
    const expression = match[1] ?? '';
    const [name = '', filter, ...rest] = expression.split('|');
    const variable = VARIABLE_PLACEHOLDER.exec(name)?.[1];
    const known = variable !== undefined || name === 'caller.last4' || name === 'timeOfDay';
    if (!known || (filter !== undefined && filter !== 'digits') || rest.length > 0) {
      findings.errors.push({ path, message: `{{${expression}}} is not a placeholder; ${PLACEHOLDER_HELP}` });
      continue;
    }
    if (scope.kind === 'fallback') {
      findings.errors.push({
        path,
        message: `the fallback is spoken as written, so {{${expression}}} would be read out literally; remove it`,
      });
    } else if (scope.kind === 'recovery') {
      if (variable !== undefined) {
        findings.errors.push({
          path,
          message: `the recovery prompt is said when a call's state is lost, so {{${expression}}} has no value; remove it`,
        });
      } else if (name === 'caller.last4') {
        findings.warnings.push({
          path,
          message: `the recovery prompt is said without the caller's number, so {{${expression}}} reads as nothing`,
        });
      }
    } else if (variable !== undefined) {
      const saved = scope.saved.get(variable);
      if (saved === undefined) {
        findings.errors.push({
          path,
          message:
            `no collect node in flow ${scope.flowName} saves ${variable} (saveAs), so {{${expression}}} ` +
            'always reads as nothing; collect it first or fix the name',
        });
      } else if (saved.sensitive) {
        findings.warnings.push({
          path,
          message:
            `${variable} is collected as sensitive, and this prompt reads it back aloud on the call; ` +
            'read back only part of it (or nothing), or drop sensitive if it is not secret',
        });
      }
    } else if (name === 'caller.last4' && !scope.hasCaller) {
      findings.warnings.push({
        path,
        message:
          `flow ${scope.flowName} is started only by outbound calls, which carry no caller number here, ` +
          `so {{${expression}}} reads as nothing; remove it`,
      });
    }
  }
  // `{{…}}` that the renderer does not recognise (spaces inside a name, other characters) is spoken as is.
  for (const match of text.replace(PROMPT_PLACEHOLDER, '').matchAll(/\{\{([^{}]*)\}\}/g)) {
    findings.errors.push({
      path,
      message: `{{${match[1] ?? ''}}} is not a placeholder; ${PLACEHOLDER_HELP}`,
    });
  }
}

// --------------------------------------------------------------------------------------------------
// Flows
// --------------------------------------------------------------------------------------------------

type FlowLint = {
  readonly rules: Rules;
  readonly flowName: string;
  readonly flow: Flow;
  /** `flows.NAME` */
  readonly base: string;
  readonly startedBy: FlowStarts | undefined;
};

/** A flow's nodes by position (document order), with the edges a call can take between them. */
type FlowGraph = {
  readonly names: readonly string[];
  readonly nodes: readonly FlowNode[];
  readonly successors: readonly (readonly number[])[];
  /** Whether a call can end at the node: hang up, transfer, or have its retries end with the goodbye. */
  readonly ends: readonly boolean[];
};

function lintFlow(lint: FlowLint, findings: Findings): void {
  const { flow, flowName, base, startedBy, rules } = lint;
  if (startedBy === undefined) {
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

  const saved = new Map<string, SavedVariable>();
  for (const node of Object.values(flow.nodes)) {
    if (node.type !== 'collect') continue;
    saved.set(node.saveAs, {
      sensitive: node.sensitive === true || saved.get(node.saveAs)?.sensitive === true,
    });
  }
  const scope: PromptScope = { kind: 'flow', flowName, saved, hasCaller: startedBy?.inbound === true };
  if (flow.goodbye !== undefined) lintPrompt(`${base}.goodbye`, flow.goodbye, scope, findings);
  lintRetryPrompts(base, flow, scope, findings);

  for (const [nodeName, node] of Object.entries(flow.nodes)) {
    const path = `${base}.nodes.${nodeName}`;
    if ('say' in node && node.say !== undefined) lintPrompt(`${path}.say`, node.say, scope, findings);
    switch (node.type) {
      case 'menu':
        lintRetryPrompts(path, node, scope, findings);
        lintMenu(path, node, findings);
        break;
      case 'collect':
        lintRetryPrompts(path, node, scope, findings);
        break;
      case 'branch':
        for (const [i, branch] of node.branches.entries())
          lintVariable(`${path}.branches.${i}.when`, branch.when, flowName, saved, findings);
        break;
      case 'transfer':
        for (const [i, target] of (node.targets ?? []).entries())
          if (target.when !== undefined)
            lintVariable(`${path}.targets.${i}.when`, target.when, flowName, saved, findings);
        if (node.to === undefined && node.targets?.every((target) => isConditional(target.when)) === true) {
          findings.warnings.push({
            path: `${path}.targets`,
            message:
              'every target has a condition and there is no to, so when none holds the call has nowhere to go ' +
              'and ends with the goodbye; add to: the number to dial otherwise',
          });
        }
        break;
      case 'say':
      case 'parallelTransfer':
      case 'hangup':
        break;
    }
  }
  lintGraph(lint, buildFlowGraph(flow), findings);
}

function lintRetryPrompts(
  base: string,
  owner: { noInput?: RetryPolicy | undefined; noMatch?: RetryPolicy | undefined },
  scope: PromptScope,
  findings: Findings,
): void {
  for (const kind of ['noInput', 'noMatch'] as const) {
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
  flowName: string,
  saved: ReadonlyMap<string, SavedVariable>,
  findings: Findings,
): void {
  if (condition.var === undefined || saved.has(condition.var)) return;
  findings.errors.push({
    path: `${path}.var`,
    message:
      `no collect node in flow ${flowName} saves ${condition.var} (saveAs), so this condition never holds; ` +
      'collect it first or fix the name',
  });
}

// --------------------------------------------------------------------------------------------------
// Menus: input a node can never hear
// --------------------------------------------------------------------------------------------------

function lintMenu(path: string, node: Extract<FlowNode, { type: 'menu' }>, findings: Findings): void {
  const hasKeys = Object.keys(node.keys ?? {}).length > 0;
  if (!hasKeys && (node.intents ?? []).length === 0) {
    findings.errors.push({
      path,
      message:
        'this menu has no keys and no intents, so nothing a caller says or presses leads anywhere and every ' +
        'call fails out of it through its retries; add keys or intents, or make it a say node',
    });
  }
  if (!hasKeys && node.keyTimeoutS !== undefined) {
    findings.warnings.push({
      path: `${path}.keyTimeoutS`,
      message:
        'this menu has no keys, so it never waits for one and keyTimeoutS has no effect; add keys or remove it',
    });
  }
  const earlier: { keyword: string; intent: string; goto: string }[] = [];
  for (const [i, intent] of (node.intents ?? []).entries()) {
    const mine: typeof earlier = [];
    for (const [j, keyword] of (intent.keywords ?? []).entries()) {
      const keywordPath = `${path}.intents.${i}.keywords.${j}`;
      const normalised = normaliseSpeech(keyword);
      if (normalised === '') {
        findings.warnings.push({
          path: keywordPath,
          message: `"${keyword}" is only punctuation or spaces, which speech normalisation removes, so it never matches; remove it`,
        });
        continue;
      }
      // Intents are tried in order and a keyword matches anywhere in the words, so an earlier keyword
      // inside this one always wins first. Shadowing by an intent going to the same node changes nothing.
      const shadow = earlier.find((e) => e.goto !== intent.goto && normalised.includes(e.keyword));
      if (shadow !== undefined) {
        findings.warnings.push({
          path: keywordPath,
          message:
            `"${keyword}" contains "${shadow.keyword}" of intent ${shadow.intent}, which is tried first, so this ` +
            `keyword never leads to ${intent.goto}; move this intent before intent ${shadow.intent} or change the keyword`,
        });
      }
      mine.push({ keyword: normalised, intent: intent.name ?? String(i), goto: intent.goto });
    }
    for (const [j, pattern] of (intent.patterns ?? []).entries()) {
      const unheard = findUnheardLiterals(pattern);
      if (unheard.length === 0) continue;
      findings.warnings.push({
        path: `${path}.intents.${i}.patterns.${j}`,
        message:
          `this pattern is tried on normalised words (lower case, half width, no punctuation or spaces, 一→1), ` +
          `which never contain ${unheard.map((ch) => `"${ch}"`).join(', ')}; ` +
          `write ${unheard.map((ch) => describeNormalised(ch)).join(', ')} instead`,
      });
    }
    earlier.push(...mine);
  }
}

function describeNormalised(ch: string): string {
  const normalised = normaliseSpeech(ch);
  return normalised === '' ? `nothing for "${ch}"` : `"${normalised}" for "${ch}"`;
}

/**
 * The literal characters of a regular expression that normalised speech never contains (upper case,
 * full width, Chinese numerals, punctuation and spaces). Escapes such as `\d` or `\p{L}` and the regular
 * expression's own syntax are skipped; an escaped punctuation mark (`\?`) is a literal and is checked.
 */
function findUnheardLiterals(source: string): string[] {
  const found = new Set<string>();
  const check = (ch: string) => {
    if (normaliseSpeech(ch) !== ch) found.add(ch);
  };
  const chars = [...source];
  let inClass = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    if (ch === '\\') {
      const next = chars[i + 1] ?? '';
      if (/[pPk]/.test(next) && /[{<]/.test(chars[i + 2] ?? '')) {
        const close = chars[i + 2] === '{' ? '}' : '>';
        while (i < chars.length && chars[i] !== close) i++;
      } else if (next === 'u' && chars[i + 2] === '{') {
        while (i < chars.length && chars[i] !== '}') i++;
      } else if (/[A-Za-z0-9]/.test(next)) {
        // \d \w \s \b, \n, \uXXXX, \xXX, \cX, back references: their arguments are hex or letters, not heard.
        i += next === 'u' ? 5 : next === 'x' ? 3 : next === 'c' ? 2 : 1;
      } else {
        check(next);
        i++;
      }
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      else if (ch !== '-' && !(ch === '^' && chars[i - 1] === '[')) check(ch);
      continue;
    }
    if (ch === '[') inClass = true;
    else if (ch === '(' && chars[i + 1] === '?') {
      // (?: (?= (?! (?<= (?<! (?<name>
      i++;
      if (chars[i + 1] === '<' && chars[i + 2] !== '=' && chars[i + 2] !== '!') {
        while (i < chars.length && chars[i] !== '>') i++;
      } else {
        while (/[:=!<]/.test(chars[i + 1] ?? '')) i++;
      }
    } else if (ch === '{') {
      // With the `u` flag a brace is always a quantifier, `{2}` or `{2,5}`.
      while (i < chars.length && chars[i] !== '}') i++;
    } else if (!'^$.|?*+()]}'.includes(ch)) check(ch);
  }
  return [...found];
}

// --------------------------------------------------------------------------------------------------
// The graph: reachability, loops, ways out
// --------------------------------------------------------------------------------------------------

/** The retry policy a listening node follows: its own, else the flow's; undefined means the default. */
function effectivePolicy(
  node: ListeningNode,
  flow: Flow,
  kind: 'noInput' | 'noMatch',
): RetryPolicy | undefined {
  return node[kind] ?? flow[kind];
}

function buildFlowGraph(flow: Flow): FlowGraph {
  const names = Object.keys(flow.nodes);
  const position = new Map(names.map((name, i) => [name, i]));
  const nodes = names.map((name) => flow.nodes[name] as FlowNode);
  const successors: number[][] = [];
  const ends: boolean[] = [];
  for (const node of nodes) {
    const targets = targetsOf(node).map((edge) => edge.target);
    let ending = node.type === 'hangup' || node.type === 'transfer' || node.type === 'parallelTransfer';
    if (node.type === 'menu' || node.type === 'collect') {
      for (const kind of ['noInput', 'noMatch'] as const) {
        const policy = effectivePolicy(node, flow, kind);
        // Without escalateTo (the default policies have none) used-up retries end with the goodbye.
        if (policy?.escalateTo === undefined) ending = true;
        else if (node[kind] === undefined) targets.push(policy.escalateTo);
      }
    }
    // compileRules has checked every target exists.
    successors.push([...new Set(targets.map((target) => position.get(target) ?? -1))].filter((i) => i >= 0));
    ends.push(ending);
  }
  return { names, nodes, successors, ends };
}

function lintGraph(lint: FlowLint, graph: FlowGraph, findings: Findings): void {
  const { base, flow } = lint;
  const { names, nodes, successors, ends } = graph;
  const count = names.length;
  const nodePath = (i: number) => `${base}.nodes.${names[i]}`;

  const reachable = new Array<boolean>(count).fill(false);
  const startIndex = names.indexOf(flow.start);
  const queue = startIndex < 0 ? [] : [startIndex];
  if (startIndex >= 0) reachable[startIndex] = true;
  for (let head = 0; head < queue.length; head++) {
    for (const next of successors[queue[head] as number] ?? []) {
      if (reachable[next] === true) continue;
      reachable[next] = true;
      queue.push(next);
    }
  }
  for (let i = 0; i < count; i++) {
    if (reachable[i] === true) continue;
    findings.warnings.push({
      path: nodePath(i),
      message: `no path from the flow's start (${flow.start}) leads to this node; link it from another node or remove it`,
    });
  }

  // say and branch nodes are followed within one reply: a cycle of them never waits for the caller.
  const chains = (i: number) => nodes[i]?.type === 'say' || nodes[i]?.type === 'branch';
  const chainLoops = findCycles(count, (i) => (chains(i) ? (successors[i] ?? []).filter(chains) : []));
  for (const loop of chainLoops) {
    findings.errors.push({
      path: nodePath(loop[0] as number),
      message:
        `say and branch nodes ${listNames(loop, names)} lead into each other: the engine follows them in one ` +
        'reply without waiting for the caller, so a call that enters this loop gets the fallback; ' +
        'put a menu or collect node in the loop, or lead out of it',
    });
  }
  lintChainLengths(graph, chains, new Set(chainLoops.flat()), nodePath, findings);

  // Which nodes can still reach an ending, walking the edges backwards from every ending.
  const predecessors: number[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < count; i++) for (const next of successors[i] ?? []) predecessors[next]?.push(i);
  const canEnd = [...ends];
  const pending = ends.flatMap((ending, i) => (ending ? [i] : []));
  for (let head = 0; head < pending.length; head++) {
    for (const previous of predecessors[pending[head] as number] ?? []) {
      if (canEnd[previous] === true) continue;
      canEnd[previous] = true;
      pending.push(previous);
    }
  }
  // The nodes that cannot end are closed under successors; report the loops they all lead into.
  const trapped = (i: number) => canEnd[i] !== true;
  const chainLoopNodes = new Set(chainLoops.flat());
  for (const loop of findCycles(count, (i) => (trapped(i) ? (successors[i] ?? []) : []), true)) {
    if (loop.every((i) => chainLoopNodes.has(i))) continue;
    findings.errors.push({
      path: nodePath(loop[0] as number),
      message:
        `no way out: from ${listNames(loop, names)} a call only moves among these nodes and never reaches a ` +
        "hangup, a transfer or the flow's goodbye (only maxTurns would end it); lead a key, intent or " +
        'retry policy out to an ending, or give a retry policy no escalateTo so that it ends with the goodbye',
    });
  }
}

/**
 * The most say and branch nodes the engine passes in one reply (its `MAX_HOPS` counts the node that stops
 * the chain too): a longer chain fails at run time as surely as a loop.
 */
const MAX_CHAINED_NODES = MAX_HOPS - 1;

/** Reports where a chain of say and branch nodes longer than the engine follows begins. */
function lintChainLengths(
  graph: FlowGraph,
  chains: (i: number) => boolean,
  inLoop: ReadonlySet<number>,
  nodePath: (i: number) => string,
  findings: Findings,
): void {
  const { successors } = graph;
  const next = (i: number) => (successors[i] ?? []).filter((j) => chains(j) && !inLoop.has(j));
  // Longest chain from each node, loops excluded (they are reported already), by iterative post-order.
  const length = new Map<number, number>();
  const entered = new Set<number>();
  for (let root = 0; root < successors.length; root++) {
    if (!chains(root) || inLoop.has(root) || length.has(root)) continue;
    const stack = [root];
    while (stack.length > 0) {
      const i = stack[stack.length - 1] as number;
      if (!entered.has(i)) {
        entered.add(i);
        for (const j of next(i)) if (!length.has(j)) stack.push(j);
        continue;
      }
      stack.pop();
      if (!length.has(i)) length.set(i, 1 + Math.max(0, ...next(i).map((j) => length.get(j) ?? 0)));
    }
  }
  const hasChainedPredecessor = new Set<number>();
  for (const i of length.keys()) for (const j of next(i)) hasChainedPredecessor.add(j);
  for (const [i, longest] of [...length].sort(([a], [b]) => a - b)) {
    if (longest <= MAX_CHAINED_NODES || hasChainedPredecessor.has(i)) continue;
    findings.errors.push({
      path: nodePath(i),
      message:
        `from here a call can pass ${longest} say and branch nodes in a row, and the engine follows at most ` +
        `${MAX_CHAINED_NODES} in one reply (a longer chain gets the fallback); put a menu or collect node in ` +
        'between, or merge some say nodes into one prompt',
    });
  }
}

function listNames(members: readonly number[], names: readonly string[]): string {
  const shown = members.slice(0, 5).map((i) => names[i] ?? '');
  return members.length > 5 ? `${shown.join(', ')} and ${members.length - 5} more` : shown.join(', ');
}

/**
 * The cycles of a graph: its strongly connected components with more than one node, or one node with an
 * edge to itself, each sorted by position and listed by their first node. With `terminalOnly`, only the
 * components with no edge leaving them. Iterative Tarjan, linear in nodes and edges.
 */
function findCycles(
  count: number,
  successorsOf: (i: number) => readonly number[],
  terminalOnly = false,
): number[][] {
  const index = new Array<number>(count).fill(-1);
  const low = new Array<number>(count).fill(0);
  const component = new Array<number>(count).fill(-1);
  const onStack = new Array<boolean>(count).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < count; root++) {
    if (index[root] !== -1) continue;
    const work: { node: number; edge: number }[] = [{ node: root, edge: 0 }];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: number; edge: number };
      const edges = successorsOf(frame.node);
      if (frame.edge < edges.length) {
        const next = edges[frame.edge++] as number;
        if (index[next] === -1) {
          index[next] = low[next] = counter++;
          stack.push(next);
          onStack[next] = true;
          work.push({ node: next, edge: 0 });
        } else if (onStack[next] === true) {
          low[frame.node] = Math.min(low[frame.node] as number, index[next] as number);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined)
        low[parent.node] = Math.min(low[parent.node] as number, low[frame.node] as number);
      if (low[frame.node] !== index[frame.node]) continue;
      const members: number[] = [];
      let member: number;
      do {
        member = stack.pop() as number;
        onStack[member] = false;
        component[member] = components.length;
        members.push(member);
      } while (member !== frame.node);
      components.push(members.sort((a, b) => a - b));
    }
  }
  return components
    .filter((members, id) => {
      const first = members[0] as number;
      const cyclic = members.length > 1 || successorsOf(first).includes(first);
      if (!cyclic || !terminalOnly) return cyclic;
      return members.every((m) => successorsOf(m).every((next) => component[next] === id));
    })
    .sort((a, b) => (a[0] as number) - (b[0] as number));
}

/** The longest `dynamic_id` the reply schema lets out; a longer state gets the call the fallback. */
const MAX_STATE_CHARS = 200;

/**
 * Reports a flow whose calls could carry more state than fits in `dynamic_id`: every value its collect
 * nodes save travels, sealed, on every event (12-byte IV and tag, base64url), with the caller's number
 * when the rules read it later. Estimated for the largest counters and positions.
 */
function lintStateSize(compiled: CompiledRules, flowName: string, flow: Flow, findings: Findings): void {
  const vars = new Map<string, number>();
  for (const node of Object.values(flow.nodes)) {
    if (node.type === 'collect') vars.set(node.saveAs, Math.max(vars.get(node.saveAs) ?? 0, node.maxDigits));
  }
  const values = [...vars].map(([name, digits]) => `"${name}":"${'9'.repeat(digits)}"`).join(',');
  const caller = compiled.keepsCaller ? '+8613800138000' : '';
  const payload = `["${compiled.tag}",999,999,4,9,9,500,1800000000,"${caller}",{${values}}]`;
  const chars = 2 + Math.ceil(((Buffer.byteLength(payload) + 24) * 4) / 3);
  if (chars <= MAX_STATE_CHARS) return;
  findings.errors.push({
    path: `flows.${flowName}`,
    message:
      `a call in this flow can carry about ${chars} characters of state, over the ${MAX_STATE_CHARS} that fit in ` +
      'dynamic_id, and would get the fallback; collect fewer or shorter values (maxDigits), or use shorter saveAs names',
  });
}
