import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../../scripts/analytics/week';

const root = mkdtempSync(join(tmpdir(), 'analytics-week-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('npm run analytics:week', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (text: string) => out.push(text), err: (text: string) => err.push(text) } };
  };

  it('writes a week and prints one line', async () => {
    const run = io();
    assert.equal(await main(['--out', join(root, 'cli'), '--calls', '8', '--seed', '3'], run.io), 0);
    assert.match(
      run.out.join(''),
      /^8 calls, \d+ callback lines \(\d+ delivered twice\), \d+ receipts in .*; [\d.]+ s \(\d+ lines\/s\)\n$/,
    );
  });

  it('refuses what it cannot take, in one line', async () => {
    const busy = join(root, 'busy');
    await main(['--out', busy, '--calls', '1'], io().io);
    writeFileSync(join(busy, 'notes.txt'), '');
    for (const [argv, code, message] of [
      [['--calls', '3'], 2, /needs --out DIR/],
      [['--out', root, '--calls', '0'], 2, /--calls takes a whole number from 1 to 1000000/],
      [['--out', root, '--calls', '1000001'], 2, /--calls/],
      [['--out', root, '--envelope', 'gzip'], 2, /--envelope is none or sls/],
      [['--out', root, '--from', '2026-02-30'], 2, /--from takes a date/],
      [['--out', busy], 1, /holds other files/],
    ] as const) {
      const run = io();
      assert.equal(await main(argv, run.io), code, argv.join(' '));
      assert.match(run.err.join(''), message);
      assert.equal(run.err.join('').trim().split('\n').length, 1);
    }
  });
});
