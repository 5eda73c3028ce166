import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/fc-event';

/**
 * The calendar tests state every instant with an explicit offset and expect Shanghai answers; here they
 * run again in child processes whose machine time zone is far from Shanghai's, to show the answers do
 * not depend on it.
 */
describe('calendar tests under other machine time zones', () => {
  for (const zone of ['America/New_York', 'Pacific/Kiritimati', 'UTC']) {
    it(`pass with TZ=${zone}`, () => {
      const run = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--test',
          '--test-reporter=dot',
          join(ROOT, 'test', 'calendar', 'is-open.test.ts'),
        ],
        {
          cwd: ROOT,
          env: { ...process.env, TZ: zone, NODE_TEST_CONTEXT: undefined },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    });
  }
});
