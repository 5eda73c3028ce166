/**
 * `npm run simulate` with a flow that looks data up: scenarios that script the answers, an interactive
 * call that asks for them (or sends them to a stand-in on this machine), a replay that answers them from
 * the log, and coverage of what they came to. The rules: test/fixtures/lookups/balance.yaml.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type CallerAction, SimulatedCall } from '../../dev/simulator/call';
import { runScenario } from '../../dev/simulator/run-scenarios';
import { ScriptedLookups } from '../../dev/simulator/simulated-lookups';
import { createInProcessTransport } from '../../dev/simulator/transport';
import type { LookupTask, PerformLookup } from '../../shared/lookup/lookup-types';
import { compileRules } from '../../shared/rules/compile-rules';
import { parseYaml } from '../../shared/rules/yaml-parser';
import { unlabelledBlocks } from '../docs/markdown';
import { ROOT } from '../support/fc-event';
import { scratchFiles } from '../support/scratch-files';
import { runSession, runSimulator } from '../support/simulate-cli';

const { file, edited } = scratchFiles('simulate-lookups-');

const RULES = join(ROOT, 'test', 'fixtures', 'lookups', 'balance.yaml');
const SCENARIOS = join(ROOT, 'test', 'fixtures', 'lookups', 'balance.scenarios.yaml');
const RULES_TEXT = readFileSync(RULES, 'utf8');
const simulate = (...args: string[]) => runSimulator(args);

/** The fixture's rules with one text replaced (the test says what the edit means). */
const editedRules = (name: string, from: string, to: string) => edited(name, RULES_TEXT, from, to);

/** A scenario file of one call at 10:00 that keys the card after arming the keys, with `rest` added. */
function oneCall(lookups: string, turn: string): string {
  return `scenarios:
  - name: a call
    at: '2026-03-10 10:00'
${lookups}
    turns:
      - silence: true
      - keys: '62220001#'
${turn}
`;
}

/** A session of the balance line at 10:00 on a Tuesday, with these lines typed. */
async function session(typed: readonly string[], args: readonly string[] = []): Promise<string> {
  const { status, out } = await runSession(['--rules', RULES, '--at', '2026-03-10 10:00', ...args], typed);
  assert.equal(status, 0, out);
  return out;
}
describe('npm run simulate -- run, with lookups', () => {
  it('answers lookups from the scenario: at once, slow, on another instance, timed out, failed, without a value', async () => {
    const result = await simulate('run', SCENARIOS, '--rules', RULES, '--coverage');
    assert.equal(result.status, 0, result.stdout);
    assert.match(result.stdout, /7 scenarios: 7 passed, 0 failed\n/);
    assert.match(
      result.stdout,
      /lookup getAccount \(account\): ok ×4, waiting \(filler\) ×3, waiting \(short silence\) ×5, failed timeout ×1, failed status 503 ×1, failed missing \S+ ×1\n/,
    );
    assert.doesNotMatch(result.stdout, /never visited: getAccount/);
  });

  it('sends a lookup again when the caller asks again: a later visit of the node gets no earlier answer', async () => {
    const requery = file(
      'requery.scenarios.yaml',
      `scenarios:
  - name: the caller asks again, and the account has changed
    at: '2026-03-10 10:00'
    lookups: { account: { data: { data: { balance: 88, state: active } } } }
    turns:
      - silence: true
      - keys: '62220001#'
        expect: { hears: 您的余额是88元 }
      - keys: '1'
      - keys: '62220001#'
        lookups: { account: { data: { data: { balance: 99, state: active } } } }
        expect: { hears: 您的余额是99元, lookup: account ok (1 attempt) }
`,
    );
    const result = await simulate('run', requery, '--rules', RULES);
    assert.equal(result.status, 0, result.stdout);
    assert.match(result.stdout, /1 scenario: 1 passed, 0 failed\n/);
  });

  it('shows a lookup onError never took as a way on never visited', async () => {
    const happy = file(
      'happy.scenarios.yaml',
      oneCall('    lookups: { account: { data: { data: { balance: 5, state: active } } } }', ''),
    );
    const result = await simulate('run', happy, '--rules', RULES, '--coverage');
    assert.equal(result.status, 0, result.stdout);
    assert.match(result.stdout, /never visited: getAccount: onError → sorry\n/);
    assert.doesNotMatch(result.stdout, /never visited: getAccount: next/);
    assert.match(result.stdout, /lookup getAccount \(account\): ok ×1\n/);
  });

  it('fails a scenario whose flow makes a lookup it does not script, naming it; nothing is sent', async () => {
    const unscripted = file('unscripted.scenarios.yaml', `${oneCall('', '')}      - silence: true\n`);
    const result = await simulate('run', unscripted, '--rules', RULES);
    assert.equal(result.status, 1);
    assert.match(
      result.stdout,
      /turn 2 · keys 62220001#\n {6}the flow looked up account, which this scenario does not script \(it failed, unsendable; nothing is sent to the network\): give its answer under the scenario's lookups, or this turn's, such as lookups: \{account: \{data: \{…\}\}\}/,
    );
    assert.match(result.stdout, /turn 3 not run: the call went on as no caller would hear it/);
  });

  it('shows what a lookup came to against what was expected, with the trace', async () => {
    const wrong = file(
      'wrong.scenarios.yaml',
      oneCall(
        '    lookups: { account: { status: 503 } }',
        '        expect: { lookup: account ok, outcomes: [lookup-ok] }',
      ),
    );
    const result = await simulate('run', wrong, '--rules', RULES);
    assert.equal(result.status, 1);
    assert.match(
      result.stdout,
      / {6}- lookup {4}account ok\n {6}\+ lookup {4}account failed status 503 \(1 attempt\)\n {6}- outcomes {2}lookup-ok\n {6}\+ outcomes {2}matched, entered, lookup-failed, ended\n {6}trace: .*lookup account failed \(status 503\) after 1 attempt → sorry/,
    );
  });

  it('refuses a lookup the rules do not have, and a slow with nothing to delay, before any call', async () => {
    const typo = file('typo.scenarios.yaml', oneCall('    lookups: { acount: timeout }', ''));
    const result = await simulate('run', typo, '--rules', RULES);
    assert.equal(result.status, 1);
    assert.match(
      result.stdout,
      /FAIL a call \(0 callbacks\)\n {4}lookups\.acount: the rules have no lookup named acount \(they have account\)/,
    );
    const slow = file('slow.scenarios.yaml', oneCall('', '        lookups: { account: slow }'));
    const refused = await simulate('run', slow, '--rules', RULES);
    assert.equal(refused.status, 1);
    assert.match(
      refused.stderr,
      /line \d+: scenarios\.0: turns\.1\.lookups\.account: slow delays the answer scripted before it/,
    );
  });

  it('does not script the lookups of functions it does not host (--url, --fc): they make their own', async () => {
    const compiled = compileRules(parseYaml(RULES_TEXT));
    assert.ok(compiled.ok);
    const remote = { describe: 'remote', seesLogs: false, setsClock: false, send: () => assert.fail('sent') };
    const scenario = {
      name: 'remote',
      at: '2026-03-10 10:00',
      lookups: { account: 'timeout' as const },
      turns: [],
    };
    const result = await runScenario(
      scenario,
      compiled.compiled.rules,
      remote,
      { caller: '1', callee: '2' },
      '1^2',
    );
    assert.equal(result.passed, false);
    assert.match(
      result.report,
      /scripts lookups .*but the functions behind --url or --fc make their own lookups/,
    );
  });
});

describe('npm run simulate, interactive, with lookups', () => {
  it('asks for a lookup’s answer the first time the flow makes it, and plays the call with it', async () => {
    const out = await session([
      '/silence',
      '/keys 62220001#',
      'fine thanks',
      'slow {"data": {"balance": 12, "state": "active"}}',
      '/barge',
      '/silence',
      '/quit',
    ]);
    assert.match(out, /lookups: account, answered by you when the flow first makes each/);
    assert.match(
      out,
      /keys 62220001#\n {2}the flow looks up account: POST https:\/\/api\.example\.com\/ivr\/account \{"card":"62220001"\}\n {2}its answer\? .*\nlookup account> {3}type the answer's JSON .*\nlookup account> {3}account answers slow \{"data":\{"balance":12,"state":"active"\}\} from now on\n {2}<- play 「正在为您查询，请稍候。」\n {5}\(played to the end: no barge-in\)/,
    );
    assert.match(out, /talks over the prompt\n {2}not sent: the prompt may not be interrupted/);
    assert.match(out, /silence\n {2}<- dtmf 「您的余额是12元。重新查询请按1，结束请按9。」/);
    assert.match(out, /why: lookup account ok \(saved balance, state\) → checkState/);
    // Asked once: the answer was used for the callback sent again, and delivered once.
    assert.equal(out.match(/the flow looks up account/g)?.length, 1);
    assert.equal(out.match(/<- /g)?.length, 4, 'callin, silence, the keys and the silence after the filler');
  });

  it('plays a short silence after the filler, which nothing can talk over, and the mute it brings', async () => {
    const out = await session([
      '/lookup account timeout',
      '/silence',
      '/keys 62220001#',
      '/silence',
      '/barge',
      '/quit',
    ]);
    assert.match(out, /caller> account answers timeout from now on\n/);
    assert.match(
      out,
      /silence\n {2}<- play, with nothing to play: silence; mute comes after 1000 ms\n.*\n {5}why: lookup account still waiting after 2 attempts → short silence/,
    );
    assert.match(
      out,
      /talks over the prompt\n {2}not sent: nothing plays \(the last reply was play, to a mute event, with nothing to play: .*\(simulator rule silent-play, docs\/simulator-rules\.md\)/,
    );
  });

  it('says a lookup no answer was typed for failed, and a /lookup of a lookup the rules do not have', async () => {
    const out = await session(['/lookup nope timeout', '/lookup account', '/silence', '/keys 62220001#']);
    assert.match(out, /the rules have no lookup named nope \(they have account\)/);
    assert.match(out, /\/lookup takes a lookup name and its answer: \/lookup account timeout/);
    assert.match(
      out,
      /lookup account> \n?.*<- play 「系统繁忙，请稍后再拨。」[\s\S]*lookup account was not answered: it failed \(unsendable\)/,
    );
  });

  it('sends lookups to this machine only, and only from the functions in this process', async () => {
    for (const args of [
      ['--lookups-from', 'http://api.example.com:9500'],
      ['--lookups-from', 'ftp://127.0.0.1'],
      ['--lookups-from', 'http://127.0.0.1:9500/?mode=hang'],
    ]) {
      const result = await simulate('--rules', RULES, ...args);
      assert.equal(result.status, 2, args.join(' '));
      assert.match(result.stderr, /--lookups-from takes an http:\/\/ or https:\/\/ URL on this machine/);
    }
    const remote = await simulate(
      '--lookups-from',
      'http://127.0.0.1:9500',
      '--url',
      'http://127.0.0.1:9/{fn}',
    );
    assert.equal(remote.status, 2);
    assert.match(remote.stderr, /--lookups-from sends the lookups of the functions in this process/);
    const run = await simulate('run', SCENARIOS, '--lookups-from', 'http://127.0.0.1:9500');
    assert.equal(run.status, 2, 'scenarios stay hermetic');
  });

  const clientBuilt = existsSync(join(ROOT, 'dist', 'inbound', 'lookup-client.js'));
  it('sends the lookups to a stand-in on this machine through the functions’ own client (--lookups-from)', {
    skip: clientBuilt ? false : 'the lookup client (dist/inbound/lookup-client.js) is not built yet',
  }, async () => {
    const paths: string[] = [];
    const server = createServer((request, response) => {
      paths.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ data: { balance: 66, state: 'active' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const out = await session(
        ['/silence', '/keys 62220001#', '/quit'],
        ['--lookups-from', `http://127.0.0.1:${port}/stand-in`],
      );
      assert.match(out, /lookups: account, sent to http:\/\/127\.0\.0\.1:\d+\/stand-in/);
      assert.match(out, /<- dtmf 「您的余额是66元。/);
      assert.deepEqual(paths, ['/stand-in/ivr/account']);
    } finally {
      server.close();
    }
  });
});

describe('npm run simulate -- replay, with lookups', () => {
  /** A call whose account lookup was slow, then said the balance (1234.5 is masked in the log), then 9. */
  async function loggedCall(balance = 1234.5): Promise<string> {
    const desk = new ScriptedLookups();
    const transport = await createInProcessTransport(RULES, desk);
    desk.startCall(
      new Map([['account', { kind: 'data', data: { data: { balance, state: 'active' } }, slow: true }]]),
    );
    const call = new SimulatedCall(transport, 'inbound', '130301340124^117079730177');
    const at = Date.parse('2026-03-10T10:00:00+08:00');
    const actions: CallerAction[] = [
      { kind: 'silence' },
      { kind: 'keys', keys: '62220001#' },
      { kind: 'silence' },
      { kind: 'keys', keys: '9' },
    ];
    const outcomes = [await call.answer({ caller: '13812345678', callee: '05923391657' }, at)];
    for (const [i, action] of actions.entries()) outcomes.push(await call.act(action, at + (i + 1) * 3_000));
    const lines = outcomes.map((outcome) => JSON.stringify(outcome.log?.raw));
    assert.match(
      lines[3] ?? '',
      /"lookups":\[\{"use":"account","outcome":"ok","attempts":1,"values":\{"balance":"[^"]+","state":"active"\}\}\]/,
    );
    return file(`balance-call-${balance}.jsonl`, `${lines.join('\n')}\n`);
  }

  it('answers each lookup with what the log says it came to: the call goes the same way', async () => {
    const exported = await loggedCall();
    const same = await simulate('replay', exported, '--rules', RULES);
    assert.equal(same.status, 0);
    assert.match(
      same.stdout,
      /3\. \[2026-03-10 10:00 Tue\] keys 00000000\n.*\n {3}same: play bank\/getAccount \(collected card\)\n/,
    );
    assert.match(
      same.stdout,
      /4\. \[2026-03-10 10:00 Tue\] silence\n {3}note: lookup value masked: account's balance is \*\*\*\*\.\* in the log, replayed as 0: not re-derivable\n {3}same: dtmf bank\/menu\n/,
    );
    assert.match(same.stdout, /the call goes the same way under these rules\n$/);
  });

  it('shows a turn that goes elsewhere on a masked value as not re-derivable, and one on a kept value as differing', async () => {
    const exported = await loggedCall();
    // A zero balance has its own goodbye now: the logged balance is masked, so the replay cannot tell.
    const byBalance = editedRules(
      'by-balance.yaml',
      '      - when: { var: state, equals: frozen }\n            goto: frozen',
      "      - when: { var: state, equals: frozen }\n            goto: frozen\n          - when: { var: balance, equals: '0' }\n            goto: bye",
    );
    const masked = await simulate('replay', exported, '--rules', byBalance);
    assert.equal(masked.status, 0);
    assert.match(
      masked.stdout,
      /note: lookup value masked: .*\n {3}was: dtmf bank\/menu\n {3}now: play bank\/bye {2}<- not re-derivable \(a lookup answer the log does not hold\)\n/,
    );
    // The call left the logged way there: the key it pressed after is not heard, which follows from it.
    assert.match(
      masked.stdout,
      /5\. .* keys 9\n {3}was: play bank\/bye \(key 9\)\n {3}now: not heard: .* {2}<- not re-derivable \(after turn 4\)\n/,
    );
    assert.match(
      masked.stdout,
      /the call goes the same way under these rules; 2 turns could not be re-derived \(lookup values the log masks\)\n$/,
    );
    // An active card counts as frozen now: the logged state (and a balance of 2 digits) are kept as they
    // were, so this is a difference.
    const byState = editedRules('by-state.yaml', 'equals: frozen', 'equals: active');
    const differs = await simulate('replay', await loggedCall(12), '--rules', byState);
    assert.doesNotMatch(differs.stdout, /lookup value masked|not re-derivable/);
    assert.match(differs.stdout, /was: dtmf bank\/menu\n {3}now: play bank\/frozen {2}<- differs\n/);
    assert.match(differs.stdout, /2 of 5 turns go differently under these rules\n$/);
  });
});

describe('the hosted instances of the simulator', () => {
  it('take their lookups from the host, given their own client, and never send one themselves', async () => {
    const clients: unknown[] = [];
    const tasks: LookupTask[] = [];
    const desk = {
      standIn: (client: PerformLookup): PerformLookup => {
        clients.push(client);
        return async (task) => {
          tasks.push(task);
          return { kind: 'failed', why: 'status', status: 503, attempts: 1 };
        };
      },
      takeReport: () => ({ unanswered: [], notes: [], underivable: false }),
    };
    const transport = await createInProcessTransport(RULES, desk);
    const call = new SimulatedCall(transport, 'inbound', '1^2');
    const at = Date.parse('2026-03-10T10:00:00+08:00');
    await call.answer({ caller: '13812345678', callee: '05923391657' }, at);
    await call.act({ kind: 'silence' }, at);
    const outcome = await call.act({ kind: 'keys', keys: '62220001#' }, at);
    assert.equal(typeof clients[0], 'function');
    assert.deepEqual(
      tasks.map((task) => [task.key, task.request.url, task.waitMs]),
      [['1^2|bank/getAccount@2', 'https://api.example.com/ivr/account', 800]],
    );
    assert.deepEqual(outcome.log?.lookups, [
      { use: 'account', outcome: 'failed', why: 'status', status: 503, attempts: 1 },
    ]);
  });
});

describe('docs/testing.md: flows with lookups', () => {
  const section =
    readFileSync(join(ROOT, 'docs', 'testing.md'), 'utf8').split('## Flows with lookups')[1] ?? '';
  /** The section's fenced blocks with no language: output as the simulator prints it. */
  const blocks = unlabelledBlocks(section);

  it('holds the turns of an interactive call the simulator prints today, for the lines typed in it', async () => {
    const recorded = blocks.find((block) => block.startsWith('caller> /keys'));
    assert.ok(recorded !== undefined, 'the section shows no interactive call');
    // The terminal echoed what was typed after each prompt; piped in, it is not echoed.
    const prompt = /^((?:caller|lookup account)> )(.+)(?:\n|$)/gm;
    const typed = [...recorded.matchAll(prompt)].map((match) => match[2] ?? '');
    const out = await session(['/silence', ...typed, '/quit']);
    assert.ok(out.includes(recorded.replace(prompt, '$1')), out);
  });

  it('holds the failure of a scenario that scripts no lookup, as the simulator prints it', async () => {
    const recorded = blocks.find((block) => block.startsWith('  FAIL keys the card'));
    assert.ok(recorded !== undefined, 'the section shows no unscripted lookup');
    const scenario = file(
      'keys-the-card.scenarios.yaml',
      oneCall('', '      - silence: true').replace('name: a call', 'name: keys the card'),
    );
    const result = await simulate('run', scenario, '--rules', RULES);
    assert.ok(result.stdout.includes(`${recorded}\n`), result.stdout);
  });
});
