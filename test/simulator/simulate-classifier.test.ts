/**
 * `npm run simulate` with rules whose menus ask a language model: scenarios that script its verdicts (and
 * fail when one is not scripted), an interactive call that asks for them, a replay that answers them from
 * the log, and `--classifier`, which sends them to the language-model stand-in through the functions' own
 * classifier client. The rules: examples/bank-card-service.yaml (a classifier at main and afterHours).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type LlmServer, startLlmServer } from '../../dev/llm-server';
import { runScenario } from '../../dev/simulator/run-scenarios';
import { readScenarioFile } from '../../dev/simulator/scenario';
import { ForwardedClassifier } from '../../dev/simulator/simulated-classifier';
import { ScriptedLookups } from '../../dev/simulator/simulated-lookups';
import { createInProcessTransport } from '../../dev/simulator/transport';
import { readConfig } from '../../shared/config/config';
import { compileRules } from '../../shared/rules/compile-rules';
import { parseYaml } from '../../shared/rules/yaml-parser';
import { unlabelledBlocks } from '../docs/markdown';
import { ROOT } from '../support/fc-event';
import { scratchFiles } from '../support/scratch-files';
import { runSession, runSimulator } from '../support/simulate-cli';

const { file, edited } = scratchFiles('simulate-classifier-');

const RULES = join(ROOT, 'examples', 'bank-card-service.yaml');
const RULES_TEXT = readFileSync(RULES, 'utf8');
const LOGGED_CALL = join(ROOT, 'test', 'fixtures', 'classify', 'bank-call.jsonl');
const STOLEN = '我那个卡好像被人刷了';
const simulate = (...args: string[]) => runSimulator(args);

/** The example's rules with one text replaced (the test says what the edit means). */
const editedRules = (name: string, from: string, to: string) => edited(name, RULES_TEXT, from, to);

/** A scenario file of one call at 10:00 on a Tuesday (the main menu), with these lines under it. */
function oneCall(name: string, lines: string): string {
  return file(
    `${name.replaceAll(' ', '-')}.scenarios.yaml`,
    `scenarios:\n  - name: ${name}\n    at: '2026-03-10 10:00'\n${lines}`,
  );
}

const compiled = compileRules(parseYaml(RULES_TEXT));
assert.ok(compiled.ok);
const BANK = compiled.compiled.rules;

/** docs/testing.md's section on classifiers: its fenced blocks with no language, as printed. */
const DOC_BLOCKS = unlabelledBlocks(
  readFileSync(join(ROOT, 'docs', 'testing.md'), 'utf8')
    .split('## Flows with a classifier')[1]
    ?.split('\n## ')[0] ?? '',
);

describe('npm run simulate -- run, with a classifier', () => {
  it('fails a scenario whose menu asks the model a question it does not script: the turn, the words, the choices', async () => {
    const unscripted = oneCall(
      "a stolen card in words of the caller's own",
      `    turns:\n      - say: ${STOLEN}\n      - keys: '6218'\n`,
    );
    const result = await simulate('run', unscripted, '--rules', RULES);
    assert.equal(result.status, 1);
    const recorded = DOC_BLOCKS.find((block) => block.startsWith('  FAIL a stolen card'));
    assert.ok(recorded !== undefined, 'docs/testing.md shows no unscripted classification');
    assert.ok(result.stdout.includes(`${recorded}\n`), result.stdout);
  });

  it('answers from a turn on, and shows what came of the classification against what was expected', async () => {
    const wrong = oneCall(
      'expects the wrong verdict',
      `    classify: none
    turns:
      - say: ${STOLEN}
        expect: { classified: lostCard }
      - say: ${STOLEN}
        classify: { choice: lostCard, confidence: 0.5 }
        expect: { classified: 'not taken: below-threshold', node: menu }
      - say: ${STOLEN}
        classify: { choice: lostCard }
        expect: { classified: lostCard, node: askCard }
`,
    );
    const result = await simulate('run', wrong, '--rules', RULES);
    assert.equal(result.status, 1);
    assert.match(
      result.stdout,
      / {4}turn 1 · says "我那个卡好像被人刷了"\n {6}- classified {2}lostCard\n {6}\+ classified {2}none 0\.90\n {6}trace: classifier asked \(nothing matched\) · classifier chose none at 0\.90 \(0 ms\) → not taken: none · utterance matched nothing → noMatch retry 1\/2/,
    );
    assert.doesNotMatch(result.stdout, /turn [23] ·/, 'the later turns went as expected');
  });

  it('refuses a classify the rules cannot use, or a choice they do not have, before any call', async () => {
    const noClassifier = join(ROOT, 'test', 'fixtures', 'lookups', 'balance.yaml');
    const scripted = oneCall('scripts a verdict', '    classify: none\n    turns: []\n');
    const refused = await simulate('run', scripted, '--rules', noClassifier);
    assert.equal(refused.status, 1);
    assert.match(
      refused.stdout,
      /FAIL scripts a verdict \(0 callbacks\)\n {4}classify: the rules have no classifier, so no menu asks one: drop the script/,
    );
    const typo = oneCall(
      'names no choice',
      `    turns:\n      - say: ${STOLEN}\n        classify: { choice: lostcard }\n`,
    );
    const unknown = await simulate('run', typo, '--rules', RULES);
    assert.equal(unknown.status, 1);
    assert.match(
      unknown.stdout,
      /FAIL names no choice \(0 callbacks\)\n {4}turns\.0\.classify\.choice: the rules have no intent or handler named lostcard \(they have agent, repeat, mainMenu, lostCard, /,
    );
  });

  it('does not script the classifier of functions it does not host, nor one --classifier sends to the stand-in', async () => {
    const read = readScenarioFile({
      scenarios: [{ name: 'remote', at: '2026-03-10 10:00', classify: 'timeout', turns: [] }],
    });
    assert.ok(read.ok);
    const [scenario] = read.file.scenarios;
    assert.ok(scenario !== undefined);
    const remote = { describe: 'remote', seesLogs: false, setsClock: false, send: () => assert.fail('sent') };
    const forwarded = {
      ...remote,
      classifier: new ForwardedClassifier(new URL('http://127.0.0.1:9/v1'), 'k'),
    };
    const numbers = { caller: '1', callee: '2' };
    const there = await runScenario(scenario, BANK, remote, numbers, '1^2');
    assert.match(
      there.report,
      /classify: this scenario scripts the classifier, but the functions behind --url or --fc ask their own/,
    );
    const standIn = await runScenario(scenario, BANK, forwarded, numbers, '1^2');
    assert.match(
      standIn.report,
      /classify: this scenario scripts the classifier, but --classifier sends its classifications to the stand-in/,
    );
  });
});

describe('npm run simulate, interactive, with a classifier', () => {
  /** A session of the bank's main menu at 10:00 on a Tuesday, with these lines typed. */
  async function session(typed: readonly string[], rules = RULES): Promise<string> {
    const { status, out } = await runSession(
      ['--rules', rules, '--at', '2026-03-10 10:00', '--call-ids', '7'],
      typed,
    );
    assert.equal(status, 0, out);
    return out;
  }

  it('asks for each verdict as docs/testing.md shows it, and /classify gives the next one', async () => {
    const recorded = DOC_BLOCKS.find((block) => block.startsWith('caller> '));
    assert.ok(recorded !== undefined, 'docs/testing.md shows no interactive call');
    // The terminal echoed what was typed after each prompt; piped in, it is not echoed.
    const prompt = /^((?:caller|classify)> )(.+)(?:\n|$)/gm;
    const typed = [...recorded.matchAll(prompt)].map((match) => match[2] ?? '');
    const out = await session([...typed, '/quit']);
    assert.match(out, /classifier: qwen-flash, answered by you each time a menu asks it/);
    assert.ok(out.includes(recorded.replace(prompt, '$1')), out);
    assert.equal(out.match(/the menu asks the classifier/g)?.length, 1, 'asked once, for the first');
  });

  it('fails a classification unsendable when the input ends first, and refuses a /classify it cannot use', async () => {
    const ended = await session(['/classify lostcard', '/classify lostCard 92', STOLEN]);
    assert.match(ended, /the rules have no intent or handler named lostcard \(they have agent, /);
    assert.match(ended, /a confidence is from 0 to 1/);
    assert.match(
      ended,
      /classify> {3}<- dtmf 「抱歉，没能识别您的选择。[\s\S]*classifier failed \(unsendable, 0 ms\)[\s\S]*the classifier was not answered: it failed \(unsendable\)/,
    );
    const noClassifier = await session(
      ['/classify none'],
      join(ROOT, 'test', 'fixtures', 'lookups', 'balance.yaml'),
    );
    assert.match(noClassifier, /caller> the rules have no classifier: no menu asks one\n/);
    assert.doesNotMatch(noClassifier, /^classifier:/m);
  });

  it('sends classifications to this machine only, and only from the functions in this process', async () => {
    for (const args of [
      ['--classifier', 'https://dashscope.aliyuncs.com/compatible-mode/v1'],
      ['--classifier', 'http://127.0.0.1:9600/v1?mode=hang'],
      ['--classifier', 'http://user:key@127.0.0.1:9600/v1'],
      ['--classifier', 'ftp://127.0.0.1/v1'],
    ]) {
      const result = await simulate('--rules', RULES, ...args);
      assert.equal(result.status, 2, args.join(' '));
      assert.match(result.stderr, /--classifier takes the endpoint of a stand-in on this machine/);
    }
    const remote = await simulate(
      'run',
      'x.yaml',
      '--classifier',
      'http://127.0.0.1:9600/v1',
      '--url',
      'http://127.0.0.1:9/{fn}',
    );
    assert.equal(remote.status, 2);
    assert.match(remote.stderr, /--classifier sends the classifications of the functions in this process/);
    const keyAlone = await simulate('--classifier-key', 'k');
    assert.equal(keyAlone.status, 2);
    assert.match(keyAlone.stderr, /--classifier-key goes with --classifier/);
    const spaced = await simulate('--classifier', 'http://127.0.0.1:9600/v1', '--classifier-key', 'a key');
    assert.equal(spaced.status, 2);
    assert.match(spaced.stderr, /--classifier-key takes a key of 1 to 200 printable characters/);
  });
});

describe('npm run simulate -- replay, with a classifier', () => {
  it('answers each classification with the logged verdict and shows what the model decided, as docs/testing.md does', async () => {
    const result = await simulate('replay', LOGGED_CALL, '--rules', RULES);
    assert.equal(result.status, 0);
    const recorded = DOC_BLOCKS.find((block) => block.startsWith('replay of call'));
    assert.ok(recorded !== undefined, 'docs/testing.md shows no replay');
    assert.equal(result.stdout, `${recorded.replace('examples/bank-card-service.yaml', RULES)}\n`);
  });

  it('shows a verdict the rules now take otherwise, and the turn that goes elsewhere on it', async () => {
    const strict = editedRules('strict.yaml', 'threshold: 0.7', 'threshold: 0.95');
    const result = await simulate('replay', LOGGED_CALL, '--rules', strict);
    assert.equal(result.status, 0);
    assert.match(
      result.stdout,
      /4\. .* says "我那个卡好像被人刷了"\n {3}classifier: lostCard 0\.92, taken\n {3}classifier now: lostCard 0\.92, not taken: below-threshold\n {3}was: dtmf identify\/askCard \(intent lostCard\)\n {3}now: play main\/agentQueue {2}<- differs\n/,
    );
    assert.match(result.stdout, /1 of 4 turns go differently under these rules\n$/);
  });

  it('marks a classification the logged call never made not re-derivable, and says which words matched nothing', async () => {
    // The call as a function without a classifier logged it: the words matched nothing, three times.
    const before = file(
      'before-the-model.jsonl',
      readFileSync(LOGGED_CALL, 'utf8').replace(/,"classified":\{[^}]*\}/g, ''),
    );
    const result = await simulate('replay', before, '--rules', RULES);
    assert.equal(result.status, 0);
    assert.match(
      result.stdout,
      /2\. .*\n {3}no match \(the classifier was not asked\)\n {3}note: the classifier was not asked on this turn of the logged call: answered as failed \(unsendable\), not re-derivable\n {3}classifier now: failed unsendable\n {3}same: dtmf main\/menu\n/,
    );
    assert.match(
      result.stdout,
      /4\. .*\n {3}note: the classifier was not asked .*\n {3}classifier now: failed unsendable\n {3}was: dtmf identify\/askCard \(intent lostCard\)\n {3}now: play main\/agentQueue {2}<- not re-derivable \(a classification the log does not hold\)\n/,
    );
    assert.match(
      result.stdout,
      /the call goes the same way under these rules; 1 turn could not be re-derived \(classifications the log does not hold\)\n$/,
    );
  });
});

const clientBuilt = existsSync(join(ROOT, 'dist', 'inbound', 'classifier-client.js'));
describe('npm run simulate --classifier, against the language-model stand-in', {
  skip: clientBuilt ? false : 'the classifier client (dist/inbound/classifier-client.js) is not built yet',
}, () => {
  /** Runs `scenarios` with --classifier `endpoint`; the run's stdout and exit status. */
  async function runAgainst(endpoint: string, scenarios: string) {
    return simulate('run', scenarios, '--rules', RULES, '--classifier', endpoint);
  }

  /** Starts a stand-in for the test's callback, closing it (and any hanging exchange) after. */
  async function withStandIn<T>(
    options: Parameters<typeof startLlmServer>[0],
    use: (server: LlmServer) => Promise<T>,
  ) {
    const server = await startLlmServer(options);
    try {
      return await use(server);
    } finally {
      await server.close();
    }
  }

  it('sends the words and the menu’s choices through the functions’ client, and the verdict reaches 挂失', async () => {
    const heard = oneCall(
      'the stand-in hears a stolen card',
      `    turns:\n      - say: ${STOLEN}\n        expect: { flow: identify, node: askCard, classified: lostCard, hears: 办理临时挂失 }\n`,
    );
    await withStandIn({ answers: { [STOLEN]: { choice: 'lostCard', confidence: 0.92 } } }, async (server) => {
      const result = await runAgainst(server.url, heard);
      assert.equal(result.status, 0, result.stdout);
      assert.match(
        result.stdout,
        /classifications go to http:\/\/127\.0\.0\.1:\d+\/v1 \(instead of https:\/\/dashscope\.aliyuncs\.com\/compatible-mode\/v1\)/,
      );
      assert.deepEqual(
        server.requests.map(({ authorized, model, utterance, choices }) => ({
          authorized,
          model,
          utterance,
          choices,
        })),
        [
          {
            authorized: true,
            model: 'qwen-flash',
            utterance: STOLEN,
            choices: ['lostCard', 'balance', 'agent', 'repeat', 'mainMenu'],
          },
        ],
      );
    });
    // Without a scripted answer, the stand-in's own classifier picks lostCard from what the words share
    // with the example 我的卡被人刷了, confidently enough for the example's threshold: 挂失 again.
    const own = oneCall(
      'the stand-in classifies on its own',
      `    turns:\n      - say: ${STOLEN}\n        expect: { flow: identify, node: askCard, classified: lostCard }\n`,
    );
    await withStandIn({}, async (server) => {
      const result = await runAgainst(server.url, own);
      assert.equal(result.status, 0, result.stdout);
      assert.equal(server.requests[0]?.answer?.choice, 'lostCard');
    });
    // A wrong key is refused by the stand-in: the call goes on without a verdict.
    const refused = oneCall(
      'the stand-in refuses the key',
      `    turns:\n      - say: ${STOLEN}\n        expect: { node: menu, classified: failed status }\n`,
    );
    await withStandIn({ apiKey: 'another-key' }, async (server) => {
      const result = await runAgainst(server.url, refused);
      assert.equal(result.status, 0, result.stdout);
      assert.equal(server.requests[0]?.refused, 401);
    });
  });

  it('hears nothing from a hanging model: the no-match retry in the same callback, within its deadline', async () => {
    const retried = oneCall(
      'the model hangs',
      `    turns:\n      - say: ${STOLEN}\n        expect: { action: dtmf, node: menu, hears: 抱歉，没能识别您的选择, classified: failed timeout, outcomes: [classifier-failed, no-match] }\n`,
    );
    await withStandIn({ mode: 'hang' }, async (server) => {
      const result = await runAgainst(server.url, retried);
      assert.equal(result.status, 0, result.stdout);
      assert.match(result.stdout, /1 scenario: 1 passed, 0 failed\n$/);
    });
    await withStandIn({}, async (server) => {
      const classifier = new ForwardedClassifier(new URL(server.urlIn('hang')), 'test-key');
      const transport = await createInProcessTransport(RULES, new ScriptedLookups(), classifier);
      const read = readScenarioFile({
        scenarios: [{ name: 'hang', at: '2026-03-10 10:00', turns: [{ say: STOLEN }] }],
      });
      assert.ok(read.ok);
      const [scenario] = read.file.scenarios;
      assert.ok(scenario !== undefined);
      const started = performance.now();
      const played = await runScenario(
        scenario,
        BANK,
        transport,
        { caller: '13812345678', callee: '95000' },
        '1^2',
      );
      const tookMs = performance.now() - started;
      assert.equal(played.passed, true, played.report);
      const turn = played.outcomes[1];
      const waitMs = BANK.classifier?.waitMs ?? 0;
      const deadlineMs = waitMs + readConfig({}).callbackBudgetMs;
      const ms = turn?.log?.classified?.ms ?? -1;
      assert.equal(turn?.log?.classified?.why, 'timeout');
      assert.ok(
        ms >= waitMs && ms < deadlineMs,
        `timed out after ${ms} ms: the wait is ${waitMs}, the deadline ${deadlineMs}`,
      );
      // The reply is the menu's retry, not the fallback the deadline would have given.
      assert.match(turn?.texts.join('') ?? '', /^抱歉，没能识别您的选择/);
      assert.ok(tookMs < deadlineMs + 1_000, `the call took ${tookMs} ms`);
      assert.deepEqual(
        server.requests.map((request) => request.mode),
        ['hang'],
        'one attempt, never sent again',
      );
    });
  });
});
