/**
 * A whole campaign offline, as issue 18 asks to show it: 300 rows of the appointment reminder placed by
 * `npm run call` against the VMS API stand-in (dev/vms-api-server.ts), which checks every signature and
 * parameter, throttles above 20 calls a second, fails now and then (503s, internal errors and resets
 * after placing the call), and plays every placed call through the built `outbound` and `report`
 * functions. The campaign starts 12 s before the calling hours close on 2026-02-14 (a Saturday that is a
 * 调休 working day), is stopped halfway (Ctrl-C), and is run again: it waits through the Spring Festival
 * holiday (2026-02-15 to 02-23) and goes on at 09:00 on the 24th. Then `npm run outcomes` settles the
 * uncertain rows from the receipts and prints the table, which must say what each callee did.
 *
 * The campaign and the stand-in share one virtual clock (test/support/virtual-clock.ts), and each call is
 * played on a clock of its own from the moment it was placed: the rate, the waits and the calls' timing
 * take no real time.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { load as parseYaml } from 'js-yaml';
import {
  startVmsApiServer,
  VMS_STAND_IN_ACCESS_KEY_ID,
  VMS_STAND_IN_ACCESS_KEY_SECRET,
  type VmsApiServer,
} from '../../../dev/vms-api-server';
import { chooseBehaviour, expectedEndings, parseCalleeProfile } from '../../../dev/vms-callees';
import { main as call } from '../../../scripts/campaign/call';
import { main as outcomes } from '../../../scripts/campaign/outcomes';
import { judgeCallingHours } from '../../../shared/campaign/calling-hours';
import type { ResultsLine } from '../../../shared/campaign/results';
import { captureIo } from '../../support/command-io';
import { compileOrThrow } from '../../support/engine-call';
import { readExampleRules } from '../../support/example-rules';
import { ROOT } from '../../support/fc-event';
import { scratchFiles } from '../../support/scratch-files';
import { createVirtualClock } from '../../support/virtual-clock';

const RULES = join(ROOT, 'examples', 'appointment-reminder.yaml');
const CALLEES = join(ROOT, 'examples', 'appointment-reminder.callees.yaml');
const KEY = 'campaign-end-to-end-outbound-key';
const ENV = {
  OUTBOUND_SECRETS: KEY,
  ALIBABA_CLOUD_ACCESS_KEY_ID: VMS_STAND_IN_ACCESS_KEY_ID,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: VMS_STAND_IN_ACCESS_KEY_SECRET,
};
/** 12 s before the calling hours of 2026-02-14 close (a 调休 Saturday: working-day hours, to 20:00). */
const START = Date.parse('2026-02-14T19:59:48+08:00');
const ROWS = 300;
const LIMIT = 20;

const numberOf = (row: number) => `139${String(10_000_000 + row * 7919).slice(-8)}`;
const NUMBERS = Array.from({ length: ROWS }, (_, i) => numberOf(i + 1));
/** Never called: two numbers, and every number under a prefix. */
const DO_NOT_CALL = [NUMBERS[9], NUMBERS[199]] as string[];
const PREFIX = NUMBERS[41]?.slice(0, 7) as string;
const barred = (number: string) => DO_NOT_CALL.includes(number) || number.startsWith(PREFIX);
const WHOLE_NUMBER = new RegExp(NUMBERS.join('|'));

const { file } = scratchFiles('campaign-end-to-end-');
const dir = dirname(file('.keep', ''));
const calendar = compileOrThrow(readExampleRules() as never).calendars.get('calling');

describe('a 300-row campaign against the VMS API stand-in, end to end', () => {
  let server: VmsApiServer;
  const clock = createVirtualClock(START);
  const exportDir = join(dir, 'export');
  let placedSoFar = 0;
  let stopAt: (() => void) | undefined;
  const list = file(
    'patients.csv',
    `number,id,var.time,var.doctor,tts.time,tts.doctor\n${NUMBERS.map(
      (number, i) =>
        `${number},appt-${1000 + i},明天上午${8 + (i % 4)}点,王医生,明天上午${8 + (i % 4)}点,王医生`,
    ).join('\n')}\n`,
  );
  const dnc = file('do-not-call.txt', `# asked not to be called\n${DO_NOT_CALL.join('\n')}\n${PREFIX}*\n`);
  const resultsFile = join(dir, 'patients.results.jsonl');
  const profile = parseCalleeProfile(parseYaml(readFileSync(CALLEES, 'utf8')));
  assert.ok(profile.ok);

  before(async () => {
    server = await startVmsApiServer({
      limit: LIMIT,
      seed: 7,
      faults: { unavailable: 0.04, internal: 0.01, reset: 0.01 },
      clock,
      play: { rulesFile: RULES, outboundKey: KEY, profile: profile.profile, exportDir, callClocks: true },
      onPlaced: () => {
        placedSoFar++;
        if (placedSoFar === 150) stopAt?.();
      },
    });
  });
  after(async () => {
    await server?.close();
  });

  const runCall = async (signal?: AbortSignal) => {
    const { io, out, err } = captureIo(ENV);
    const code = await call(
      [
        list,
        '--rules',
        RULES,
        '--do-not-call',
        dnc,
        '--rate',
        '30',
        '--concurrency',
        '8',
        '--endpoint',
        server.url,
      ],
      { ...io, clock, ...(signal === undefined ? {} : { signal }) },
    );
    const text = out.join('') + err.join('');
    assert.doesNotMatch(text, WHOLE_NUMBER, 'npm run call printed a whole number');
    return { code, err: err.join('') };
  };

  it('places every row once, within the calling hours, under the limit, through throttling and a restart', async () => {
    const stop = new AbortController();
    stopAt = () => stop.abort();
    const first = await runCall(stop.signal);
    assert.equal(first.code, 1, first.err);
    assert.match(first.err, /stopped/);
    const afterFirst = server.stats.placed;
    assert.ok(afterFirst >= 150 && afterFirst < ROWS, `${afterFirst} placed before the stop`);

    const second = await runCall();
    assert.equal(second.code, 0, second.err);
    assert.match(second.err, /waiting until 2026-02-24 09:00/);
    await server.drain();

    const { stats, placed } = server;
    assert.ok(stats.throttled > 0, 'the campaign was throttled');
    assert.equal(stats.duplicateOutIds, 0, 'a row was placed twice');
    assert.ok(stats.peakPerSecond <= LIMIT);
    const placedNumbers = placed.map((call) => call.number);
    assert.equal(new Set(placedNumbers).size, placedNumbers.length);
    assert.deepEqual(new Set(placedNumbers), new Set(NUMBERS.filter((number) => !barred(number))));
    const days = new Set(placed.map((call) => new Date(call.at + 8 * 3600_000).toISOString().slice(0, 10)));
    assert.deepEqual([...days].sort(), ['2026-02-14', '2026-02-24']);

    const lines = readFileSync(resultsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ResultsLine);
    // No request left outside the hours: each was written down, on the campaign's clock, as it left. (The
    // stand-in's clock can read a little later: on virtual time, other rows' pauses move it while a request
    // is on its way.)
    const sending = lines.filter((line) => line.kind === 'sending');
    assert.ok(sending.length >= placed.length);
    for (const line of sending) {
      assert.ok(calendar !== undefined && judgeCallingHours(calendar, Date.parse(line.at)).open, line.at);
    }
    const finals = new Map<number, string>();
    for (const line of lines) if (line.kind === 'result') finals.set(line.row, line.status);
    assert.equal(finals.size, ROWS);
    const statuses = [...finals.values()];
    assert.equal(statuses.filter((status) => status === 'do-not-call').length, NUMBERS.filter(barred).length);
    assert.ok(statuses.includes('uncertain'), 'some requests were left uncertain');
    assert.equal(statuses.filter((status) => status === 'refused').length, 0);
  });

  it('tells how each row ended: the outcomes table matches what every callee did, with no whole number', async () => {
    const receipts = join(exportDir, 'receipts.jsonl');
    const logs = join(exportDir, 'callbacks.jsonl');
    const settled = captureIo();
    assert.equal(
      await outcomes([resultsFile, '--receipts', receipts, '--logs', logs, '--settle'], settled.io),
      0,
    );
    const table = settled.out.join('') + settled.err.join('');
    assert.doesNotMatch(table, WHOLE_NUMBER, 'the outcomes table printed a whole number');
    assert.match(table, /settled/);

    const json = captureIo();
    assert.equal(await outcomes([resultsFile, '--receipts', receipts, '--logs', logs, '--json'], json.io), 0);
    const rows = json.out
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, string | number | boolean>);
    assert.equal(rows.length, ROWS);
    const csv = join(dir, 'outcomes.csv');
    assert.equal(
      await outcomes([resultsFile, '--receipts', receipts, '--logs', logs, '-o', csv], captureIo().io),
      0,
    );
    assert.doesNotMatch(readFileSync(csv, 'utf8'), WHOLE_NUMBER);

    const played = new Map(
      readFileSync(join(exportDir, 'calls.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { outId: string; answered: boolean; node?: string })
        .map((call) => [call.outId, call]),
    );
    for (const row of rows) {
      const number = NUMBERS[Number(row.row) - 1] as string;
      if (barred(number)) {
        assert.equal(row.status, 'do-not-call');
        continue;
      }
      assert.match(String(row.status), /^placed/, `row ${row.row}`);
      const call = played.get(String(row.outId));
      assert.ok(call !== undefined, `row ${row.row} was played`);
      assert.equal(row.answered, call.answered ? 'yes' : 'no', `row ${row.row}`);
      if (call.node !== undefined) assert.equal(row.lastNode, call.node, `row ${row.row}`);
      const endings = expectedEndings(chooseBehaviour(profile.profile, number));
      assert.ok(endings.includes(String(row.endedAs)), `row ${row.row}: ${row.endedAs} not in ${endings}`);
    }
  });
});
