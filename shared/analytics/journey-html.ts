/**
 * The HTML report of `npm run analytics --html`: one self-contained file that opens offline. Inline CSS,
 * charts as inline SVG, no script, no reference to anything outside the file (a Content-Security-Policy
 * says so too). Every name and utterance came from log lines: it is cleaned (control characters dropped,
 * phone numbers masked), cut, and escaped before it lands in the page or a chart.
 */
import {
  FIGURES_VERSION,
  type FlowFigures,
  type HourFigures,
  type JourneyFigures,
  type LineFigures,
  type NodeFigures,
  shareOf,
  TOP_UTTERANCES,
} from './journey-figures';
import {
  cleanLogText,
  cutToLength,
  describeEndings,
  describePeriod,
  describeReadTotals,
  exitTarget,
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

/** The length of a funnel bar for all of a flow's calls, in SVG units (pixels at full width). */
export const FUNNEL_BAR_MAX = 600;

/** At most this many exits are listed per node. */
const MAX_EXITS_SHOWN = 12;
/** Names and types are cut to this many characters; utterances to {@link UTTERANCE_LENGTH}. */
const NAME_LENGTH = 64;
const UTTERANCE_LENGTH = 120;

export type JourneyHtmlOptions = {
  /** The page's title; "Call journeys" when not given. */
  readonly title?: string;
  /** When the report was made, as the command tells it (shown as given, escaped). */
  readonly generatedAt?: string;
};

/** The report, as one HTML document. */
export function renderJourneyHtml(figures: JourneyFigures, options: JourneyHtmlOptions = {}): string {
  const title = options.title ?? 'Call journeys';
  const flows = figures.flows.slice(0, MAX_FLOWS_DRAWN);
  const lines = figures.lines.slice(0, MAX_LINES_DRAWN);
  const parts = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${text(title, NAME_LENGTH)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    renderHeader(figures, title, options.generatedAt),
    '<main>',
    flows.length === 0 ? '<p class="note">No flow was entered.</p>' : '',
    ...flows.map(renderFlow),
    leftOut(figures.flows.length - flows.length, 'flows', MAX_FLOWS_DRAWN),
    '<section class="lines">',
    '<h2>Lines by hour of day</h2>',
    lines.length === 0 ? '<p class="note">No call was routed by a line.</p>' : '',
    ...lines.map(renderLine),
    leftOut(figures.lines.length - lines.length, 'lines', MAX_LINES_DRAWN),
    '</section>',
    '</main>',
    '<footer>',
    `<p>Every figure is defined in docs/analytics.md (“Definitions”). Figures version ${FIGURES_VERSION}.</p>`,
    '</footer>',
    '</body>',
    '</html>',
    '',
  ];
  return parts.filter((part) => part !== '').join('\n');
}

/** Text from logs (or anything else) for the page: cleaned, cut, and escaped for HTML and SVG alike. */
function text(value: string, length: number = NAME_LENGTH): string {
  return escapeMarkup(cutToLength(cleanLogText(value), length));
}

/**
 * `value` safe in HTML or SVG text and in a quoted attribute: the markup characters (`&<>"'`), and `/`,
 * `=` and the backtick too, become character references, so that no tag, attribute or address can be made
 * of it.
 */
function escapeMarkup(value: string): string {
  return value.replace(/[&<>"'/=`]/g, (char) => `&#${char.codePointAt(0)};`);
}

function leftOut(count: number, what: string, limit: number): string {
  const note = leftOutNote(count, what, limit);
  return note === '' ? '' : `<p class="note">${note}</p>`;
}

function renderHeader(figures: JourneyFigures, title: string, generatedAt: string | undefined): string {
  const calls = figures.calls;
  const rows: [string, string][] = [
    ['Period', escapeMarkup(describePeriod(figures))],
    [
      'Calls',
      `${formatCount(calls.calls)}${calls.recovered > 0 ? ` (${formatCount(calls.recovered)} recovered: their state was lost)` : ''}`,
    ],
    [
      'Containment',
      `${formatPercent(calls.containment)} (${formatCount(calls.contained)} of ${formatCount(calls.calls)} never transferred)`,
    ],
    ['Calls by ending', escapeMarkup(describeEndings(calls.endings))],
    ['Read', escapeMarkup(describeReadTotals(figures.read))],
  ];
  return [
    '<header>',
    `<h1>${text(title)}</h1>`,
    generatedAt === undefined ? '' : `<p class="note">Made ${text(generatedAt)}.</p>`,
    '<dl>',
    ...rows.map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`),
    '</dl>',
    '</header>',
  ]
    .filter((part) => part !== '')
    .join('\n');
}

// ---- Flows ---------------------------------------------------------------------------------------------

/** The colour of a node type's bars; a type not listed here is drawn as `other`. */
const TYPE_COLOURS: Readonly<Record<string, string>> = {
  menu: '#2f63a8',
  say: '#4d7f2a',
  collect: '#b86a12',
  transfer: '#9c2f6c',
  parallelTransfer: '#9c2f6c',
  lookup: '#5b4fa0',
  branch: '#6b6b6b',
  split: '#6b6b6b',
  subflow: '#1f7f7f',
  return: '#1f7f7f',
  hangup: '#8f2f2f',
};
const OTHER_COLOUR = '#a0a0a0';

function colourOf(type: string): string {
  return Object.hasOwn(TYPE_COLOURS, type) ? (TYPE_COLOURS[type] ?? OTHER_COLOUR) : OTHER_COLOUR;
}

function typeName(type: string): string {
  return type === '' ? 'never entered' : type;
}

function renderFlow(flow: FlowFigures, index: number): string {
  const nodes = flow.nodes.slice(0, MAX_NODES_DRAWN);
  return [
    `<section class="flow">`,
    `<h2>Flow ${text(flow.flow)}</h2>`,
    `<p>${formatCount(flow.calls)} calls · containment ${formatPercent(flow.containment)} (${formatCount(flow.contained)} never transferred)</p>`,
    renderFunnel(flow, nodes, index),
    leftOut(flow.nodes.length - nodes.length, 'nodes of this flow', MAX_NODES_DRAWN),
    renderNodeTable(flow, nodes),
    renderUtterances(nodes),
    '</section>',
  ]
    .filter((part) => part !== '')
    .join('\n');
}

const FUNNEL_ROW = 40;
const FUNNEL_LEFT = 8;
const FUNNEL_WIDTH = FUNNEL_LEFT * 2 + FUNNEL_BAR_MAX + 140;

/** One bar per node, in the order calls reach them, as long as the node's calls. */
function renderFunnel(flow: FlowFigures, nodes: readonly NodeFigures[], index: number): string {
  if (nodes.length === 0) return '<p class="note">No node was reached.</p>';
  const scale = Math.max(flow.calls, ...nodes.map((node) => node.calls));
  const height = nodes.length * FUNNEL_ROW + 8;
  const bars = nodes.map((node, row) => {
    const y = row * FUNNEL_ROW + 4;
    const width = scale > 0 && node.calls > 0 ? round1((node.calls / scale) * FUNNEL_BAR_MAX) : 0;
    const label = `${row + 1}. ${text(node.node)} · ${text(typeName(node.type), 24)} · ${formatCount(node.calls)} calls · ${formatPercent(shareOf(node.calls, flow.calls))}`;
    return [
      '<g class="funnel-bar">',
      `<text x="${FUNNEL_LEFT}" y="${y + 13}">${label}</text>`,
      `<rect x="${FUNNEL_LEFT}" y="${y + 18}" width="${width}" height="14" fill="${colourOf(node.type)}"></rect>`,
      `<rect class="track" x="${FUNNEL_LEFT}" y="${y + 18}" width="${FUNNEL_BAR_MAX}" height="14"></rect>`,
      '</g>',
    ].join('');
  });
  const types = [...new Set(nodes.map((node) => node.type))];
  const legend = types
    .map(
      (type) =>
        `<span class="key"><span class="swatch" style="background:${colourOf(type)}"></span>${text(typeName(type), 24)}</span>`,
    )
    .join(' ');
  return [
    '<figure>',
    `<svg class="funnel" viewBox="0 0 ${FUNNEL_WIDTH} ${height}" width="${FUNNEL_WIDTH}" height="${height}" role="img" aria-labelledby="funnel-${index}">`,
    `<title id="funnel-${index}">Calls reaching each node of flow ${text(flow.flow)}</title>`,
    ...bars,
    '</svg>',
    `<figcaption>Calls reaching each node, in the order calls reach them; bars by node type: ${legend}</figcaption>`,
    '</figure>',
  ].join('\n');
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

const NODE_HEADINGS = [
  'Node',
  'Type',
  'Entries',
  'Calls',
  'Exits',
  'Endings',
  'Heard',
  'No input',
  'No match',
  'Key-arming',
  'Escalated (no input / no match)',
  'Transfers / failed',
  'Time p50 / p90 (s)',
  'Containment',
];

function renderNodeTable(flow: FlowFigures, nodes: readonly NodeFigures[]): string {
  if (nodes.length === 0) return '';
  const rows = nodes.map((node) =>
    [
      `<th scope="row">${text(node.node)}</th>`,
      `<td>${text(typeName(node.type), 24)}</td>`,
      number(node.entries),
      number(node.calls),
      `<td class="exits">${renderExits(flow.flow, node)}</td>`,
      `<td>${escapeMarkup(describeEndings(node.endings))}</td>`,
      number(node.heard),
      `<td class="n">${formatPercent(node.noInputRate)} (${formatCount(node.noInput)})</td>`,
      `<td class="n">${formatPercent(node.noMatchRate)} (${formatCount(node.noMatch)})</td>`,
      number(node.keyArming),
      `<td class="n">${formatCount(node.escalated.noInput)} / ${formatCount(node.escalated.noMatch)}</td>`,
      `<td class="n">${formatCount(node.transfers)} / ${formatCount(node.transferFailed)}</td>`,
      `<td class="n">${formatSeconds(node.time.p50S)} / ${formatSeconds(node.time.p90S)} (${formatCount(node.time.visits)} visits)</td>`,
      `<td class="n">${formatPercent(node.containment)}</td>`,
    ].join(''),
  );
  return [
    '<div class="scroll"><table class="nodes">',
    `<thead><tr>${NODE_HEADINGS.map((heading) => `<th scope="col">${heading}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((row) => `<tr>${row}</tr>`),
    '</tbody>',
    '</table></div>',
  ].join('\n');
}

function number(value: number): string {
  return `<td class="n">${formatCount(value)}</td>`;
}

function renderExits(flow: string, node: NodeFigures): string {
  if (node.exits.length === 0) return '–';
  const shown = node.exits
    .slice(0, MAX_EXITS_SHOWN)
    .map((exit) => `→ ${text(exitTarget(flow, exit))} ×${formatCount(exit.moves)}`);
  const more = node.exits.length - MAX_EXITS_SHOWN;
  return [...shown, ...(more > 0 ? [`${more} more`] : [])].join('<br>');
}

function renderUtterances(nodes: readonly NodeFigures[]): string {
  const listed = nodes.filter((node) => node.sensitive || node.topNoMatch.length > 0);
  if (listed.length === 0) return '';
  const items = listed.map((node) => {
    const body = node.sensitive
      ? '<p class="note">not shown: sensitive</p>'
      : `<ol>${node.topNoMatch
          .slice(0, TOP_UTTERANCES)
          .map((said) => `<li>${text(said.text, UTTERANCE_LENGTH)} ×${formatCount(said.count)}</li>`)
          .join('')}</ol>`;
    return `<div class="utterances"><h4>${text(node.node)}</h4>${body}</div>`;
  });
  return ['<h3>Top no-match utterances</h3>', ...items].join('\n');
}

// ---- Lines ---------------------------------------------------------------------------------------------

const HOUR_SLOT = 28;
const HOUR_BAR = 20;
const CHART_LEFT = 40;
const CHART_TOP = 18;
const CHART_HEIGHT = 140;
const CHART_WIDTH = CHART_LEFT + 24 * HOUR_SLOT + 8;
const CHART_FULL_HEIGHT = CHART_TOP + CHART_HEIGHT + 24;
const IN_HOURS_COLOUR = '#2f63a8';
const AFTER_HOURS_COLOUR = '#d08a2a';

function renderLine(line: LineFigures, index: number): string {
  const hours = hoursOf(line);
  return [
    '<div class="line">',
    `<h3>Line ${text(line.line)}</h3>`,
    renderHourChart(line, hours, index),
    '<table class="line-figures"><thead><tr><th scope="col">Calls</th><th scope="col">After hours</th><th scope="col">Transferred</th></tr></thead>',
    `<tbody><tr>${number(line.calls)}<td class="n">${formatPercent(line.afterHoursShare)} (${formatCount(line.afterHours)})</td><td class="n">${formatPercent(line.transferShare)} (${formatCount(line.transferred)})</td></tr></tbody></table>`,
    renderHourTable(hours),
    '</div>',
  ].join('\n');
}

/** 24 stacked bars: the calls in hours, the after-hours calls on top, a dot at the transferred count. */
function renderHourChart(line: LineFigures, hours: readonly HourFigures[], index: number): string {
  const top = Math.max(1, ...hours.map((hour) => (Number.isFinite(hour.calls) ? hour.calls : 0)));
  const scale = (count: number) =>
    Number.isFinite(count) && count > 0 ? round1((count / top) * CHART_HEIGHT) : 0;
  const base = CHART_TOP + CHART_HEIGHT;
  const bars = hours.map((hour) => {
    const x = CHART_LEFT + hour.hour * HOUR_SLOT + (HOUR_SLOT - HOUR_BAR) / 2;
    const afterHours = Math.min(hour.afterHours, hour.calls);
    const all = scale(hour.calls);
    const after = scale(afterHours);
    const within = round1(all - after);
    const transferred = scale(Math.min(hour.transferred, hour.calls));
    const parts = [
      `<title>${hourLabel(hour.hour)}: ${formatCount(hour.calls)} calls, ${formatCount(hour.afterHours)} after hours, ${formatCount(hour.transferred)} transferred</title>`,
      `<rect x="${x}" y="${round1(base - within)}" width="${HOUR_BAR}" height="${within}" fill="${IN_HOURS_COLOUR}"></rect>`,
      `<rect x="${x}" y="${round1(base - all)}" width="${HOUR_BAR}" height="${after}" fill="${AFTER_HOURS_COLOUR}"></rect>`,
    ];
    if (hour.transferred > 0) {
      const y = round1(base - transferred);
      parts.push(
        `<line x1="${x - 2}" x2="${x + HOUR_BAR + 2}" y1="${y}" y2="${y}" class="transferred"></line>`,
        `<circle cx="${x + HOUR_BAR / 2}" cy="${y}" r="3" class="transferred"></circle>`,
      );
    }
    if (hour.calls > 0) {
      parts.push(
        `<text x="${x + HOUR_BAR / 2}" y="${round1(base - all - 4)}" class="count" text-anchor="middle">${formatCount(hour.calls)}</text>`,
      );
    }
    parts.push(
      `<text x="${x + HOUR_BAR / 2}" y="${base + 14}" class="hour" text-anchor="middle">${hour.hour}</text>`,
    );
    return `<g class="hour-bar">${parts.join('')}</g>`;
  });
  return [
    '<figure>',
    `<svg class="hours" viewBox="0 0 ${CHART_WIDTH} ${CHART_FULL_HEIGHT}" width="${CHART_WIDTH}" height="${CHART_FULL_HEIGHT}" role="img" aria-labelledby="hours-${index}">`,
    `<title id="hours-${index}">Calls of line ${text(line.line)} by hour of day</title>`,
    `<line x1="${CHART_LEFT - 4}" x2="${CHART_WIDTH - 4}" y1="${base}" y2="${base}" class="axis"></line>`,
    `<text x="${CHART_LEFT - 6}" y="${CHART_TOP + 4}" class="scale" text-anchor="end">${formatCount(top)}</text>`,
    `<text x="${CHART_LEFT - 6}" y="${base}" class="scale" text-anchor="end">0</text>`,
    ...bars,
    '</svg>',
    `<figcaption><span class="key"><span class="swatch" style="background:${IN_HOURS_COLOUR}"></span>in hours</span> <span class="key"><span class="swatch" style="background:${AFTER_HOURS_COLOUR}"></span>after hours (on top)</span> <span class="key">● transferred (a dot at their count)</span>; the number above a bar is its calls.</figcaption>`,
    '</figure>',
  ].join('\n');
}

function renderHourTable(hours: readonly HourFigures[]): string {
  const busy = hours.filter((hour) => hour.calls > 0);
  if (busy.length === 0) return '';
  const rows = busy.map(
    (hour) =>
      `<tr><th scope="row">${hourLabel(hour.hour)}</th>${number(hour.calls)}${number(hour.afterHours)}${number(hour.transferred)}</tr>`,
  );
  return [
    '<details open><summary>Calls by hour</summary>',
    '<table class="hours"><thead><tr><th scope="col">Hour</th><th scope="col">Calls</th><th scope="col">After hours</th><th scope="col">Transferred</th></tr></thead><tbody>',
    ...rows,
    '</tbody></table></details>',
  ].join('\n');
}

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif; color: #1b1b1b; background: #fff; margin: 0 auto; padding: 16px 24px; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 28px 0 6px; border-bottom: 1px solid #ccc; padding-bottom: 2px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
h4 { font-size: 14px; margin: 10px 0 2px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
dt { font-weight: 600; }
dd { margin: 0; }
.note { color: #555; font-style: italic; }
figure { margin: 8px 0; }
figcaption { font-size: 12px; color: #444; }
svg { max-width: 100%; height: auto; font: 12px system-ui, sans-serif; }
svg text { fill: #1b1b1b; }
svg .track { fill: none; stroke: #d6d6d6; stroke-width: 1; }
svg .axis { stroke: #888; stroke-width: 1; }
svg .transferred { stroke: #111; stroke-width: 2; fill: #111; }
svg .count, svg .hour { font-size: 10px; text-anchor: middle; }
svg .scale { font-size: 10px; text-anchor: end; }
.key { white-space: nowrap; margin-right: 8px; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border: 1px solid #555; vertical-align: baseline; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0; font-size: 13px; }
th, td { border: 1px solid #d0d0d0; padding: 3px 6px; text-align: left; vertical-align: top; }
thead th { background: #f2f2f2; }
td.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.exits { white-space: nowrap; }
th[scope="row"] { font-weight: 600; overflow-wrap: anywhere; max-width: 16em; }
.utterances ol { margin: 0 0 6px; padding-left: 24px; }
.utterances li { overflow-wrap: anywhere; }
footer { margin-top: 32px; border-top: 1px solid #ccc; color: #555; font-size: 12px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  section.flow { break-before: page; }
  figure, table, .utterances { break-inside: avoid; }
  .scroll { overflow: visible; }
  details > summary { display: none; }
}
`;
