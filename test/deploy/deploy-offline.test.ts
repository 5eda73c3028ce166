/**
 * The offline deploy try-out as the docs give it, `npm run deploy:offline`, on a machine that has never
 * run `s`: a fresh HOME (no access alias, no ~/.s), no credentials and none of the functions' variables,
 * in a copy of the project (the real dist/ is never rebuilt under the other test files).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findFunctionNames } from '../../scripts/build/build';
import { createProjectCopy } from '../support/project-copy';

const scratch = mkdtempSync(join(tmpdir(), 'vms-callflow-deploy-offline-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

type Run = { exitCode: number | string; stdout: string; stderr: string; home: string };

/** `npm run <args>` in a fresh project copy, from a shell with a fresh HOME and nothing else but PATH. */
function runNpm(args: readonly string[]): Promise<Run> {
  const project = createProjectCopy(scratch, ['test/fixtures/fc3-stub']);
  const home = mkdtempSync(join(scratch, 'home-'));
  // Only npm's own check for a newer npm is turned off: it would ask the registry, and says nothing here.
  const env = { HOME: home, PATH: process.env.PATH ?? '', npm_config_update_notifier: 'false' };
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', ...args],
      { cwd: project, env, timeout: 120_000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({
          exitCode: error === null ? 0 : (error.code ?? error.signal ?? 'failed'),
          stdout,
          stderr,
          home,
        });
      },
    );
  });
}

// Both runs at once: each is mostly `s` and the build, in a copy of its own.
const AS_DOCUMENTED = runNpm(['deploy:offline']);
const VERIFIED = runNpm(['-s', 'deploy:offline', '--', '--verify']);

function describeRun(run: Run): string {
  return `exit ${run.exitCode}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

describe('npm run deploy:offline on a fresh machine', { timeout: 150_000 }, () => {
  it('deploys every function through the stub with no access alias, and leaves HOME untouched', async () => {
    const run = await AS_DOCUMENTED;
    assert.equal(run.exitCode, 0, describeRun(run));
    assert.doesNotMatch(run.stderr, /Not found access/);
    for (const name of findFunctionNames()) {
      assert.match(
        run.stdout,
        new RegExp(
          `\\n {2}${name}: vms-callflow-${name}, nodejs20, index\\.handler, code \\./dist/${name} \\(built\\)`,
        ),
      );
    }
    assert.match(run.stderr, /CALLBACK_SECRETS is not set: a throwaway one is used for this try-out/);
    assert.ok(!existsSync(join(run.home, '.s')), `~/.s was written: ${readdirSync(run.home).join(', ')}`);
  });

  it('checks the deployed functions through the FC API stand-in with --verify', async () => {
    const run = await VERIFIED;
    assert.equal(run.exitCode, 0, describeRun(run));
    assert.match(run.stdout, /^s deploy ran offline: 3 functions handed to the stub fc3 component/);
    assert.match(run.stderr, /deploy verify: 3 functions, every check passed/);
  });
});
