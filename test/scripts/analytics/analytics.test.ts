import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../../scripts/analytics/analytics';
import { CALL_HORIZON_MS } from '../../../shared/analytics/journey-analytics';
import type { JourneyFigures } from '../../../shared/analytics/journey-figures';
import { armKeys, callin, noMatch, receipt } from '../../analytics/journey-lines-fixture';
import { captureText } from '../../support/command-io';

const folder = mkdtempSync(join(tmpdir(), 'analytics-'));
after(() => rmSync(folder, { recursive: true, force: true }));

function write(name: string, lines: readonly string[]): string {
  const file = join(folder, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function run(...argv: string[]) {
  const { streams, captured } = captureText();
  const code = await main(argv, streams);
  return { code, ...captured };
}

describe('npm run analytics', () => {
  const callbacks = write('callbacks.jsonl', [
    callin('a1', 0),
    armKeys('a1', 8),
    callin('a2', 30),
    noMatch('a2', 40, '13812345678 是我的电话', 1),
    noMatch('a1', 50, '积分', 1),
  ]);
  // The receipts in a file of their own: merged by time with the callback lines.
  const receipts = write('receipts.jsonl', [receipt('a1', '用户', 60), receipt('a2', '机器', 70)]);

  it('joins callback lines and receipts given in separate files, and prints JSON', async () => {
    const { code, stdout, stderr } = await run(callbacks, receipts, '--json');
    assert.equal(code, 0, stderr);
    const figures = JSON.parse(stdout) as JourneyFigures;
    assert.equal(figures.calls.calls, 2);
    assert.deepEqual(figures.calls.endings, { transferred: 0, flow: 0, caller: 1, platform: 1, unknown: 0 });
    const menu = figures.flows[0]?.nodes.find((n) => n.node === 'menu');
    assert.equal(menu?.noMatch, 2);
    assert.equal(menu?.keyArming, 1);
    assert.doesNotMatch(stdout, /13812345678/);
    assert.equal(stderr, '');
  });

  it('prints tables, and writes the HTML report', async () => {
    const html = join(folder, 'report.html');
    const { code, stdout, stderr } = await run(callbacks, receipts, '--html', html, '--flow', 'main');
    assert.equal(code, 0, stderr);
    assert.match(stdout, /menu/);
    assert.match(stderr, /wrote the report to/);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<svg/);
    assert.doesNotMatch(page, /https?:\/\//);
  });

  it('warns when no receipt was read, and of lines that came after their call was counted', async () => {
    const late = write('late.jsonl', [
      callin('b1', 0),
      callin('b2', CALL_HORIZON_MS / 1000 + 10),
      armKeys('b1', CALL_HORIZON_MS / 1000 + 20),
    ]);
    const { code, stderr } = await run(late);
    assert.equal(code, 0);
    assert.match(stderr, /1 line came over 2 hours after/);
    assert.match(stderr, /no receipt was read/);
  });

  it('warns of a file newest first', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => callin(`r${i}`, (20 - i) * 300));
    const { code, stderr } = await run(write('reversed.jsonl', lines), receipts);
    assert.equal(code, 0);
    assert.match(stderr, /most of its lines go back in time/);
  });

  it('refuses what it cannot do, naming the mistake', async () => {
    const none = await run(receipts);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no callback line in the file/);
    const missing = await run(join(folder, 'nope.jsonl'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read .*nope\.jsonl \(ENOENT\)/);
    const zone = await run(callbacks, '--timezone', 'Mars/Olympus');
    assert.equal(zone.code, 2);
    assert.match(zone.stderr, /not a time zone/);
    const clash = await run(callbacks, '--html', callbacks);
    assert.equal(clash.code, 2);
    assert.match(clash.stderr, /would be overwritten/);
    const unwritable = await run(callbacks, '--html', join(folder, 'no-such-folder', 'r.html'));
    assert.equal(unwritable.code, 1);
    assert.match(unwritable.stderr, /cannot write/);
    const directory = await run(callbacks, '--html', folder);
    assert.equal(directory.code, 1);
    assert.match(directory.stderr, /it is there and not a file/);
    const many = await run(...Array.from({ length: 201 }, () => callbacks));
    assert.equal(many.code, 2);
    assert.match(many.stderr, /201 files: at most 200/);
    // A file that is one array nested too deep to write back: its item is unreadable, not a crash.
    const deep = join(folder, 'deep.json');
    writeFileSync(deep, `${'['.repeat(30_001)}${']'.repeat(30_001)}`);
    const nested = await run(deep, callbacks);
    assert.equal(nested.code, 0, nested.stderr);
    assert.doesNotMatch(nested.stderr, /RangeError|\n\s+at /);
  });
});
