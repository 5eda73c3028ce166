import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseLead } from '../../../scripts/capacity/capacity';
import {
  BANK,
  copyProject,
  ORIGINAL_S_YAML as ORIGINAL,
  runCapacity as run,
} from '../../support/capacity-run';

describe('npm run capacity', { timeout: 120_000 }, () => {
  it('prints without writing on --dry-run, and refuses bad options and files', () => {
    const dir = copyProject();
    const file = join(dir, 's.yaml');
    const dry = run([BANK, '--from', '2026-02-01', '--dry-run', '--to-file', file]);
    assert.equal(dry.code, 0);
    assert.match(dry.out, /dry run: .* not written/);
    assert.equal(readFileSync(file, 'utf8'), ORIGINAL);
    assert.equal(run([BANK, '--weeks', '0']).code, 2);
    assert.equal(run([BANK, '--lead', 'soon']).code, 2);
    assert.equal(run([BANK, '--instances', '-1']).code, 2);
    assert.equal(run([BANK, '--from', '2026-02-30']).code, 2);
    assert.equal(run([BANK, '--memory', '12']).code, 2);
    assert.equal(run([BANK, '--price-per-cu', 'free']).code, 2);
    const missing = run([join(dir, 'none.yaml'), '--to-file', file]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /cannot read .*none\.yaml \(ENOENT\)/);
    const zero = run([BANK, '--instances', '0', '--to-file', file]);
    assert.equal(zero.code, 0);
    assert.match(zero.out, /unchanged/);
    const noSYaml = run([BANK, '--to-file', join(dir, 'absent.yaml')]);
    assert.equal(noSYaml.code, 1);
  });

  it('reads lead times in minutes or hours', () => {
    assert.equal(parseLead('15m'), 15);
    assert.equal(parseLead('1h'), 60);
    assert.equal(parseLead('30'), 30);
    assert.equal(parseLead('7h'), undefined);
    assert.equal(parseLead('-5m'), undefined);
  });
});
