/**
 * shared/campaign/campaign-run.ts: a campaign's rows sent on a virtual clock against a scripted SmartCall,
 * every line of the results file checked: the calling hours, the rate, the do-not-call list, retries and
 * their pauses, the stops, and what a stop leaves for the next run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CampaignRow } from '../../shared/campaign/campaign-list';
import { type QueuedRow, type RunDeps, type RunSettings, runCalls } from '../../shared/campaign/campaign-run';
import type { SendOutcome } from '../../shared/campaign/pacing';
import type { ResultsLine } from '../../shared/campaign/results';
import { numberTagOf } from '../../shared/campaign/results-state';
import { compileOrThrow } from '../support/engine-call';
import { readExampleRules } from '../support/example-rules';
import { createVirtualClock } from '../support/virtual-clock';

const DOCUMENT = readExampleRules();
const CALENDARS = compileOrThrow({
  ...DOCUMENT,
  calendars: {
    ...(DOCUMENT.calendars as object),
    never: { weekly: {}, holidays: 'none' },
    later: { weekly: { workdays: ['09:00-18:00'] }, holidays: 'cn' },
  },
} as never).calendars;

const CODE = 'k3x9q2';
/** A Tuesday, 10:00 in Shanghai: the calendar `calling` is open. */
const OPEN = Date.parse('2026-03-10T10:00:00+08:00');

function queueOf(count: number, calendar = 'calling'): QueuedRow[] {
  return Array.from({ length: count }, (_, i) => {
    const row: CampaignRow = {
      row: i + 1,
      number: `1380013800${i}`,
      id: `p-${i + 1}`,
      vars: {},
      tts: {},
      params: {},
      problems: [],
    };
    return { row, plan: { flow: 'remind', calendar, vars: {} }, attempts: 0 };
  });
}

type Script = (params: Record<string, string>, index: number) => SendOutcome | Promise<SendOutcome>;

/** A run on a virtual clock: its lines, notices, what was sent, and its outcome. */
async function run(
  count: number,
  script: Script,
  options: {
    readonly settings?: Partial<RunSettings>;
    readonly start?: number;
    readonly calendar?: string;
    readonly deps?: Partial<RunDeps>;
    readonly queue?: QueuedRow[];
  } = {},
) {
  const clock = createVirtualClock(options.start ?? OPEN);
  const lines: ResultsLine[] = [];
  const notices: string[] = [];
  const sent: { params: Record<string, string>; at: number; linesBefore: number }[] = [];
  const outcome = await runCalls(
    options.queue ?? queueOf(count, options.calendar),
    {
      code: CODE,
      rate: 10,
      concurrency: 1,
      outside: 'wait',
      lifetimeS: 7200,
      tagKey: 'campaign-run-test-key-1',
      ...options.settings,
    },
    {
      clock,
      calendars: CALENDARS,
      send: async (params) => {
        sent.push({ params, at: clock.now(), linesBefore: lines.length });
        return script(params, sent.length - 1);
      },
      seal: (plan, expiresAtS) => `sealed:${plan.flow}:${expiresAtS}`,
      paramsOf: (row, _plan, dynamicId) => ({ CalledNumber: row.number, DynamicId: dynamicId }),
      record: (line) => {
        lines.push(line);
      },
      isDoNotCall: () => false,
      notice: (text) => notices.push(text),
      random: () => 0.5,
      ...options.deps,
    },
  );
  const shape = lines.map((line) =>
    line.kind === 'sending' || line.kind === 'unsent'
      ? `${line.row} ${line.kind} ${line.attempt}`
      : line.kind === 'result'
        ? `${line.row} ${line.status}`
        : line.kind,
  );
  return { ...outcome, clock, lines, shape, notices, sent };
}

const placed = (): SendOutcome => ({ kind: 'placed', callId: 'call', requestId: 'req' });
const throttled: SendOutcome = { kind: 'api-error', code: 'Throttling.User', http: 400, requestId: 'req-t' };

describe('a campaign run', () => {
  it('sends every row once, at the rate, each after its sending line is on disk', async () => {
    const { shape, lines, sent, counts, stop, clock } = await run(3, placed);
    assert.equal(stop, undefined);
    assert.deepEqual(shape, [
      '1 sending 1',
      '1 placed',
      '2 sending 1',
      '2 placed',
      '3 sending 1',
      '3 placed',
    ]);
    assert.deepEqual(
      sent.map((request) => request.linesBefore),
      [1, 3, 5],
    );
    assert.deepEqual(
      sent.map((request) => request.at - OPEN),
      [0, 100, 200],
    );
    assert.deepEqual(clock.slept, [100, 100]);
    assert.deepEqual(lines[1], {
      kind: 'result',
      row: 1,
      outId: 'k3x9q2r1',
      at: '2026-03-10T02:00:00.000Z',
      status: 'placed',
      id: 'p-1',
      number: '138****8000',
      numberTag: numberTagOf('campaign-run-test-key-1', CODE, '13800138000'),
      flow: 'remind',
      attempts: 1,
      callId: 'call',
      requestId: 'req',
    });
    assert.deepEqual(
      {
        placed: counts.placed,
        requests: counts.requests,
        started: counts.started,
        inFlight: counts.inFlight,
      },
      { placed: 3, requests: 3, started: 3, inFlight: 0 },
    );
    assert.doesNotMatch(JSON.stringify(lines), /13800138000/);
  });

  it('waits for the calling hours, once said, and seals each DynamicId when it is sent', async () => {
    const before = Date.parse('2026-03-10T07:30:00+08:00');
    const { sent, notices, shape } = await run(2, placed, { start: before, settings: { concurrency: 2 } });
    assert.deepEqual(notices, ['waiting until 2026-03-10 09:00 Asia/Shanghai (in 1 h 30 min)']);
    const nine = Date.parse('2026-03-10T09:00:00+08:00');
    assert.deepEqual(
      sent.map((request) => [request.at, request.params.DynamicId]),
      [
        [nine, `sealed:remind:${nine / 1000 + 7200}`],
        [nine + 100, `sealed:remind:${Math.floor((nine + 100) / 1000) + 7200}`],
      ],
    );
    assert.deepEqual(shape, ['1 sending 1', '1 placed', '2 sending 1', '2 placed']);
  });

  it('never sends at a closed moment: a row whose slot falls at the close waits for the next opening', async () => {
    const { sent } = await run(2, placed, {
      start: Date.parse('2026-03-10T11:59:59+08:00'),
      settings: { rate: 1 },
    });
    assert.deepEqual(
      sent.map((request) => new Date(request.at).toISOString()),
      ['2026-03-10T03:59:59.000Z', '2026-03-10T06:00:00.000Z'],
    );
  });

  it('never keeps a row of an open calendar waiting behind rows of a closed one', async () => {
    // 12:10 on a Tuesday: calling is closed for lunch until 14:00, the clinic's desk is open.
    const queue = [...queueOf(2, 'calling'), ...queueOf(4, 'clinic')].map((item, i) => ({
      ...item,
      row: { ...item.row, row: i + 1 },
    }));
    const { sent } = await run(0, placed, {
      queue,
      start: Date.parse('2026-03-10T12:10:00+08:00'),
      settings: { concurrency: 2 },
    });
    const two = Date.parse('2026-03-10T14:00:00+08:00');
    const rowOf = (request: (typeof sent)[number]) => Number(request.params.CalledNumber?.slice(-1)) + 1;
    assert.equal(sent.length, 6);
    assert.ok(
      sent.slice(0, 4).every((request) => request.at < two),
      'the clinic rows go at once',
    );
    assert.ok(
      sent.slice(4).every((request) => request.at >= two),
      'the calling rows wait for 14:00',
    );
    assert.deepEqual(sent.slice(4).map(rowOf).sort(), [1, 2]);
  });

  it('leaves the rows outside their hours for a later run with outside: skip', async () => {
    const { lines, counts, sent } = await run(2, placed, {
      start: Date.parse('2026-03-10T12:30:00+08:00'),
      settings: { outside: 'skip' },
    });
    assert.deepEqual([lines, sent, counts.outsideHours], [[], [], 2]);
  });

  it('stops when the calendar never opens, and warns once of a year without holiday data', async () => {
    const never = await run(2, placed, { calendar: 'never' });
    assert.deepEqual(never.stop, {
      reason: 'failed',
      message: 'calendar never does not open in the next 31 days: nothing to wait for',
    });
    assert.deepEqual(never.sent, []);
    const uncovered = await run(2, placed, {
      calendar: 'later',
      start: Date.parse('2040-03-06T10:00:00+08:00'),
    });
    assert.equal(uncovered.counts.placed, 2);
    assert.equal(uncovered.notices.length, 1);
    assert.match(uncovered.notices[0] as string, /^warning: calendar later has no holiday data for 2040/);
  });

  it('checks the do-not-call list right before each call, as it is then', async () => {
    const listed = new Set<string>(['13800138001']);
    const { shape, lines } = await run(
      3,
      (params) => {
        if (params.CalledNumber === '13800138000') listed.add('13800138002');
        return placed();
      },
      { deps: { isDoNotCall: (number) => listed.has(number) } },
    );
    assert.deepEqual(shape, ['1 sending 1', '1 placed', '2 do-not-call', '3 do-not-call']);
    assert.equal((lines[2] as { number?: string }).number, '138****8001');
  });

  it('retries what certainly placed no call after a growing pause, slowing down once for throttling', async () => {
    const answers: SendOutcome[] = [
      throttled,
      { kind: 'not-written', why: 'ECONNREFUSED before the request was written' },
      placed(),
      throttled,
      placed(),
    ];
    const { shape, lines, notices, clock } = await run(2, () => answers.shift() ?? placed());
    assert.deepEqual(shape, [
      '1 sending 1',
      '1 unsent 1',
      '1 sending 2',
      '1 unsent 2',
      '1 sending 3',
      '1 placed',
      '2 sending 1',
      '2 unsent 1',
      '2 sending 2',
      '2 placed',
    ]);
    assert.deepEqual(lines[1], {
      kind: 'unsent',
      row: 1,
      outId: 'k3x9q2r1',
      at: '2026-03-10T02:00:00.000Z',
      attempt: 1,
      error: 'Throttling.User',
      http: 400,
      requestId: 'req-t',
    });
    assert.equal((lines[3] as { why?: string }).why, 'ECONNREFUSED before the request was written');
    assert.equal((lines[5] as { attempts?: number }).attempts, 3);
    assert.deepEqual(notices, [
      'SmartCall throttles (Throttling.User): slowing down to 5 calls/s for a while',
    ]);
    assert.ok(clock.slept.includes(750) && clock.slept.includes(1500), clock.slept.join());
  });

  it('stops when the retries of a row run out, leaving it pending', async () => {
    const { shape, stop, counts } = await run(2, () => throttled);
    assert.equal(shape.length, 16);
    assert.deepEqual(shape.slice(-2), ['1 sending 8', '1 unsent 8']);
    assert.deepEqual(stop, {
      reason: 'retries',
      message:
        'SmartCall kept throttling (Throttling.User) through 8 tries of one row: lower --rate, or run again later',
    });
    assert.equal(counts.started, 1);
    const unreachable = await run(1, () => ({
      kind: 'not-written',
      why: 'ENOTFOUND before the request was written',
    }));
    assert.match(
      unreachable.stop?.reason === 'retries' ? unreachable.stop.message : '',
      /kept failing \(ENOTFOUND before/,
    );
  });

  it('records refusals and uncertain ends as final, never sending them again', async () => {
    const answers: SendOutcome[] = [
      { kind: 'api-error', code: 'isv.MOBILE_NUMBER_ILLEGAL', http: 200, requestId: 'r1' },
      { kind: 'uncertain', why: 'timeout after the request was written' },
      { kind: 'api-error', code: 'InternalError', http: 500 },
    ];
    const { lines, counts } = await run(4, () => answers.shift() ?? Promise.reject(new Error('boom')));
    const results = lines.filter((line) => line.kind === 'result');
    assert.deepEqual(
      results.map((line) => [line.status, line.error, line.http, line.why]),
      [
        ['refused', 'isv.MOBILE_NUMBER_ILLEGAL', 200, undefined],
        ['uncertain', undefined, undefined, 'timeout after the request was written'],
        ['uncertain', 'InternalError', 500, 'answered InternalError'],
        ['uncertain', undefined, undefined, 'the client failed after sending'],
      ],
    );
    assert.deepEqual([counts.refused, counts.uncertain], [1, 3]);
  });

  it('stops after five rows in a row refused with one code: the campaign, not its rows', async () => {
    const refusal = (code: string): SendOutcome => ({ kind: 'api-error', code, http: 200 });
    const codes = ['isv.A', 'isv.A', 'isv.B', 'isv.A', 'isv.A', 'isv.A', 'isv.A', 'isv.A'];
    const mixed = await run(8, (_params, index) => refusal(codes[index] ?? 'isv.A'));
    assert.equal(mixed.counts.refused, 8);
    assert.equal(mixed.stop?.reason, 'api');
    const { stop, counts } = await run(11, (_params, index) =>
      index === 4 ? placed() : refusal('isv.TEMPLATE_PARAMS_ILLEGAL'),
    );
    assert.equal(counts.refused, 9);
    assert.deepEqual(stop === undefined ? undefined : [stop.reason, 'code' in stop ? stop.code : ''], [
      'api',
      'isv.TEMPLATE_PARAMS_ILLEGAL',
    ]);
    assert.match(
      'message' in (stop ?? {}) ? (stop as { message: string }).message : '',
      /refused 5 rows in a row/,
    );
  });

  it('stops after five uncertain ends in a row, whatever their reasons: an endpoint that answers junk', async () => {
    // Junk that varies (a 502 page, a 503 page, JSON without a CallId) counts all the same.
    const junk = (index: number): SendOutcome => ({
      kind: 'uncertain',
      why: ['HTTP 502 without a JSON answer', 'HTTP 503 without a JSON answer', 'an answer without a CallId'][
        index % 3
      ] as string,
    });
    const { stop, counts } = await run(20, (_params, index) => (index === 2 ? placed() : junk(index)));
    assert.equal(counts.uncertain, 7);
    assert.equal(stop?.reason, 'failed');
    assert.match(
      stop !== undefined && 'message' in stop ? stop.message : '',
      /^5 requests in a row may or may not have placed their call \(the last: HTTP 503 without a JSON answer\)/,
    );
  });

  it('keeps a stop that comes after --limit was reached: the run does not end quietly over it', async () => {
    let release: (() => void) | undefined;
    const { stop, counts } = await run(
      4,
      (_params, index) => {
        if (index === 0)
          return new Promise<SendOutcome>((resolve) => {
            release = () => resolve({ kind: 'api-error', code: 'isv.AMOUNT_NOT_ENOUGH', http: 200 });
          });
        release?.();
        return placed();
      },
      { settings: { concurrency: 2, limit: 2 } },
    );
    assert.equal(counts.started, 2);
    assert.deepEqual(stop === undefined ? undefined : [stop.reason, 'code' in stop ? stop.code : ''], [
      'api',
      'isv.AMOUNT_NOT_ENOUGH',
    ]);
  });

  it('stops at a code no retry mends: the requests in flight finish, no new one starts', async () => {
    let release: (() => void) | undefined;
    const { shape, stop } = await run(
      5,
      (_params, index) => {
        if (index === 0) return new Promise<SendOutcome>((resolve) => (release = () => resolve(placed())));
        release?.();
        return { kind: 'api-error', code: 'SignatureDoesNotMatch', http: 400 };
      },
      { settings: { concurrency: 3 } },
    );
    assert.deepEqual(stop, {
      reason: 'api',
      code: 'SignatureDoesNotMatch',
      message:
        'SmartCall answered SignatureDoesNotMatch: check the credentials: the AccessKey id and secret, or the STS token',
    });
    assert.deepEqual(shape, ['1 sending 1', '2 sending 1', '2 unsent 1', '1 placed']);
  });

  it('stops on a signal: the request in flight is written, no new one starts', async () => {
    const controller = new AbortController();
    const { shape, stop } = await run(
      4,
      (_params, index) => {
        if (index === 1) controller.abort();
        return placed();
      },
      { deps: { signal: controller.signal } },
    );
    assert.deepEqual(stop, { reason: 'signal' });
    assert.deepEqual(shape, ['1 sending 1', '1 placed', '2 sending 1', '2 placed']);
    const before = new AbortController();
    before.abort();
    assert.deepEqual((await run(2, placed, { deps: { signal: before.signal } })).sent, []);
  });

  it('ends a pause for throttling at once on a signal, the row left pending', async () => {
    const controller = new AbortController();
    const { shape, stop } = await run(
      2,
      () => {
        setImmediate(() => controller.abort());
        return throttled;
      },
      { deps: { signal: controller.signal } },
    );
    assert.deepEqual(stop, { reason: 'signal' });
    assert.deepEqual(shape, ['1 sending 1', '1 unsent 1']);
  });

  it('sends at most --limit rows', async () => {
    const { shape, stop } = await run(4, placed, { settings: { limit: 2 } });
    assert.deepEqual(stop, { reason: 'limit' });
    assert.deepEqual(shape, ['1 sending 1', '1 placed', '2 sending 1', '2 placed']);
  });

  it('stops, sending nothing more, when the results file or the do-not-call list cannot be read or written', async () => {
    const full = await run(2, placed, {
      deps: {
        record: () => {
          throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
        },
      },
    });
    assert.deepEqual(full.stop, { reason: 'failed', message: 'cannot write the results file: ENOSPC' });
    assert.deepEqual(full.sent, []);
    const gone = await run(2, placed, {
      deps: {
        isDoNotCall: () => {
          throw new Error('dnc.txt is missing');
        },
      },
    });
    assert.deepEqual(gone.stop, {
      reason: 'failed',
      message: 'cannot read the do-not-call list: dnc.txt is missing',
    });
    assert.deepEqual(gone.sent, []);
    const odd = await run(1, placed, {
      deps: {
        record: () => {
          throw 'disk gone';
        },
      },
    });
    assert.deepEqual(odd.stop, { reason: 'failed', message: 'cannot write the results file: disk gone' });
  });

  it('counts the attempts of earlier runs in its sending lines', async () => {
    const queue = queueOf(1).map((item) => ({ ...item, attempts: 3 }));
    const { shape } = await run(1, placed, { queue });
    assert.deepEqual(shape, ['1 sending 4', '1 placed']);
  });
});
