import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { main } from '../../../scripts/deploy/check';
import { concurrencyProblems } from '../../../scripts/deploy/instance-concurrency';
import { captureText } from '../../support/command-io';

const SECRETS = { CALLBACK_SECRETS: 'callback-secret-0123456789', STATE_SECRETS: 'state-secret-0123456789' };

describe("deploy:check on the custom runtime's concurrency", () => {
  it('takes a whole number from 1 to 64, or nothing set', () => {
    assert.deepEqual(concurrencyProblems({}), []);
    assert.deepEqual(concurrencyProblems({ INSTANCE_CONCURRENCY: '', REPORT_INSTANCE_CONCURRENCY: '' }), []);
    assert.deepEqual(
      concurrencyProblems({ INSTANCE_CONCURRENCY: '1', REPORT_INSTANCE_CONCURRENCY: ' 64 ' }),
      [],
    );
  });

  it('refuses 500, 0, abc, 2.5 and -3 with one line naming the variable', () => {
    for (const value of ['500', '0', 'abc', '2.5', '-3', '1e1', '0x10']) {
      const problems = concurrencyProblems({ REPORT_INSTANCE_CONCURRENCY: value });
      assert.equal(problems.length, 1, value);
      assert.match(
        problems[0] ?? '',
        /^REPORT_INSTANCE_CONCURRENCY is ".*": give a whole number from 1 to 64/,
      );
    }
    const long = concurrencyProblems({ INSTANCE_CONCURRENCY: `${'9'.repeat(40)}\n` });
    assert.equal(long.length, 1);
    assert.ok(!long[0]?.includes('\n') && (long[0]?.length ?? 0) < 160, long[0]);
  });

  it('makes deploy:check refuse, on stderr, and pass once fixed', () => {
    const refused = captureText();
    assert.equal(main([], { ...refused.streams, env: { ...SECRETS, INSTANCE_CONCURRENCY: 'abc' } }), 1);
    assert.match(
      refused.captured.stderr,
      /^deploy check: INSTANCE_CONCURRENCY is "abc": give a whole number/m,
    );
    const passed = captureText();
    assert.equal(main([], { ...passed.streams, env: { ...SECRETS, INSTANCE_CONCURRENCY: '20' } }), 0);
    assert.doesNotMatch(passed.captured.stderr, /CONCURRENCY/);
  });
});
