/**
 * The terminal form of `npm run analytics`: a summary, then per flow a fixed-width table of its nodes and
 * their top no-match utterances, then per line its calls by hour of day. Names and utterances came from log
 * lines: control characters are dropped and phone numbers masked before they are printed, and long ones
 * are cut with `…` to their column.
 */
import type { FlowFigures, JourneyFigures, LineFigures, NodeFigures } from './journey-figures';
import {
  cleanLogText,
  cutToWidth,
  describeEndings,
  describePeriod,
  describeReadTotals,
  exitTarget,
  fitToWidth,
  formatCount,
  formatPercent,
  formatSeconds,
  hourLabel,
  hoursOf,
  leftOutNote,
  MAX_FLOWS_DRAWN,
  MAX_LINES_DRAWN,
  MAX_NODES_DRAWN,
} from './journey-text';

/** Utterances listed per node in the terminal. */
const TERMINAL_UTTERANCES = 5;
/** Exits listed per node, most moves first. */
const TERMINAL_EXITS = 3;
/** Columns an utterance may take. */
const UTTERANCE_WIDTH = 60;

export type JourneyTablesOptions = {
  /** Only these flows (by name); every flow when not given. */
  readonly flows?: readonly string[];
};

type Column = {
  readonly heading: string;
  readonly width: number;
  readonly align: 'left' | 'right';
  readonly cell: (node: NodeFigures, flow: FlowFigures) => string;
};

const NODE_COLUMNS: readonly Column[] = [
  { heading: 'node', width: 20, align: 'left', cell: (node) => cleanLogText(node.node) },
  { heading: 'type', width: 10, align: 'left', cell: (node) => cleanLogText(node.type || '–') },
  { heading: 'calls', width: 6, align: 'right', cell: (node) => formatCount(node.calls) },
  { heading: 'entries', width: 7, align: 'right', cell: (node) => formatCount(node.entries) },
  { heading: '→ top exits', width: 30, align: 'left', cell: (node, flow) => topExits(node, flow.flow) },
  {
    heading: 'hang-up c/p',
    width: 11,
    align: 'right',
    cell: (node) => `${formatCount(node.endings.caller)}/${formatCount(node.endings.platform)}`,
  },
  { heading: 'by flow', width: 7, align: 'right', cell: (node) => formatCount(node.endings.flow) },
  { heading: 'transf', width: 6, align: 'right', cell: (node) => formatCount(node.endings.transferred) },
  { heading: 'no-input', width: 8, align: 'right', cell: (node) => formatPercent(node.noInputRate) },
  { heading: 'no-match', width: 8, align: 'right', cell: (node) => formatPercent(node.noMatchRate) },
  { heading: 'p50 s', width: 6, align: 'right', cell: (node) => formatSeconds(node.time.p50S) },
  { heading: 'contain', width: 7, align: 'right', cell: (node) => formatPercent(node.containment) },
];

/** The figures as terminal text, ending with a newline. */
export function formatJourneyTables(figures: JourneyFigures, options: JourneyTablesOptions = {}): string {
  const wanted = options.flows;
  const chosen =
    wanted === undefined ? figures.flows : figures.flows.filter((flow) => wanted.includes(flow.flow));
  const flows = chosen.slice(0, MAX_FLOWS_DRAWN);
  const lines = figures.lines.slice(0, MAX_LINES_DRAWN);
  const out = [...formatSummary(figures)];
  for (const name of wanted ?? []) {
    if (!figures.flows.some((flow) => flow.flow === name)) {
      out.push('', `Flow ${cutToWidth(cleanLogText(name), 40)}: no call entered it.`);
    }
  }
  for (const flow of flows) out.push('', ...formatFlow(flow));
  const flowsLeft = leftOutNote(chosen.length - flows.length, 'flows', MAX_FLOWS_DRAWN);
  if (flowsLeft !== '') out.push('', flowsLeft);
  for (const line of lines) out.push('', ...formatLine(line));
  const linesLeft = leftOutNote(figures.lines.length - lines.length, 'lines', MAX_LINES_DRAWN);
  if (linesLeft !== '') out.push('', linesLeft);
  return `${out.join('\n')}\n`;
}

function formatSummary(figures: JourneyFigures): string[] {
  const calls = figures.calls;
  return [
    `Period       ${describePeriod(figures)}`,
    `Calls        ${formatCount(calls.calls)}${calls.recovered > 0 ? ` (${formatCount(calls.recovered)} recovered: their state was lost)` : ''}`,
    `Containment  ${formatPercent(calls.containment)} (${formatCount(calls.contained)} never transferred)`,
    `Endings      ${describeEndings(calls.endings)}`,
    `Read         ${describeReadTotals(figures.read)}`,
  ];
}

function formatFlow(flow: FlowFigures): string[] {
  const nodes = flow.nodes.slice(0, MAX_NODES_DRAWN);
  const out = [
    `Flow ${cutToWidth(cleanLogText(flow.flow), 40)}: ${formatCount(flow.calls)} calls · containment ${formatPercent(flow.containment)}`,
    row(NODE_COLUMNS.map((column) => fitToWidth(column.heading, column.width, column.align))),
    ...nodes.map((node) =>
      row(NODE_COLUMNS.map((column) => fitToWidth(column.cell(node, flow), column.width, column.align))),
    ),
  ];
  const nodesLeft = leftOutNote(flow.nodes.length - nodes.length, 'nodes of this flow', MAX_NODES_DRAWN);
  if (nodesLeft !== '') out.push(`  ${nodesLeft}`);
  const listed = nodes.filter((node) => node.sensitive || node.topNoMatch.length > 0);
  if (listed.length > 0) out.push('', `  Top no-match utterances (at most ${TERMINAL_UTTERANCES} a node)`);
  for (const node of listed) {
    out.push(`  ${cutToWidth(cleanLogText(node.node), 40)}`);
    if (node.sensitive) out.push('    not shown: sensitive');
    else {
      for (const said of node.topNoMatch.slice(0, TERMINAL_UTTERANCES)) {
        out.push(
          `    ${fitToWidth(`${formatCount(said.count)}×`, 6, 'right')}  ${cutToWidth(cleanLogText(said.text), UTTERANCE_WIDTH)}`,
        );
      }
    }
  }
  return out;
}

function row(cells: readonly string[]): string {
  return `  ${cells.join('  ')}`.trimEnd();
}

/** The exits with the most moves, `→ node ×moves` (`flow/node` in another flow). */
function topExits(node: NodeFigures, flow: string): string {
  if (node.exits.length === 0) return '–';
  const exits = [...node.exits].sort((a, b) => b.moves - a.moves).slice(0, TERMINAL_EXITS);
  const text = exits.map((exit) => `${exitTarget(flow, exit)} ×${formatCount(exit.moves)}`).join(', ');
  return `→ ${text}${node.exits.length > TERMINAL_EXITS ? ', …' : ''}`;
}

const HOUR_COLUMNS = [
  ['hour', 5],
  ['calls', 6],
  ['after-hours', 11],
  ['transferred', 11],
] as const;

function formatLine(line: LineFigures): string[] {
  const busy = hoursOf(line).filter((hour) => hour.calls > 0);
  const head = `Line ${cutToWidth(cleanLogText(line.line), 40)}: ${formatCount(line.calls)} calls · after hours ${formatPercent(line.afterHoursShare)} · transferred ${formatPercent(line.transferShare)}`;
  if (busy.length === 0) return [head];
  const cells = (values: readonly string[]) =>
    row(
      HOUR_COLUMNS.map(([, width], index) =>
        fitToWidth(values[index] ?? '', width, index === 0 ? 'left' : 'right'),
      ),
    );
  return [
    head,
    cells(HOUR_COLUMNS.map(([heading]) => heading)),
    ...busy.map((hour) =>
      cells([
        hourLabel(hour.hour),
        formatCount(hour.calls),
        formatCount(hour.afterHours),
        formatCount(hour.transferred),
      ]),
    ),
  ];
}
