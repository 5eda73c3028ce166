import type { CompiledRules } from '../rules/compile-rules';
import {
  describeRetryKind,
  findRetryPolicy,
  isListeningNode,
  RETRY_KINDS,
  targetsOf,
} from '../rules/node-types';
import type { Condition, DefaultLine, Flow, FlowNode, Line, Prompt } from '../rules/rules-schema';

/** Which part of the rules to draw: by default every line and flow. */
export type DrawRulesOptions = {
  /** Draw only this flow and the lines that start it. */
  readonly flow?: string | undefined;
};

/** Characters of a prompt excerpt shown in a node: enough to recognise it, short enough to lay out. */
const EXCERPT_CHARS = 24;

/**
 * The rules as a Mermaid `flowchart TD`: each line (with how many numbers it takes, never the numbers)
 * leading to the start of its flow, and each flow as a subgraph of its nodes, shaped by type and labelled
 * with their name and the start of their prompt. Edges carry keys, intents, branch conditions and
 * escalations; dotted edges are what happens when the caller is silent or not understood, and a subflow
 * node's call of its flow (`calls`); a note in each flow lists the handlers in force there. The output
 * depends only on the rules, so it can be committed and diffed. Throws for a `flow` the rules lack.
 */
export function drawRules(compiled: CompiledRules, options: DrawRulesOptions = {}): string {
  const { rules } = compiled;
  const flowNames = Object.keys(rules.flows);
  if (options.flow !== undefined && !flowNames.includes(options.flow)) {
    throw new Error(`no flow is named ${options.flow}`);
  }
  const drawn = (name: string | undefined) =>
    name !== undefined && (options.flow === undefined || options.flow === name);
  const starts = new Map(
    flowNames.map((name, f) => {
      const flow = rules.flows[name] as Flow;
      return [name, nodeId(f, Object.keys(flow.nodes).indexOf(flow.start))];
    }),
  );
  // compileRules has checked that every flow a line names exists.
  const startId = (flowName: string) => starts.get(flowName) ?? '';
  const out = ['flowchart TD'];

  const entry = (id: string, label: string, line: Omit<Line, 'name'> | DefaultLine) => {
    const afterHours = line.calendar !== undefined ? line.afterHoursFlow : undefined;
    if (!drawn(line.flow) && !drawn(afterHours)) return;
    out.push(`  ${id}>"${label}"]`);
    if (drawn(line.flow)) {
      const edge = afterHours === undefined ? ' --> ' : ` -->|"${escapeLabel(`${line.calendar} open`)}"| `;
      out.push(`  ${id}${edge}${startId(line.flow)}`);
    }
    if (afterHours !== undefined && drawn(afterHours)) {
      out.push(`  ${id} -->|"${escapeLabel(`${line.calendar} closed`)}"| ${startId(afterHours)}`);
    }
    // On a date no holiday data covers, a noHolidayData flow takes the line's calls.
    const policy =
      line.calendar === undefined
        ? undefined
        : compiled.calendars.get(line.calendar)?.holidays?.noHolidayData;
    if (typeof policy === 'object' && drawn(policy.flow)) {
      out.push(`  ${id} -.->|"${escapeLabel(`${line.calendar}: no holiday data`)}"| ${startId(policy.flow)}`);
    }
  };
  for (const [i, line] of (rules.lines ?? []).entries()) entry(`L${i}`, describeLine(line), line);
  entry('LD', 'default line', rules.defaultLine);
  const outbound = rules.outbound?.defaultFlow;
  if (drawn(outbound) && outbound !== undefined) {
    out.push('  LO>"outbound, no DynamicId"]', `  LO --> ${startId(outbound)}`);
  }
  const named = (rules.outbound?.flows ?? []).filter(drawn);
  if (named.length > 0) {
    out.push('  LN>"outbound, DynamicId names"]');
    for (const name of named) out.push(`  LN -->|"${escapeLabel(name)}"| ${startId(name)}`);
  }

  // A subflow node calls its flow's start (when that flow is drawn too), drawn once every node is declared.
  const calls: string[] = [];
  for (const [f, flowName] of flowNames.entries()) {
    if (!drawn(flowName)) continue;
    const flow = rules.flows[flowName] as Flow;
    out.push(...drawFlow(f, flowName, flow, drawHandlers(f, flowName, compiled)));
    for (const [n, node] of Object.values(flow.nodes).entries()) {
      if (node.type === 'subflow' && drawn(node.flow))
        calls.push(`  ${nodeId(f, n)} -.->|"calls"| ${startId(node.flow)}`);
    }
  }
  out.push(...calls);
  return `${out.join('\n')}\n`;
}

function drawFlow(f: number, flowName: string, flow: Flow, notes: readonly string[]): string[] {
  const names = Object.keys(flow.nodes);
  const position = new Map(names.map((name, i) => [name, i]));
  const goodbye = `F${f}_BYE`;
  let endsWithGoodbye = false;
  const shapes: string[] = [];
  const edges: string[] = [];
  for (const [n, name] of names.entries()) {
    const node = flow.nodes[name] as FlowNode;
    const start = name === flow.start ? '▶ ' : '';
    shapes.push(`    ${shapeNode(nodeId(f, n), node, `${start}${name}`)}`);

    // Edges to the same node are merged, their labels joined, in the order the node lists them.
    const grouped = new Map<string, { to: string; dotted: boolean; labels: string[] }>();
    const add = (to: string, dotted: boolean, label: string) => {
      const key = `${to} ${dotted}`;
      const group = grouped.get(key) ?? { to, dotted, labels: [] };
      if (label !== '' && !group.labels.includes(label)) group.labels.push(label);
      grouped.set(key, group);
    };
    for (const [i, { path, target, label }] of targetsOf(node).entries()) {
      const branch = node.type === 'branch' ? node.branches[i] : undefined;
      add(
        nodeId(f, position.get(target) ?? -1),
        path.endsWith('escalateTo'),
        branch === undefined ? label : describeCondition(branch.when),
      );
    }
    if (isListeningNode(node)) {
      for (const kind of RETRY_KINDS) {
        // The node's own policy, else the flow's, else the default (retries, then the goodbye). A node's
        // own escalation is among its targets already.
        const { policy, from } = findRetryPolicy(node, flow, kind);
        if (from === 'node' && policy.escalateTo !== undefined) continue;
        const label = describeRetryKind(kind);
        if (policy.escalateTo !== undefined)
          add(nodeId(f, position.get(policy.escalateTo) ?? -1), true, label);
        else {
          add(goodbye, true, label);
          endsWithGoodbye = true;
        }
      }
    }
    if (node.type === 'transfer' && node.to === undefined) {
      add(goodbye, true, 'no target applies');
      endsWithGoodbye = true;
    }
    for (const { to, dotted, labels } of grouped.values()) {
      const arrow = dotted ? '-.->' : '-->';
      const label = labels.length === 0 ? '' : `|"${escapeLabel(labels.join(' / '))}"|`;
      edges.push(`  ${nodeId(f, n)} ${arrow}${label} ${to}`);
    }
  }
  if (endsWithGoodbye) {
    const said = excerpt(flow.goodbye);
    shapes.push(`    ${goodbye}(["goodbye${said === '' ? '' : `<br/>${escapeLabel(said)}`}"])`);
  }
  for (const note of notes) shapes.push(`    ${note}`);
  return [`  subgraph F${f}["${escapeLabel(`flow ${flowName}`)}"]`, ...shapes, '  end', ...edges];
}

/**
 * The handlers in force in a flow, as one note in its subgraph: what selects each (its first keyword,
 * pattern or key) and where it leads (`人工 → main/agent`, `再说一遍 → repeat`), in the order they are tried.
 * A flow with no node that listens hears none, and gets no note.
 */
function drawHandlers(f: number, flowName: string, compiled: CompiledRules): string[] {
  const inForce = compiled.handlers.get(flowName) ?? [];
  const listens = Object.values(compiled.rules.flows[flowName]?.nodes ?? {}).some(isListeningNode);
  if (inForce.length === 0 || !listens) return [];
  const lines = inForce.map(({ handler }) => {
    const heard =
      handler.keywords?.[0] ??
      (handler.patterns?.[0] === undefined ? undefined : `/${handler.patterns[0]}/`) ??
      `key ${handler.keys?.[0] ?? ''}`;
    const flow = handler.flow ?? flowName;
    const target = handler.do ?? `${flow}/${handler.goto ?? compiled.rules.flows[flow]?.start ?? ''}`;
    return escapeLabel(`${heard} → ${target}`);
  });
  return [`F${f}_HANDLERS[\\"handlers<br/>${lines.join('<br/>')}"\\]`];
}

/** Node ids are positions, not names: names may be Mermaid keywords (`end`) or hold a `-`. */
function nodeId(flow: number, node: number): string {
  return `F${flow}_N${node}`;
}

/** Mermaid shapes by node type: `%` is replaced by the label. */
const SHAPES: Readonly<Record<FlowNode['type'], string>> = {
  say: '["%"]',
  menu: '{"%"}',
  collect: '[/"%"/]',
  branch: '{{"%"}}',
  split: '{{"%"}}',
  transfer: '[["%"]]',
  parallelTransfer: '[/"%"\\]',
  hangup: '(["%"])',
  lookup: '[("%")]',
  subflow: '>"%"]',
  return: '(("%"))',
};

function shapeNode(id: string, node: FlowNode, title: string): string {
  const detail = describeNode(node);
  const label = detail === '' ? escapeLabel(title) : `${escapeLabel(title)}<br/>${escapeLabel(detail)}`;
  const [open, close] = SHAPES[node.type].split('%');
  return `${id}${open}${label}${close}`;
}

function describeNode(node: FlowNode): string {
  switch (node.type) {
    case 'say':
    case 'menu':
    case 'collect':
    case 'hangup':
      return excerpt(node.say);
    case 'transfer': {
      // Targets are tried first, `to` is the number when none applies.
      const targets = node.targets?.length ?? 0;
      const to = node.to === undefined ? undefined : `to ${node.to}`;
      if (targets === 0) return to ?? '';
      const listed = `${targets} conditional ${targets === 1 ? 'target' : 'targets'}`;
      return to === undefined ? listed : `${listed}, else ${to}`;
    }
    case 'parallelTransfer':
      return `call centre ${node.ccName}`;
    case 'branch':
      return '';
    case 'split':
      return 'split by call';
    case 'lookup':
      return `lookup ${node.use}`;
    case 'subflow':
      return `runs flow ${node.flow}`;
    case 'return':
      return node.exit === undefined ? 'return' : `return ${node.exit}`;
  }
}

/** A line's name and how many numbers of each kind it takes; the numbers themselves stay out. */
function describeLine(line: Line): string {
  const count = (list: readonly string[] | undefined, one: string, many: string) =>
    list === undefined ? [] : [`${list.length} ${list.length === 1 ? one : many}`];
  const counts = [
    ...count(line.numbers, 'number', 'numbers'),
    ...count(line.forwardedFrom, 'forwarding number', 'forwarding numbers'),
    ...count(line.callers, 'caller', 'callers'),
    ...count(line.callerPrefixes, 'caller prefix', 'caller prefixes'),
  ];
  return `${escapeLabel(line.name)}<br/>${escapeLabel(counts.join(', '))}`;
}

/** The start of a prompt's first item (`♪ code` for audio), cut to {@link EXCERPT_CHARS}. */
function excerpt(prompt: Prompt | undefined): string {
  if (prompt === undefined) return '';
  const items = Array.isArray(prompt) ? prompt : [prompt];
  const first = items[0];
  if (first === undefined) return '';
  const text = typeof first === 'string' ? first : 'tts' in first ? first.tts : `♪ ${first.audio}`;
  const characters = [...text.replace(/\s+/g, ' ').trim()];
  const cut = characters.length > EXCERPT_CHARS || items.length > 1;
  return cut ? `${characters.slice(0, EXCERPT_CHARS).join('')}…` : text;
}

/**
 * Text made safe inside a quoted Mermaid label: quotes, `#` (which starts Mermaid's own entity codes),
 * HTML-special characters, `|` (ends an edge label) and backticks (start Markdown strings) become `#code;`
 * entities, and line breaks become spaces.
 */
function escapeLabel(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/["#&<>|`]/g, (ch) => `#${ch.codePointAt(0)};`);
}

/** A condition in a few words, for the graph. */
function describeCondition(condition: Condition): string {
  const parts: string[] = [];
  if (condition.open !== undefined) parts.push(`${condition.open} open`);
  if (condition.closed !== undefined) parts.push(`${condition.closed} closed`);
  if (condition.time !== undefined) parts.push(condition.time);
  if (condition.weekdays !== undefined) parts.push(condition.weekdays.join(','));
  if (condition.callerIn !== undefined) parts.push('caller listed');
  if (condition.callerPrefix !== undefined) parts.push(`caller ${condition.callerPrefix.join('/')}…`);
  if (condition.var !== undefined) {
    const test =
      condition.equals !== undefined
        ? `= ${condition.equals}`
        : condition.in !== undefined
          ? `in ${condition.in.join('/')}`
          : condition.matches !== undefined
            ? `~ /${condition.matches}/`
            : 'set';
    parts.push(`${condition.var} ${test}`);
  }
  return parts.length === 0 ? 'always' : parts.join(' and ');
}
