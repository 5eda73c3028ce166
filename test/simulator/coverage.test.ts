import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { computeCoverage, formatCoverage, listCoverageItems } from '../../dev/simulator/coverage';
import { main } from '../../scripts/simulate/simulate';
import { compileRules } from '../../shared/rules/compile-rules';
import { parseYaml } from '../../shared/rules/yaml-parser';
import { HOTLINE } from '../support/second-edition-rules';
import { PREBUILT } from '../support/simulate-cli';

const dir = mkdtempSync(join(tmpdir(), 'simulate-coverage-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Two branches to one node and a flow-level escalation: what only the traces tell apart. */
const RULES = `version: cov-1
defaultLine: { flow: main }
flows:
  main:
    start: route
    noMatch: { retries: 0, escalateTo: bye }
    nodes:
      route:
        type: branch
        branches:
          - { when: { time: '00:00-12:00' }, goto: menu }
          - { when: { time: '12:00-18:00' }, goto: menu }
        else: bye
      menu:
        type: menu
        say: 请按1或3
        keys: { '1': one, '3': three }
      one: { type: hangup, say: 一 }
      three: { type: hangup, say: 三 }
      bye: { type: hangup, say: 再见 }
`;

const SCENARIOS = `scenarios:
  - name: an afternoon call presses 1
    at: '2026-03-10 14:00'
    turns:
      - silence: true
      - keys: '1'
        expect: { node: one, matched: key 1 }
`;

describe('coverage', () => {
  it('lists the ways on from the node traits, the flow-level escalation of each menu included', () => {
    const compiled = compileRules(parseYaml(RULES));
    assert.ok(compiled.ok);
    const labels = listCoverageItems(compiled.compiled.rules).map((item) => item.label);
    assert.deepEqual(labels, [
      'node route',
      'route: branches.0 → menu',
      'route: branches.1 → menu',
      'route: else → bye',
      'node menu',
      'menu: key 1 → one',
      'menu: key 3 → three',
      "menu: noMatch escalation (the flow's) → bye",
      'node one',
      'node three',
      'node bye',
    ]);
  });

  it('tells apart two branches to one node, from the traces of calls through the bundles', async () => {
    const rules = join(dir, 'rules.yaml');
    const scenarios = join(dir, 'cov.scenarios.yaml');
    writeFileSync(rules, RULES);
    writeFileSync(scenarios, SCENARIOS);
    let out = '';
    const status = await main(
      ['run', scenarios, '--rules', rules, '--coverage'],
      {
        out: (text) => {
          out += text;
        },
        err: (text) => {
          out += text;
        },
      },
      PREBUILT,
    );
    assert.equal(status, 0, out);
    assert.match(out, /coverage: 5\/11 \(45\.4%\)/);
    const missed = [...out.matchAll(/never visited: (.*)/g)].map((match) => match[1]);
    assert.deepEqual(missed, [
      'route: branches.0 → menu',
      'route: else → bye',
      'menu: key 3 → three',
      "menu: noMatch escalation (the flow's) → bye",
      'node three',
      'node bye',
    ]);
  });

  it('counts nothing for a log line of a flow the rules do not have', () => {
    const compiled = compileRules(parseYaml(RULES));
    assert.ok(compiled.ok);
    const coverage = computeCoverage(compiled.compiled.rules, [
      { flow: 'gone', trace: ['enter route (branch)'] },
    ]);
    assert.equal(coverage.visited, 0);
    assert.equal(coverage.total, 11);
  });

  it('counts what each lookup node’s lookups came to, and its next and onError by the lookup’s own line', () => {
    // next and onError lead to one node here: only the lookup's trace line tells them apart.
    const compiled = compileRules(
      parseYaml(`version: cov-lookup
defaultLine: { flow: main }
lookups:
  account: { url: 'https://api.example.com/account' }
flows:
  main:
    start: get
    nodes:
      get: { type: lookup, use: account, filler: 请稍候, next: bye, onError: bye }
      unused: { type: lookup, use: account, next: bye, onError: bye }
      bye: { type: hangup, say: 再见 }
`),
    );
    assert.ok(compiled.ok);
    const { rules } = compiled.compiled;
    assert.deepEqual(
      listCoverageItems(rules).map((item) => item.label),
      [
        'node get',
        'get: next → bye',
        'get: onError → bye',
        'node unused',
        'unused: next → bye',
        'unused: onError → bye',
        'node bye',
      ],
    );
    const waited = computeCoverage(rules, [
      // The callin: the filler; then, on the next event at the lookup node, a short silence, then the answer.
      {
        flow: 'main',
        trace: ['enter get (lookup)', 'lookup account still waiting after 1 attempt → filler'],
      },
      {
        flow: 'main',
        nodeBefore: 'get',
        trace: ['lookup account still waiting after 1 attempt → short silence'],
      },
      { flow: 'main', nodeBefore: 'get', trace: ['lookup account ok → bye', 'enter bye (hangup)'] },
    ]);
    const missed = (coverage: typeof waited) =>
      coverage.flows.flatMap((flow) => flow.missed.map((item) => item.label));
    assert.ok(missed(waited).includes('get: onError → bye'));
    assert.ok(!missed(waited).includes('get: next → bye'));
    assert.deepEqual(
      waited.lookups.map((lookup) => [lookup.node, lookup.use, [...lookup.seen]]),
      [
        [
          'get',
          'account',
          [
            ['waiting (filler)', 1],
            ['waiting (short silence)', 1],
            ['ok', 1],
          ],
        ],
        ['unused', 'account', []],
      ],
    );
    const failed = computeCoverage(rules, [
      {
        flow: 'main',
        trace: [
          'enter get (lookup)',
          'lookup account failed (status 503) after 1 attempt → bye',
          'enter bye (hangup)',
        ],
      },
    ]);
    assert.ok(!missed(failed).includes('get: onError → bye'));
    assert.ok(missed(failed).includes('get: next → bye'));
    assert.match(
      formatCoverage(failed),
      /\n {4}lookup get \(account\): failed status 503 ×1\n {4}lookup unused \(account\): never looked up\n$/,
    );
  });

  it('follows a call into a subflow and back, credits the way on it returned to, and counts handlers', async () => {
    const rules = join(dir, 'second-edition.yaml');
    const scenarios = join(dir, 'second-edition.scenarios.yaml');
    writeFileSync(rules, JSON.stringify(HOTLINE));
    writeFileSync(
      scenarios,
      `scenarios:
  - name: a lost card, checked and back in the menu
    at: '2026-03-10 14:00'
    turns:
      - silence: true
      - keys: '1'
        expect: { node: askCard }
      - keys: '6218'
      - keys: '583920'
        expect: { node: menu }
      - say: 转人工
        expect: { node: agent, matched: handler agent }
`,
    );
    let out = '';
    const write = (text: string) => {
      out += text;
    };
    const status = await main(
      ['run', scenarios, '--rules', rules, '--coverage'],
      { out: write, err: write },
      PREBUILT,
    );
    assert.equal(status, 0, out);
    const missed = [...out.matchAll(/never visited: (.*)/g)].map((match) => match[1]);
    assert.deepEqual(missed, [
      'menu: key 2 → balanceCheck',
      'menu: intent lost → lostCheck',
      'menu: intent balance → balanceCheck',
      'lostCheck: exits.failed → agent',
      'node balanceCheck',
      'balanceCheck: next → balanceDone',
      'balanceCheck: exits.failed → agent',
      'node balanceDone',
      'handler repeat → repeat',
      'handler mainMenu → restart',
      'askCard: noInput escalation → failed',
      'askPin: noMatch escalation → failed',
      'node failed',
      'handler agent → main/agent',
      'handler repeat → repeat',
      'handler mainMenu → restart',
    ]);
  });

  it('never reads a handler line as the way on of the node that heard it', () => {
    const compiled = compileRules({
      version: 'v1',
      defaultLine: { flow: 'main' },
      handlers: [{ name: 'skip', keywords: ['跳过'], flow: 'main', goto: 'bye' }],
      flows: {
        main: {
          start: 'card',
          nodes: {
            card: { type: 'collect', say: '请输入', saveAs: 'card', maxDigits: 4, next: 'bye' },
            bye: { type: 'hangup', say: '再见' },
          },
        },
      },
    });
    assert.ok(compiled.ok);
    const { rules } = compiled.compiled;
    const coverage = computeCoverage(rules, [
      {
        flow: 'main',
        nodeBefore: 'card',
        matched: 'handler skip',
        trace: ['handler skip (keyword 跳过) → main/bye', 'enter bye (hangup)'],
      },
    ]);
    assert.deepEqual(
      coverage.flows.flatMap((flow) => flow.missed.map((item) => item.label)),
      ['card: next → bye'],
    );
  });
});
