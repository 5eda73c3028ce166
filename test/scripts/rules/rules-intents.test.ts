import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type LlmServer, startLlmServer } from '../../../dev/llm-server';
import { main } from '../../../scripts/rules/rules';
import { compileRules } from '../../../shared/rules/compile-rules';
import { parseYaml } from '../../../shared/rules/yaml-parser';
import type { ClassifierEvaluation } from '../../../shared/rules-tooling/classifier-evaluation';
import {
  type EngineOptions,
  enginesForFile,
  type IntentEvaluation,
  menuName,
  placeUtterances,
  readUtteranceFile,
  scoreUtterances,
} from '../../../shared/rules-tooling/evaluate-intents';
import { formatPercent } from '../../../shared/rules-tooling/intents-report';
import { captureText } from '../../support/command-io';
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

after(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run rules -- intents', () => {
  it('prints the accuracy and every wrong pick with why, exit 0 without --strict', async () => {
    const result = await runRules('intents', RULES, '--utterances', UTTERANCES);
    assert.equal(result.status, 0);
    assert.equal(
      result.stdout,
      'main.menu: 3/4 utterances reach their intent (75 %)\n' +
        '  不是挂失，转人工。: expected agent, got lostCard (keyword 挂失)\n' +
        'wrong: 1 (1 to another choice, 0 to none, the no-match retry)\n',
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

/** The clock the rules CLI reads in these tests, as runRules has it. */
const NOW = Date.parse('2026-06-01T12:00:00+08:00');

/** Runs `rules intents …` in-process with `env` (runRules gives none): the API key's variable, say. */
async function runIntents(
  env: Readonly<Record<string, string>>,
  ...args: string[]
): Promise<{ status: number; stdout: string; stderr: string; ms: number }> {
  const { streams, captured } = captureText();
  const started = Date.now();
  const status = await main(['intents', ...args], { ...streams, now: () => NOW, env });
  return { status, ...captured, ms: Date.now() - started };
}

const KEY = { LLM_API_KEY: 'test-key' };
const BANK = join(root, 'examples', 'bank-card-service.yaml');
const ASR = join(root, 'examples', 'bank-card-service.asr.utterances.yaml');

/** `rules intents` on the bank example and the shipped set, with the stand-in's key. */
const onShipped = (...args: string[]) => runIntents(KEY, BANK, '--utterances', ASR, ...args);

/** The evaluation `--json` prints with `--llm`. */
type Printed = ClassifierEvaluation & { readonly classifier: Record<string, unknown> };

/** The shipped set and the bank example, and what the engine itself makes of them, worked out here. */
function shippedSet() {
  const compiled = compileRules(parseYaml(readFileSync(BANK, 'utf8')));
  const read = readUtteranceFile(parseYaml(readFileSync(ASR, 'utf8')));
  assert.ok(compiled.ok && read.ok);
  const engines = (options: EngineOptions = {}) => {
    const found = enginesForFile(compiled.compiled, read.file, NOW, options);
    assert.ok(found.ok);
    return found;
  };
  const keywords = scoreUtterances(read.file, (say, utterance) => engines().at(utterance).pick(say));
  /** The utterances a call would ask the classifier about, by the engine's own decision. */
  const asked = (options: EngineOptions = {}) => {
    const at = engines(options);
    return placeUtterances(read.file).filter(
      (utterance) => at.at(utterance).decide(utterance.say).kind === 'asks',
    );
  };
  return { keywords, asked, file: read.file };
}

describe('npm run rules -- intents --llm, against the language-model stand-in', () => {
  let server: LlmServer;
  before(async () => {
    server = await startLlmServer();
  });
  after(() => server.close());
  const shipped = shippedSet();

  it('prints keywords alone against keywords + the model: overall, by menu and by kind, then the rest', async () => {
    const sent = server.requests.length;
    const result = await onShipped('--llm', server.url);
    assert.equal(result.status, 0, result.stderr);
    const asked = shipped.asked().length;
    assert.ok(asked > 0 && asked < shipped.file.utterances.length, 'some utterances ask, some do not');
    assert.equal(
      result.stderr,
      `asking qwen-flash at ${server.url} about ${asked} utterances of ${shipped.keywords.total}, 4 at a time, within 700 ms each, no budget guard\n`,
    );
    assert.equal(server.requests.length - sent, asked);
    assert.ok(
      server.requests.slice(sent).every((request) => request.authorized && request.model === 'qwen-flash'),
    );
    const lines = result.stdout.split('\n');
    assert.match(
      lines[0] ?? '',
      /^keywords alone against keywords \+ language model \(qwen-flash at http:\/\/127\.0\.0\.1:\d+\/v1, wait 700 ms, threshold 0\.7, doubtful matches not asked about\)$/,
    );
    assert.equal(lines[1], 'no budget guard: every classification the menus ask for is sent, 4 at a time');
    // The keyword-alone column is the engine's own figure, row by row.
    const row = (name: string, score: { total: number; correct: number; accuracy: number }) =>
      new RegExp(
        `^${name.replace(/[.()]/g, '\\$&')} +${score.total} +${score.correct} +${formatPercent(score.accuracy).replace('.', '\\.')} `,
        'm',
      );
    assert.match(result.stdout, row('all', shipped.keywords));
    for (const menu of shipped.keywords.byNode)
      assert.match(result.stdout, row(`menu ${menuName(menu)}`, menu));
    for (const kind of shipped.keywords.byKind) assert.match(result.stdout, row(`kind ${kind.kind}`, kind));
    assert.deepEqual(
      shipped.keywords.byKind.map(({ kind }) => kind),
      ['plain', 'paraphrase', 'homophone', 'negation', 'out-of-scope', 'injection'],
    );
    for (const part of [
      /^fixed by the language model \(wrong → right\): \d+$/m,
      /^broken by the language model \(right → wrong\): \d+$/m,
      /^confusion, keywords \+ language model /m,
      new RegExp(
        `^classifications: ${asked} asked \\(${asked} as nothing matched, 0 about a doubtful match\\): `,
        'm',
      ),
      new RegExp(
        `^latency of a classification: p50 \\d+ ms, p95 \\d+ ms \\(${asked}, failures included; the wait is 700 ms\\)$`,
        'm',
      ),
      new RegExp(`^tokens: [\\d,]+ prompt \\+ [\\d,]+ completion in ${asked} answers`, 'm'),
      /^cost at the document's prices \(0\.00015 in, 0\.0015 out per 1,000 tokens\): [\d.]+ in all, [\d.]+ per 1,000 classifications, [\d.]+ per 1,000 calls$/m,
    ]) {
      assert.match(result.stdout, part);
    }
  });

  it("--json: the keyword figures are the engine's, fixed and broken are what the verdicts say, the confusion sums to the total", async () => {
    const result = await onShipped('--llm', server.url, '--json');
    assert.equal(result.status, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as Printed;
    assert.deepEqual(printed.keywords, JSON.parse(JSON.stringify(shipped.keywords)));
    assert.deepEqual(printed.classifier, {
      endpoint: server.url,
      model: 'qwen-flash',
      apiKeyEnv: 'LLM_API_KEY',
      waitMs: 700,
      threshold: 0.7,
      doubtful: false,
      concurrency: 4,
      prices: { inputPer1k: 0.00015, outputPer1k: 0.0015 },
      budgetGuard: false,
    });
    assert.ok(!result.stdout.includes('test-key'), 'the key is never printed');
    const { keywords, withClassifier } = printed;
    const indices = (keep: (before: boolean, after: boolean) => boolean) =>
      keywords.verdicts.flatMap((before, index) =>
        keep(before.ok, withClassifier.verdicts[index]?.ok === true) ? [index] : [],
      );
    assert.deepEqual(
      printed.fixed.map((change) => change.index),
      indices((before, after) => !before && after),
    );
    assert.deepEqual(
      printed.broken.map((change) => change.index),
      indices((before, after) => before && !after),
    );
    assert.ok(
      printed.fixed.length > 0 && printed.broken.length > 0,
      'the stand-in fixes some and breaks some',
    );
    assert.equal(withClassifier.correct - keywords.correct, printed.fixed.length - printed.broken.length);
    // Only an utterance the model was asked about can change.
    for (const change of [...printed.fixed, ...printed.broken, ...printed.changed]) {
      assert.ok(withClassifier.verdicts[change.index]?.classified !== undefined, change.say);
    }
    const { labels, counts } = printed.confusion;
    assert.equal(
      counts.flat().reduce((sum, count) => sum + count, 0),
      withClassifier.total,
    );
    assert.equal(
      labels.reduce((sum, _label, i) => sum + (counts[i]?.[i] ?? 0), 0),
      withClassifier.correct,
    );
    const { classifications: counts2 } = printed;
    assert.equal(counts2.asked, shipped.asked().length);
    assert.equal(counts2.taken + counts2.none + counts2.belowThreshold + counts2.failures, counts2.asked);
    assert.equal(counts2.failures, 0);
    assert.ok(printed.cost.total > 0 && printed.cost.withUsage === counts2.asked);
    assert.equal(printed.cost.per1000Calls, (printed.cost.total / withClassifier.total) * 1000);
  });

  it('--doubtful on asks about doubtful keyword matches too; --model and --concurrency reach the requests', async () => {
    const sent = server.requests.length;
    const result = await onShipped(
      '--llm',
      server.url,
      '--doubtful',
      'on',
      '--model',
      'qwen-plus',
      '--concurrency',
      '1',
      '--json',
    );
    assert.equal(result.status, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as Printed;
    const doubtful = shipped.asked({ doubtful: true }).length - shipped.asked().length;
    assert.ok(doubtful > 0, 'the shipped set has doubtful matches');
    assert.deepEqual(
      [printed.classifications.asked, printed.classifications.doubtful],
      [shipped.asked({ doubtful: true }).length, doubtful],
    );
    // Of the doubtful matches, those keywords alone got wrong are what a model could fix.
    const doubted = printed.withClassifier.verdicts.flatMap((verdict, index) =>
      verdict.classified?.asked === 'doubtful' ? [printed.keywords.verdicts[index]] : [],
    );
    assert.equal(
      printed.classifications.doubtfulWrong,
      doubted.filter((verdict) => verdict?.ok === false).length,
    );
    assert.ok(printed.classifications.doubtfulWrong > 0 && printed.classifications.doubtfulWrong < doubtful);
    assert.ok(server.requests.slice(sent).every((request) => request.model === 'qwen-plus'));
    assert.match(result.stderr, /, 1 at a time,/);
  });

  it('a stand-in that hangs: every classification a timeout, counted as failed, the command bounded by --wait-ms', async () => {
    const waitMs = 100;
    const concurrency = 16;
    const result = await onShipped(
      '--llm',
      server.urlIn('hang'),
      '--wait-ms',
      String(waitMs),
      '--concurrency',
      String(concurrency),
      '--json',
    );
    assert.equal(result.status, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as Printed;
    const asked = shipped.asked().length;
    assert.deepEqual(printed.classifications.failed, { timeout: asked });
    assert.deepEqual([printed.classifications.taken, printed.classifications.failures], [0, asked]);
    // Every timeout is a no-match, as without the model: the figures are keywords alone's.
    assert.equal(printed.withClassifier.correct, shipped.keywords.correct);
    assert.deepEqual([printed.fixed, printed.broken], [[], []]);
    assert.equal(printed.cost.total, 0);
    const rounds = Math.ceil(asked / concurrency);
    assert.ok(
      result.ms < rounds * waitMs * 4 + 3_000,
      `${result.ms} ms for ${rounds} rounds of ${waitMs} ms`,
    );
  });

  it('a missing key: exit 1 saying so, before any request', async () => {
    const sent = server.requests.length;
    const missing = await runIntents({}, BANK, '--utterances', ASR, '--llm', server.url);
    assert.equal(missing.status, 1);
    assert.equal(
      missing.stderr,
      "--llm: no API key: LLM_API_KEY is not set (the document's classifier.apiKeyEnv); set it, or name the variable that holds the key with --api-key-env; nothing was sent\n",
    );
    assert.equal(missing.stdout, '');
    const named = await onShipped('--llm', server.url, '--api-key-env', 'LLM_OTHER_KEY');
    assert.equal(named.status, 1);
    assert.match(named.stderr, /^--llm: no API key: LLM_OTHER_KEY is not set; /);
    assert.equal(server.requests.length, sent);
  });

  it("asks the document's endpoint when --llm names none", async () => {
    const local = writeTemp(
      'bank-local.yaml',
      readFileSync(BANK, 'utf8').replace(/endpoint: https:\/\/dashscope\S+/, `endpoint: ${server.url}`),
    );
    assert.notEqual(readFileSync(local, 'utf8'), readFileSync(BANK, 'utf8'));
    const result = await runIntents(KEY, local, '--utterances', ASR, '--llm', '--json');
    assert.equal(result.status, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as Printed).classifier.endpoint, server.url);
  });
});

describe('npm run rules -- intents --llm: --strict, --min-accuracy and what it refuses', () => {
  let server: LlmServer;
  before(async () => {
    // The model tells apart what the keywords cannot: the negation names the intent that remains.
    server = await startLlmServer({
      answers: {
        '不是挂失，转人工。': { choice: 'agent', confidence: 0.95 },
        '我不要人工。': { choice: 'none', confidence: 0.9 },
      },
    });
  });
  after(() => server.close());

  const asking = writeTemp(
    'asking.yaml',
    readFileSync(RULES, 'utf8').replace(
      'flows:',
      'classifier: { endpoint: https://llm.example.com/v1, model: qwen-flash, apiKeyEnv: LLM_API_KEY, doubtful: true }\nflows:',
    ),
  );

  it('judges keywords + the model with --llm, and keywords alone without', async () => {
    const strict = ['--utterances', UTTERANCES, '--strict'];
    const alone = await runIntents(KEY, asking, ...strict);
    assert.equal(alone.status, 1);
    const withModel = await runIntents(KEY, asking, ...strict, '--llm', server.url, '--json');
    assert.equal(withModel.status, 0, withModel.stderr);
    const printed = JSON.parse(withModel.stdout) as Printed;
    assert.deepEqual(
      printed.fixed.map((change) => [change.say, change.keywords, change.withClassifier]),
      [['不是挂失，转人工。', 'lostCard', 'agent']],
    );
    assert.deepEqual([printed.withClassifier.correct, printed.withClassifier.total], [4, 4]);
    assert.equal(
      (await runIntents(KEY, asking, '--utterances', UTTERANCES, '--min-accuracy', '100')).status,
      1,
    );
    assert.equal(
      (
        await runIntents(
          KEY,
          asking,
          '--utterances',
          UTTERANCES,
          '--min-accuracy',
          '100',
          '--llm',
          server.url,
        )
      ).status,
      0,
    );
  });

  it('refuses the options of --llm without it, and values it cannot take (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['--model', 'qwen-plus'], /--model goes with --llm/],
      [['--doubtful', 'on'], /--doubtful goes with --llm/],
      [['--llm', 'ftp://example.com/v1'], /--llm takes an https:\/\/ base URL .*; not ftp:/],
      [
        ['--llm', 'http://example.com/v1'],
        /--llm takes an https:\/\/ base URL \(http:\/\/ only to 127\.0\.0\.1/,
      ],
      [['--llm', 'https://example.com/v1?key=1'], /--llm takes an https:\/\/ base URL/],
      [['--llm', '--model', 'qwen plus'], /--model takes a model's name/],
      [
        ['--llm', '--api-key-env', 'API_KEY'],
        /--api-key-env takes the name of a variable that starts with LLM_/,
      ],
      [['--llm', '--wait-ms', '50'], /--wait-ms takes milliseconds from 100 to 3000/],
      [['--llm', '--wait-ms', '1e3'], /--wait-ms takes milliseconds/],
      [['--llm', '--concurrency', '0'], /--concurrency takes a number from 1 to 16/],
      [['--llm', '--concurrency', '17'], /--concurrency takes a number from 1 to 16/],
      [['--llm', '--doubtful', 'yes'], /--doubtful takes on or off/],
    ];
    for (const [args, message] of cases) {
      const refused = await runIntents(KEY, asking, '--utterances', UTTERANCES, ...args);
      assert.equal(refused.status, 2, args.join(' '));
      assert.match(refused.stderr, message, args.join(' '));
    }
  });

  it('refuses --llm on a document without a classifier (exit 1)', async () => {
    const none = await runIntents(KEY, RULES, '--utterances', UTTERANCES, '--llm', server.url);
    assert.equal(none.status, 1);
    assert.equal(
      none.stderr,
      `${RULES}: --llm scores the document's classifier, and it has none: add a \`classifier\` first\n`,
    );
  });
});
