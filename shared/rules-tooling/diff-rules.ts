import { normalisePhoneNumber } from '../rules/phone-number';
import type { DefaultLine, Flow, FlowNode, Prompt, RetryPolicy, Rules } from '../rules/rules-schema';

/**
 * What changes for callers between two validated rules documents: which flow each number reaches, the
 * flows and their nodes, every prompt's words, the transfer numbers, and the other settings. Pure; the
 * CLI reads the documents (a local file, what is live in OSS) and prints the result.
 */

/** One difference: `key` names the thing (`dialled 95000`, `main/menu.say`); before or after is absent when it is new or gone. */
export type RulesChange = {
  readonly change: 'added' | 'removed' | 'changed';
  readonly key: string;
  readonly before?: string;
  readonly after?: string;
  /** For a changed flow or node: its fields that differ. */
  readonly fields?: readonly string[];
};

/** The sections of a diff, in the order they are printed. */
export const DIFF_SECTIONS = ['routes', 'flows', 'nodes', 'prompts', 'transfers', 'settings'] as const;
export type DiffSection = (typeof DIFF_SECTIONS)[number];

export type RulesDiff = {
  readonly version: { readonly before: string; readonly after: string };
  /** Whether the two documents are the same, field for field (key order aside). */
  readonly identical: boolean;
} & { readonly [S in DiffSection]: readonly RulesChange[] };

const SECTION_TITLES: Readonly<Record<DiffSection, string>> = {
  routes: 'routes (which flow a call gets)',
  flows: 'flows',
  nodes: 'nodes',
  prompts: 'prompts',
  transfers: 'transfer numbers',
  settings: 'other settings',
};

/** Top-level fields compared as a whole or, for maps of names, name by name. */
const SETTING_FIELDS = ['timezone', 'settings', 'noHolidayData', 'outbound'] as const;
const NAMED_SETTING_FIELDS = ['calendars', 'holidaySchedules'] as const;

/** Compares two documents: `before` is what callers get now (what is live), `after` what they would get. */
export function diffRules(before: Rules, after: Rules): RulesDiff {
  return {
    version: { before: before.version, after: after.version },
    identical: canonicalJson(before) === canonicalJson(after),
    routes: compareMaps(routesOf(before), routesOf(after)),
    flows: compareFlows(before.flows, after.flows),
    nodes: compareNodes(before.flows, after.flows),
    prompts: compareMaps(promptsOf(before), promptsOf(after)),
    transfers: compareMaps(transfersOf(before), transfersOf(after)),
    settings: compareMaps(settingsOf(before), settingsOf(after)),
  };
}

/** Whether anything a caller meets differs (a new `version` alone does not count). */
export function hasCallerChanges(diff: RulesDiff): boolean {
  return DIFF_SECTIONS.some((section) => diff[section].length > 0);
}

/** The diff as text for a terminal; `labels` name the two sides (`live`, `local`). */
export function formatRulesDiff(diff: RulesDiff, labels: { before: string; after: string }): string {
  const lines: string[] = [];
  const { before, after } = diff.version;
  lines.push(
    before === after
      ? `version: ${after} (both ${labels.before} and ${labels.after})`
      : `version: ${before} (${labels.before}) → ${after} (${labels.after})`,
  );
  if (diff.identical) return `${lines.join('\n')}\nno differences\n`;
  if (!hasCallerChanges(diff)) lines.push('no changes for callers (the documents differ only in form)');
  for (const section of DIFF_SECTIONS) {
    if (diff[section].length === 0) continue;
    lines.push(`${SECTION_TITLES[section]}:`);
    for (const entry of diff[section]) lines.push(...formatChange(section, entry));
  }
  return `${lines.join('\n')}\n`;
}

function formatChange(section: DiffSection, entry: RulesChange): string[] {
  const mark = entry.change === 'added' ? '+' : entry.change === 'removed' ? '-' : '~';
  if (section === 'flows' || section === 'nodes') {
    const type = entry.after ?? entry.before;
    const label = section === 'nodes' && type !== undefined ? `${entry.key} (${type})` : entry.key;
    const fields = entry.fields === undefined ? '' : `: ${entry.fields.join(', ')}`;
    return [`  ${mark} ${label}${fields}`];
  }
  if (section === 'prompts') {
    return [
      `  ${mark} ${entry.key}`,
      ...(entry.before === undefined ? [] : [`      - ${entry.before}`]),
      ...(entry.after === undefined ? [] : [`      + ${entry.after}`]),
    ];
  }
  if (entry.change === 'added') return [`  + ${entry.key}: ${entry.after}`];
  if (entry.change === 'removed') return [`  - ${entry.key}: ${entry.before}`];
  return [`  ~ ${entry.key}: ${entry.before} → ${entry.after}`];
}

/** Entries of two maps: added, removed, changed, in the order of `before` then the new keys. */
function compareMaps(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): RulesChange[] {
  const changes: RulesChange[] = [];
  for (const [key, value] of before) {
    const next = after.get(key);
    if (next === undefined) changes.push({ change: 'removed', key, before: value });
    else if (next !== value) changes.push({ change: 'changed', key, before: value, after: next });
  }
  for (const [key, value] of after)
    if (!before.has(key)) changes.push({ change: 'added', key, after: value });
  return changes;
}

/** The fields of two objects whose values differ. */
function differingFields(before: object, after: object, skip: readonly string[] = []): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter(
    (key) =>
      !skip.includes(key) &&
      canonicalJson((before as Record<string, unknown>)[key]) !==
        canonicalJson((after as Record<string, unknown>)[key]),
  );
}

function compareFlows(
  before: Readonly<Record<string, Flow>>,
  after: Readonly<Record<string, Flow>>,
): RulesChange[] {
  const changes: RulesChange[] = [];
  for (const [name, flow] of Object.entries(before)) {
    const next = after[name];
    if (next === undefined) {
      changes.push({ change: 'removed', key: name, before: describeFlow(flow) });
      continue;
    }
    const fields = differingFields(flow, next, ['nodes']);
    if (fields.length > 0)
      changes.push({
        change: 'changed',
        key: name,
        before: describeFlow(flow),
        after: describeFlow(next),
        fields,
      });
  }
  for (const [name, flow] of Object.entries(after))
    if (before[name] === undefined) changes.push({ change: 'added', key: name, after: describeFlow(flow) });
  return changes;
}

function describeFlow(flow: Flow): string {
  const count = Object.keys(flow.nodes).length;
  return `starts at ${flow.start}, ${count} ${count === 1 ? 'node' : 'nodes'}`;
}

/** Nodes added, removed or changed in flows both documents have (a new flow's nodes are new with it). */
function compareNodes(
  before: Readonly<Record<string, Flow>>,
  after: Readonly<Record<string, Flow>>,
): RulesChange[] {
  const changes: RulesChange[] = [];
  for (const [flowName, flow] of Object.entries(before)) {
    const next = after[flowName];
    if (next === undefined) continue;
    for (const [name, node] of Object.entries(flow.nodes)) {
      const key = `${flowName}/${name}`;
      const other = next.nodes[name];
      if (other === undefined) changes.push({ change: 'removed', key, before: node.type });
      else {
        const fields = differingFields(node, other);
        if (fields.length > 0)
          changes.push({ change: 'changed', key, before: node.type, after: other.type, fields });
      }
    }
    for (const [name, node] of Object.entries(next.nodes))
      if (flow.nodes[name] === undefined)
        changes.push({ change: 'added', key: `${flowName}/${name}`, after: node.type });
  }
  return changes;
}

/** Where each number goes: `dialled 95000` → `line service: flow main, after hours afterHours (calendar office)`. */
function routesOf(rules: Rules): Map<string, string> {
  const routes = new Map<string, string>();
  routes.set('default line', describeTarget('default line', rules.defaultLine));
  for (const line of rules.lines ?? []) {
    const target = describeTarget(`line ${line.name}`, line);
    const lists = [
      ['caller', line.callers],
      ['caller prefix', line.callerPrefixes],
      ['forwarded from', line.forwardedFrom],
      ['dialled', line.numbers],
    ] as const;
    for (const [kind, numbers] of lists)
      for (const number of numbers ?? []) {
        // As the compiler indexes them: every kind of number, prefixes too, by its normalised digits.
        const key = `${kind} ${normalisePhoneNumber(number)}`;
        // The first line listing a number takes its calls, as the compiler's indexes do.
        if (!routes.has(key)) routes.set(key, target);
      }
  }
  return routes;
}

function describeTarget(name: string, target: DefaultLine): string {
  const afterHours =
    target.calendar === undefined
      ? ''
      : `, after hours ${target.afterHoursFlow ?? '(the same flow)'} (calendar ${target.calendar})`;
  const settings = target.settings === undefined ? '' : `, settings ${canonicalJson(target.settings)}`;
  return `${name}: flow ${target.flow}${afterHours}${settings}`;
}

/** Every prompt's words, by where it is: `main/menu.say`, `main/menu.noInput.say`, `main.goodbye`, `recovery`. */
function promptsOf(rules: Rules): Map<string, string> {
  const prompts = new Map<string, string>();
  const add = (key: string, prompt: Prompt | undefined) => {
    if (prompt !== undefined) prompts.set(key, promptText(prompt));
  };
  const addRetries = (key: string, policy: RetryPolicy | undefined) => {
    if (policy?.say !== undefined) prompts.set(key, policy.say.map(promptText).join(' / '));
  };
  add('recovery', rules.recovery);
  add('fallback.say', rules.fallback?.say);
  for (const [flowName, flow] of Object.entries(rules.flows)) {
    add(`${flowName}.goodbye`, flow.goodbye);
    addRetries(`${flowName}.noInput.say`, flow.noInput);
    addRetries(`${flowName}.noMatch.say`, flow.noMatch);
    for (const [name, node] of Object.entries(flow.nodes)) {
      const key = `${flowName}/${name}`;
      if ('say' in node) add(`${key}.say`, node.say);
      if ('noInput' in node) addRetries(`${key}.noInput.say`, node.noInput);
      if ('noMatch' in node) addRetries(`${key}.noMatch.say`, node.noMatch);
    }
  }
  return prompts;
}

/** A prompt as one line: texts as written, `[audio CODE]` for an audio file, items joined by ` + `. */
function promptText(prompt: Prompt): string {
  const items = Array.isArray(prompt) ? prompt : [prompt];
  return items
    .map((item) => (typeof item === 'string' ? item : 'tts' in item ? item.tts : `[audio ${item.audio}]`))
    .join(' + ');
}

/** Every number a call can be handed to, by node: `main/agent` → `95555 when {…}; else 95556`. */
function transfersOf(rules: Rules): Map<string, string> {
  const transfers = new Map<string, string>();
  if (rules.fallback?.transferTo !== undefined) transfers.set('fallback', rules.fallback.transferTo);
  for (const [flowName, flow] of Object.entries(rules.flows))
    for (const [name, node] of Object.entries(flow.nodes)) {
      const described = describeTransfer(node);
      if (described !== undefined) transfers.set(`${flowName}/${name}`, described);
    }
  return transfers;
}

function describeTransfer(node: FlowNode): string | undefined {
  if (node.type === 'parallelTransfer') return `call centre ${node.ccName}`;
  if (node.type !== 'transfer') return undefined;
  const targets = (node.targets ?? []).map((target) =>
    target.when === undefined ? target.to : `${target.to} when ${canonicalJson(target.when)}`,
  );
  if (node.to !== undefined) targets.push(targets.length === 0 ? node.to : `else ${node.to}`);
  return targets.join('; ');
}

/** The other top-level settings, by name: `timezone`, `settings`, `calendars.office`, … */
function settingsOf(rules: Rules): Map<string, string> {
  const settings = new Map<string, string>();
  for (const field of SETTING_FIELDS)
    if (rules[field] !== undefined) settings.set(field, canonicalJson(rules[field]));
  for (const field of NAMED_SETTING_FIELDS)
    for (const [name, value] of Object.entries(rules[field] ?? {}))
      settings.set(`${field}.${name}`, canonicalJson(value));
  return settings;
}

/** JSON with object keys sorted, so that two documents written in another key order compare equal. */
function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, item: unknown) =>
      item !== null && typeof item === 'object' && !Array.isArray(item)
        ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : item,
    ) ?? 'undefined'
  );
}
