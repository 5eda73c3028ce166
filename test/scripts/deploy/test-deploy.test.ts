import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../../scripts/deploy/test-deploy';
import { captureIo } from '../../support/command-io';
import { ROOT } from '../../support/fc-event';

describe('npm run test:deploy', () => {
  it('builds, then runs every test file of test/deploy/, exiting with the runner’s code', async () => {
    const steps: string[] = [];
    const { io } = captureIo();
    const code = await main([], io, {
      build: async () => {
        steps.push('build');
      },
      runTests: async (files) => {
        steps.push(...files);
        return 3;
      },
    });
    assert.equal(code, 3);
    const expected = readdirSync(join(ROOT, 'test', 'deploy'))
      .filter((name) => name.endsWith('.test.ts'))
      .sort()
      .map((name) => join('test', 'deploy', name));
    assert.ok(expected.length >= 2);
    assert.deepEqual(steps, ['build', ...expected]);
  });

  it('builds nothing and runs nothing for --help or a wrong command line', async () => {
    const steps: string[] = [];
    const deps = {
      build: async () => {
        steps.push('build');
      },
      runTests: async () => {
        steps.push('run');
        return 0;
      },
    };
    assert.equal(await main(['--help'], captureIo().io, deps), 0);
    assert.equal(await main(['extra'], captureIo().io, deps), 2);
    assert.deepEqual(steps, []);
  });
});
