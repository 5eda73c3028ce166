import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type CallerAction, SimulatedCall } from '../../dev/simulator/call';
import { MAX_EXPORT_LINES } from '../../dev/simulator/replay';
import { callIdsFor } from '../../dev/simulator/run-scenarios';
import { localTimeToEpoch } from '../../dev/simulator/scenario';
import { createInProcessTransport } from '../../dev/simulator/transport';
import { createLocalServer, loadBuiltHandlers } from '../../scripts/local/serve';
import { formatTurn, main, readTyped } from '../../scripts/simulate/simulate';
import { toLocalTime } from '../../shared/calendar/local-time';
import { chooseSplitBranch } from '../../shared/flow/choose-split';
import { ROOT, setFunctionEnvironment } from '../support/fc-event';
import { PREBUILT, runSession, runSimulator } from '../support/simulate-cli';

const dir = mkdtempSync(join(tmpdir(), 'simulate-cli-'));
const example = (name: string) => join(ROOT, 'examples', name);
const fixture = (name: string) => join(ROOT, 'test', 'fixtures', 'scenarios', name);
/** A control character a terminal would act on (any but the newlines the simulator prints itself). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for
const UNPRINTABLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const REPLIES_ONLY = example('default-hotline.replies.scenarios.yaml');

/** The simulator's command line, in-process. */
const simulate = (...args: string[]) => runSimulator(args);

after(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run simulate -- run', () => {
  it('passes the bank example scenarios: office hours, after hours, a holiday, a make-up day, VIP, blocked, the language model verdicts', async () => {
    const result = await simulate(
      'run',
      example('bank-card-service.scenarios.yaml'),
      '--rules',
      example('bank-card-service.yaml'),
    );
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /32 scenarios: 32 passed, 0 failed\n$/);
    assert.match(result.stdout, /ok {3}a holiday \(National Day\) is closed, whatever the hour/);
    assert.equal(result.status, 0);
  });

  it('passes the outbound reminder scenarios and visits every node and way on of the flow', async () => {
    const result = await simulate(
      'run',
      example('appointment-reminder.scenarios.yaml'),
      '--rules',
      example('appointment-reminder.yaml'),
      '--min-coverage',
      '100',
    );
    assert.match(result.stdout, /10 scenarios: 10 passed, 0 failed\n/);
    assert.match(result.stdout, /coverage: 21\/21 \(100%\)/);
    assert.equal(result.status, 0);
  });

  it('passes the embedded default hotline scenarios without --rules', async () => {
    const result = await simulate('run', example('default-hotline.scenarios.yaml'), REPLIES_ONLY);
    assert.match(result.stdout, /\(rules: the embedded default hotline\)/);
    assert.match(result.stdout, /6 scenarios: 6 passed, 0 failed\n$/);
    assert.equal(result.status, 0);
  });

  it('fails on a mismatch and prints what was expected against what happened, with the trace', async () => {
    const result = await simulate(
      'run',
      fixture('failing.scenarios.yaml'),
      '--rules',
      example('bank-card-service.yaml'),
    );
    assert.equal(result.status, 1);
    const diff = result.stdout.split('\n').slice(1).join('\n');
    assert.equal(
      diff,
      [
        '  FAIL expects the wrong desk (4 callbacks)',
        '    turn 2 · keys 6218',
        '      - hears  6 2 1 9',
        '      + hears  您输入的卡号后4位是 6 2 1 8。确认请按1，重新输入请按2。',
        '      - node   askPin',
        '      + node   confirmCard',
        '      trace: collected card4 (4 digits) → confirmCard · enter confirmCard (menu)',
        '  FAIL forgets that the office is closed on National Day (3 callbacks)',
        '    callin',
        '      - flow  main',
        '      + flow  afterHours',
        '      - node  menu',
        '      + node  afterMenu',
        '      trace: line service (by number dialled) → flow main · calendar office is closed → flow afterHours · enter closedNotice (say) · enter afterMenu (menu) · prompt held for the first dtmf reply (firstMenu: once)',
        '    turn 2 · keys 1',
        '      - transferTo  05925550101',
        '      + transferTo  05925550110',
        '      trace: key 1 → emergency · enter emergency (transfer) · transfer to 059****0110',
        '    turn 3 · says "还在吗"',
        '      the call had already ended (transfer): no event comes after it (simulator rule call-over, docs/simulator-rules.md)',
        '2 scenarios: 0 passed, 2 failed',
        '',
      ].join('\n'),
    );
  });

  it('fails a turn the platform would not deliver: the turn, the last reply, what to do, the rule', async () => {
    const result = await simulate(
      'run',
      fixture('undelivered.scenarios.yaml'),
      '--rules',
      example('bank-card-service.yaml'),
    );
    assert.equal(result.status, 1);
    const [, early = ''] = result.stdout.split(/ {2}FAIL /);
    assert.equal(
      early,
      [
        'presses 1 during the greeting (1 callback)',
        '    turn 1 · keys 1',
        '      not heard: keys are not collected yet (the last reply was answer, to the callin, which collects none). ' +
          'Keys count only once a reply collects them (dtmf): wait for the menu to ask, as a caller would; add a ' +
          'turn `silence: true` before this one (simulator rule keys-armed, docs/simulator-rules.md)',
        '    turn 2 not run: the call cannot go on as written after turn 1',
        '',
      ].join('\n'),
    );
    // One failure per scenario, each at the turn the platform would not deliver, naming its rule.
    const failures = [
      ...result.stdout.matchAll(/\n {4}(turn \d+ · [^\n]+)\n {6}(.*)\(simulator rule ([\w-]+),/g),
    ];
    assert.deepEqual(
      failures.map((match) => [match[1], match[3]]),
      [
        ['turn 1 · keys 1', 'keys-armed'],
        ['turn 1 · key time-out', 'key-timeout'],
        ['turn 3 · transfer fail', 'transfer-result'],
        ['turn 2 · keys 12', 'key-entry'],
        ['turn 2 · talks over the prompt', 'barge-in'],
      ],
    );
    assert.match(
      result.stdout,
      /not sent: no parallel transfer is under way \(the last reply was play, to a dtmf event\)/,
    );
    assert.match(result.stdout, /not heard: 2 \(the entry ended after 1: it takes at most 1 key\)/);
    assert.match(result.stdout, /5 scenarios: 0 passed, 5 failed\n$/);
  });

  it('shows the greeting, then the menu heard again with its keys armed, then the key (the example)', async () => {
    const result = await simulate('run', example('default-hotline.scenarios.yaml'));
    assert.match(
      result.stdout,
      /ok {3}the greeting, then the menu as a caller hears it, then a key \(3 callbacks\)/,
    );
  });

  it('reports coverage per flow, naming the branch never taken, and fails under --min-coverage', async () => {
    const result = await simulate(
      'run',
      fixture('reschedule-in-hours.scenarios.yaml'),
      '--rules',
      example('appointment-reminder.yaml'),
      '--min-coverage',
      '50',
    );
    assert.match(result.stdout, /1 scenario: 1 passed, 0 failed\n/);
    assert.match(result.stdout, /coverage: 5\/21 \(23\.8%\) of nodes and ways on\n {2}flow remind: 5\/21\n/);
    assert.match(result.stdout, /never visited: reschedule: else → callBackLater\n/);
    assert.match(result.stdout, /never visited: ask: noMatch escalation → reschedule\n/);
    assert.match(result.stdout, /never visited: ask: intent confirm → confirm\n/);
    assert.doesNotMatch(result.stdout, /reschedule: branches\.0/);
    assert.match(result.stdout, /coverage 23\.8% is under --min-coverage 50%\n$/);
    assert.equal(result.status, 1);
  });

  it('names every problem of a scenario file by its path, and runs nothing', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'scenarios:\n  - name: x\n    at: "2026-13-01 10:00"\n    turns:\n      - { say: hi, keys: "1" }\n      - { keys: "12a" }\n      - { silence: true, expect: { sound: loud } }\n',
    );
    const result = await simulate('run', file);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /turns\.0: a turn does exactly one of say, keys, silence/);
    assert.match(result.stderr, /turns\.1\.keys: keys are 1 to 40 of 0-9, \* and #/);
    assert.match(result.stderr, /turns\.2\.expect\.sound: /);
  });

  it('warns once when calls met a year the bundles hold no holiday data for (the tests build from 2025)', async () => {
    const file = join(dir, 'old-year.yaml');
    const call = (day: string) =>
      `  - { name: "${day}", at: "${day} 10:00", answer: { action: answer }, turns: [] }\n`;
    writeFileSync(file, `scenarios:\n${call('2024-10-01')}${call('2024-10-02')}${call('2026-10-01')}`);
    const result = await simulate('run', file, '--rules', example('bank-card-service.yaml'));
    assert.equal(result.status, 0);
    assert.equal(result.stderr.match(/^warning: /gm)?.length, 1, result.stderr);
    assert.match(
      result.stderr,
      /^warning: the built bundles hold no holiday data for 2024 \(calendar office\): /,
    );
    // 2024 is in the package, before the years the bundles keep: --holidays-from brings it back.
    assert.match(
      result.stderr,
      /\n {2}2024: the bundles keep the packaged years from \d{4} on: run with --holidays-from 2024, or give the days off under holidaySchedules in the rules\n$/,
    );
    assert.doesNotMatch(result.stderr, /npm run build/);
  });

  it('says what helps with a year the installed holiday data does not reach: holidaySchedules, a newer package', async () => {
    const file = join(dir, 'future-year.yaml');
    writeFileSync(
      file,
      'scenarios:\n  - { name: x, at: "2100-10-01 10:00", answer: { action: answer }, turns: [] }\n',
    );
    const result = await simulate('run', file, '--rules', example('bank-card-service.yaml'));
    assert.equal(result.status, 0);
    assert.match(
      result.stderr,
      /^warning: the built bundles hold no holiday data for 2100 \(calendar office\): calls on those dates were judged by the calendar's noHolidayData policy \(as a deployed function would judge them\)/,
    );
    assert.match(
      result.stderr,
      /\n {2}2100: the installed chinese-days has no schedule for it .*: give the days off under holidaySchedules in the rules, or, once published, install a newer chinese-days \(npm run holidays -- --latest says which\) and run again\n$/,
    );
    assert.doesNotMatch(result.stderr, /--holidays-from/);
  });

  /** The run of a scenario file of one call at 10:00 with these turns (YAML lines): refused, running nothing. */
  async function runRefused(name: string, turns: readonly string[]): Promise<string> {
    const file = join(dir, `${name}.yaml`);
    const lines = turns.map((turn) => `      - ${turn}\n`).join('');
    writeFileSync(file, `scenarios:\n  - name: x\n    at: "2026-03-10 10:00"\n    turns:\n${lines}`);
    const result = await simulate('run', file);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    return result.stderr;
  }

  it('refuses unquoted keys of more than one digit, which YAML reads as a number', async () => {
    const stderr = await runRefused('unquoted-keys', ['{ keys: 1 }', '{ keys: 0123 }']);
    assert.doesNotMatch(stderr, /turns\.0/);
    assert.match(stderr, /turns\.1\.keys: keys of more than one digit are quoted, like "0123"/);
  });

  it('refuses an unquoted phone number, whose leading 0 YAML drops', async () => {
    const file = join(dir, 'unquoted-caller.yaml');
    writeFileSync(
      file,
      'scenarios:\n  - name: x\n    caller: 05923391657\n    at: "2026-03-10 10:00"\n    turns: []\n',
    );
    const result = await simulate('run', file);
    assert.equal(result.status, 1);
    // Named by its line, as rules check names a rules file's.
    assert.match(
      result.stderr,
      /\n {2}line 3: scenarios\.0\.caller: caller was read as the number 5923391657: quote it/,
    );
  });

  it('refuses expectations on a hangup turn, which sends no callback to check them against', async () => {
    const stderr = await runRefused('hangup-expect', [
      '{ hangup: true, expect: { node: nowhere, action: transfer } }',
    ]);
    assert.match(stderr, /turns\.0: a hangup sends no callback, so nothing can be expected of it/);
  });

  it('refuses a time that does not exist, a file that is not one, and bad command lines', async () => {
    const file = join(dir, 'feb30.yaml');
    writeFileSync(file, 'scenarios:\n  - { name: x, at: "2026-02-30 10:00", turns: [] }\n');
    assert.match((await simulate('run', file)).stderr, /scenarios\.0\.at: no such time/);
    assert.match((await simulate('run', dir)).stderr, /not a regular file/);
    assert.match(
      (await simulate('run', join(dir, 'none.yaml'))).stderr,
      /cannot read the scenario file \(ENOENT\)/,
    );
    const usage = await simulate('run', file, '--at', '2026-10-01');
    assert.equal(usage.status, 2);
    assert.equal(
      usage.stderr,
      "simulate: --at does not go with this command (see 'npm run simulate -- run --help')\n",
    );
    assert.equal((await simulate('--at', 'tomorrow')).status, 2);
    // Date.UTC reads years 0000–0099 as 19xx: such a year is refused, not moved.
    const early = await simulate('--at', '0050-03-10 10:00');
    assert.equal(early.status, 2);
    assert.match(early.stderr, /--at takes a local time/);
    writeFileSync(file, 'scenarios:\n  - { name: x, at: "0050-03-10 10:00", turns: [] }\n');
    assert.match(
      (await simulate('run', file)).stderr,
      /scenarios\.0\.at: a time is in a year from 2000 to 2100/,
    );
    assert.equal((await simulate('fly')).status, 2);
    assert.equal((await simulate('run', file, '--min-coverage', '120')).status, 2);
    const ids = await simulate('run', file, '--call-ids', '1234567890123');
    assert.equal(ids.status, 2);
    assert.match(
      ids.stderr,
      /--call-ids takes a whole number of up to 12 digits, such as 7; not 1234567890123/,
    );
  });

  it('gives the calls the ids --call-ids makes, so a split takes the branch those ids take', async () => {
    const rules = join(ROOT, 'test', 'fixtures', 'split', 'greeting.yaml');
    const file = join(dir, 'unpinned.scenarios.yaml');
    // The seeds whose first call id the 90:10 split sends to the short greeting, and to the classic one.
    const branchOf = (seed: number) => chooseSplitBranch(callIdsFor(seed)(), 'main', 'greeting', [90, 10]);
    const seeds = Array.from({ length: 200 }, (_, i) => i + 1);
    const short = seeds.find((seed) => branchOf(seed) === 1);
    const classic = seeds.find((seed) => branchOf(seed) === 0);
    assert.ok(short !== undefined && classic !== undefined);
    writeFileSync(
      file,
      "scenarios:\n  - { name: the short greeting, at: '2026-03-10 10:00', answer: { node: byeShort }, turns: [] }\n",
    );
    assert.equal((await simulate('run', file, '--rules', rules, '--call-ids', String(short))).status, 0);
    assert.equal((await simulate('run', file, '--rules', rules, '--call-ids', String(classic))).status, 1);
  });

  it('refuses invalid rules before a call is made', async () => {
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, 'version: x\ndefaultLine: { flow: nowhere }\nflows: {}\n');
    const result = await simulate('run', example('default-hotline.scenarios.yaml'), '--rules', file);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /not valid rules .*\n {2}defaultLine\.flow: /);
  });
});

describe('docs/testing.md', () => {
  const section = readFileSync(join(ROOT, 'docs', 'testing.md'), 'utf8');

  it('holds a session the simulator prints today, for the lines typed in it', async () => {
    const command = /```sh\nnpm run simulate -- (--rules \S+) --at "([^"]+)"((?: --call-ids \d+)?)\n```/.exec(
      section,
    );
    assert.ok(
      command?.[1] !== undefined && command[2] !== undefined,
      'docs/testing.md names no interactive command',
    );
    const recorded = /```\n(rules: [\s\S]*?)\n```/.exec(section)?.[1] ?? '';
    // The terminal echoed what was typed after each prompt; piped in, it is not echoed.
    const prompt = /^((?:caller|call over \(\/new, \/quit\)|lookup \S+)> )(.+)(?:\n|$)/gm;
    const typed = [...recorded.matchAll(prompt)].map((match) => match[2] ?? '');
    assert.ok(typed.length >= 5, 'the recorded session types too little');
    let out = '';
    const status = await main(
      [...command[1].split(' '), '--at', command[2], ...(command[3] ?? '').split(' ').filter(Boolean)],
      {
        out: (text) => {
          out += text;
        },
        err: (text) => {
          out += text;
        },
        input: Readable.from([`${typed.join('\n')}\n`]),
      },
      PREBUILT,
    );
    assert.equal(status, 0);
    assert.equal(out, recorded.replace(prompt, '$1'));
  });

  it('runs every scenario example as written, against the rules its comment names', async () => {
    const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    assert.equal(blocks.length, 4);
    for (const [i, block] of blocks.entries()) {
      const rules = /--rules (\S+)/.exec(block)?.[1];
      assert.ok(rules !== undefined, `docs/testing.md scenario ${i} names no rules file`);
      const file = join(dir, `readme-${i}.scenarios.yaml`);
      writeFileSync(file, block);
      const result = await simulate('run', file, '--rules', join(ROOT, rules));
      assert.match(result.stdout, /: 1 passed, 0 failed\n$/, result.stdout + result.stderr);
    }
  });
});

describe('npm run simulate -- replay', () => {
  const bankRules = example('bank-card-service.yaml');

  /** The keyed lost-card call: a silence, then the card's last digits and the PIN pressed. */
  const KEYED: readonly CallerAction[] = [
    { kind: 'silence' },
    { kind: 'keys', keys: '1' },
    { kind: 'keys', keys: '6218' },
    { kind: 'keys', keys: '1' },
    { kind: 'keys', keys: '583920#' },
  ];

  /** A lost-card call placed at 17:58 on a Tuesday, and the log lines the function wrote for it. */
  async function loggedCall(
    callId: string,
    actions: readonly CallerAction[] = KEYED,
  ): Promise<Record<string, unknown>[]> {
    const transport = await createInProcessTransport(bankRules);
    const call = new SimulatedCall(transport, 'inbound', callId);
    const at = Date.parse('2026-03-10T17:58:00+08:00');
    const outcomes = [await call.answer({ caller: '13812345678', callee: '95000' }, at)];
    for (const [i, action] of actions.entries()) outcomes.push(await call.act(action, at + (i + 1) * 5_000));
    return outcomes.map((outcome) => outcome.log?.raw ?? {});
  }

  it('replays a call whose card number and PIN were spoken the same way under the same rules', async () => {
    const logs = await loggedCall('130301340125^117079730124', [
      { kind: 'say', words: '挂失' },
      { kind: 'say', words: '6218' },
      { kind: 'keys', keys: '1' },
      { kind: 'say', words: '五八三九二零' },
    ]);
    // What the log kept of the spoken digits: masked, and nothing of the PIN.
    assert.deepEqual(
      logs.map((line) => line.words),
      [undefined, '挂失', '****', undefined, '(sensitive)'],
    );
    const exported = join(dir, 'spoken.jsonl');
    writeFileSync(exported, logs.map((line) => JSON.stringify(line)).join('\n'));
    const same = await simulate('replay', exported, '--rules', bankRules);
    assert.equal(same.status, 0);
    assert.match(
      same.stdout,
      /says "0000"\n {3}note: input reconstructed: digits said aloud are masked in the log: replayed as "0000"\n {3}same: dtmf identify\/confirmCard \(collected card4\)/,
    );
    assert.match(
      same.stdout,
      /says "000000"\n {3}note: input reconstructed: speech to a sensitive node is not logged: replayed as 000000\n {3}same: transfer main\/lostDesk \(collected pin\)/,
    );
    assert.doesNotMatch(same.stdout, /differs/);
    assert.match(same.stdout, /the call goes the same way under these rules\n$/);
  });

  it('shows turn by turn where a logged call goes differently after a rules edit', async () => {
    const logs = await loggedCall('130301340124^117079730123');
    // As SLS exports them: each record holds the function's line as text; other lines are skipped.
    const exported = join(dir, 'call.jsonl');
    writeFileSync(
      exported,
      [
        '{"msg":"rules loaded"}',
        ...logs.map((line) => JSON.stringify({ __time__: 1, content: JSON.stringify(line) })),
      ].join('\n'),
    );
    const same = await simulate('replay', exported, '--rules', bankRules);
    assert.equal(same.status, 0);
    assert.match(same.stdout, /^replay of call 130301340124\^117079730123 \(6 turns, inbound\)/);
    assert.match(
      same.stdout,
      /numbers masked in the log: caller 138\*\*\*\*5678 as 13800005678, callee \*\*\*\*\* as 95000/,
    );
    assert.match(same.stdout, /keys hidden in the log \(\*\*\*\*\): replayed as 0000/);
    assert.match(
      same.stdout,
      /same: transfer main\/lostDesk \(collected pin\)\nthe call goes the same way under these rules\n$/,
    );

    // The office now closes at 17:30: the same caller at 17:58 is after hours.
    const edited = join(dir, 'bank-edited.yaml');
    writeFileSync(
      edited,
      readFileSync(bankRules, 'utf8').replace("workdays: ['09:00-18:00']", "workdays: ['09:00-17:30']"),
    );
    const changed = await simulate('replay', exported, '--rules', edited);
    assert.match(
      changed.stdout,
      /1\. \[2026-03-10 17:58 Tue\] callin\n.*\n {3}was: answer main\/menu\n {3}now: answer afterHours\/afterMenu {2}<- differs\n {3}why: .*calendar office is closed → flow afterHours/,
    );
    assert.match(
      changed.stdout,
      /was: dtmf identify\/askCard \(key 1\)\n {3}now: transfer afterHours\/emergency \(key 1\) {2}<- differs/,
    );
    assert.match(changed.stdout, /now: the call had already ended/);
    assert.match(changed.stdout, /6 of 6 turns go differently under these rules\n$/);
  });

  it('shows a logged key press these rules would not collect as not heard, and sends nothing for it', async () => {
    // Keys right after the greeting: the log of a call whose opening collected them (other rules).
    const logs = await loggedCall('9^9', [{ kind: 'keys', keys: '1' }]);
    const exported = join(dir, 'early-keys.jsonl');
    writeFileSync(exported, logs.map((line) => JSON.stringify(line)).join('\n'));
    const result = await simulate('replay', exported, '--rules', bankRules);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /keys 1\n {3}was: dtmf identify\/askCard \(key 1\)\n {3}now: not heard: keys are not collected yet \(the last reply was answer, to the callin, which collects none\)\..*\(simulator rule keys-armed, docs\/simulator-rules\.md\) {2}<- differs\n/,
    );
    assert.match(result.stdout, /1 of 2 turns go differently under these rules\n$/);
  });

  it('prints no control character of the export: no escape sequence, title change or made-up line', async () => {
    const [callin = {}, menu = {}] = await loggedCall('7^7', [{ kind: 'say', words: '挂失' }]);
    const hostile = (text: string) => `${text}\u001b[31m\u001b]0;pwned\u0007\u009b2J\u007f\nFAKE: same`;
    const exported = join(dir, 'hostile.jsonl');
    writeFileSync(
      exported,
      [
        { ...callin, callId: hostile('7^7') },
        {
          ...menu,
          callId: hostile('7^7'),
          words: hostile('挂失'),
          flow: hostile('main'),
          node: hostile('lostIntro'),
          matched: hostile('intent lostCard'),
          action: hostile('dtmf'),
        },
        { ...menu, callId: hostile('7^7'), type: hostile('odd') },
      ]
        .map((line) => JSON.stringify(line))
        .join('\n'),
    );
    const result = await simulate('replay', exported, '--rules', bankRules);
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stdout, UNPRINTABLE);
    assert.doesNotMatch(result.stdout, /^FAKE/m);
    assert.match(result.stdout, /^replay of call 7\^7\[31m\]0;pwned2JFAKE: same \(2 turns/);
    assert.match(result.stdout, /says "挂失\[31m\]0;pwned2JFAKE: same"\n/);
    assert.match(
      result.stdout,
      /was: dtmf\[31m.* main\[31m.*\/lostIntro\[31m.* \(intent lostCard\[31m.*\)\n/,
    );
  });

  it('says how many lines of an export over the most it reads were not read', async () => {
    const [callin = {}] = await loggedCall('8^8', []);
    const exported = join(dir, 'long.jsonl');
    const filler = Array.from({ length: MAX_EXPORT_LINES + 2 }, () => '{}');
    writeFileSync(exported, [JSON.stringify(callin), ...filler].join('\n'));
    const result = await simulate('replay', exported, '--rules', bankRules);
    assert.match(
      result.stderr,
      /long\.jsonl: only the first 100000 lines are read; 3 lines after them were not\n/,
    );
    assert.match(result.stdout, /^replay of call 8\^8 \(1 turn, inbound\)/);
  });

  it('asks which call when an export holds several, and says when it holds none', async () => {
    const lines = [...(await loggedCall('1^1')).slice(0, 2), ...(await loggedCall('2^2')).slice(0, 3)];
    const exported = join(dir, 'two.jsonl');
    writeFileSync(exported, lines.map((line) => JSON.stringify(line)).join('\n'));
    const ask = await simulate('replay', exported);
    assert.equal(ask.status, 1);
    assert.match(ask.stderr, /2 calls; name one with --call: 1\^1, 2\^2/);
    const picked = await simulate('replay', exported, '--call', '2^2', '--rules', bankRules);
    assert.match(picked.stdout, /replay of call 2\^2 \(3 turns, inbound\)/);
    const junk = join(dir, 'junk.jsonl');
    writeFileSync(junk, 'not json\n{"msg":"callback"}\n');
    assert.match((await simulate('replay', junk)).stderr, /no callback log lines .* 2 other lines skipped/);
  });
});

describe('npm run simulate -- run --url', () => {
  const SECRET = 'simulator-url-test-secret-1';
  const server = createLocalServer(loadBuiltHandlers());
  let base = '';
  before(async () => {
    setFunctionEnvironment({
      CALLBACK_SECRETS: SECRET,
      STATE_SECRETS: 'simulator-url-test-state-1',
      LOG_LEVEL: 'error',
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Each bundle reads the environment on its first request: now, before another test changes it.
    for (const fn of ['inbound', 'outbound']) await fetch(`${base}/${fn}?token=${SECRET}`);
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('places the calls over HTTP with the secret, checking what the replies show', async () => {
    const result = await simulate('run', REPLIES_ONLY, '--url', `${base}/{fn}`, '--secret', SECRET);
    assert.match(result.stdout, /^over --url and --fc the simulator sees replies only/);
    assert.match(result.stdout, /1 scenario: 1 passed, 0 failed\n$/);
    assert.doesNotMatch(result.stdout, new RegExp(SECRET));
    assert.equal(result.status, 0);
  });

  it("runs docs/testing.md's command against the local server as written (with the test server's URL and secret)", async () => {
    const guide = readFileSync(join(ROOT, 'docs', 'testing.md'), 'utf8');
    const command = /^npm run simulate -- (run \S+ --url) '([^']+)'$/m.exec(guide);
    assert.ok(command?.[1] !== undefined && command[2] === 'http://127.0.0.1:9000/{fn}', 'no --url example');
    const [, file, flag] = command[1].split(' ') as [string, string, string];
    const result = await simulate('run', join(ROOT, file), flag, `${base}/{fn}`, '--secret', SECRET);
    assert.match(result.stdout, / 0 failed\n$/, result.stdout);
    assert.equal(result.status, 0);
  });

  it('fails a node expectation it cannot see, a wrong secret and a server that is not there, readably', async () => {
    const blind = await simulate(
      'run',
      example('default-hotline.scenarios.yaml'),
      '--url',
      `${base}/{fn}`,
      '--secret',
      SECRET,
    );
    assert.match(blind.stdout, /- node {2}menu\n {6}\+ node {2}\(no log line seen\)/);
    assert.equal(blind.status, 1);
    const forbidden = await simulate(
      'run',
      REPLIES_ONLY,
      '--url',
      `${base}/inbound`,
      '--secret',
      'wrong-secret-of-enough-length',
    );
    assert.match(forbidden.stdout, /\+ reply {2}HTTP 403: \{"result":"fail","msg":"forbidden/);
    const gone = await simulate('run', REPLIES_ONLY, '--url', 'http://127.0.0.1:9/inbound');
    assert.match(
      gone.stdout,
      /\+ reply {2}no answer from http:\/\/127\.0\.0\.1:9\/inbound \(TypeError: fetch failed\)/,
    );
    assert.equal((await simulate('run', REPLIES_ONLY, '--url', base, '--coverage')).status, 2);
    assert.equal((await simulate('run', REPLIES_ONLY, '--secret', SECRET)).status, 2);
  });
});

describe('a run over --url to a stand-in that refuses every callback', () => {
  /** A stand-in function that records the call ids it is sent and refuses every callback. */
  const seen: string[] = [];
  const recorder = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      seen.push(new URLSearchParams(body).get('call_id') ?? '');
      // With an escape sequence, a terminal title change and a line of its own in it.
      response
        .writeHead(403)
        .end('{"result":"fail","msg":"forbidden\u001b[2J\u001b]0;pwned\u0007\nFAKE ok"}');
    });
  });
  let url = '';
  before(async () => {
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}/{fn}`;
  });
  after(() => new Promise<void>((resolve) => recorder.close(() => resolve())));

  /** The distinct call ids one run of the replies-only scenarios sent, given its seed (none: a new one). */
  async function idsOfRun(callIdSeed?: number): Promise<string[]> {
    seen.length = 0;
    const io = { out: () => {}, err: () => {}, ...(callIdSeed === undefined ? {} : { callIdSeed }) };
    await main(['run', REPLIES_ONLY, '--url', url], io, PREBUILT);
    return [...new Set(seen)];
  }

  it('stops a scenario at the first callback not answered, and says the rest were not run', async () => {
    seen.length = 0;
    const result = await simulate('run', REPLIES_ONLY, '--url', url);
    assert.equal(seen.length, 1, 'only the callin is sent');
    assert.match(
      result.stdout,
      /\+ reply {2}HTTP 403: \{"result":"fail","msg":"forbidden\[2J\]0;pwnedFAKE ok"\}\n {4}turns 1 to 3 not run: the function did not answer the callback before\n/,
    );
    assert.doesNotMatch(result.stdout, UNPRINTABLE);
    assert.equal(result.status, 1);
  });

  it('gives call ids new every run, so that runs do not share one, and the same for a fixed seed', async () => {
    const first = await idsOfRun();
    const second = await idsOfRun();
    assert.equal(first.length, 1);
    assert.match(first[0] ?? '', /^\d{12}\^\d{12}$/);
    assert.notDeepEqual(first, second);
    assert.deepEqual(await idsOfRun(42), ['000000000042^880000000001']);
    assert.deepEqual(await idsOfRun(42), ['000000000042^880000000001']);
  });
});

describe('npm run simulate -- schema', () => {
  it('says a file it cannot write, without a stack trace', async () => {
    const result = await simulate('schema', '-o', join(dir, 'no-such-dir', 'x.json'));
    assert.equal(result.status, 1);
    assert.match(result.stderr, /no-such-dir\/x\.json: cannot write it \(ENOENT\)\n$/);
  });

  it('prints the JSON Schema committed as scenarios.schema.json', async () => {
    const result = await simulate('schema');
    assert.equal(
      result.stdout,
      readFileSync(join(ROOT, 'scenarios.schema.json'), 'utf8'),
      'scenarios.schema.json is out of date: run npm run -s simulate -- schema -o scenarios.schema.json',
    );
  });
});

describe('npm run simulate builds the bundles itself', () => {
  it('after reading its line, only for the calls placed in this process, with --holidays-from', async () => {
    const builds: unknown[] = [];
    const spy = {
      buildBundles: async (options: { readonly holidaysFrom?: number }) => {
        builds.push(options);
      },
    };
    const quiet = { out: () => {}, err: () => {} };
    const scenarios = example('default-hotline.scenarios.yaml');
    assert.equal(await main(['--help'], quiet, spy), 0);
    assert.equal(await main(['run', '--help'], quiet, spy), 0);
    assert.equal(await main(['run', scenarios, '--holidays-from', '20x'], quiet, spy), 2);
    assert.equal(await main(['schema', '-o', join(dir, 'schema.json')], quiet, spy), 0);
    const gone = ['run', REPLIES_ONLY, '--url', 'http://127.0.0.1:9/{fn}'];
    assert.equal(await main(gone, quiet, spy), 1);
    assert.deepEqual(builds, [], 'help, a wrong line, the schema and --url build nothing');
    assert.equal(await main(['run', scenarios], quiet, spy), 0);
    assert.equal(await main(['run', scenarios, '--holidays-from', '2024'], quiet, spy), 0);
    assert.deepEqual(builds, [{}, { holidaysFrom: 2024 }]);
  });
});

describe('npm run simulate, interactive, as the platform delivers', () => {
  /** An interactive session of the bank example at 10:00 on a Tuesday, with these lines typed. */
  async function session(...typed: string[]): Promise<string> {
    const args = ['--rules', example('bank-card-service.yaml'), '--at', '2026-03-10 10:00'];
    const { status, out } = await runSession(args, typed);
    assert.equal(status, 0, out);
    return out;
  }

  it('does not hear keys pressed during the greeting, and sends nothing for them', async () => {
    const out = await session('/keys 1', '/silence', '/keys 1', '/quit');
    assert.match(
      out,
      /caller> \[2026-03-10 10:00 Tue\] keys 1\n {2}not heard: keys are not collected yet \(the last reply was answer, to the callin, which collects none\)\. .*type \/silence first \(simulator rule keys-armed, docs\/simulator-rules\.md\)\ncaller> \[2026-03-10 10:00 Tue\] silence\n {2}<- dtmf /,
    );
    // The key after the menu armed them is heard: the lost-card entry.
    assert.match(out, /keys 1\n {2}<- dtmf 「为保障您的资金安全/);
    assert.equal(out.match(/<- /g)?.length, 3, 'callin, silence and the key: nothing sent for the early key');
  });

  it('fails a transfer typed as failed during its prompt where the platform reports it: after it started', async () => {
    const out = await session('/silence', '/keys 0', '/transfer fail', '还在吗', '/quit');
    assert.match(
      out,
      /caller> \[2026-03-10 10:00 Tue\] silence \(the caller waits for the transfer the prompt announced\)\n {2}<- parallel transfer to call centre card-service .*\n.*\n.*\n\[2026-03-10 10:00 Tue\] transfer fail\n {2}<- dtmf 「抱歉，当前坐席全忙。/,
    );
    assert.match(out, /why: parallel transfer failed → agentBusy/);
    assert.doesNotMatch(out, /donothing/);
  });
});

describe('the simulator clock and prompt', () => {
  it('reads a local time in the rules zone, across a daylight-saving change too', () => {
    const shanghai = (ms: number) => toLocalTime(ms, 'Asia/Shanghai');
    assert.equal(localTimeToEpoch('2026-10-01 10:00', shanghai), Date.parse('2026-10-01T10:00:00+08:00'));
    assert.equal(localTimeToEpoch('2026-10-01T10:00:30', shanghai), Date.parse('2026-10-01T10:00:30+08:00'));
    const newYork = (ms: number) => toLocalTime(ms, 'America/New_York');
    assert.equal(localTimeToEpoch('2026-03-08 12:00', newYork), Date.parse('2026-03-08T12:00:00-04:00'));
    assert.equal(localTimeToEpoch('2026-03-07 12:00', newYork), Date.parse('2026-03-07T12:00:00-05:00'));
    assert.throws(() => localTimeToEpoch('2026-02-29 10:00', shanghai), /no such time/);
    assert.throws(() => localTimeToEpoch('2026-01-01 24:00', shanghai), /no such time/);
    assert.throws(() => localTimeToEpoch('0050-03-10 10:00', shanghai), /no such time/);
  });

  it('shows a turn without the control characters of the reply or its log line', () => {
    const evil = 'x\u001b]0;pwned\u0007\nFAKE';
    const shown = formatTurn({
      event: 'normal',
      status: 200,
      action: 'transfer',
      texts: [evil],
      audio: [evil],
      transferTo: evil,
      stateChars: 0,
      log: {
        flow: evil,
        node: evil,
        line: evil,
        matched: evil,
        trace: [evil],
        outcomes: [evil],
        lookups: [{ use: evil, outcome: 'failed', why: evil, attempts: 1 }],
        raw: {},
      },
      lookupReport: { unanswered: [], notes: [evil], underivable: false },
    });
    assert.doesNotMatch(shown, UNPRINTABLE);
    assert.doesNotMatch(shown, /^FAKE/m);
    assert.match(shown, /<- transfer to x\]0;pwnedFAKE 「x\]0;pwnedFAKE」/);
  });

  it('reads what is typed at the prompt as the caller does it', () => {
    assert.deepEqual(readTyped('我要挂失'), { kind: 'action', action: { kind: 'say', words: '我要挂失' } });
    assert.deepEqual(readTyped('/keys 6218#'), { kind: 'action', action: { kind: 'keys', keys: '6218#' } });
    assert.deepEqual(readTyped('/transfer fail'), {
      kind: 'action',
      action: { kind: 'transferResult', status: 'fail' },
    });
    assert.deepEqual(readTyped('/at 2026-10-01 18:05'), { kind: 'at', text: '2026-10-01 18:05' });
    assert.equal(readTyped('/keys 12a').kind, 'wrong');
    assert.equal(readTyped('/fly').kind, 'wrong');
    assert.equal(readTyped('   ').kind, 'empty');
  });
});
