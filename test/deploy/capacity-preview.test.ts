/**
 * `npm run capacity` through `s preview`: the schedule it writes into a copy of s.yaml, as `s` renders it
 * offline (the environment of test/deploy/s-yaml.test.ts), for the bank example across Spring Festival 2026
 * and National Day 2026.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { replaceProvisionConfig, WRITTEN_BY } from '../../scripts/capacity/s-yaml-capacity';
import {
  BANK,
  copyProject,
  ORIGINAL_S_YAML as ORIGINAL,
  runCapacity as run,
  scratch,
} from '../support/capacity-run';
import { ROOT } from '../support/fc-event';

/** `s preview -o json` of a folder's s.yaml, offline (see test/deploy/s-yaml.test.ts). */
function preview(dir: string): Promise<{ resources: Record<string, { props: Record<string, unknown> }> }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '' };
  Object.assign(env, {
    NODE_ENV: 'test',
    serverless_devs_config_home: mkdtempSync(join(scratch, 'home-')),
    npm_config_update_notifier: 'false',
  });
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(ROOT, 'node_modules', '.bin', 's'), 'preview', '-t', 's.yaml', '-o', 'json', '--silent'],
      { cwd: dir, env, timeout: 90_000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error === null ? resolve(JSON.parse(stdout)) : reject(new Error(`${error}\n${stderr}`)),
    );
  });
}

type Action = {
  name: string;
  scheduleExpression: string;
  startTime: string;
  endTime: string;
  target: number;
};

describe('npm run capacity, rendered by s preview', { timeout: 120_000 }, () => {
  it('writes the bank schedule into s.yaml, and s preview shows it (Spring Festival 2026)', async () => {
    const dir = copyProject();
    const result = run([
      BANK,
      '--from',
      '2026-02-01',
      '--weeks',
      '8',
      '--instances',
      '2',
      '--to-file',
      join(dir, 's.yaml'),
    ]);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /2026-02-14 {2}make-up workday +08:45-18:00/);
    assert.match(result.out, /2026-02-17 {2}holiday +cold all day/);
    assert.match(result.out, /cost estimate: .* × 256 MB × 0\.15 CU\/GB-s × 0\.00002 per CU ≈ \d+\.\d\d/);
    assert.match(result.out, /outbound: no calendar in this document; its provisionConfig left as it is/);
    const written = readFileSync(join(dir, 's.yaml'), 'utf8');
    assert.ok(written.includes(WRITTEN_BY));
    const rendered = await preview(dir);
    const config = rendered.resources.inbound?.props.provisionConfig as {
      defaultTarget: number;
      alwaysAllocateCPU: boolean;
      scheduledActions: Action[];
    };
    assert.equal(config.defaultTarget, 0);
    assert.equal(config.alwaysAllocateCPU, false);
    const expressions = config.scheduledActions.map((action) => action.scheduleExpression);
    assert.ok(expressions.includes('at(2026-02-14T08:45:00)'));
    assert.ok(expressions.includes('at(2026-02-28T18:00:00)'));
    assert.ok(config.scheduledActions.every((action) => typeof action.startTime === 'string'));
    // No window is in force across the holiday days: the last run before it ends on 2026-02-14.
    const inForce = config.scheduledActions.filter(
      (action) => action.startTime <= '2026-02-17T00:00:00' && action.endTime > '2026-02-17T00:00:00',
    );
    assert.deepEqual(inForce, []);
    assert.equal(rendered.resources.outbound?.props.provisionConfig, undefined);
    // Everything else byte for byte: removing it again gives the original back.
    const removed = replaceProvisionConfig(written, 'inbound', undefined);
    assert.ok(removed.ok);
    assert.equal(removed.text, ORIGINAL);
  });

  it('plans across National Day 2026, replaces its earlier schedule, and s preview shows it', async () => {
    const dir = copyProject();
    const file = join(dir, 's.yaml');
    assert.equal(run([BANK, '--from', '2026-02-01', '--to-file', file]).code, 0);
    const result = run([BANK, '--from', '2026-09-21', '--weeks', '4', '--lead', '0m', '--to-file', file]);
    assert.equal(result.code, 0, result.err);
    const rendered = await preview(dir);
    const config = rendered.resources.inbound?.props.provisionConfig as { scheduledActions: Action[] };
    const actions = config.scheduledActions;
    assert.ok(actions.some((action) => action.scheduleExpression === 'at(2026-10-10T09:00:00)'));
    assert.ok(!actions.some((action) => action.startTime < '2026-09-21'));
    assert.ok(
      !actions.some(
        (action) => action.startTime <= '2026-10-01T00:00:00' && action.endTime > '2026-10-01T00:00:00',
      ),
    );
    assert.equal(readFileSync(file, 'utf8').split(WRITTEN_BY).length, 2, 'one schedule, not two');
  });
});
