import { createHash } from 'node:crypto';
import type { Calendar } from '../calendar/calendar-schema';
import { CHINA, CHINA_HOLIDAYS } from '../calendar/china-holidays';
import {
  findHolidayScheduleIssues,
  type HolidayTable,
  indexHolidaySchedule,
} from '../calendar/holiday-schedule';
import type { HolidaySources } from '../calendar/is-open';
import { type DocumentIssue, parseDocument } from '../schema/document-issues';
import type { FieldDescriptions } from '../schema/field-descriptions';
import { indexStateNames, type StateNames } from '../state/state-token';
import { normaliseSpeech } from '../text/normalise-speech';
import { findClassifierIssues } from './classifier-checks';
import { LazyMap } from './lazy-map';
import { findLookup, findLookupIssues } from './lookup-checks';
import {
  conditionsOf,
  isListeningNode,
  listVariablesRead,
  patternsOf,
  savesOf,
  targetsOf,
} from './node-types';
import { normalisePhoneNumber } from './phone-number';
import type { Flow, FlowNode, Handler, Line, Rules, SplitNode, SubflowNode } from './rules-schema';

/** A problem in a rules document, with where it is (`flows.hotline.nodes.menu.keys.1`). */
export type RulesIssue = DocumentIssue;

/** How a menu recognises one intent: normalised keywords, then compiled patterns, void on an exclude. */
export type IntentMatcher = {
  readonly keywords: readonly string[];
  readonly patterns: readonly RegExp[];
  readonly excludes: readonly string[];
};

/** A calendar of the rules with the holiday data it reads resolved. */
export type CompiledCalendar = {
  readonly calendar: Calendar;
  /** The zone its dates and hours are read in: its own, else the document's. */
  readonly timezone: string;
  /** Undefined for `holidays: none`. */
  readonly holidays: HolidaySources | undefined;
};

/** Rules checked and indexed for the per-call decision, which must never scan lines or nodes. */
export type CompiledRules = {
  readonly rules: Rules;
  /**
   * Short tag of the whole document, kept in each call's state: states carry node positions, so a
   * document edited without a new `version` must still count as another version.
   */
  readonly tag: string;
  /** Whether anything after routing reads the caller's number, so that states carry it only then. */
  readonly keepsCaller: boolean;
  /** Lines by normalised number: dialled (`callee`), forwarding (`orgcallee`), caller, caller prefix. */
  readonly lineByNumber: ReadonlyMap<string, Line>;
  readonly lineByForwarded: ReadonlyMap<string, Line>;
  readonly lineByCaller: ReadonlyMap<string, Line>;
  readonly lineByCallerPrefix: ReadonlyMap<string, Line>;
  /** The longest caller prefix listed, so a lookup tries at most that many prefixes. */
  readonly longestCallerPrefix: number;
  /** Intent matchers of each menu node, by `flow/node`. */
  readonly intents: ReadonlyMap<string, readonly IntentMatcher[]>;
  /** Every regular expression of the document (collect and condition patterns), compiled once. */
  readonly patterns: ReadonlyMap<string, RegExp>;
  /** Flow and node positions, which call states carry instead of names. */
  readonly names: StateNames;
  /** Every calendar, by name, with its holiday data. */
  readonly calendars: ReadonlyMap<string, CompiledCalendar>;
  /** The `once` variables each node reads, by `flow/node`: dropped as the call leaves the node. */
  readonly dropsOnLeave: ReadonlyMap<string, readonly string[]>;
  /**
   * The values kept `once` (every node of the document that saves it says `scope: once`, and no DynamicId
   * carries it): dropped as the call leaves the first node that reads it, in whichever flow.
   */
  readonly onceValues: ReadonlySet<string>;
  /** The handlers heard in each flow, by flow name: the flow's own, then the document's it does not replace. */
  readonly handlers: ReadonlyMap<string, readonly CompiledHandler[]>;
  /** The values each flow saves for itself alone (not `scope: call`): dropped when the call leaves the flow. */
  readonly dropsOnLeavingFlow: ReadonlyMap<string, readonly string[]>;
};

/** A handler with its matcher. */
export type CompiledHandler = { readonly handler: Handler; readonly matcher: IntentMatcher };

export type CompileRulesResult =
  | { readonly ok: true; readonly compiled: CompiledRules }
  | { readonly ok: false; readonly issues: readonly RulesIssue[] };

/**
 * Validates a rules document (already parsed from JSON or YAML) against {@link RulesSchema}, checks that
 * every name it refers to exists and that its lookups keep a fixed https origin and their templates where
 * values are encoded ({@link findLookupIssues}), and builds the indexes the engine uses. Never throws. `descriptions`
 * (the rules' reference, which tools pass and the function bundles leave out) lets a missing key say
 * what it is for.
 */
export function compileRules(input: unknown, descriptions?: FieldDescriptions): CompileRulesResult {
  // Required here, not imported: a function whose rules need no validation (the embedded default, a
  // checked document) never builds the schema's hundreds of objects; the bundle runs it on first use.
  const { RulesSchema } = require('./rules-schema') as typeof import('./rules-schema');
  const parsed = parseDocument(RulesSchema, input, descriptions);
  if (!parsed.ok) return parsed;
  return compileValidatedRules(parsed.output);
}

/**
 * {@link compileRules} for a document already in the schema's output form: the embedded default, which a
 * test validates, so that a cold start does not (about 7 ms of CPU, measured by `npm run bench`).
 * `checked` says that `rules compile` found the document whole, its names, lookups and classifier
 * included, under this schema version (see checked-rules.ts): those checks are not run again. `json`,
 * when given, is the document's JSON as `JSON.stringify` wrote it (the text a holding mark covers), in
 * parts, which the tag is taken from instead of serialising the document again.
 */
export function compileValidatedRules(
  rules: Rules,
  checked = false,
  json?: readonly string[],
): CompileRulesResult {
  const issues: RulesIssue[] = checked
    ? []
    : [...findMissingReferences(rules), ...findLookupIssues(rules), ...findClassifierIssues(rules)];

  const lineByNumber = new Map<string, Line>();
  const lineByForwarded = new Map<string, Line>();
  const lineByCaller = new Map<string, Line>();
  const lineByCallerPrefix = new Map<string, Line>();
  const index = (
    map: Map<string, Line>,
    line: Line,
    numbers: readonly string[] | undefined,
    path: string,
  ) => {
    for (const number of numbers ?? []) {
      const key = normalisePhoneNumber(number);
      const other = map.get(key);
      if (other === undefined) map.set(key, line);
      else issues.push({ path, message: `${number} is already taken by line ${other.name}` });
    }
  };
  for (const [i, line] of (rules.lines ?? []).entries()) {
    index(lineByNumber, line, line.numbers, `lines.${i}.numbers`);
    index(lineByForwarded, line, line.forwardedFrom, `lines.${i}.forwardedFrom`);
    index(lineByCaller, line, line.callers, `lines.${i}.callers`);
    index(lineByCallerPrefix, line, line.callerPrefixes, `lines.${i}.callerPrefixes`);
  }
  if (issues.length > 0) return { ok: false, issues };
  const calendars = compileCalendars(rules);

  // The indexes of flows and nodes are built as calls first need them (see LazyMap): a cold instance's
  // first callin touches its line's first flow only.
  const patterns = new LazyMap<RegExp>(
    (source) => (listPatternSources(rules).has(source) ? new RegExp(source, 'u') : undefined),
    () => listPatternSources(rules),
  );
  const compilePattern = (source: string) => patterns.get(source) ?? new RegExp(source, 'u');
  const intents = new LazyMap<readonly IntentMatcher[]>(
    (key) => {
      const node = nodeAt(rules, key);
      return node?.type === 'menu' && node.intents !== undefined
        ? node.intents.map((intent) => compileIntent(intent, compilePattern))
        : undefined;
    },
    () => listNodeKeys(rules),
  );
  const handlers = compileHandlers(rules, compilePattern);
  const onceValues = findOnceValues(rules);
  const dropsOnLeave = new LazyMap<readonly string[]>(
    (key) => findDropsOnLeave(rules, onceValues, key),
    () => listNodeKeys(rules),
  );
  const dropsOnLeavingFlow = new LazyMap<readonly string[]>(
    (flowName) => findDropsOnLeavingFlow(rules, flowName),
    () => Object.keys(rules.flows),
  );
  const serialised = json ?? [JSON.stringify(rules)];
  const longestCallerPrefix = Math.max(0, ...[...lineByCallerPrefix.keys()].map((k) => k.length));
  return {
    ok: true,
    compiled: {
      rules,
      tag: tagText(...serialised),
      keepsCaller: serialised.some((part) => READS_CALLER.test(part)),
      lineByNumber,
      lineByForwarded,
      lineByCaller,
      lineByCallerPrefix,
      longestCallerPrefix,
      intents,
      patterns,
      names: indexStateNames(rules.flows),
      calendars,
      dropsOnLeave,
      onceValues,
      handlers,
      dropsOnLeavingFlow,
    },
  };
}

/**
 * What in a document's JSON reads the caller's number after routing: `{{caller.last4}}` in a prompt,
 * `{{caller}}` in a lookup (which may be sent again on a later event). None spans two parts of the JSON,
 * the last of which is a closing brace.
 */
const READS_CALLER = /"callerIn"|"callerPrefix"|\{\{\s*caller(?![A-Za-z0-9_])/;

/** The node a `flow/node` key names, if the document has it. */
function nodeAt(rules: Rules, key: string): FlowNode | undefined {
  const slash = key.indexOf('/');
  const flowName = key.slice(0, slash);
  const nodeName = key.slice(slash + 1);
  if (slash < 0 || !Object.hasOwn(rules.flows, flowName)) return undefined;
  const nodes = rules.flows[flowName]?.nodes ?? {};
  return Object.hasOwn(nodes, nodeName) ? nodes[nodeName] : undefined;
}

/** Every node of the document as `flow/node`, in the document's order. */
function* listNodeKeys(rules: Rules): Generator<string> {
  for (const [flowName, flow] of Object.entries(rules.flows))
    for (const nodeName of Object.keys(flow.nodes)) yield `${flowName}/${nodeName}`;
}

/** Each document's regular expressions, listed once: its nodes' conditions and patterns, and its handlers'. */
const patternSources = new WeakMap<Rules, ReadonlySet<string>>();

function listPatternSources(rules: Rules): ReadonlySet<string> {
  const known = patternSources.get(rules);
  if (known !== undefined) return known;
  const sources = new Set<string>();
  const handlerLists = [rules.handlers ?? []];
  for (const flow of Object.values(rules.flows)) {
    handlerLists.push(flow.handlers ?? []);
    for (const node of Object.values(flow.nodes)) {
      for (const { condition } of conditionsOf(node))
        if (condition.matches !== undefined) sources.add(condition.matches);
      for (const source of patternsOf(node)) sources.add(source);
    }
  }
  for (const handler of handlerLists.flat()) for (const source of handler.patterns ?? []) sources.add(source);
  patternSources.set(rules, sources);
  return sources;
}

/**
 * The values a call may enter `flowName` with: those a sealed DynamicId may carry (`outbound.vars`), in a
 * flow a DynamicId may name (any flow while `outbound.flows` is unset). They are kept for the flow.
 */
export function listEntryVariables(
  rules: Rules,
  flowName: string,
): NonNullable<NonNullable<Rules['outbound']>['vars']> {
  const outbound = rules.outbound;
  if (outbound?.vars === undefined) return {};
  const named =
    outbound.flows === undefined || outbound.flows.includes(flowName) || outbound.defaultFlow === flowName;
  return named ? outbound.vars : {};
}

/**
 * The values kept `once`: every node of the document that saves one says `scope: once`, and no DynamicId
 * can carry it (`outbound.vars`). Judged over the whole document, so that a subflow reading its caller's
 * `once` value drops it as the caller would.
 */
function findOnceValues(rules: Rules): Set<string> {
  const scopes = new Map<string, boolean>(
    Object.keys(rules.outbound?.vars ?? {}).map((name) => [name, false]),
  );
  for (const flow of Object.values(rules.flows)) {
    for (const node of Object.values(flow.nodes)) {
      for (const saved of savesOf(node))
        scopes.set(saved.name, (scopes.get(saved.name) ?? true) && saved.scope === 'once');
    }
  }
  return new Set([...scopes].filter(([, isOnce]) => isOnce).map(([name]) => name));
}

/**
 * Where a `once` variable is dropped: as the call leaves any node that reads it (as the linter reads it,
 * `listVariablesRead`, so that its state-size bound holds), in any flow. The values node `key`
 * (`flow/node`) drops, or undefined when it drops none.
 */
function findDropsOnLeave(rules: Rules, once: ReadonlySet<string>, key: string): string[] | undefined {
  if (once.size === 0) return undefined;
  const node = nodeAt(rules, key);
  const flow = rules.flows[key.slice(0, key.indexOf('/'))];
  if (node === undefined || flow === undefined) return undefined;
  const dropped = [...listVariablesRead(node, flow, rules.lookups)].filter((name) => once.has(name));
  return dropped.length > 0 ? dropped : undefined;
}

/** The handlers in force in each flow: its own in order, then the document's whose names it does not reuse. */
function compileHandlers(
  rules: Rules,
  compilePattern: (source: string) => RegExp,
): LazyMap<readonly CompiledHandler[]> {
  // Each handler compiled once, however many flows it is in force in.
  const compiled = new Map<Handler, CompiledHandler>();
  const compile = (handler: Handler): CompiledHandler => {
    const known = compiled.get(handler) ?? { handler, matcher: compileIntent(handler, compilePattern) };
    compiled.set(handler, known);
    return known;
  };
  return new LazyMap(
    (flowName) => {
      if (!Object.hasOwn(rules.flows, flowName)) return undefined;
      const inForce = listHandlersInForce(rules, flowName).map(compile);
      return inForce.length > 0 ? inForce : undefined;
    },
    () => Object.keys(rules.flows),
  );
}

/** The handlers in force in a flow: its own in order, then the document's whose names it does not reuse. */
export function listHandlersInForce(rules: Rules, flowName: string): Handler[] {
  const own = rules.flows[flowName]?.handlers ?? [];
  const names = new Set(own.map((handler) => handler.name));
  return [...own, ...(rules.handlers ?? []).filter((handler) => !names.has(handler.name))];
}

/**
 * The values flow `flowName` saves with no `scope: call` anywhere in it: its own, dropped when it is left;
 * undefined when there are none.
 */
function findDropsOnLeavingFlow(rules: Rules, flowName: string): string[] | undefined {
  const flow = Object.hasOwn(rules.flows, flowName) ? rules.flows[flowName] : undefined;
  const kept = new Map<string, boolean>();
  for (const node of Object.values(flow?.nodes ?? {})) {
    for (const saved of savesOf(node))
      kept.set(saved.name, (kept.get(saved.name) ?? false) || saved.scope === 'call');
  }
  const own = [...kept].filter(([, forCall]) => !forCall).map(([name]) => name);
  return own.length > 0 ? own : undefined;
}

/** Resolves each calendar's holiday sources (names already checked by {@link findMissingReferences}). */
function compileCalendars(rules: Rules): Map<string, CompiledCalendar> {
  const schedules = new Map<string, HolidayTable>();
  const scheduleOf = (name: string) => {
    const schedule = rules.holidaySchedules?.[name];
    if (schedule === undefined) return undefined;
    let table = schedules.get(name);
    if (table === undefined) {
      table = indexHolidaySchedule(schedule);
      schedules.set(name, table);
    }
    return table;
  };
  const calendars = new Map<string, CompiledCalendar>();
  for (const [name, calendar] of Object.entries(rules.calendars ?? {})) {
    const noHolidayData = calendar.noHolidayData ?? rules.noHolidayData;
    const holidays: HolidaySources | undefined =
      calendar.holidays === 'none'
        ? undefined
        : {
            packaged: calendar.holidays === CHINA ? CHINA_HOLIDAYS : undefined,
            document: scheduleOf(calendar.holidays),
            noHolidayData,
          };
    calendars.set(name, { calendar, timezone: calendar.timezone ?? rules.timezone, holidays });
  }
  return calendars;
}

function* findMissingReferences(rules: Rules): Generator<RulesIssue> {
  const flowRef = (path: string, name: string | undefined) =>
    name === undefined || Object.hasOwn(rules.flows, name)
      ? []
      : [{ path, message: `no flow is named ${name}` }];
  const calendarRef = (path: string, name: string | undefined) =>
    name === undefined || Object.hasOwn(rules.calendars ?? {}, name)
      ? []
      : [{ path, message: `no calendar is named ${name}` }];
  const lineRefs = function* (path: string, line: Omit<Line, 'name'>) {
    yield* flowRef(`${path}.flow`, line.flow);
    yield* flowRef(`${path}.afterHoursFlow`, line.afterHoursFlow);
    yield* calendarRef(`${path}.calendar`, line.calendar);
    if (line.calendar !== undefined && line.afterHoursFlow === undefined) {
      yield {
        path: `${path}.afterHoursFlow`,
        message: 'a line with a calendar needs afterHoursFlow for when it is closed',
      };
    }
    if (line.afterHoursFlow !== undefined && line.calendar === undefined) {
      yield {
        path: `${path}.calendar`,
        message: 'afterHoursFlow needs a calendar that says when the line is closed',
      };
    }
  };
  for (const [name, schedule] of Object.entries(rules.holidaySchedules ?? {})) {
    if (name === 'none') {
      yield {
        path: 'holidaySchedules.none',
        message: 'holidays: none means no holidays; give this schedule another name',
      };
    }
    yield* findHolidayScheduleIssues(schedule, `holidaySchedules.${name}`);
  }
  const policyRef = (path: string, policy: Rules['noHolidayData'] | undefined) =>
    typeof policy === 'object' ? flowRef(`${path}.flow`, policy.flow) : [];
  yield* policyRef('noHolidayData', rules.noHolidayData);
  for (const [name, calendar] of Object.entries(rules.calendars ?? {})) {
    const path = `calendars.${name}`;
    const { holidays } = calendar;
    if (holidays !== 'none' && holidays !== CHINA && !Object.hasOwn(rules.holidaySchedules ?? {}, holidays)) {
      yield {
        path: `${path}.holidays`,
        message: `no holiday schedule is named ${holidays}; write "cn", "none" or a name under holidaySchedules`,
      };
    }
    yield* policyRef(`${path}.noHolidayData`, calendar.noHolidayData);
  }
  yield* lineRefs('defaultLine', rules.defaultLine);
  for (const [index, line] of (rules.lines ?? []).entries()) yield* lineRefs(`lines.${index}`, line);
  yield* flowRef('outbound.defaultFlow', rules.outbound?.defaultFlow);
  for (const [index, name] of (rules.outbound?.flows ?? []).entries())
    yield* flowRef(`outbound.flows.${index}`, name);
  yield* calendarRef('outbound.calendar', rules.outbound?.calendar);
  yield* findHandlerIssues(rules);
  for (const [flowName, flow] of Object.entries(rules.flows)) {
    yield* findMissingNodes(`flows.${flowName}`, flow);
    for (const [nodeName, node] of Object.entries(flow.nodes)) {
      if (node.type === 'subflow')
        yield* findSubflowIssues(rules, `flows.${flowName}.nodes.${nodeName}`, node);
      if (node.type === 'lookup' && findLookup(rules.lookups, node.use) === undefined) {
        yield {
          path: `flows.${flowName}.nodes.${nodeName}.use`,
          message: describeMissingLookup(rules, node.use),
        };
      }
      if (node.type === 'split') yield* findDuplicateSplitNames(`flows.${flowName}.nodes.${nodeName}`, node);
      for (const { path: where, condition } of conditionsOf(node)) {
        const path = `flows.${flowName}.nodes.${nodeName}.${where}`;
        yield* calendarRef(`${path}.open`, condition.open);
        yield* calendarRef(`${path}.closed`, condition.closed);
      }
    }
  }
}

/**
 * A handler's targets exist (a document's `goto` names its flow: its flows have different nodes), names
 * are unique where they are defined, and a node's `handlers` list names handlers heard in its flow.
 */
function* findHandlerIssues(rules: Rules): Generator<RulesIssue> {
  const checkList = function* (base: string, list: readonly Handler[], ownFlow: string | undefined) {
    const seen = new Set<string>();
    for (const [index, handler] of list.entries()) {
      const path = `${base}.${index}`;
      if (seen.has(handler.name))
        yield { path: `${path}.name`, message: `another handler here is named ${handler.name}` };
      seen.add(handler.name);
      if (handler.flow !== undefined && !Object.hasOwn(rules.flows, handler.flow)) {
        yield { path: `${path}.flow`, message: `no flow is named ${handler.flow}` };
        continue;
      }
      if (handler.goto === undefined) continue;
      const flowName = handler.flow ?? ownFlow;
      if (flowName === undefined) {
        yield {
          path: `${path}.goto`,
          message: `a document's handler is heard in every flow, whose nodes differ: name the flow of ${handler.goto} (flow: main)`,
        };
        continue;
      }
      if (!Object.hasOwn(rules.flows[flowName]?.nodes ?? {}, handler.goto))
        yield { path: `${path}.goto`, message: `flow ${flowName} has no node ${handler.goto}` };
    }
  };
  yield* checkList('handlers', rules.handlers ?? [], undefined);
  for (const [flowName, flow] of Object.entries(rules.flows)) {
    yield* checkList(`flows.${flowName}.handlers`, flow.handlers ?? [], flowName);
    const heard = new Set(
      [...(flow.handlers ?? []), ...(rules.handlers ?? [])].map((handler) => handler.name),
    );
    for (const [nodeName, node] of Object.entries(flow.nodes)) {
      if (!isListeningNode(node) || !Array.isArray(node.handlers)) continue;
      for (const [index, name] of node.handlers.entries()) {
        if (heard.has(name)) continue;
        yield {
          path: `flows.${flowName}.nodes.${nodeName}.handlers.${index}`,
          message:
            heard.size === 0
              ? `no handler is named ${name}: neither the document nor flow ${flowName} has handlers`
              : `no handler is named ${name}: write one of ${[...heard].join(', ')}`,
        };
      }
    }
  }
}

/** A subflow node calls a flow that exists, and has an exit for every `exit` its flow's returns name. */
function* findSubflowIssues(rules: Rules, path: string, node: SubflowNode): Generator<RulesIssue> {
  const called = Object.hasOwn(rules.flows, node.flow) ? rules.flows[node.flow] : undefined;
  if (called === undefined) {
    yield { path: `${path}.flow`, message: `no flow is named ${node.flow}` };
    return;
  }
  for (const [returnName, spec] of Object.entries(called.nodes)) {
    if (spec.type !== 'return' || spec.exit === undefined || Object.hasOwn(node.exits ?? {}, spec.exit))
      continue;
    yield {
      path: `${path}.exits`,
      message: `flow ${node.flow} returns with exit ${spec.exit} (node ${returnName}): say where it goes on here (exits: {${spec.exit}: NODE})`,
    };
  }
}

/** A split's branch names must differ: the trace and coverage tell branches apart by them. */
function* findDuplicateSplitNames(path: string, node: SplitNode): Generator<RulesIssue> {
  const seen = new Map<string, number>();
  for (const [i, branch] of node.branches.entries()) {
    if (branch.name === undefined) continue;
    const first = seen.get(branch.name);
    if (first === undefined) seen.set(branch.name, i);
    else
      yield {
        path: `${path}.branches.${i}.name`,
        message: `branches.${first} is named ${branch.name} already: give each branch of a split its own name`,
      };
  }
}

function describeMissingLookup(rules: Rules, name: string): string {
  const names = Object.keys(rules.lookups ?? {});
  return names.length === 0
    ? `no lookup is named ${name}: describe it under lookups (its url, method, query) and name it there`
    : `no lookup is named ${name}: write one of ${names.join(', ')}, or add ${name} under lookups`;
}

function* findMissingNodes(base: string, flow: Flow): Generator<RulesIssue> {
  const nodeRef = (path: string, name: string | undefined) =>
    name === undefined || Object.hasOwn(flow.nodes, name)
      ? []
      : [{ path, message: `no node is named ${name}` }];
  yield* nodeRef(`${base}.start`, flow.start);
  yield* nodeRef(`${base}.noInput.escalateTo`, flow.noInput?.escalateTo);
  yield* nodeRef(`${base}.noMatch.escalateTo`, flow.noMatch?.escalateTo);
  for (const [nodeName, node] of Object.entries(flow.nodes)) {
    for (const { path, target } of targetsOf(node))
      yield* nodeRef(`${base}.nodes.${nodeName}.${path}`, target);
  }
}

/** An intent's matcher: keywords and excludes normalised as speech is, patterns compiled once. */
function compileIntent(
  intent: Pick<Handler, 'keywords' | 'patterns' | 'excludes'>,
  compilePattern: (source: string) => RegExp,
): IntentMatcher {
  const phrases = (list: readonly string[] | undefined) =>
    (list ?? []).map(normaliseSpeech).filter((k) => k !== '');
  return {
    keywords: phrases(intent.keywords),
    patterns: (intent.patterns ?? []).map(compilePattern),
    excludes: phrases(intent.excludes),
  };
}

/**
 * The first 32 bits of a text's SHA-256 in base 36, 7 characters (every one counts in a sealed state;
 * always 7, so that the linter's bound on a state does not move with the text): a tag that changes
 * whenever the text does. Hashed by node:crypto (loaded already for the
 * sealed state) rather than in JavaScript, which cost a cold start about 2 ms for the bank example. The
 * text may come in parts, hashed as if joined.
 */
export function tagText(...text: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of text) hash.update(part);
  return hash.digest().readUInt32BE(0).toString(36).padStart(7, '0');
}
