import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import type { IntentEvaluation } from '../../../shared/rules-tooling/evaluate-intents';
import { runRules } from '../../support/rules-cli';

const root = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'rules-intents-'));

function writeTemp(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const RULES = writeTemp(
  'rules.yaml',
  `version: v1
defaultLine: { flow: main }
flows:
  main:
    start: menu
    nodes:
      menu:
        type: menu
        say: 挂失请按1，人工请按0
        keys: { '1': lost, '0': agent }
        intents:
          - { name: lostCard, keywords: [挂失, 丢了], goto: lost }
          - { name: agent, keywords: [人工], excludes: [不要人工], goto: agent }
      lost: { type: hangup, say: 挂失 }
      agent: { type: transfer, to: '95555' }
`,
);

/** Four utterances, three reached: 不是挂失 has no exclude in these rules. */
const UTTERANCES = writeTemp(
  'utterances.yaml',
  `flow: main
node: menu
utterances:
  - { say: 我的卡丢了。, intent: lostCard }
  - { say: 不是挂失，转人工。, intent: agent }
  - { say: 我不要人工。, intent: none }
  - { say: 按0, intent: agent }
`,
);

describe('npm run rules -- intents', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the accuracy and every wrong pick with why, exit 0 without --strict', async () => {
    const result = await runRules('intents', RULES, '--utterances', UTTERANCES);
    assert.equal(result.status, 0);
    assert.equal(
      result.stdout,
      'main.menu: 3/4 utterances reach their intent (75 %)\n' +
        '  不是挂失，转人工。: expected agent, got lostCard (keyword 挂失)\n',
    );
    assert.equal(result.stderr, '');
  });

  it('fails with --strict on any wrong pick, and under --min-accuracy', async () => {
    const strict = await runRules('intents', RULES, '--utterances', UTTERANCES, '--strict');
    assert.equal(strict.status, 1);
    assert.equal(strict.stderr, '1 utterance matched wrongly (--strict: any wrong pick fails)\n');
    assert.equal(
      (await runRules('intents', RULES, '--utterances', UTTERANCES, '--min-accuracy', '75')).status,
      0,
    );
    const under = await runRules('intents', RULES, '--utterances', UTTERANCES, '--min-accuracy', '80');
    assert.equal(under.status, 1);
    assert.equal(under.stderr, 'accuracy 75 % is under --min-accuracy 80 %\n');
  });

  it('prints JSON with --json: the score and each verdict', async () => {
    const result = await runRules('intents', RULES, '--utterances', UTTERANCES, '--json');
    assert.equal(result.status, 0);
    const evaluation = JSON.parse(result.stdout) as IntentEvaluation;
    assert.deepEqual(
      [evaluation.flow, evaluation.node, evaluation.total, evaluation.correct],
      ['main', 'menu', 4, 3],
    );
    assert.deepEqual(evaluation.verdicts[2], {
      say: '我不要人工。',
      intent: 'none',
      flow: 'main',
      node: 'menu',
      got: 'none',
      excluded: [{ intent: 'agent', exclude: '不要人工' }],
      ok: true,
    });
    assert.deepEqual(evaluation.verdicts[3], {
      say: '按0',
      intent: 'agent',
      flow: 'main',
      node: 'menu',
      got: 'agent',
      why: 'spoken key 0',
      excluded: [],
      ok: true,
    });
  });

  it('refuses an utterance file it cannot use, exit 1, saying where', async () => {
    const bad = writeTemp(
      'bad.yaml',
      'flow: main\nnode: menu\nutterances:\n  - { say: 挂失, intent: lost card }\n',
    );
    const refused = await runRules('intents', RULES, '--utterances', bad);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /bad\.yaml: line 4: utterances\.0\.intent: /);
    const elsewhere = writeTemp(
      'elsewhere.json',
      JSON.stringify({ flow: 'main', node: 'lost', utterances: [{ say: '挂失', intent: 'none' }] }),
    );
    const notMenu = await runRules('intents', RULES, '--utterances', elsewhere);
    assert.equal(notMenu.status, 1);
    assert.equal(
      notMenu.stderr,
      `${elsewhere}: main.lost is a hangup node: only a menu's intents are scored\n`,
    );
    const big = writeTemp('big.yaml', `# ${'x'.repeat(256 * 1024)}\n`);
    assert.match((await runRules('intents', RULES, '--utterances', big)).stderr, /over 262144 bytes/);
    const broken = writeTemp('broken.yaml', 'flow: [\n');
    assert.match((await runRules('intents', RULES, '--utterances', broken)).stderr, /not valid YAML/);
    assert.match((await runRules('intents', RULES, '--utterances', join(dir, 'none.yaml'))).stderr, /ENOENT/);
  });

  it('refuses a wrong command line, exit 2', async () => {
    const missing = await runRules('intents', RULES);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^rules: intents needs --utterances FILE/);
    for (const value of ['101', 'most', '-5']) {
      const wrong = await runRules('intents', RULES, '--utterances', UTTERANCES, `--min-accuracy=${value}`);
      assert.equal(wrong.status, 2, value);
      assert.match(wrong.stderr, /--min-accuracy takes a percentage from 0 to 100/);
    }
  });

  it('schema utterances prints the JSON Schema committed as utterances.schema.json', async () => {
    const result = await runRules('schema', 'utterances');
    assert.equal(result.status, 0);
    assert.equal(
      result.stdout,
      readFileSync(join(root, 'utterances.schema.json'), 'utf8'),
      'utterances.schema.json is out of date: run npm run -s rules -- schema utterances -o utterances.schema.json',
    );
    assert.equal((await runRules('schema', 'scenarios')).status, 2);
  });
});
