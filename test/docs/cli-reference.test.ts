/**
 * docs/reference/cli.md says what the commands' `--help` says, and `npm run docs -- --check` finds it when
 * it does not.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  BEGIN,
  CLI_REFERENCE,
  checkReference,
  diffLines,
  END,
  replaceUsage,
} from '../../scripts/docs/cli-reference';
import { ROOT } from '../support/fc-event';

const dir = mkdtempSync(join(tmpdir(), 'cli-reference-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe(CLI_REFERENCE, () => {
  it("holds every command's usage as its --help prints it (npm run docs rewrites it)", async () => {
    const { diff } = await checkReference();
    assert.equal(diff, '', `run npm run docs:\n${diff}`);
  });

  it('is found out when a usage block differs, with the line that differs', async () => {
    const written = readFileSync(join(ROOT, CLI_REFERENCE), 'utf8');
    const edited = written.replace('usage: npm run build', 'usage: npm run bild');
    assert.notEqual(edited, written, 'the reference has no usage of build');
    const file = join(dir, 'cli.md');
    writeFileSync(file, edited);
    const { diff, wanted } = await checkReference(file);
    assert.match(diff, /^- usage: npm run bild.*\(line \d+\)$/m);
    assert.match(diff, /^\+ usage: npm run build/m);
    assert.equal(wanted, written);
  });

  it('keeps what is outside its markers, and refuses a file without them', () => {
    const text = `# Title\n\nprose\n\n${BEGIN}\nold\n${END}\nafter\n`;
    assert.equal(replaceUsage(text, 'new\n'), `# Title\n\nprose\n\n${BEGIN}\n\nnew\n\n${END}\nafter\n`);
    assert.throws(() => replaceUsage('# Title\n', 'new'), /lost its markers/);
  });

  it('diffs by lines, with a line of context', () => {
    assert.equal(diffLines('a\nb\nc\nd\ne', 'a\nb\nC\nd\ne'), '  b\n- c   (line 3)\n+ C\n  d');
    assert.equal(diffLines('same', 'same'), '');
  });
});
