/**
 * The outcomes join (shared/campaign/outcomes.ts) on a campaign played through the real `outbound` bundle
 * (test/support/campaign-outcomes.ts): each row's status, answer, last node, tag, transfer, who hung up and
 * how it ended; duplicates, envelopes, cut lines and other campaigns' receipts counted, never joined; a
 * results file read as `npm run call` reads it (a corrupt line refused, a cut last line ignored); and every
 * number masked in what is printed, however an input hides it.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  CampaignOutcomes,
  OUTCOME_COLUMNS,
  type OutcomeRow,
  OutcomesError,
  outcomeCells,
  outcomeJson,
  SETTLED_STATUS,
  toCsvRecord,
} from '../../shared/campaign/outcomes';
import { type CampaignFixture, CODE, campaignFixture } from '../support/campaign-outcomes';

type Inputs = {
  readonly results: readonly (string | undefined)[];
  readonly receipts?: readonly (string | undefined)[];
  readonly logs?: readonly (string | undefined)[];
};

function joinAll({ results, receipts = [], logs = [] }: Inputs): CampaignOutcomes {
  const join = new CampaignOutcomes();
  for (const line of results) join.addResultsLine(line);
  for (const line of receipts) join.addReceiptLine(line);
  for (const line of logs) join.addLogLine(line);
  return join;
}

/** The fields a row's ending is told by, as one line per row, for a readable comparison. */
function brief(row: OutcomeRow): string {
  return [
    row.row,
    row.status,
    row.answered,
    row.duration ?? '-',
    row.lastNode || '-',
    row.tag || '-',
    row.transferred ? 'transferred' : '-',
    row.hungUpBy || '-',
    row.endedAs,
  ].join(' | ');
}

const EXPECTED = [
  '1 | placed | yes | 25 | confirmed | confirmed | - | flow | confirmed',
  '2 | placed | yes | 18 | cancelled | cancelled | - | flow | cancelled',
  '3 | placed | yes | 40 | toDesk | transferred-to-desk | transferred | 1 | transferred-to-desk',
  '4 | placed | yes | 9 | ask | - | - | callee | hung-up',
  '5 | placed | no | 0 | - | - | - | - | no-answer',
  '6 | placed | no | 0 | - | - | - | - | busy',
  `7 | ${SETTLED_STATUS} | yes | 12 | confirmed | confirmed | - | flow | confirmed`,
  '8 | uncertain | unknown | - | - | - | - | - | uncertain',
  '9 | refused | unknown | - | - | - | - | - | refused',
  '10 | do-not-call | unknown | - | - | - | - | - | do-not-call',
  '11 | invalid | unknown | - | - | - | - | - | invalid',
  '12 | pending | unknown | - | - | - | - | - | not-placed',
];

/** The first line of a results file of `rows` rows. */
const campaignLine = (rows: number) =>
  JSON.stringify({
    kind: 'campaign',
    format: 1,
    code: CODE,
    created: '2026-03-10T02:00:00.000Z',
    input: 'x',
    rows,
  });

/** A line as SLS exports it: the function's own line as text in `content` (or `message`). */
const envelope = (line: string, key = 'content') =>
  JSON.stringify({ __time__: 1773108000, __source__: '10.0.0.1', [key]: line });

describe('the outcomes join', () => {
  let fixture: CampaignFixture;
  before(async () => {
    fixture = await campaignFixture();
  });

  it("tells each row's ending from its results, receipt and callback lines", () => {
    const join = joinAll({
      results: fixture.results,
      receipts: fixture.receiptLog,
      logs: fixture.callbackLog,
    });
    const rows = [...join.rows()];
    assert.deepEqual(rows.map(brief), EXPECTED);
    // The uncertain row takes its call id from its receipt, the others keep the results file's.
    assert.equal(rows[6]?.callId, fixture.callIdOf(7));
    assert.equal(rows[0]?.callId, fixture.callIdOf(1));
    assert.deepEqual(rows[0]?.lastOutcomes, ['ended']);
    assert.equal(rows[0]?.number, '138****8000');
    assert.equal(rows[0]?.receiptStatus, 'ANSWERED');
    assert.equal(rows[11]?.outId, `${CODE}r12`);

    const totals = join.totals();
    assert.equal(totals.rows, 12);
    assert.deepEqual(Object.fromEntries(totals.endedAs), {
      confirmed: 2,
      cancelled: 1,
      'transferred-to-desk': 1,
      'hung-up': 1,
      'no-answer': 1,
      busy: 1,
      uncertain: 1,
      refused: 1,
      'do-not-call': 1,
      invalid: 1,
      'not-placed': 1,
    });
    assert.deepEqual(totals.endedAs[0], ['confirmed', 2]);
    assert.deepEqual(Object.fromEntries(totals.status), {
      placed: 6,
      [SETTLED_STATUS]: 1,
      uncertain: 1,
      refused: 1,
      'do-not-call': 1,
      invalid: 1,
      pending: 1,
    });
    assert.equal(totals.uncertain, 2);
    assert.equal(totals.settledByReceipts, 1);
    assert.deepEqual(totals.receipts, {
      read: 9,
      matched: 7,
      duplicates: 0,
      otherOutIds: 2,
      unmatched: 0,
      other: 0,
      unreadable: 0,
      tooLong: 0,
    });
    assert.deepEqual(totals.logs, {
      callbacks: 7,
      matchedCalls: 5,
      unmatchedCalls: 0,
      duplicates: 0,
      other: 0,
      tooLong: 0,
    });
  });

  it('reads one receipt per call however often it was pushed, and skips events delivered again', () => {
    const first = JSON.parse(fixture.callbackLog[0] as string) as Record<string, unknown>;
    // Delivered again, later, and answered elsewhere: the function marks it; it must not move the call.
    const again = JSON.stringify({
      ...first,
      time: '2026-03-10T05:00:00.000Z',
      node: 'ask',
      duplicate: true,
    });
    const join = joinAll({
      results: fixture.results,
      receipts: [...fixture.receiptLog, ...fixture.receiptLog],
      logs: [...fixture.callbackLog, again],
    });
    assert.deepEqual([...join.rows()].map(brief), EXPECTED);
    const totals = join.totals();
    assert.equal(totals.receipts.matched, 7);
    assert.equal(totals.receipts.duplicates, 7);
    assert.equal(totals.receipts.otherOutIds, 4);
    assert.equal(totals.logs.duplicates, 1);
  });

  it('reads SLS exports, raw records and pushed arrays alike', () => {
    const raw = fixture.rawReceipts.map((record) => JSON.stringify(record));
    for (const receipts of [
      fixture.receiptLog.map((line) => envelope(line, 'message')),
      raw,
      [JSON.stringify(fixture.rawReceipts)],
      [envelope(JSON.stringify(fixture.rawReceipts))],
    ]) {
      const join = joinAll({
        results: fixture.results,
        receipts,
        logs: fixture.callbackLog.map((line) => envelope(line)),
      });
      assert.deepEqual([...join.rows()].map(brief), EXPECTED);
      assert.equal(join.totals().receipts.matched, 7);
    }
  });

  it('orders a call’s lines by time, then by the order read, whatever file they came from', () => {
    // The hang-up line of row 1 read first, its answer after: still the last line is the hang-up.
    const [answer, hangup, ...rest] = fixture.callbackLog;
    const join = joinAll({
      results: fixture.results,
      receipts: fixture.receiptLog,
      logs: [hangup, answer, ...rest] as string[],
    });
    assert.equal(brief([...join.rows()][0] as OutcomeRow), EXPECTED[0]);
  });

  it('skips and counts cut lines, lines over 64 KB, junk and lines of other kinds; ignores a cut last results line', () => {
    const lastResult = fixture.results.at(-1) as string;
    const otherLines = [
      JSON.stringify({
        level: 'info',
        msg: 'rules loaded',
        time: '2026-03-10T02:00:00.000Z',
        fn: 'outbound',
      }),
      JSON.stringify({ msg: 'callback', callId: '9^9', time: '2026-03-10T02:00:00.000Z', fn: 'inbound' }),
      'not json',
    ];
    const join = joinAll({
      results: [...fixture.results.slice(0, -1), lastResult.slice(0, 30)],
      receipts: [
        ...fixture.receiptLog,
        JSON.stringify({ call_id: 'a^b', status_code: '200101', status_time: '2026-03-10 10:00:00' }),
        JSON.stringify({ msg: 'receipt batch had bad records', accepted: 1 }),
        '{"call_id": ',
        JSON.stringify([7, 'x']),
        JSON.stringify({ msg: 'receipt', receiptType: 'VoiceReport', start_time: 'x' }),
        JSON.stringify({ call_id: 'a^b', start_time: 'x', out_id: `${CODE}r4`, duration: { nested: 1 } }),
        `{"pad":"${'x'.repeat(70_000)}"}`,
        undefined,
      ],
      logs: [...fixture.callbackLog, ...otherLines, 'y'.repeat(70_000), undefined],
    });
    const rows = [...join.rows()];
    // The last result was cut: row 11 has no readable line and reads as never sent.
    assert.equal(rows[10]?.status, 'pending');
    assert.deepEqual(rows.slice(0, 10).map(brief), EXPECTED.slice(0, 10));
    const totals = join.totals();
    assert.deepEqual(join.resultsWarnings, [
      `its last line (${fixture.results.length}) was cut short, by a crash or a full disk: ignored`,
    ]);
    assert.equal(totals.receipts.other, 2);
    assert.equal(totals.receipts.unreadable, 4);
    assert.equal(totals.receipts.tooLong, 2);
    // A receipt with a field of another shape is read without it: another call of row 4, which keeps its own.
    assert.equal(totals.receipts.matched, 8);
    assert.equal(totals.placedTwice, 1);
    assert.equal(rows[3]?.duration, 9);
    assert.equal(totals.logs.other, 3);
    assert.equal(totals.logs.tooLong, 2);
  });

  it('counts outbound calls of no row, and receipts of this campaign no row was sent for', () => {
    const stranger = JSON.stringify({
      level: 'info',
      msg: 'callback',
      time: '2026-03-10T02:30:00.000Z',
      fn: 'outbound',
      callId: '130301347777^117079737777',
      node: 'ask',
      action: 'dtmf',
    });
    const join = joinAll({
      results: fixture.results,
      receipts: [
        ...fixture.receiptLog,
        JSON.stringify({ call_id: 'c^1', start_time: 't', out_id: `${CODE}r99`, duration: 3 }),
        JSON.stringify({ call_id: 'c^2', start_time: 't', duration: 3 }),
      ],
      logs: [...fixture.callbackLog, stranger, stranger],
    });
    const totals = join.totals();
    assert.equal(totals.receipts.unmatched, 2);
    assert.equal(totals.logs.unmatchedCalls, 1);
    assert.equal(totals.logs.callbacks, 9);
  });

  it('matches a receipt without OutId by its call id', () => {
    const withoutOutIds = fixture.rawReceipts.map(({ out_id: _outId, ...record }) => JSON.stringify(record));
    const join = joinAll({ results: fixture.results, receipts: withoutOutIds, logs: fixture.callbackLog });
    const rows = [...join.rows()];
    assert.equal(rows[0]?.answered, 'yes');
    // The uncertain row has no call id to be found by: it stays uncertain.
    assert.equal(rows[6]?.status, 'uncertain');
    assert.equal(join.totals().receipts.unmatched, 3);
  });

  it('without receipts, says what the logs say and that no receipt came', () => {
    const rows = [...joinAll({ results: fixture.results, logs: fixture.callbackLog }).rows()];
    assert.deepEqual(
      rows.slice(0, 7).map((row) => [row.answered, row.hungUpBy, row.endedAs]),
      [
        ['unknown', 'flow', 'confirmed'],
        ['unknown', 'flow', 'cancelled'],
        ['unknown', '', 'transferred-to-desk'],
        ['unknown', '', 'no-receipt'],
        ['unknown', '', 'no-receipt'],
        ['unknown', '', 'no-receipt'],
        ['unknown', '', 'uncertain'],
      ],
    );
  });

  it('tells an answer from the duration when the smart status is absent, and a flow ending without tag', () => {
    const results = [
      campaignLine(4),
      ...[1, 2, 3, 4].map((row) =>
        JSON.stringify({
          kind: 'result',
          row,
          outId: `${CODE}r${row}`,
          at: '2026-03-10T02:00:00.000Z',
          status: 'placed',
          callId: `c^${row}`,
        }),
      ),
    ];
    const receipts = [
      JSON.stringify({ call_id: 'c^1', out_id: `${CODE}r1`, start_time: 't', duration: '31' }),
      JSON.stringify({ call_id: 'c^2', out_id: `${CODE}r2`, start_time: 't', hangup_direction: '2' }),
      JSON.stringify({
        call_id: 'c^3',
        out_id: `${CODE}r3`,
        start_time: 't',
        duration: 0,
        status_code: '200005',
        hangup_direction: '用户',
      }),
      JSON.stringify({ call_id: 'c^4', out_id: `${CODE}r4`, duration: 12, hangup_direction: '机器' }),
    ];
    const logs = [
      JSON.stringify({
        msg: 'callback',
        callId: 'c^1',
        time: '2026-03-10T02:00:01.000Z',
        node: 'bye',
        action: 'hangup',
      }),
      // The fallback's line: the call ended in a transfer to the fallback's number.
      JSON.stringify({
        msg: 'callback failed; answered with the fallback',
        callId: 'c^2',
        time: '2026-03-10T02:00:01.000Z',
        action: 'transfer',
      }),
    ];
    const rows = [...joinAll({ results, receipts, logs }).rows()];
    assert.deepEqual(
      rows.map((row) => [row.answered, row.hungUpBy, row.transferred, row.endedAs, row.receiptStatus]),
      [
        ['yes', 'flow', false, 'ended', ''],
        ['unknown', '2', true, 'transferred', ''],
        ['no', 'callee', false, 'no-answer', '200005'],
        ['yes', 'platform', false, 'hung-up', ''],
      ],
    );
  });

  it('takes the latest call of a row placed twice, and counts it', () => {
    const results = [
      campaignLine(1),
      JSON.stringify({
        kind: 'sending',
        row: 1,
        outId: `${CODE}r1`,
        at: '2026-03-10T02:00:00.000Z',
        attempt: 1,
      }),
    ];
    const receipt = (callId: string, start: string, status: string) =>
      JSON.stringify({ call_id: callId, out_id: `${CODE}r1`, start_time: start, smart_status_code: status });
    const join = joinAll({
      results,
      receipts: [
        receipt('c^2', '2026-03-10 10:05:00', 'ANSWERED'),
        receipt('c^1', '2026-03-10 10:00:00', 'NO_ANSWER'),
      ],
    });
    const [row] = [...join.rows()];
    assert.equal(row?.callId, 'c^2');
    assert.equal(row?.answered, 'yes');
    assert.equal(join.totals().placedTwice, 1);
    assert.deepEqual(
      join.settleLines('2026-03-10T03:00:00.000Z').map((line) => line.callId),
      ['c^2'],
    );
  });

  it('settles exactly the uncertain rows the receipts show, once', () => {
    const at = '2026-03-10T04:00:00.000Z';
    const first = joinAll({ results: fixture.results, receipts: fixture.receiptLog });
    const settled = first.settleLines(at);
    assert.deepEqual(settled, [
      {
        kind: 'settled',
        row: 7,
        outId: `${CODE}r7`,
        at,
        status: 'placed',
        callId: fixture.callIdOf(7),
        by: 'receipt',
      },
    ]);
    const again = joinAll({
      results: [...fixture.results, ...settled.map((line) => JSON.stringify(line))],
      receipts: fixture.receiptLog,
      logs: fixture.callbackLog,
    });
    assert.deepEqual(again.settleLines(at), []);
    assert.deepEqual([...again.rows()].map(brief), EXPECTED);
    assert.equal(again.totals().settledByReceipts, 1);
  });

  it('folds a row to its last line: a new attempt makes it uncertain again, a result after settles it', () => {
    const lines = [
      JSON.parse(campaignLine(1)),
      {
        kind: 'result',
        row: 1,
        outId: `${CODE}r1`,
        at: '2026-03-10T02:00:00.000Z',
        status: 'uncertain',
        id: 'a',
        number: '138****8000',
      },
      { kind: 'sending', row: 1, outId: `${CODE}r1`, at: '2026-03-10T02:10:00.000Z', attempt: 2 },
    ];
    const folded = (extra: object[]) =>
      [...joinAll({ results: [...lines, ...extra].map((line) => JSON.stringify(line)) }).rows()][0];
    assert.equal(folded([])?.status, 'uncertain');
    assert.equal(folded([])?.id, 'a');
    const placed = folded([
      {
        kind: 'result',
        row: 1,
        outId: `${CODE}r1`,
        at: '2026-03-10T02:10:01.000Z',
        status: 'placed',
        callId: 'c^1',
      },
    ]);
    assert.deepEqual([placed?.status, placed?.callId, placed?.number], ['placed', 'c^1', '138****8000']);
    // A request that certainly placed no call (npm run call's `unsent` line) leaves the row pending.
    const unsent = folded([
      { kind: 'unsent', row: 1, outId: `${CODE}r1`, at: '2026-03-10T02:10:01.000Z', attempt: 2 },
    ]);
    assert.equal(unsent?.status, 'pending');
    // npm run call writes the campaign line once: a second one (of this campaign or another) is corrupt.
    for (const second of [lines[0], { ...lines[0], code: 'other1' }])
      assert.throws(
        () => joinAll({ results: [...lines, second, lines[2]].map((line) => JSON.stringify(line)) }),
        new OutcomesError('line 4: a second campaign line'),
      );
  });

  it('refuses a corrupt line as npm run call does, naming it; a bad last line only when it ended', () => {
    const [campaign, ...rest] = fixture.results;
    const cut = (fixture.results[5] as string).slice(0, 30);
    const refused = (results: readonly (string | undefined)[], message: RegExp, ended = false) =>
      assert.throws(
        () => joinAll({ results }).endResults(ended),
        (error) => error instanceof OutcomesError && message.test(error.message),
      );
    // A line cut short in the middle (a crash, then a careless append): blank lines are counted.
    refused([campaign, '', cut, ...rest], /^line 3: not JSON$/);
    refused([campaign, cut, ''], /^line 2: not JSON$/);
    refused([campaign, undefined, ...rest], /^line 2: longer than 4096 bytes$/);
    refused([campaign, 'x'.repeat(5000)], /^line 2: longer than 4096 bytes$/);
    refused(
      [campaign, JSON.stringify({ ...JSON.parse(rest[0] as string), row: 13, outId: `${CODE}r13` })],
      /^line 2: row 13, while the campaign has 12$/,
      true,
    );
    // The reasons never quote a number whole, though the line holds one.
    refused(
      [campaign, JSON.stringify({ ...JSON.parse(rest[0] as string), outId: '13800138000' }), ...rest],
      /^line 2: row 1 with OutId 138\*\*\*\*8000, not the campaign's k3x9q2r1$/,
    );
    // A bad last line that ended with its line break was not cut by a crash.
    refused([campaign, ...rest, cut], /^line 19: not JSON$/, true);
    refused([...rest], /^it has no campaign line \(npm run call writes one first\); line 1: /);
    const join = joinAll({ results: [campaign, ...rest, cut] });
    join.endResults(false);
    assert.equal(join.resultsWarnings.length, 1);
    assert.equal([...join.rows()].length, 12);
  });

  it('refuses a results file without its campaign line, and passes read out of order', () => {
    // Only a line cut short: no campaign line, and nothing refused yet.
    const headless = joinAll({ results: [(fixture.results[0] as string).slice(0, 20)] });
    assert.equal(headless.code, undefined);
    assert.throws(() => [...headless.rows()], OutcomesError);
    assert.throws(() => headless.totals(), OutcomesError);
    const join = joinAll({ results: fixture.results, logs: fixture.callbackLog });
    assert.throws(() => join.addReceiptLine('{}'), /receipts are read after logs/);
    assert.throws(() => join.addResultsLine('{}'), /results are read after logs/);
  });
});

describe('outcome rows as text', () => {
  const ROW: OutcomeRow = {
    row: 3,
    id: 'tel 13800138000, "vip"',
    number: '138****8000',
    outId: `${CODE}r3`,
    status: 'placed',
    callId: '130301340103^117079730103',
    answered: 'yes',
    duration: 40,
    receiptStatus: 'ANSWERED',
    lastNode: 'toDesk',
    lastOutcomes: ['matched', 'transferred'],
    tag: '=HYPERLINK("x")',
    transferred: true,
    hungUpBy: '1',
    endedAs: 'transferred-to-desk',
  };

  it('masks every phone number in the cells, and leaves ids as they are', () => {
    const cells = outcomeCells(ROW);
    assert.equal(cells.id, 'tel 138****8000, "vip"');
    assert.equal(cells.callId, ROW.callId);
    assert.equal(cells.lastOutcomes, 'matched transferred');
    assert.equal(cells.transferred, 'yes');
    assert.equal(cells.duration, '40');
    assert.equal(outcomeCells({ ...ROW, duration: undefined, transferred: false }).duration, '');
    const json = outcomeJson(ROW);
    assert.equal(json.id, 'tel 138****8000, "vip"');
    assert.equal(json.duration, 40);
    assert.equal(json.transferred, true);
    assert.deepEqual(json.lastOutcomes, ['matched', 'transferred']);
    assert.equal(outcomeJson({ ...ROW, duration: undefined }).duration, null);
    assert.doesNotMatch(JSON.stringify(json), /13800138000/);
  });

  it('masks numbers glued to letters in every text of the inputs, and only a phone number in the call id', () => {
    const cells = outcomeCells({
      ...ROW,
      id: 'appt13800138000',
      callId: '13800138000',
      receiptStatus: 'X13700137000',
      lastNode: 'n13800138000',
      lastOutcomes: ['o13800138000'],
      tag: 't13800138000',
      hungUpBy: '13800138000',
      endedAs: 'e13800138000',
    });
    assert.deepEqual(
      [cells.id, cells.callId, cells.receiptStatus, cells.lastNode, cells.lastOutcomes, cells.tag],
      ['appt138****8000', '138****8000', 'X137****7000', 'n138****8000', 'o138****8000', 't138****8000'],
    );
    assert.deepEqual([cells.hungUpBy, cells.endedAs], ['138****8000', 'e138****8000']);
    // A short appointment id stays readable; a call id keeps its long runs of digits.
    assert.equal(outcomeCells({ ...ROW, id: 'appt-123456' }).id, 'appt-123456');
    assert.equal(outcomeCells(ROW).callId, '130301340103^117079730103');
    assert.deepEqual(outcomeJson({ ...ROW, lastOutcomes: ['o13800138000'] }).lastOutcomes, ['o138****8000']);
  });

  it('writes RFC 4180 records, quoting what needs it and defusing formulas', () => {
    assert.equal(toCsvRecord(['a', 'b c', '']), 'a,b c,\r\n');
    assert.equal(toCsvRecord(['x,y', 'say "hi"', 'two\nlines']), '"x,y","say ""hi""","two\nlines"\r\n');
    assert.equal(toCsvRecord(['=1+1', '-2', '@a', 'a=b']), "'=1+1,'-2,'@a,a=b\r\n");
    const cells = outcomeCells(ROW);
    assert.equal(
      toCsvRecord(OUTCOME_COLUMNS.map((column) => cells[column])),
      `3,"tel 138****8000, ""vip""",138****8000,${CODE}r3,placed,130301340103^117079730103,yes,40,ANSWERED,toDesk,matched transferred,"'=HYPERLINK(""x"")",yes,1,transferred-to-desk\r\n`,
    );
  });
});
