import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { ROOT } from '../../dev/fc-event';
import { INVOKER_VARIABLE } from '../support/custom-runtime-invoker';

/**
 * The callback suites (custom-runtime-suites.mts lists them) a second time, every handler behind the custom
 * runtime's server over HTTP. A child process, since a test file runs once per process; started as this
 * file loads, so it runs beside the rest of the suite on another core rather than after it.
 */
/** The parent's test-runner variables would make the child report in the runner's binary form. */
const { NODE_TEST_CONTEXT: _runner, ...inherited } = process.env;

const run = new Promise<{ code: number | null; output: string }>((resolve) => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test-reporter=tap', join(ROOT, 'test', 'functions', 'custom-runtime-suites.mts')],
    {
      cwd: ROOT,
      env: { ...inherited, [INVOKER_VARIABLE]: 'custom-runtime' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.on('close', (code) => resolve({ code, output }));
});

it('passes the callback suites with each handler behind the custom runtime server', async () => {
  const { code, output } = await run;
  const passed = Number(/^# pass (\d+)$/m.exec(output)?.[1] ?? 0);
  const failed = Number(/^# fail (\d+)$/m.exec(output)?.[1] ?? -1);
  const failures = output
    .split('\n')
    .filter((line) => /^\s*not ok /.test(line))
    .join('\n');
  assert.equal(failed, 0, `through the server:\n${failures || output.slice(-3000)}`);
  assert.equal(code, 0, output.slice(-3000));
  // The five files hold 66 tests: a run that found none has not run them.
  assert.ok(passed >= 60, `only ${passed} tests passed through the server`);
});
