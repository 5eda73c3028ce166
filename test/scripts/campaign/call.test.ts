/**
 * `npm run call` end to end, in-process, against a local SmartCall endpoint (test/support/smartcall-server.ts)
 * on a virtual clock: every row placed once across a stop and a restart, a crash's traces read back, a
 * dry run that sends and writes nothing, the refusals before the first call, and never a whole number
 * on stdout, stderr or in the results file.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lockResultsFile } from '../../../dev/campaign-files';
import { main, runCampaign } from '../../../scripts/campaign/call';
import { outIdOf, type ResultsLine } from '../../../shared/campaign/results';
import { openOutboundId } from '../../../shared/state/outbound-id';
import { captureIo } from '../../support/command-io';
import { ROOT } from '../../support/fc-event';
import { scratchFiles } from '../../support/scratch-files';
import {
  ACCESS_KEY_ID,
  ACCESS_KEY_SECRET,
  type Answer,
  type SmartCallServer,
  serveSmartCall,
} from '../../support/smartcall-server';
import { createVirtualClock } from '../../support/virtual-clock';

const RULES = join(ROOT, 'examples', 'appointment-reminder.yaml');
const KEY = 'campaign-test-outbound-key';
const ENV = {
  OUTBOUND_SECRETS: KEY,
  ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY_ID,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY_SECRET,
};
/** A Tuesday at 10:00 in Shanghai: the calendar `calling` is open. */
const OPEN = Date.parse('2026-03-10T10:00:00+08:00');
const NUMBERS = ['13800138000', '13900139000', '13700137000', '13600136000'];
const LIST = `number,id,var.time,tts.time\n${NUMBERS.map((number, i) => `${number.replace(/(\d{3})(\d{4})/, '$1 $2 ')},p-${i + 1},明天${i + 8}点,明天${i + 8}点`).join('\n')}\n`;
/** A number of the lists written whole, as the lists write them or normalised (not any 11 digits: a hash may hold some). */
const WHOLE_NUMBER = new RegExp(
  [...NUMBERS, '13500135000', '13800138001', '1380013(8|9)\\d{3}']
    .flatMap((number) => [number, `${number.slice(0, 3)} ${number.slice(3, 7)} `])
    .join('|'),
);

const { file } = scratchFiles('call-command-');
let answer: (params: Record<string, string>, index: number) => Answer = () => 'placed';
let server: SmartCallServer;
before(async () => {
  server = await serveSmartCall((params, index) => answer(params, index));
});
after(() => server.stop());

/** Runs the command in-process on a virtual clock, against the local endpoint. */
async function call(
  args: string[],
  options: { env?: Record<string, string>; signal?: AbortSignal; start?: number } = {},
) {
  const { io, out, err } = captureIo(options.env ?? ENV);
  const clock = createVirtualClock(options.start ?? OPEN);
  const code = await main(['--endpoint', server.origin, ...args], {
    ...io,
    clock,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const output = { code, out: out.join(''), err: err.join('') };
  assert.doesNotMatch(output.out + output.err, WHOLE_NUMBER, 'a whole number was printed');
  return output;
}

function results(path: string): ResultsLine[] {
  const text = readFileSync(path, 'utf8');
  assert.doesNotMatch(text, WHOLE_NUMBER, 'a whole number was written');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ResultsLine);
}

const outIdsSent = (from: number) => server.requests.slice(from).map((request) => request.OutId);

describe('npm run call', () => {
  it('places one call per row, each sealed when it is sent, and writes how each ended', async () => {
    const list = file('first.csv', LIST);
    const sentBefore = server.requests.length;
    answer = () => 'placed';
    const { code, out, err } = await call([list, '--rules', RULES, '--quiet']);
    assert.equal(code, 0, err);
    assert.equal(out, '');
    assert.match(err, /credentials from environment variables/);
    assert.match(err, /placed 4 · refused 0 · uncertain 0 · do-not-call 0 · invalid 0 · pending 0/);
    const lines = results(join(list, '..', 'first.results.jsonl'));
    const campaign = lines[0];
    assert.equal(campaign?.kind, 'campaign');
    const codeOf = campaign?.kind === 'campaign' ? campaign.code : '';
    assert.deepEqual(
      outIdsSent(sentBefore),
      [1, 2, 3, 4].map((row) => outIdOf(codeOf, row)),
    );
    const first = server.requests[sentBefore] ?? {};
    assert.equal(first.CalledNumber, NUMBERS[0]);
    assert.equal(first.CalledShowNumber, '05925550000');
    assert.equal(first.VoiceCode, 'TTS_201234567');
    assert.equal(first.VoiceCodeParam, '{"time":"明天8点"}');
    assert.equal(first.MuteTime, '5000');
    const opened = openOutboundId(first.DynamicId ?? '', [KEY], OPEN);
    assert.deepEqual(opened, {
      kind: 'ok',
      flow: 'remind',
      vars: { time: '明天8点' },
      expiresAtS: OPEN / 1000 + 7200,
    });
    assert.deepEqual(
      lines
        .filter((line) => line.kind === 'result')
        .map((line) => [line.row, line.status, line.id, line.number]),
      [
        [1, 'placed', 'p-1', '138****8000'],
        [2, 'placed', 'p-2', '139****9000'],
        [3, 'placed', 'p-3', '137****7000'],
        [4, 'placed', 'p-4', '136****6000'],
      ],
    );
    // Again: nothing left to send, nothing sent, no credentials needed.
    const again = await call([list, '--rules', RULES], { env: {} });
    assert.equal(again.code, 0, again.err);
    assert.equal(server.requests.length, sentBefore + 4);
    assert.match(again.err, /this run: 0 calls placed, 0 requests/);
  });

  it('goes on after a stop where it stopped, placing no row twice', async () => {
    const list = file('stopped.csv', LIST);
    const controller = new AbortController();
    const sentBefore = server.requests.length;
    answer = (_params, index) => {
      if (index === sentBefore + 1) controller.abort();
      return 'placed';
    };
    const stopped = await call([list, '--rules', RULES, '--quiet', '--concurrency', '1'], {
      signal: controller.signal,
    });
    assert.equal(stopped.code, 1);
    assert.match(stopped.err, /stopped; run the same command again to go on/);
    assert.match(stopped.err, /placed 2 · .* pending 2/);
    answer = () => 'placed';
    const resumed = await call([list, '--rules', RULES, '--quiet']);
    assert.equal(resumed.code, 0, resumed.err);
    const lines = results(join(list, '..', 'stopped.results.jsonl'));
    const code = lines[0]?.kind === 'campaign' ? lines[0].code : '';
    assert.deepEqual(
      outIdsSent(sentBefore),
      [1, 2, 3, 4].map((row) => outIdOf(code, row)),
    );
    assert.equal(lines.filter((line) => line.kind === 'campaign').length, 1);
  });

  it('keeps a year without holiday data closed unless --unknown-years weekly, and --now away from SmartCall', async () => {
    const list = file('later.csv', LIST);
    // A Monday of 2027: the packaged holiday data ends with 2026.
    const start = Date.parse('2027-01-04T10:00:00+08:00');
    const sentBefore = server.requests.length;
    const closed = await call([list, '--rules', RULES, '--quiet'], { start });
    assert.equal(closed.code, 1);
    assert.match(
      closed.err,
      /calendar calling does not open in the next 31 days: .*no holiday data covers 2027/,
    );
    assert.equal(server.requests.length, sentBefore);
    const weekly = await call([list, '--rules', RULES, '--quiet', '--unknown-years', 'weekly'], { start });
    assert.equal(weekly.code, 0, weekly.err);
    assert.equal(server.requests.length, sentBefore + NUMBERS.length);
    const { io, err } = captureIo(ENV);
    assert.equal(await main([list, '--rules', RULES, '--now', '2026-03-10T10:00+08:00'], io), 2);
    assert.match(err.join(''), /--now goes with --dry-run or an http:\/\/ endpoint of this machine/);
  });

  it('masks a phone number written in an id, in the dry run and in the results file', async () => {
    const list = file(
      'ids.csv',
      'number,id\n13800138000,appt13500135000\n13900139000,=HYPERLINK(13800138001)\n',
    );
    const dry = await call([list, '--rules', RULES, '--dry-run']);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /"id":"appt135\*{4}5000"/);
    const ran = await call([list, '--rules', RULES, '--quiet']);
    assert.equal(ran.code, 0, ran.err);
    const text = readFileSync(join(list, '..', 'ids.results.jsonl'), 'utf8');
    assert.ok(text.includes('"id":"=HYPERLINK(138****8001)"'), text);
  });

  it('refuses to run beside another run of the same campaign: one results file, one run at a time', async () => {
    const list = file('held.csv', LIST);
    const held = lockResultsFile(join(list, '..', 'held.results.jsonl'));
    assert.ok('release' in held);
    const sentBefore = server.requests.length;
    const refused = await call([list, '--rules', RULES, '--quiet']);
    held.release();
    assert.equal(refused.code, 1);
    assert.match(refused.err, /held\.results\.jsonl is in use by process \d+ on .* since /);
    assert.equal(server.requests.length, sentBefore);
    const ran = await call([list, '--rules', RULES, '--quiet']);
    assert.equal(ran.code, 0, ran.err);
    assert.ok(!existsSync(join(list, '..', 'held.results.jsonl.lock')), 'the run let go of its lock');
  });

  it("reads a crash's traces: a row being sent is uncertain and never sent again; a cut last line is dropped", async () => {
    const list = file('crashed.csv', LIST);
    const at = '2026-03-10T01:00:00.000Z';
    writeFileSync(
      join(list, '..', 'crashed.results.jsonl'),
      `${JSON.stringify({ kind: 'campaign', format: 1, code: 'crash1', created: at, input: list, rows: 4 })}\n` +
        `${JSON.stringify({ kind: 'sending', row: 1, outId: 'crash1r1', at, attempt: 1 })}\n` +
        '{"kind":"sending","row":2,"outId":"cra',
    );
    const sentBefore = server.requests.length;
    const { code, err } = await call([list, '--rules', RULES, '--quiet']);
    assert.equal(code, 0, err);
    assert.match(err, /warning: .*crashed\.results\.jsonl: its last line \(3\) was cut short/);
    assert.match(
      err,
      /1 row were being sent when the last run stopped: recorded as uncertain, not sent again/,
    );
    assert.deepEqual(outIdsSent(sentBefore), ['crash1r2', 'crash1r3', 'crash1r4']);
    const lines = results(join(list, '..', 'crashed.results.jsonl'));
    const first = lines.find((line) => line.kind === 'result' && line.row === 1);
    assert.deepEqual(first?.kind === 'result' ? [first.status, first.why] : [], [
      'uncertain',
      'interrupted while sending',
    ]);
    // With --retry-uncertain, a person's decision, it is sent again.
    const retried = await call([list, '--rules', RULES, '--quiet', '--retry-uncertain']);
    assert.equal(retried.code, 0, retried.err);
    assert.deepEqual(outIdsSent(sentBefore + 3), ['crash1r1']);
  });

  it('stops at a signature refusal that repeats the number, naming what to check and never the number', async () => {
    const list = file('signature.csv', LIST);
    const sentBefore = server.requests.length;
    answer = (params) => ({
      code: 'SignatureDoesNotMatch',
      http: 400,
      message: `Specified signature is not matched with our calculation. server string to sign is:POST&%2F&CalledNumber%3D${params.CalledNumber}`,
    });
    const { code, err } = await call([list, '--rules', RULES, '--quiet', '--concurrency', '1']);
    assert.equal(code, 1);
    assert.match(err, /stopped: SmartCall answered SignatureDoesNotMatch: check the credentials/);
    assert.equal(server.requests.length, sentBefore + 1);
    const lines = results(join(list, '..', 'signature.results.jsonl'));
    assert.deepEqual(
      lines.slice(1).map((line) => line.kind),
      ['sending', 'unsent'],
    );
    assert.doesNotMatch(JSON.stringify(lines), /signature is not matched/);
  });

  it('prints what a dry run would send, numbers and DynamicIds masked, and sends and writes nothing', async () => {
    const list = file('dry.csv', LIST);
    const sentBefore = server.requests.length;
    const { code, out, err } = await call([list, '--rules', RULES, '--dry-run'], {
      env: {},
      start: Date.parse('2026-03-10T07:00:00+08:00'),
    });
    assert.equal(code, 0, err);
    assert.equal(server.requests.length, sentBefore);
    assert.equal(existsSync(join(list, '..', 'dry.results.jsonl')), false);
    const rows = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { number: string; status: string; params: Record<string, string> });
    assert.equal(rows.length, 4);
    assert.deepEqual(rows[0]?.number, '138****8000');
    assert.equal(rows[0]?.status, 'send');
    assert.equal(rows[0]?.params.CalledNumber, '138****8000');
    assert.match(rows[0]?.params.DynamicId ?? '', /^o1\.…\(\d+ chars\)$/);
    assert.match(err, /calendar calling is closed now; it opens 2026-03-10 09:00 Asia\/Shanghai/);
    assert.match(err, /4 rows would be sent; nothing sent, nothing written/);
  });

  it('takes a campaign file, its paths read from its folder, under the options', async () => {
    const list = file('filed.csv', LIST);
    file('filed-dnc.txt', '# asked not to be called\n139 0013 9000\n136*\n');
    const campaign = file(
      'filed.yaml',
      `rules: ${RULES}\ndoNotCall: filed-dnc.txt\nresults: filed-out.jsonl\nset:\n  MuteTime: 3000\n  PauseTime: 500\nrate: 2\n`,
    );
    const sentBefore = server.requests.length;
    answer = () => 'placed';
    const { code, err } = await call([list, '--campaign', campaign, '--set', 'MuteTime=4000', '--quiet']);
    assert.equal(code, 0, err);
    const sent = server.requests.slice(sentBefore);
    assert.deepEqual(
      sent.map((request) => [request.CalledNumber, request.MuteTime, request.PauseTime]),
      [
        ['13800138000', '4000', '500'],
        ['13700137000', '4000', '500'],
      ],
    );
    const lines = results(join(list, '..', 'filed-out.jsonl'));
    const statuses = lines.flatMap((line) =>
      line.kind === 'result' ? [[line.row, line.status] as const] : [],
    );
    assert.deepEqual(
      statuses.sort(([a], [b]) => a - b),
      [
        [1, 'placed'],
        [2, 'do-not-call'],
        [3, 'placed'],
        [4, 'do-not-call'],
      ],
    );
  });

  it('refuses a list with rows SmartCall would refuse, listing them, unless --skip-invalid', async () => {
    const rows = Array.from(
      { length: 25 },
      (_, i) => `1380013${String(8000 + i)},${i === 3 ? 'oops' : '500'}`,
    );
    const list = file('invalid.csv', `number,MuteTime\n${rows.join('\n')}\n`);
    const sentBefore = server.requests.length;
    const refused = await call([list, '--rules', RULES]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /25 rows SmartCall would refuse; nothing was sent/);
    assert.match(refused.err, /\n {2}row 1: MuteTime: a whole number from 1000 to 20000\n/);
    assert.match(refused.err, /\n {2}row 4: MuteTime: a whole number from 1000 to 20000\n/);
    assert.match(refused.err, /\n {2}… and 5 more\n$/);
    assert.equal(server.requests.length, sentBefore);
    const mixed = file('mixed.csv', 'number,MuteTime\n13800138000,500\n13900139000,5000\n');
    const skipped = await call([mixed, '--rules', RULES, '--skip-invalid', '--quiet']);
    assert.equal(skipped.code, 0, skipped.err);
    assert.match(skipped.err, /1 invalid row recorded as invalid, not sent/);
    const lines = results(join(mixed, '..', 'mixed.results.jsonl'));
    assert.deepEqual(
      lines
        .filter((line) => line.kind === 'result')
        .map((line) => (line.kind === 'result' ? [line.status, line.why] : [])),
      [
        ['invalid', 'MuteTime: a whole number from 1000 to 20000'],
        ['placed', undefined],
      ],
    );
  });

  it('refuses, before sending anything, a list that changed under a running campaign', async () => {
    const list = file('changing.csv', LIST);
    answer = () => 'placed';
    assert.equal((await call([list, '--rules', RULES, '--quiet', '--limit', '1'])).code, 0);
    writeFileSync(list, LIST.replace('138 0013 8000', '138 0013 8001'));
    const sentBefore = server.requests.length;
    const changed = await call([list, '--rules', RULES]);
    assert.equal(changed.code, 1);
    assert.match(
      changed.err,
      /the list changed under a running campaign: 1 row \(1\) no longer have the number/,
    );
    writeFileSync(list, `${LIST}13500135000,p-5,,\n`);
    const longer = await call([list, '--rules', RULES]);
    assert.match(longer.err, /has 5 rows, while the campaign of .* started with 4/);
    assert.equal(server.requests.length, sentBefore);
  });

  it('refuses what it cannot use, saying what to fix', async () => {
    const list = file('refusals.csv', LIST);
    const cases: [string[], Record<string, string> | undefined, number, RegExp][] = [
      [[list], undefined, 2, /^call: needs --rules FILE/],
      [[list, '--rules', RULES, '--rate', 'fast'], undefined, 2, /--rate takes calls a second/],
      [
        [list, '--rules', RULES, '--concurrency', '65'],
        undefined,
        2,
        /--concurrency takes a whole number from 1 to 64/,
      ],
      [[list, '--rules', RULES, '--set', 'MuteTime'], undefined, 2, /--set takes NAME=VALUE, not MuteTime/],
      [[list, '--rules', RULES, '--set', 'A=1', '--set', 'A=2'], undefined, 2, /--set A is given twice/],
      [[list, '--rules', RULES, '--outside', 'later'], undefined, 2, /--outside takes wait or skip/],
      [[list, '--rules', RULES, '--format', 'xml'], undefined, 2, /--format takes csv or jsonl/],
      [[`${list}.txt`, '--rules', RULES], undefined, 2, /cannot tell the format of .* give --format/],
      [[list, '--rules', RULES, '--now', 'tomorrow'], undefined, 2, /--now takes a time with its offset/],
      [[list, '--rules', RULES, '--endpoint', 'http://example.com'], undefined, 2, /https only/],
      [[list, '--rules', RULES, '--set', 'OutId=1'], undefined, 2, /--set OutId is the caller's/],
      [[list, '--rules', RULES, '--set', 'Foo=1'], undefined, 2, /--set Foo is no SmartCall parameter/],
      [[list, '--rules', RULES, '--expires', '0s'], undefined, 2, /--expires 0s is no lifetime/],
      [[list, '--rules', RULES, '--expires', '32d'], undefined, 2, /--expires 32d is more than 31 days/],
      [
        [list, '--rules', RULES],
        { ALIBABA_CLOUD_ACCESS_KEY_ID: 'x', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'y' },
        1,
        /OUTBOUND_SECRETS is not set/,
      ],
      [[list, '--rules', RULES], { OUTBOUND_SECRETS: 'short' }, 1, /OUTBOUND_SECRETS is invalid/],
      [
        [list, '--rules', RULES],
        { OUTBOUND_SECRETS: KEY, serverless_devs_config_home: '/nonexistent' },
        1,
        /no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID/,
      ],
      [[list, '--rules', `${RULES}.missing`], undefined, 1, /is not a valid rules document/],
      [[list, '--campaign', file('no-rules.yaml', 'rate: 2\n')], undefined, 1, /no rules: give --rules FILE/],
      [
        [list, '--campaign', file('wrong.yaml', 'rate: fast\n')],
        undefined,
        1,
        /campaign file .*wrong\.yaml: rate: a number of calls a second/,
      ],
      [[list, '--campaign', `${list}.none.yaml`], undefined, 1, /campaign file .*: no such file/],
      [
        [file('columns.csv', 'number,doctor\n13800138000,王\n'), '--rules', RULES],
        undefined,
        1,
        /line 1: unknown column "doctor"/,
      ],
      [[`${list}.none.csv`, '--rules', RULES], undefined, 1, /cannot read .* \(ENOENT\)/],
      [
        [list, '--rules', RULES, '--results', list],
        undefined,
        1,
        /is not a campaign's results file: line 1: not JSON/,
      ],
      [
        [list, '--rules', RULES, '--do-not-call', file('dnc-bad.txt', '13800138000\nnope\n')],
        undefined,
        1,
        /do-not-call list: .* line 2: not a number/,
      ],
      [
        [list, '--rules', RULES, '--calendar', 'never'],
        undefined,
        1,
        /row 1: calendar: the rules have no calendar never/,
      ],
      [
        [file('flow-number.csv', 'number,flow\n13800138000,13800138000\n'), '--rules', RULES],
        undefined,
        1,
        /row 1: flow: 138\*\*\*\*8000 is not a flow a DynamicId may start/,
      ],
    ];
    const sentBefore = server.requests.length;
    for (const [args, env, code, message] of cases) {
      const output = await call(args, env === undefined ? {} : { env });
      assert.equal(output.code, code, `${args.join(' ')}: ${output.err}`);
      assert.match(output.err, message, args.join(' '));
      assert.equal(output.out, '');
    }
    assert.equal(server.requests.length, sentBefore);
  });

  it('is a function the tests call with their own sender, clock and streams', async () => {
    const list = file('function.jsonl', `${JSON.stringify({ number: '13800138000', 'var.time': '10点' })}\n`);
    const { io, err } = captureIo();
    const sent: Record<string, string>[] = [];
    const summary = await runCampaign({
      list,
      rules: RULES,
      io,
      env: { OUTBOUND_SECRETS: KEY },
      clock: createVirtualClock(OPEN),
      send: async (params) => {
        sent.push({ ...params });
        return { kind: 'placed', callId: 'c-1' };
      },
      quiet: true,
    });
    assert.equal(summary.exitCode, 0, err.join(''));
    assert.deepEqual(summary.tally, {
      placed: 1,
      refused: 0,
      uncertain: 0,
      doNotCall: 0,
      invalid: 0,
      pending: 0,
    });
    assert.equal(summary.run?.requests, 1);
    assert.equal(sent[0]?.CalledNumber, '13800138000');
    assert.match(summary.resultsFile ?? '', /function\.results\.jsonl$/);
  });
});
