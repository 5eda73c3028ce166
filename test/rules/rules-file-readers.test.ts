import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { NOT_A_FILE, TOO_LARGE } from '../../shared/rules/load-rules';
import {
  fingerprintOf,
  isInCodeFolder,
  readRulesFile,
  readRulesFileNow,
} from '../../shared/rules/rules-file-readers';

const dir = mkdtempSync(join(tmpdir(), 'rules-readers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return 'no error';
};

describe('isInCodeFolder', () => {
  it('says by the names alone whether a file lies inside the code folder', () => {
    assert.equal(isInCodeFolder('/code/rules.json', '/code'), true);
    assert.equal(isInCodeFolder('/code/rules/bank.json', '/code/'), true);
    assert.equal(isInCodeFolder('/code/../mnt/rules.json', '/code'), false);
    assert.equal(isInCodeFolder('/mnt/rules/rules.json', '/code'), false);
    assert.equal(isInCodeFolder('/code-other/rules.json', '/code'), false);
    assert.equal(isInCodeFolder('/code', '/code'), false, 'the folder itself is no file in it');
    assert.equal(isInCodeFolder('/code/rules.json', undefined), false);
    assert.equal(isInCodeFolder('/rules.json', '/'), false, 'the root is no code folder');
    const inside = relative(process.cwd(), join(dir, 'rules.json'));
    assert.equal(isInCodeFolder(inside, dir), true, 'a relative path from the working folder');
    assert.equal(isInCodeFolder('/never/touched/rules.json', '/never/touched'), true, 'nothing is read');
  });
});

describe('rules file readers', () => {
  it('read a regular file, at once with its fingerprint from the same open file, or asynchronously', async () => {
    const path = join(dir, 'rules.json');
    writeFileSync(path, '{"version":"读"}');
    const now = readRulesFileNow(path, 1024);
    assert.equal(now.text, '{"version":"读"}');
    assert.equal(now.fingerprint, fingerprintOf(statSync(path)));
    assert.equal(await readRulesFile(path, 1024), now.text);
  });

  it('refuse a FIFO without waiting on it, a file over the limit, and a missing file, with their codes', async () => {
    const pipe = join(dir, 'rules.fifo');
    execFileSync('mkfifo', [pipe]);
    const big = join(dir, 'big.json');
    writeFileSync(big, 'x'.repeat(2048));
    const cases = [
      [pipe, NOT_A_FILE],
      [big, TOO_LARGE],
      [join(dir, 'missing.json'), 'ENOENT'],
      [dir, NOT_A_FILE],
    ] as const;
    for (const [path, code] of cases) {
      assert.equal(
        codeOf(() => readRulesFileNow(path, 1024)),
        code,
        path,
      );
      await assert.rejects(readRulesFile(path, 1024), { code }, path);
    }
  });
});
