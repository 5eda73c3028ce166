import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseLead } from '../../../scripts/capacity/capacity';
import { describeCapacityDrift, provisionOwner } from '../../../scripts/capacity/s-yaml-capacity';
import { compileRules } from '../../../shared/rules/compile-rules';
import { parseYaml } from '../../../shared/rules/yaml-parser';
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
    // Today is 2026-02-01 in these runs: a period from before it is planned, with a warning.
    const past = run([BANK, '--from', '2026-01-04', '--weeks', '6', '--dry-run', '--to-file', file]);
    assert.equal(past.code, 0);
    assert.match(past.err, /warning: inbound: --from 2026-01-04 is 28 days ago: .* it ends on 2026-02-15/);
    assert.doesNotMatch(dry.err, /days ago/);
  });

  it('keeps the line ends of an s.yaml written with CRLF', () => {
    const dir = copyProject();
    const file = join(dir, 's.yaml');
    writeFileSync(file, ORIGINAL.replaceAll('\n', '\r\n'));
    assert.equal(run([BANK, '--from', '2026-02-01', '--weeks', '2', '--to-file', file]).code, 0);
    const written = readFileSync(file, 'utf8');
    assert.match(written, /provisionConfig:\r\n/);
    assert.doesNotMatch(written, /[^\r]\n/);
    assert.equal(provisionOwner(written, 'inbound'), 'ours');
  });

  it('reads lead times in minutes or hours', () => {
    assert.equal(parseLead('15m'), 15);
    assert.equal(parseLead('1h'), 60);
    assert.equal(parseLead('30'), 30);
    assert.equal(parseLead('7h'), undefined);
    assert.equal(parseLead('-5m'), undefined);
  });
});

describe('rules publish and the warm capacity in s.yaml', { timeout: 120_000 }, () => {
  it('stamps the plan, and tells a document whose calendars would plan other actions', () => {
    const dir = copyProject();
    const file = join(dir, 's.yaml');
    assert.equal(
      run([BANK, '--from', '2026-02-01', '--weeks', '8', '--lead', '30m', '--to-file', file]).code,
      0,
    );
    const written = readFileSync(file, 'utf8');
    assert.match(written, /# planned: from=2026-02-01 weeks=8 lead=30m instances=1/);
    const bank = compileRules(parseYaml(readFileSync(BANK, 'utf8')));
    assert.ok(bank.ok);
    assert.deepEqual(describeCapacityDrift(bank.compiled, written), []);
    // The office opens at 08:00 now: the schedule in s.yaml no longer follows it.
    const earlier = compileRules(
      parseYaml(readFileSync(BANK, 'utf8').replace("workdays: ['09:00-18:00']", "workdays: ['08:00-18:00']")),
    );
    assert.ok(earlier.ok);
    const notes = describeCapacityDrift(earlier.compiled, written);
    assert.equal(notes.length, 1);
    assert.match(
      notes[0] ?? '',
      /^inbound's warm capacity in s.yaml was planned from other calendars than these: run npm run capacity -- <this file> --from 2026-02-01 --weeks 8 --lead 30m --inbound-instances 1/,
    );
    // With outbound planned too (by the reminder's rules), the command named keeps both counts.
    const REMINDER = join(BANK, '..', 'appointment-reminder.yaml');
    assert.equal(
      run([
        REMINDER,
        '--from',
        '2026-02-01',
        '--weeks',
        '8',
        '--lead',
        '30m',
        '--outbound-instances',
        '3',
        '--to-file',
        file,
      ]).code,
      0,
    );
    const both = describeCapacityDrift(earlier.compiled, readFileSync(file, 'utf8'));
    assert.equal(both.length, 1);
    assert.match(
      both[0] ?? '',
      /^inbound's warm capacity .* --inbound-instances 1 --outbound-instances 3, then npx s deploy$/,
    );
    // A schedule without a stamp (written by hand, or before stamps) is left alone.
    assert.deepEqual(describeCapacityDrift(earlier.compiled, written.replace(/# planned: .*\n/, '')), []);
    assert.deepEqual(describeCapacityDrift(earlier.compiled, ORIGINAL), []);
  });
});

describe('npm run capacity leaves alone what it did not plan', { timeout: 120_000 }, () => {
  const REMINDER = join(BANK, '..', 'appointment-reminder.yaml');

  it('keeps a function another document planned, and a provisionConfig written by hand', () => {
    const dir = copyProject();
    const file = join(dir, 's.yaml');
    assert.equal(run([BANK, '--from', '2026-02-01', '--weeks', '4', '--to-file', file]).code, 0);
    const planned = readFileSync(file, 'utf8');
    // The reminder's rules plan outbound only (it may have no outbound calendar: then nothing changes).
    const reminder = run([REMINDER, '--from', '2026-02-01', '--weeks', '4', '--to-file', file]);
    assert.equal(reminder.code, 0, reminder.err);
    assert.match(
      reminder.out,
      /inbound: no calendar in this document; its provisionConfig left as it is \(--inbound-instances 0 removes it\)/,
    );
    assert.ok(
      readFileSync(file, 'utf8').includes(
        planned.slice(planned.indexOf('    provisionConfig:'), planned.indexOf('w1-up')),
      ),
    );
    // --inbound-instances 0 removes the schedule it wrote.
    assert.equal(run([BANK, '--inbound-instances', '0', '--from', '2026-02-01', '--to-file', file]).code, 0);
    assert.equal(provisionOwner(readFileSync(file, 'utf8'), 'inbound'), 'none');
    // A hand-written one is never touched.
    const hand = ORIGINAL.replace(
      /(\n {2}inbound:\n(?:.*\n)*? {4}props:\n)/,
      '$1      provisionConfig:\n        defaultTarget: 2\n',
    );
    writeFileSync(file, hand);
    const kept = run([BANK, '--from', '2026-02-01', '--weeks', '4', '--to-file', file]);
    assert.equal(kept.code, 0, kept.err);
    assert.match(
      kept.out,
      /inbound: its provisionConfig in .* was not written by npm run capacity: left as it is/,
    );
    assert.match(readFileSync(file, 'utf8'), /provisionConfig:\n {8}defaultTarget: 2\n/);
  });
});
