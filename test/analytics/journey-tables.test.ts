/**
 * The terminal tables (shared/analytics/journey-tables.ts): the summary, a fixed-width table per flow, the
 * top five no-match utterances a node, the busy hours of each line; text from logs made printable, masked
 * and cut to its column; `flows` choosing flows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatJourneyTables } from '../../shared/analytics/journey-tables';
import { displayWidth } from '../../shared/analytics/journey-text';
import { buildFigures, HOSTILE, hostileFigures, sampleFigures } from './figures-fixture';

/** The rows of the node table that follows `Flow <name>:`, its heading first. */
function flowTable(output: string, flow: string): string[] {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`Flow ${flow}:`));
  const end = lines.findIndex((line, index) => index > start && line === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe('formatJourneyTables', () => {
  const output = formatJourneyTables(sampleFigures());

  it('starts with the summary: period, calls, containment, endings, what was read', () => {
    assert.deepEqual(output.split('\n').slice(0, 5), [
      'Period       2024-05-06 09:00 – 2024-05-12 21:30 (Asia/Shanghai)',
      'Calls        100',
      'Containment  70.0% (70 never transferred)',
      'Endings      transferred 30 · flow 50 · caller 15 · platform 3 · unknown 2',
      'Read         1200 lines · 1000 callbacks counted · 100 receipts · 3 duplicates (redelivered, not counted) · 2 late (of a call already counted, not counted) · 1 unreadable',
    ]);
  });

  it('writes a fixed-width table per flow, its nodes in order, each column where its heading is', () => {
    const [heading = '', ...rows] = flowTable(output, 'main');
    assert.match(
      heading,
      /^ {2}node +type +calls +entries +→ top exits +hang-up c\/p +by flow +transf +no-input +no-match +p50 s +contain$/,
    );
    assert.deepEqual(
      rows.map((row) => row.trim().split(/\s+/)[0]),
      ['welcome', 'ask', 'pin', 'agent'],
    );
    assert.match(
      rows[0] ?? '',
      /welcome +menu +100 +104 +→ ask ×80, billing\/start ×15 +3\/1 +0 +0 +10\.0% +5\.0% +5\.3 +100\.0%$/,
    );
    assert.match(rows[3] ?? '', /agent +transfer +10 +10 +– +0\/0 +0 +10 +– +– +– +0\.0%$/);
    const end = heading.length;
    for (const row of rows) assert.equal(displayWidth(row), end, `${row} ends under the last heading`);
  });

  it('lists the top five no-match utterances a node, a sensitive node as not shown', () => {
    const figures = buildFigures({
      flows: [
        {
          flow: 'main',
          nodes: [
            {
              node: 'menu',
              calls: 9,
              topNoMatch: Array.from({ length: 8 }, (_, index) => ({
                text: `said ${index}`,
                count: 8 - index,
              })),
            },
            { node: 'pin', calls: 1, sensitive: true, topNoMatch: [{ text: HOSTILE.secret, count: 1 }] },
          ],
        },
      ],
    });
    const text = formatJourneyTables(figures);
    assert.match(text, /Top no-match utterances \(at most 5 a node\)\n {2}menu\n +8× {2}said 0\n/);
    assert.match(text, /4× {2}said 4\n {2}pin\n {4}not shown: sensitive\n/);
    assert.equal(text.includes('said 5'), false);
    assert.equal(text.includes(HOSTILE.secret), false);
  });

  it('lists the hours of each line that had calls', () => {
    assert.match(
      output,
      /Line hotline: 100 calls · after hours 10\.0% · transferred 30\.0%\n {2}hour +calls +after-hours +transferred\n {2}09:00 +40 +0 +12\n {2}14:00 +50 +0 +15\n {2}21:00 +10 +10 +3\n$/,
    );
  });

  it('makes text from logs printable, masks phone numbers, and cuts long names to their column', () => {
    const text = formatJourneyTables(hostileFigures());
    for (const banned of ['13812345678', '\u001b', '\u0007', '\u0000', '\r', '\u202e']) {
      assert.equal(text.includes(banned), false, JSON.stringify(banned));
    }
    assert.match(text, /Line line 138\*\*\*\*5678: 3 calls/);
    assert.match(text, /call 138\*\*\*\*5678 <img src=x onerror=alert\(1\)>\[31m red evil/);
    assert.match(
      text,
      / {2}pin 138\*\*\*\*5678 +collect/,
      'a line break is a space, the number after it masked',
    );
    assert.match(text, /<b>menu<\/…/);
    assert.match(text, /→ other 138\*\*\*\*5678\/"onload=a… /);
    assert.equal(text.includes(HOSTILE.secret), false);
  });

  it('cuts wide (Chinese) names by the columns they take', () => {
    const text = formatJourneyTables(
      buildFigures({
        flows: [{ flow: 'main', nodes: [{ node: '请问您要办理什么业务呢请说出来', calls: 1 }] }],
      }),
    );
    const [heading = '', row = ''] = flowTable(text, 'main');
    assert.match(row, /^ {2}请问您要办理什么业… +say /);
    assert.equal(displayWidth(row), heading.length);
  });

  it('shows only the flows asked for, and says which asked for had no calls', () => {
    const text = formatJourneyTables(sampleFigures(), { flows: ['billing', 'nope\u001b'] });
    assert.equal(text.includes('Flow main'), false);
    assert.match(text, /Flow nope: no call entered it\./);
    assert.match(text, /Flow billing: 15 calls · containment 0\.0%/);
    assert.match(text, /Line hotline/);
  });

  it('writes empty figures without NaN, undefined or null', () => {
    const text = formatJourneyTables(buildFigures({ lines: [{ line: 'quiet' }] }));
    for (const banned of ['NaN', 'undefined', 'null', 'Infinity'])
      assert.equal(text.includes(banned), false, banned);
    assert.equal(
      text,
      [
        'Period       no callbacks read (hours in Asia/Shanghai)',
        'Calls        0',
        'Containment  – (0 never transferred)',
        'Endings      none',
        'Read         0 lines · 0 callbacks counted · 0 receipts',
        '',
        'Line quiet: 0 calls · after hours – · transferred –',
        '',
      ].join('\n'),
    );
  });

  it('shows at most 200 nodes a flow and 50 flows and lines, and says how many it left out', () => {
    const nodes = Array.from({ length: 250 }, (_, index) => ({ node: `n${index}`, calls: 1 }));
    const text = formatJourneyTables(
      buildFigures({
        flows: [{ flow: 'big', nodes }, ...Array.from({ length: 52 }, (_, index) => ({ flow: `f${index}` }))],
        lines: Array.from({ length: 51 }, (_, index) => ({ line: `l${index}` })),
      }),
    );
    assert.equal(flowTable(text, 'big').length, 201 + 1);
    assert.match(text, / {2}50 more nodes of this flow not shown: the report shows at most 200\./);
    assert.match(text, /3 more flows not shown/);
    assert.match(text, /1 more lines not shown/);
    assert.equal(text.includes('n200 '), false);
  });
});
