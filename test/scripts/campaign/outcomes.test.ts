/**
 * `npm run outcomes` on a campaign played through the real `outbound` bundle: the table and its totals,
 * the CSV (quoted as RFC 4180 says), JSON lines, `--settle` (exactly the right lines, once), file lists
 * after --receipts and --logs, unreadable inputs, an -o that would overwrite an input; a results file read
 * as npm run call reads it (a corrupt line refused, a cut last line ignored, and cut off by --settle); and
 * never a phone number unmasked in anything printed or written, though the raw receipts hold them whole and
 * hostile inputs hide them.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { lockResultsFile, readResultsFile } from '../../../dev/campaign-files';
import { main, spreadFileLists } from '../../../scripts/campaign/outcomes';
import { SETTLED_STATUS } from '../../../shared/campaign/outcomes';
import { outIdOf } from '../../../shared/campaign/results';
import { CALLEE, type CampaignFixture, CODE, campaignFixture } from '../../support/campaign-outcomes';
import { captureIo } from '../../support/command-io';
import { scratchFiles } from '../../support/scratch-files';

const NOW = Date.parse('2026-03-10T06:00:00.000Z');
const files = scratchFiles('outcomes-');

async function run(argv: readonly string[]) {
  const { io, out, err } = captureIo();
  const code = await main(argv, { ...io, now: () => NOW });
  return { code, out: out.join(''), err: err.join('') };
}

/** A mobile or landline number whole: what must never be printed or written. */
const WHOLE_NUMBER = /(?<![0-9])(?:1[3-9][0-9]{9}|0[1-9][0-9]{9,10})(?![0-9])/;

function assertMasked(...texts: string[]): void {
  for (const text of texts) {
    assert.doesNotMatch(text, WHOLE_NUMBER);
    assert.ok(!text.includes(CALLEE));
  }
}

describe('npm run outcomes', () => {
  let fixture: CampaignFixture;
  let results: string;
  let receipts: string;
  let rawPush: string;
  let logs: string;
  before(async () => {
    fixture = await campaignFixture();
    results = files.file('campaign.results.jsonl', `${fixture.results.join('\n')}\n`);
    receipts = files.file('receipts.jsonl', `${fixture.receiptLog.join('\n')}\n`);
    // A push saved as the platform sent it, over many lines, numbers whole.
    rawPush = files.file('push.json', JSON.stringify(fixture.rawReceipts, null, 2));
    const lines = fixture.callbackLog.map((line) => JSON.stringify({ __time__: 1, content: line }));
    logs = files.file('outbound.log', `${lines.join('\r\n')}\r\n${'z'.repeat(70_000)}\n{"msg":"x"}`);
  });

  it('prints a table and the totals, numbers masked', async () => {
    const { code, out, err } = await run([results, '--receipts', receipts, '--logs', logs]);
    assert.equal(code, 0, err);
    assert.equal(err, '');
    const [head, ...rest] = out.split('\n');
    assert.match(
      head as string,
      /^row\s+id\s+number\s+status\s+ans\s+dur\s+lastNode\s+tag\s+hungUpBy\s+endedAs$/,
    );
    assert.match(
      rest[0] as string,
      /^1\s+p-1\s+138\*\*\*\*8000\s+placed\s+yes\s+25\s+confirmed\s+confirmed\s+flow\s+confirmed$/,
    );
    assert.match(rest[2] as string, /^3 .* toDesk\s+transferred-to-desk\s+1\s+transferred-to-desk$/);
    assert.match(rest[4] as string, /^5\s+139\*\*\*\*90…\s+138\*\*\*\*8000\s+placed\s+no\s+0\s+no-answer$/);
    assert.match(rest[6] as string, /^7\s+settled\s+yes\s+12\s+confirmed/);
    assert.ok(
      out.includes(`\nsettled: uncertain when sent, placed as its receipt shows (${SETTLED_STATUS})\n`),
    );
    assert.match(rest[7] as string, /^8\s+p-8\s+138\*\*\*\*8000\s+uncertain\s+\?\s+uncertain$/);
    assert.match(
      out,
      /\n12 rows by status: placed 6, do-not-call 1, invalid 1, pending 1, placed \(settled by receipt\) 1, refused 1, uncertain 1\n/,
    );
    assert.match(out, /\nended as: confirmed 2, busy 1, cancelled 1, .*transferred-to-desk 1, uncertain 1\n/);
    assert.match(
      out,
      /\n2 rows uncertain: 1 settled by receipts, 1 still uncertain \(npm run call -- --retry-uncertain places them again\)\n/,
    );
    assert.match(out, /\n1 row can be settled: run again with --settle/);
    assert.match(
      out,
      /\nreceipts: 9 VoiceReports read, 7 matched, 0 pushed again, 2 of other OutIds \(ignored\), 0 unmatched;/,
    );
    assert.match(
      out,
      /\nlogs: 7 callback lines, 5 calls of this campaign, 0 other calls, 0 duplicates; 1 other line, 1 over 64 KB\n$/,
    );
    assertMasked(out);
  });

  it('writes the CSV with -o, quoted, and the same rows from raw pushes with numbers whole', async () => {
    const csv = files.file('out.csv', '');
    const { code, out, err } = await run([results, '--receipts', rawPush, '--logs', logs, '-o', csv]);
    assert.equal(code, 0, err);
    assert.equal(err, `wrote 12 rows to ${csv}\n`);
    assert.doesNotMatch(out, /^row /);
    const written = readFileSync(csv, 'utf8');
    const records = written.split('\r\n');
    assert.equal(
      records[0],
      'row,id,number,outId,status,callId,answered,duration,receiptStatus,lastNode,lastOutcomes,tag,transferred,hungUpBy,endedAs',
    );
    assert.equal(
      records[1],
      `1,p-1,138****8000,${CODE}r1,placed,${fixture.callIdOf(1)},yes,25,ANSWERED,confirmed,ended,confirmed,no,flow,confirmed`,
    );
    assert.equal(
      records[7],
      `7,,,${CODE}r7,${SETTLED_STATUS},${fixture.callIdOf(7)},yes,12,ANSWERED,confirmed,started matched entered ended,confirmed,no,flow,confirmed`,
    );
    assert.match(records[5] as string, /^5,139\*\*\*\*9000,/);
    assert.match(records[6] as string, /^6,"p-6, ""busy line""",138\*\*\*\*8000,/);
    assert.equal(records.length, 14);
    assert.equal(records[13], '');
    assertMasked(out, err, written);
  });

  it('prints JSON lines with --json, and the totals on stderr', async () => {
    const { code, out, err } = await run([results, '--receipts', receipts, '--logs', logs, '--json']);
    assert.equal(code, 0, err);
    const rows = out
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(rows.length, 12);
    assert.deepEqual(
      { ...rows[2], callId: undefined },
      {
        row: 3,
        id: 'p-3',
        number: '138****8000',
        outId: `${CODE}r3`,
        status: 'placed',
        callId: undefined,
        answered: 'yes',
        duration: 40,
        receiptStatus: 'ANSWERED',
        lastNode: 'toDesk',
        lastOutcomes: ['started', 'matched', 'entered', 'transferred'],
        tag: 'transferred-to-desk',
        transferred: true,
        hungUpBy: '1',
        endedAs: 'transferred-to-desk',
      },
    );
    assert.match(err, /^12 rows by status: /);
    assertMasked(out, err);
  });

  it('--settle appends exactly the settled lines, once, and never while npm run call holds the file', async () => {
    const own = files.file('settle.results.jsonl', `${fixture.results.join('\n')}\n`);
    const before = readFileSync(own, 'utf8');
    const running = lockResultsFile(own);
    assert.ok('release' in running);
    const refused = await run([own, '--receipts', receipts, '--settle']);
    running.release();
    assert.equal(refused.code, 1);
    assert.match(refused.err, /not settled: .* is in use by process \d+ on /);
    assert.equal(readFileSync(own, 'utf8'), before);
    const first = await run([own, '--receipts', receipts, '--settle']);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /\nsettled 1 row: appended 1 settled line to the results file\n/);
    const after = readFileSync(own, 'utf8');
    assert.ok(after.startsWith(before));
    assert.deepEqual(JSON.parse(after.slice(before.length)), {
      kind: 'settled',
      row: 7,
      outId: `${CODE}r7`,
      at: new Date(NOW).toISOString(),
      status: 'placed',
      callId: fixture.callIdOf(7),
      by: 'receipt',
    });
    const second = await run([own, '--receipts', receipts, '--settle']);
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, /\nnothing to settle: no uncertain row is in the receipts\n/);
    assert.match(second.out, /\n2 rows uncertain: 1 settled by receipts, 1 still uncertain/);
    assert.equal(readFileSync(own, 'utf8'), after);
  });

  it('--settle cuts off a last line a crash cut short before it appends, so that npm run call reads the file', async () => {
    const whole = `${fixture.results.join('\n')}\n`;
    const own = files.file('cut.results.jsonl', whole);
    const cut = `{"kind":"result","row":12,"outId":"${CODE}r1`;
    appendFileSync(own, cut);
    const warning = `outcomes: warning: ${own}: its last line (${fixture.results.length + 1}) was cut short, by a crash or a full disk: ignored\n`;
    const { code, out, err } = await run([own, '--receipts', receipts, '--settle']);
    assert.equal(code, 0, err);
    assert.equal(err, warning);
    assert.match(
      out,
      /\nsettled 1 row: appended 1 settled line to the results file, after cutting off its last line, cut short by a crash\n/,
    );
    const after = readFileSync(own, 'utf8');
    assert.ok(after.startsWith(whole));
    assert.equal(JSON.parse(after.slice(whole.length)).kind, 'settled');
    // Read back as npm run call reads it: clean, the settled row placed, the cut row never sent.
    const read = readResultsFile(own);
    assert.equal(read.kind, 'read');
    if (read.kind !== 'read') return;
    assert.deepEqual(read.warnings, []);
    assert.equal(read.wholeBytes, read.bytes);
    assert.deepEqual(read.results?.rows.get(7)?.state, { kind: 'done', status: 'placed', attempts: 1 });
    assert.equal(read.results?.rows.get(12), undefined);
    const again = await run([own, '--receipts', receipts]);
    assert.equal(again.err, '');
    assert.match(again.out, /\n7\s+settled\s+yes/);
  });

  it('refuses a results file with a corrupt line, naming it, and never settles it', async () => {
    const [campaign, ...rest] = fixture.results;
    const cut = (rest[0] as string).slice(0, 40);
    const text = `${[campaign, cut, ...rest].join('\n')}\n`;
    const own = files.file('corrupt.results.jsonl', text);
    for (const argv of [[own], [own, '--receipts', receipts, '--settle']]) {
      const { code, out, err } = await run(argv);
      assert.equal(code, 1);
      assert.equal(out, '');
      assert.equal(
        err,
        `outcomes: ${own} is not a campaign's results file: line 2: not JSON (npm run call refuses it too; only a last line cut short by a crash is ignored)\n`,
      );
    }
    assert.equal(readFileSync(own, 'utf8'), text);
    // The same line last, ended by its line break: not cut by a crash either.
    const ended = files.file('ended.results.jsonl', `${[...fixture.results, cut].join('\n')}\n`);
    const refused = await run([ended]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /: line 19: not JSON /);
  });

  it('refuses an -o that names an input, however spelled, and leaves the input as it was', async () => {
    const own = files.file('own.results.jsonl', `${fixture.results.join('\n')}\n`);
    const before = readFileSync(own, 'utf8');
    const linked = join(dirname(logs), 'linked.log');
    symlinkSync(logs, linked);
    const spelled = `${dirname(receipts)}/./${basename(receipts)}`;
    for (const [output, input] of [
      [own, own],
      [spelled, receipts],
      [linked, logs],
    ] as const) {
      const { code, out, err } = await run([own, '--receipts', receipts, '--logs', logs, '-o', output]);
      assert.equal(code, 2);
      assert.equal(out, '');
      assert.equal(err.split('\n').length, 2, err);
      assert.ok(
        err.startsWith(
          `outcomes: -o ${output} is the input ${input}: it would be overwritten; write the CSV elsewhere (`,
        ),
        err,
      );
    }
    assert.equal(readFileSync(own, 'utf8'), before);
    assert.equal(readFileSync(receipts, 'utf8'), `${fixture.receiptLog.join('\n')}\n`);
  });

  it('masks every number of hostile inputs, glued to letters or spaced out, in the table, the CSV and JSON', async () => {
    const at = '2026-03-10T02:00:00.000Z';
    const result = (row: number, fields: Record<string, unknown>) =>
      JSON.stringify({ kind: 'result', row, outId: outIdOf(CODE, row), at, status: 'placed', ...fields });
    const hostile = files.file(
      'hostile.results.jsonl',
      `${[
        JSON.stringify({ kind: 'campaign', format: 1, code: CODE, created: at, input: 'x', rows: 4 }),
        result(1, { id: 'appt13800138000', number: '13800138000', callId: 'c^1' }),
        result(2, { id: 'id+86 135 0013 5000', callId: 'c^2' }),
        result(3, { id: '=HYPERLINK(13512345678)', callId: 'c^3' }),
        JSON.stringify({ kind: 'sending', row: 4, outId: outIdOf(CODE, 4), at, attempt: 1 }),
      ].join('\n')}\n`,
    );
    const receipt = (fields: Record<string, unknown>) => JSON.stringify({ start_time: 't', ...fields });
    const hostileReceipts = files.file(
      'hostile.receipts.jsonl',
      [
        receipt({
          call_id: 'c^1',
          out_id: outIdOf(CODE, 1),
          duration: '13800138000',
          smart_status_code: 'X13700137000',
          hangup_direction: '13600136000',
          status_msg: '用户13500135000',
        }),
        receipt({ call_id: 'c^9', out_id: '13912345678', status_msg: '13912345678' }),
        receipt({
          call_id: 'c^2',
          out_id: outIdOf(CODE, 2),
          status_code: '13312345678',
          hangup_direction: 'h+86 131 2345 6789',
        }),
        receipt({
          call_id: '18612345678',
          out_id: outIdOf(CODE, 4),
          smart_status_code: 'ANSWERED',
          duration: 5,
        }),
      ].join('\n'),
    );
    const line = (fields: Record<string, unknown>) =>
      JSON.stringify({ level: 'info', msg: 'callback', fn: 'outbound', time: at, ...fields });
    const hostileLogs = files.file(
      'hostile.log',
      [
        line({
          callId: 'c^3',
          node: 'n15800158000',
          action: 'play',
          tag: 't15900159000',
          outcomes: ['o18800188000'],
        }),
        line({ callId: '18612345678', node: 'ask13700137000', action: 'hangup', outcomes: ['ended'] }),
      ].join('\n'),
    );
    const inputs = [hostile, '--receipts', hostileReceipts, '--logs', hostileLogs];
    const csvFile = files.file('hostile.csv', '');
    const table = await run(inputs);
    const json = await run([...inputs, '--json']);
    const csv = await run([...inputs, '-o', csvFile]);
    const written = readFileSync(csvFile, 'utf8');
    for (const text of [table.out, table.err, json.out, json.err, csv.out, csv.err, written]) {
      assert.doesNotMatch(text, /[0-9]{11}/);
      assert.doesNotMatch(text, /135 0013 5000|131 2345 6789/);
    }
    const records = written.split('\r\n');
    assert.match(
      records[1] as string,
      /^1,appt138\*\*\*\*8000,138\*\*\*\*8000,k3x9q2r1,placed,c\^1,no,,X137\*\*\*\*7000,,,,no,136\*\*\*\*6000,no-answer$/,
    );
    assert.match(
      records[2] as string,
      /^2,id[0-9]{3}\*\*\*\*5000,,.*,133\*\*\*\*5678,.*,h[0-9]{3}\*\*\*\*6789,/,
    );
    assert.match(
      records[3] as string,
      /^3,'=HYPERLINK\(135\*\*\*\*5678\),.*,n158\*\*\*\*8000,o188\*\*\*\*8000,t159\*\*\*\*9000,/,
    );
    assert.match(
      records[4] as string,
      /^4,,,k3x9q2r4,placed \(settled by receipt\),186\*\*\*\*5678,yes,5,ANSWERED,ask137\*\*\*\*7000,/,
    );
    assert.match(table.out, /\nended as: .*t159\*\*\*\*9000 1/);
  });

  it('takes every file after --receipts and --logs, up to the next option', async () => {
    const half = Math.ceil(fixture.receiptLog.length / 2);
    const a = files.file('a.jsonl', fixture.receiptLog.slice(0, half).join('\n'));
    const b = files.file('b.jsonl', fixture.receiptLog.slice(half).join('\n'));
    const { code, out } = await run([results, '--receipts', a, b, '--logs', logs, logs]);
    assert.equal(code, 0);
    assert.match(out, /\nreceipts: 9 VoiceReports read, 7 matched/);
    // Pushes saved one array a line: not one array, read line by line.
    const pushes = files.file(
      'pushes.jsonl',
      `${JSON.stringify(fixture.rawReceipts.slice(0, 4))}\n${JSON.stringify(fixture.rawReceipts.slice(4))}\n`,
    );
    const pushed = await run([results, '--receipts', pushes]);
    assert.match(pushed.out, /\nreceipts: 9 VoiceReports read, 7 matched/);
    assertMasked(pushed.out);
    // The same log twice: every line a second time, the same calls.
    assert.match(out, /\nlogs: 14 callback lines, 5 calls of this campaign/);
    assert.deepEqual(
      spreadFileLists(['r', '--receipts', 'a', 'b', '--json', 'x', '--logs=l', 'm', '-o', 'f', '--', 'g']),
      [
        'r',
        '--receipts',
        'a',
        '--receipts',
        'b',
        '--json',
        'x',
        '--logs=l',
        '--logs',
        'm',
        '-o',
        'f',
        '--',
        'g',
      ],
    );
  });

  it('refuses what it cannot read or write, in one line', async () => {
    const notResults = files.file('not-results.jsonl', fixture.callbackLog.join('\n'));
    for (const [argv, message] of [
      [['missing.jsonl'], /^outcomes: cannot read missing\.jsonl \(ENOENT\)\n$/],
      [[results, '--logs', '/'], /^outcomes: \/ is not a file\n$/],
      [[notResults], /is not a campaign's results file: it has no campaign line/],
      [
        [results, '-o', '/no/such/folder/out.csv'],
        /^outcomes: cannot write \/no\/such\/folder\/out\.csv \(ENOENT\)/,
      ],
    ] as const) {
      const { code, out, err } = await run(argv);
      assert.equal(code, 1, err);
      assert.equal(out, '');
      assert.match(err, message);
    }
    const both = await run([results, '--json', '-o', 'x.csv']);
    assert.equal(both.code, 2);
    assert.match(both.err, /--json prints the rows on stdout and -o writes them as CSV: give one/);
    const none = await run([]);
    assert.equal(none.code, 2);
  });
});
