import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../../scripts/outbound/outbound-id';
import { openOutboundId, sealOutboundId } from '../../../shared/state/outbound-id';
import { captureIo } from '../../support/command-io';
import { ROOT } from '../../support/fc-event';

const KEY = 'sender-key-0123456789abc';
const OLD_KEY = 'sender-old-0123456789abc';
const NOW = Date.UTC(2026, 10, 23, 2, 0, 0);
const ENV = { OUTBOUND_SECRETS: `${KEY},${OLD_KEY}` };

const dir = mkdtempSync(join(tmpdir(), 'outbound-id-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the command in-process on a fixed clock and environment. */
function run(argv: string[], env: Record<string, string> = ENV) {
  const { io, out, err } = captureIo(env);
  const code = main(argv, { ...io, now: () => NOW });
  return { code, out: out.join(''), err: err.join('') };
}

describe('npm run outbound-id --rules', () => {
  const RULES = join(ROOT, 'examples/appointment-reminder.yaml');

  it('seals what the rules obey', () => {
    const { code, out } = run([
      '--flow',
      'remind',
      '--var',
      'time=明天上午10点半',
      '--var',
      'doctor=王医生',
      '--rules',
      RULES,
    ]);
    assert.equal(code, 0);
    assert.match(out, /^o1\./);
  });

  it('refuses a flow the rules do not let a DynamicId start, and a value they would drop, sealing nothing', () => {
    for (const [argv, why] of [
      [['--flow', 'nowhere'], /does not let a DynamicId start flow nowhere \(see outbound\.flows\)/],
      [
        ['--flow', 'remind', '--var', 'tme=10:30'],
        /would drop a value: tme is not declared in outbound\.vars/,
      ],
      [
        ['--flow', 'remind', '--var', `doctor=${'王'.repeat(6)}`],
        /would drop a value: doctor is over its 15 bytes/,
      ],
    ] as const) {
      const { code, out, err } = run([...argv, '--rules', RULES]);
      assert.equal(code, 1);
      assert.equal(out, '');
      assert.match(err, why);
    }
  });
});

describe('npm run outbound-id', () => {
  it('prints a DynamicId that the outbound keys open to the flow, values and expiry given', () => {
    const { code, out, err } = run([
      '--flow',
      'reminder',
      '--var',
      'time=10:30',
      '--var',
      'doctor=王医生',
      '--expires',
      '2h',
    ]);
    assert.equal(code, 0, err);
    assert.match(out, /^o1\.[A-Za-z0-9_-]+\n$/);
    assert.deepEqual(openOutboundId(out.trim(), [OLD_KEY, KEY], NOW), {
      kind: 'ok',
      flow: 'reminder',
      vars: { time: '10:30', doctor: '王医生' },
      expiresAtS: NOW / 1000 + 7200,
    });
    assert.equal(err, `117 of 200 characters, values 37 of 78 bytes; expires 2026-11-23T04:00:00.000Z\n`);
  });

  it('expires in a day by default, or at a time written with its offset; a value may hold "="', () => {
    const byDefault = run(['--flow', 'reminder']);
    assert.equal(openOutboundId(byDefault.out.trim(), [KEY], NOW).kind, 'ok');
    assert.match(byDefault.err, /expires 2026-11-24T02:00:00\.000Z/);
    const at = run(['--flow', 'reminder', '--var', 'note=a=b', '--expires', '2026-11-23T18:00+08:00']);
    const opened = openOutboundId(at.out.trim(), [KEY], NOW);
    assert.ok(opened.kind === 'ok');
    assert.equal(opened.expiresAtS, Date.UTC(2026, 10, 23, 10, 0, 0) / 1000);
    assert.deepEqual(opened.vars, { note: 'a=b' });
  });

  it('writes the DynamicId to a file with -o, and nothing to stdout', () => {
    const file = join(dir, 'dynamic-id.txt');
    const { code, out } = run(['--flow', 'reminder', '-o', file]);
    assert.equal(code, 0);
    assert.equal(out, '');
    assert.equal(openOutboundId(readFileSync(file, 'utf8').trim(), [KEY], NOW).kind, 'ok');
  });

  it('shows what a DynamicId holds with --open, and says why one is refused', () => {
    const text = sealOutboundId({ flow: 'reminder', vars: { time: '10:30' }, expiresAtS: NOW / 1000 + 60 }, [
      OLD_KEY,
    ]);
    const opened = run(['--open', text]);
    assert.equal(opened.code, 0);
    assert.deepEqual(JSON.parse(opened.out), {
      flow: 'reminder',
      vars: { time: '10:30' },
      expiresAt: '2026-11-23T02:01:00.000Z',
    });
    const foreign = run(['--open', text], { OUTBOUND_SECRETS: 'another-key-0123456789' });
    assert.equal(foreign.code, 1);
    assert.match(foreign.err, /^outbound-id: the DynamicId is tampered: .*OUTBOUND_SECRETS does not list\n$/);
    const stale = sealOutboundId({ flow: 'reminder', vars: {}, expiresAtS: NOW / 1000 }, [KEY]);
    assert.match(run(['--open', stale]).err, /the DynamicId is expired/);
    assert.match(run(['--open', 'reminder']).err, /the DynamicId is malformed/);
  });

  it('refuses clearly without OUTBOUND_SECRETS, or with a bad one, and never prints a key', () => {
    const unset = run(['--flow', 'reminder'], {});
    assert.equal(unset.code, 1);
    assert.match(unset.err, /^outbound-id: OUTBOUND_SECRETS is not set: /);
    const short = run(['--flow', 'reminder'], { OUTBOUND_SECRETS: 'short-key' });
    assert.equal(short.code, 1);
    assert.match(short.err, /OUTBOUND_SECRETS is invalid: .*at least 16/);
    for (const result of [unset, short, run(['--flow', 'reminder']), run(['--open', 'o1.AAAA'])]) {
      assert.doesNotMatch(result.out + result.err, /sender-key|sender-old|short-key/);
    }
  });

  it('refuses what does not fit, naming the size', () => {
    const { code, out, err } = run([
      '--flow',
      'reminder',
      '--var',
      `a=${'x'.repeat(64)}`,
      '--var',
      `b=${'y'.repeat(40)}`,
    ]);
    assert.equal(code, 1);
    assert.equal(out, '');
    assert.match(err, /it would be \d+ characters, over the 200/);
  });

  it('refuses a command line it cannot seal from, with exit 2', () => {
    const cases: [string[], RegExp][] = [
      [[], /needs --flow NAME \(or --open TEXT\)/],
      [['--flow', 'reminder', '--var', 'time'], /--var takes NAME=VALUE, not time/],
      [['--flow', 'reminder', '--var', 'a=1', '--var', 'a=2'], /--var a is given twice/],
      [['--flow', 'reminder', '--expires', 'tomorrow'], /--expires takes a lifetime/],
      [['--flow', 'reminder', '--expires', '2026-11-23T18:00'], /--expires takes a lifetime/],
      [['--flow', 'reminder', '--expires', '2026-11-22T18:00Z'], /is not in the future/],
      [['--flow', 'reminder', '--expires', '32d'], /more than 31 days away/],
      [['--open', 'o1.x', '--flow', 'reminder'], /--open goes alone/],
    ];
    for (const [argv, message] of cases) {
      const { code, out, err } = run(argv);
      assert.equal(code, 2, argv.join(' '));
      assert.equal(out, '');
      assert.match(err, message);
      assert.match(err, /\(see 'npm run outbound-id -- --help'\)\n$/);
    }
  });
});
