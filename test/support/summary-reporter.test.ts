import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './fc-event';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'summary-reporter');

/** `node --test` on fixture files with the summary reporter, as npm test runs it. */
function report(...files: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        '--test',
        `--test-reporter=${join(ROOT, 'test', 'support', 'summary-reporter.mjs')}`,
        ...files.map((file) => join(FIXTURES, file)),
      ],
      // Not under this test runner: the child's node --test must report for itself.
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 },
      (error, stdout) => resolve({ code: error === null ? 0 : Number(error.code), stdout }),
    );
  });
}

describe('the summary reporter', () => {
  it('prints a failure in full, then the slowest files and the counts on the last line', async () => {
    const { code, stdout } = await report('mixed.mjs');
    assert.equal(code, 1);
    assert.match(
      stdout,
      /^✖ a suite › fails with a diff\n {2}test\/fixtures\/summary-reporter\/mixed\.mjs:7:3\n/m,
    );
    assert.match(stdout, /\+ actual - expected[\s\S]*\+ {5}2\n {4}- {5}3/);
    assert.match(stdout, /\nslowest files: test\/fixtures\/summary-reporter\/mixed\.mjs \d+\.\d s\n/);
    assert.ok(stdout.endsWith('\n1 passed, 1 failed, 1 skipped\n'), stdout);
    assert.doesNotMatch(stdout, /^ok |^# /m, 'no TAP');
  });

  it('counts a file that crashes before its tests as a failure, with what it printed', async () => {
    const { code, stdout } = await report('crashes.mjs');
    assert.equal(code, 1);
    assert.match(stdout, /^output of the tests:\n[\s\S]*about to crash[\s\S]*crashed while loading/);
    assert.ok(stdout.endsWith('\n0 passed, 1 failed\n'), stdout);
  });
});
