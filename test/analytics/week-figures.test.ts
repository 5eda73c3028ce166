/**
 * `npm run analytics` on a generated week counts what the week generator knows from its own model of the
 * calls it played (dev/journey-week.ts: its callers' scripts, never read back from the logs), node by node:
 * entries, calls, exits, endings, heard, no-input, no-match, key-arming, escalations, transfers,
 * containment, time in node; per line and hour; the no-match utterances; what was read. In plain JSON lines and in SLS
 * records.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { generateWeek, type WeekModel } from '../../dev/journey-week';
import { main } from '../../scripts/analytics/analytics';
import type { JourneyFigures, NodeFigures } from '../../shared/analytics/journey-figures';
import { captureText } from '../support/command-io';

const folder = mkdtempSync(join(tmpdir(), 'week-figures-'));
after(() => rmSync(folder, { recursive: true, force: true }));

async function analyse(dir: string): Promise<JourneyFigures> {
  const { streams, captured } = captureText();
  const code = await main([join(dir, 'callbacks.jsonl'), join(dir, 'receipts.jsonl'), '--json'], streams);
  assert.equal(code, 0, captured.stderr);
  assert.equal(captured.stderr, '', 'no warning: no late line, receipts read');
  return JSON.parse(captured.stdout) as JourneyFigures;
}

/** The figures' nodes by `flow/node`. */
function nodesOf(figures: JourneyFigures): Map<string, NodeFigures> {
  return new Map(
    figures.flows.flatMap((flow) => flow.nodes.map((node) => [`${node.flow}/${node.node}`, node])),
  );
}

/** What the command counted of a node, in the model's shape. */
function asModelNode(node: NodeFigures) {
  return {
    entries: node.entries,
    calls: node.calls,
    exits: Object.fromEntries(node.exits.map((exit) => [`${exit.flow}/${exit.node}`, exit.moves])),
    endings: node.endings,
    heard: node.heard,
    noInput: node.noInput,
    noMatch: node.noMatch,
    keyArming: node.keyArming,
    escalated: node.escalated,
    transfers: node.transfers,
    transferFailed: node.transferFailed,
    contained: node.contained,
    time: node.time,
  };
}

const group = (text: string) =>
  text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, '');

function compare(figures: JourneyFigures, model: WeekModel): void {
  const nodes = nodesOf(figures);
  assert.deepEqual([...nodes.keys()].sort(), Object.keys(model.nodes).sort(), 'the same nodes');
  for (const [key, expected] of Object.entries(model.nodes)) {
    const counted = nodes.get(key) as NodeFigures;
    assert.deepEqual(asModelNode(counted), { ...expected, exits: { ...expected.exits } }, key);
    // The utterances nothing matched: each shown group, its count the model's for the same words.
    const said = model.noMatchUtterances[key] ?? {};
    for (const shown of counted.topNoMatch) {
      const total = Object.entries(said)
        .filter(([words]) => group(words) === group(shown.text))
        .reduce((sum, [, n]) => sum + n, 0);
      assert.equal(shown.count, total, `${key}: ${shown.text}`);
    }
    const groups = new Map<string, number>();
    for (const [words, n] of Object.entries(said))
      groups.set(group(words), (groups.get(group(words)) ?? 0) + n);
    const top = [...groups.values()].sort((a, b) => b - a).slice(0, 10);
    if (!counted.sensitive)
      assert.deepEqual(
        counted.topNoMatch.map((u) => u.count),
        top,
        `${key}: the top counts`,
      );
  }
  assert.deepEqual(
    Object.fromEntries(
      figures.lines.map((line) => [
        line.line,
        {
          calls: line.hours.map((h) => h.calls),
          afterHours: line.hours.map((h) => h.afterHours),
          transferred: line.hours.map((h) => h.transferred),
        },
      ]),
    ),
    model.lineHours,
  );
  assert.equal(figures.calls.calls, model.calls);
  assert.deepEqual(figures.calls.endings, model.endings);
  assert.equal(figures.read.callbacks, model.lines.callbacks);
  assert.equal(figures.read.duplicates, model.lines.duplicates);
  assert.equal(figures.read.receipts, model.receipts.pushed + model.receipts.pushedAgain);
  assert.equal(figures.read.receiptDuplicates, model.receipts.pushedAgain);
  assert.equal(figures.read.late, 0);
}

describe('analytics on a generated week', () => {
  it('counts what the generator played, node by node (JSON lines)', async () => {
    const out = join(folder, 'plain');
    const model = await generateWeek({ out, calls: 160, seed: 11 });
    assert.ok(model.lines.duplicates > 0 && model.receipts.pushedAgain + model.receipts.missing > 0);
    compare(await analyse(out), model);
  });

  it('counts the same from SLS records', async () => {
    const out = join(folder, 'sls');
    const model = await generateWeek({ out, calls: 80, seed: 12, envelope: 'sls' });
    compare(await analyse(out), model);
  });
});
