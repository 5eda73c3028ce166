/**
 * The HTML report (shared/analytics/journey-html.ts): one self-contained page, no reference outside it;
 * each flow's funnel one bar per node in order, as long as its calls; each line's 24 hours; every text
 * from logs escaped and masked; a sensitive node's utterances never shown; empty figures and too many
 * nodes or flows drawn within bounds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIGURES_VERSION } from '../../shared/analytics/journey-figures';
import { FUNNEL_BAR_MAX, renderJourneyHtml } from '../../shared/analytics/journey-html';
import { MAX_FLOWS_DRAWN, MAX_LINES_DRAWN, MAX_NODES_DRAWN } from '../../shared/analytics/journey-text';
import { buildFigures, HOSTILE, hostileFigures, sampleFigures } from './figures-fixture';

/** The bars of the first funnel: label and width, in order. */
function funnelBars(html: string): { label: string; width: number; fill: string }[] {
  const svg = html.match(/<svg class="funnel".*?<\/svg>/s)?.[0] ?? '';
  return [
    ...svg.matchAll(
      /<g class="funnel-bar"><text[^>]*>([^<]*)<\/text><rect [^>]*width="([\d.]+)"[^>]*fill="([^"]+)"/g,
    ),
  ].map((match) => ({ label: match[1] ?? '', width: Number(match[2]), fill: match[3] ?? '' }));
}

/** The elements opened and not closed, or closed and not opened: none in a well-formed page. */
function unbalancedTags(html: string): string[] {
  const VOID = new Set(['meta', 'br', 'link', 'img', 'input', 'hr']);
  const open: string[] = [];
  const problems: string[] = [];
  for (const match of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g)) {
    const [, closing, name = ''] = match;
    if (VOID.has(name.toLowerCase())) continue;
    if (closing === '') open.push(name);
    else if (open.pop() !== name) problems.push(`</${name}>`);
  }
  return [...problems, ...open];
}

describe('renderJourneyHtml', () => {
  const html = renderJourneyHtml(sampleFigures(), {
    title: 'Week 19',
    generatedAt: '2024-05-13T08:00:00+08:00',
  });

  it('draws the funnel of flow main: one bar per node, in order, as long as its calls', () => {
    const bars = funnelBars(html);
    assert.deepEqual(
      bars.map((bar) => bar.width),
      [1, 0.8, 0.4, 0.1].map((share) => share * FUNNEL_BAR_MAX),
    );
    assert.deepEqual(
      bars.map((bar) => bar.label),
      [
        '1. welcome · menu · 100 calls · 100.0%',
        '2. ask · collect · 80 calls · 80.0%',
        '3. pin · collect · 40 calls · 40.0%',
        '4. agent · transfer · 10 calls · 10.0%',
      ],
    );
    assert.equal(bars[1]?.fill, bars[2]?.fill, 'bars of one type share a colour');
    assert.notEqual(bars[0]?.fill, bars[1]?.fill);
    assert.match(html, /bars by node type: .*menu.*collect.*transfer/);
  });

  it('writes the header, the flows most calls first, the node table, the lines and the footer, in order', () => {
    const order = [
      '<h1>Week 19</h1>',
      'Made 2024-05-13T08:00:00+08:00',
      '2024-05-06 09:00 – 2024-05-12 21:30 (Asia&#47;Shanghai)',
      '<dd>100</dd>',
      '70.0% (70 of 100 never transferred)',
      'transferred 30 · flow 50 · caller 15 · platform 3 · unknown 2',
      '3 duplicates (redelivered, not counted)',
      '2 late',
      'Flow main',
      '<th scope="row">welcome</th>',
      '→ ask ×80<br>→ billing&#47;start ×15',
      '10.0% (12)',
      '5.0% (6)',
      '5.3 / 12.0 (104 visits)',
      'Top no-match utterances',
      '嗯那个 ×4',
      'not shown: sensitive',
      'Flow billing',
      'Line hotline',
      '10.0% (10)',
      '30.0% (30)',
      'docs/analytics.md (“Definitions”)',
      `Figures version ${FIGURES_VERSION}`,
    ];
    let at = 0;
    for (const part of order) {
      const found = html.indexOf(part, at);
      assert.ok(found >= 0, `${part} after position ${at}`);
      at = found;
    }
  });

  it('draws 24 hour bars a line, stacked, a dot where calls were transferred', () => {
    const svg = html.match(/<svg class="hours".*?<\/svg>/s)?.[0] ?? '';
    assert.equal(svg.match(/<g class="hour-bar">/g)?.length, 24);
    assert.equal(svg.match(/<circle /g)?.length, 3);
    assert.match(svg, /<title>21:00: 10 calls, 10 after hours, 3 transferred<\/title>/);
    assert.match(html, /after hours \(on top\)/);
    assert.match(
      html,
      /<th scope="row">09:00<\/th><td class="n">40<\/td><td class="n">0<\/td><td class="n">12<\/td>/,
    );
  });

  it('is one self-contained page: a CSP, no script, no reference to another file or address', () => {
    assert.match(
      html,
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/,
    );
    for (const page of [html, renderJourneyHtml(hostileFigures())]) {
      for (const banned of [
        'http://',
        'https://',
        'src=',
        'href=',
        '@import',
        'url(',
        '<script',
        '<link',
        '@font-face',
      ]) {
        assert.equal(page.includes(banned), false, banned);
      }
      assert.deepEqual(unbalancedTags(page), []);
    }
  });

  it('escapes and masks every text from logs, and drops its control characters', () => {
    const page = renderJourneyHtml(hostileFigures(), { title: '<i>x</i>', generatedAt: '"now"' });
    for (const banned of ['<script', '<img', '<b>', '<i>', '"onload', 'onload=', '13812345678', '"now"']) {
      assert.equal(page.includes(banned), false, banned);
    }
    for (const control of ['\u0000', '\u0007', '\u001b', '\r', '\u202e']) {
      assert.equal(page.includes(control), false, `no ${JSON.stringify(control)}`);
    }
    assert.match(page, /138\*\*\*\*5678/);
    assert.match(page, /&#60;script&#62;alert\(1\)&#60;&#47;script&#62;/);
    assert.match(page, /&#34;onload&#61;alert\(1\) x/);
    assert.equal(page.includes(HOSTILE.secret), false, "a sensitive node's utterances never appear");
    assert.match(page, /not shown: sensitive/);
  });

  it('renders empty figures without NaN, undefined or null', () => {
    const page = renderJourneyHtml(buildFigures());
    for (const banned of ['NaN', 'undefined', 'null', 'Infinity'])
      assert.equal(page.includes(banned), false, banned);
    assert.match(page, /no callbacks read/);
    assert.match(page, /No flow was entered/);
    assert.match(page, /<dt>Containment<\/dt><dd>– \(0 of 0 never transferred\)<\/dd>/);
    assert.deepEqual(unbalancedTags(page), []);
  });

  it('shows a rate of nothing heard as –, and a flow of no node as such', () => {
    const page = renderJourneyHtml(
      buildFigures({
        flows: [
          { flow: 'quiet', calls: 2, nodes: [{ node: 'n', type: '', calls: 0, heard: 0 }] },
          { flow: 'bare', calls: 1 },
        ],
        lines: [{ line: 'silent' }],
      }),
    );
    assert.match(page, /<td class="n">– \(0\)<\/td><td class="n">– \(0\)<\/td>/);
    assert.match(page, /1\. n · never entered · 0 calls · 0\.0%/);
    assert.match(page, /No node was reached/);
    assert.equal(page.includes('Calls by hour'), false, 'a line with no calls has no hour table');
  });

  it(`draws at most ${MAX_NODES_DRAWN} nodes a flow and ${MAX_FLOWS_DRAWN} flows, and says how many it left out`, () => {
    const nodes = Array.from({ length: 250 }, (_, index) => ({ node: `n${index}`, calls: 250 - index }));
    const many = buildFigures({
      flows: [{ flow: 'big', nodes }, ...Array.from({ length: 60 }, (_, index) => ({ flow: `f${index}` }))],
      lines: Array.from({ length: 55 }, (_, index) => ({ line: `l${index}` })),
    });
    const page = renderJourneyHtml(many);
    assert.equal(funnelBars(page).length, MAX_NODES_DRAWN);
    assert.match(page, /50 more nodes of this flow not shown: the report shows at most 200\./);
    assert.equal(page.includes('n200'), false);
    assert.equal(page.match(/<section class="flow">/g)?.length, MAX_FLOWS_DRAWN);
    assert.match(page, /11 more flows not shown/);
    assert.equal(page.match(/<div class="line">/g)?.length, MAX_LINES_DRAWN);
    assert.match(page, /5 more lines not shown/);
  });

  it('cuts long names, lists at most twelve exits, and draws an unknown type in the colour of others', () => {
    const exits = Array.from({ length: 15 }, (_, index) => ({ flow: 'main', node: `to${index}`, moves: 1 }));
    const page = renderJourneyHtml(
      buildFigures({
        flows: [{ flow: 'main', nodes: [{ node: 'x'.repeat(100), type: 'weird', calls: 1, exits }] }],
      }),
    );
    assert.match(page, new RegExp(`${'x'.repeat(63)}…`));
    assert.equal(page.includes('x'.repeat(64)), false);
    assert.match(page, /→ to11 ×1<br>3 more/);
    assert.equal(funnelBars(page)[0]?.fill, '#a0a0a0');
  });
});
