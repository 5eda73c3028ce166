/**
 * `npm run simulate` with a split node: a scenario's `callId` pins the branch a call takes, and coverage
 * counts each branch of the split as a way on. The rules: test/fixtures/split/greeting.yaml.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { computeCoverage, formatCoverage } from '../../dev/simulator/coverage';
import { readScenarioFile } from '../../dev/simulator/scenario';
import { compileRules } from '../../shared/rules/compile-rules';
import { parseYaml } from '../../shared/rules/yaml-parser';
import { ROOT } from '../support/fc-event';
import { runSimulator } from '../support/simulate-cli';

const dir = mkdtempSync(join(tmpdir(), 'simulate-split-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const RULES = join(ROOT, 'test', 'fixtures', 'split', 'greeting.yaml');
const SCENARIOS = join(ROOT, 'test', 'fixtures', 'split', 'greeting.scenarios.yaml');
const simulate = (...args: string[]) => runSimulator(args);

/** A scenario file of one call with this call id, expecting to hear `hears`. */
function oneCall(name: string, callId: string, hears: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `scenarios:
  - name: one call
    at: '2026-03-10 10:00'
    callId: '${callId}'
    answer: { hears: ${hears} }
    turns: []
`,
  );
  return path;
}

describe('simulate: split', () => {
  it('runs the fixture: each call takes the branch its call id pins, and every branch is covered', async () => {
    const result = await simulate('run', SCENARIOS, '--rules', RULES, '--coverage', '--min-coverage', '100');
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /2 scenarios: 2 passed, 0 failed/);
    assert.match(result.stdout, /coverage: 7\/7 \(100%\)/);
  });

  it('reports the branch no call took as never visited', async () => {
    const classic = oneCall('classic.yaml', '130301340124^117079730101', '欢迎致电客服中心');
    const result = await simulate('run', classic, '--rules', RULES, '--coverage');
    assert.equal(result.status, 0, result.stdout);
    assert.match(result.stdout, /coverage: 4\/7 \(57\.1%\)/);
    assert.match(result.stdout, /never visited: node welcomeShort\n/);
    assert.match(result.stdout, /never visited: greeting: short 10% → welcomeShort\n/);
  });

  it('gives the same call id the same branch on every run, and another id may take the other', async () => {
    const short = oneCall('short.yaml', '130301340124^117079730105', '您好');
    for (let run = 0; run < 2; run++) {
      const result = await simulate('run', short, '--rules', RULES);
      assert.equal(result.status, 0, result.stdout);
    }
    const wrong = oneCall('wrong.yaml', '130301340124^117079730101', '您好');
    const failed = await simulate('run', wrong, '--rules', RULES);
    assert.equal(failed.status, 1);
    assert.match(failed.stdout, /FAIL one call/);
  });

  it('replays a logged call with its own call id, so that its split chooses as it did', async () => {
    // The logged call took the short branch (1 call in 10): a replay under another id would take the
    // classic one 9 times in 10, and end at bye.
    const result = await simulate(
      'replay',
      join(ROOT, 'test', 'fixtures', 'split', 'short-call.jsonl'),
      '--rules',
      RULES,
    );
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /same: answer main\/byeShort\n/);
    assert.match(result.stdout, /the call goes the same way under these rules/);
  });

  it('refuses a call id with characters a VMS call id never has', () => {
    const read = readScenarioFile({
      scenarios: [{ name: 'x', at: '2026-03-10 10:00', callId: 'a b', turns: [] }],
    });
    assert.equal(read.ok, false);
    assert.match(
      read.ok ? '' : (read.issues[0] ?? ''),
      /^scenarios\.0\.callId: a call id is letters, digits/,
    );
  });
});

describe('coverage: split', () => {
  const compiled = compileRules(parseYaml(readFileSync(RULES, 'utf8')));
  assert.ok(compiled.ok);
  const { rules } = compiled.compiled;

  it("counts a branch from the split's trace line, not from the node it leads to", () => {
    const coverage = computeCoverage(rules, [
      {
        flow: 'main',
        trace: [
          'default line → flow main',
          'enter greeting (split)',
          'split greeting: short (10/100) → welcomeShort',
          'enter welcomeShort (say)',
          'enter byeShort (hangup)',
        ],
      },
    ]);
    assert.deepEqual(
      coverage.flows.flatMap((flow) => flow.missed.map((item) => item.label)),
      ['greeting: classic 90% → welcome', 'node welcome', 'node bye'],
    );
    assert.match(formatCoverage(coverage), /never visited: greeting: classic 90% → welcome/);
    // Entering the node a branch leads to, without the split's line, covers no branch.
    const untraced = computeCoverage(rules, [
      { flow: 'main', trace: ['enter greeting (split)', 'enter welcome (say)'] },
    ]);
    assert.ok(untraced.flows[0]?.missed.some((item) => item.label === 'greeting: classic 90% → welcome'));
  });
});
