/**
 * dev/campaign-files.ts: a campaign's files on disk — the list streamed, the results file read back
 * within a bound (a last line cut short by a crash ignored, and cut off before the next append), the
 * do-not-call list read again when it changes, the campaign file.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import {
  lockResultsFile,
  openResultsFile,
  readCampaignDocument,
  readList,
  readResultsFile,
  watchDoNotCall,
} from '../../dev/campaign-files';
import { ListError } from '../../shared/campaign/campaign-list';
import { outIdOf, type ResultsLine } from '../../shared/campaign/results';
import { scratchFiles } from '../support/scratch-files';

const { file } = scratchFiles('campaign-files-');
const CODE = 'k3x9q2';
const AT = '2026-02-02T01:00:00.000Z';
const CAMPAIGN: ResultsLine = {
  kind: 'campaign',
  format: 1,
  code: CODE,
  created: AT,
  input: 'l.csv',
  rows: 3,
};
const SENDING: ResultsLine = { kind: 'sending', row: 1, outId: outIdOf(CODE, 1), at: AT, attempt: 1 };
const jsonl = (...lines: ResultsLine[]) => lines.map((line) => `${JSON.stringify(line)}\n`).join('');

describe('a list on disk', () => {
  it('is read as it streams, into rows', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `1380013${String(i).padStart(4, '0')},id-${i}`);
    const path = file('big.csv', `number,id\n${rows.join('\n')}\n`);
    const read = await readList(path, 'csv');
    assert.equal(read.length, 5000);
    assert.deepEqual([read[4999]?.row, read[4999]?.number, read[4999]?.id], [5000, '13800134999', 'id-4999']);
  });

  it('is refused with the line that is wrong', async () => {
    await assert.rejects(
      readList(file('bad.jsonl', '{"number":"13800138000"}\n{"numbr":"1"}\n'), 'jsonl'),
      (error) => {
        assert.ok(error instanceof ListError);
        assert.match(error.message, /^line 2: unknown column "numbr"/);
        return true;
      },
    );
    await assert.rejects(readList(`${file('none', '')}.missing`, 'csv'), /ENOENT/);
  });
});

describe('a results file', () => {
  it('is missing, read, or refused with the line that is not a campaign’s', () => {
    assert.deepEqual(readResultsFile(`${file('x', '')}.none`), { kind: 'missing' });
    const read = readResultsFile(file('ok.jsonl', jsonl(CAMPAIGN, SENDING)));
    assert.equal(read.kind, 'read');
    assert.equal(read.kind === 'read' ? read.results?.rows.get(1)?.state.kind : '', 'interrupted');
    assert.deepEqual(readResultsFile(file('empty.jsonl', '')), {
      kind: 'read',
      results: undefined,
      wholeBytes: 0,
      bytes: 0,
      warnings: [],
    });
    assert.deepEqual(readResultsFile(file('list.csv', 'number\n13800138000\n')), {
      kind: 'corrupt',
      message: 'line 1: not JSON',
    });
    assert.deepEqual(readResultsFile(file('mid.jsonl', `${jsonl(CAMPAIGN)}{"kind":\n${jsonl(SENDING)}`)), {
      kind: 'corrupt',
      message: 'line 2: not JSON',
    });
    assert.deepEqual(readResultsFile(file('long.jsonl', `${jsonl(CAMPAIGN)}${'x'.repeat(70_000)}`)), {
      kind: 'corrupt',
      message: 'line 2: longer than 4096 bytes',
    });
  });

  it('ignores a last line cut short, and cuts it off before appending', () => {
    const whole = jsonl(CAMPAIGN, SENDING);
    const path = file('cut.jsonl', `${whole}{"kind":"result","row":1,"outId":"k3x`);
    const read = readResultsFile(path);
    assert.equal(read.kind, 'read');
    if (read.kind !== 'read') return;
    assert.deepEqual(read.warnings, ['its last line (3) was cut short, by a crash or a full disk: ignored']);
    assert.equal(read.wholeBytes, Buffer.byteLength(whole));
    const writer = openResultsFile(path, read);
    writer.record({ kind: 'unsent', row: 1, outId: outIdOf(CODE, 1), at: AT, attempt: 1 });
    writer.close();
    writer.close();
    assert.equal(
      readFileSync(path, 'utf8'),
      `${whole}${jsonl({ kind: 'unsent', row: 1, outId: outIdOf(CODE, 1), at: AT, attempt: 1 })}`,
    );
  });

  it('takes a last whole line without its line break, and starts the next on a line of its own', () => {
    const path = file('nobreak.jsonl', jsonl(CAMPAIGN, SENDING).trimEnd());
    const read = readResultsFile(path);
    assert.deepEqual(read.kind === 'read' ? read.warnings : ['corrupt'], []);
    const writer = openResultsFile(path, read.kind === 'read' ? read : undefined);
    writer.record(SENDING);
    writer.close();
    assert.equal(readFileSync(path, 'utf8'), jsonl(CAMPAIGN, SENDING, SENDING));
  });
});

describe('a do-not-call file', () => {
  it('is read again when it changes, and refused when it is wrong or gone', () => {
    const path = file('dnc.txt', '13800138000\n');
    const watched = watchDoNotCall(path);
    assert.equal(watched.isDoNotCall('13800138000'), true);
    assert.equal(watched.isDoNotCall('13900139000'), false);
    writeFileSync(path, '13800138000\n139*\n');
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    assert.equal(watched.isDoNotCall('13900139000'), true);
    assert.equal(watched.size(), 2);
    writeFileSync(path, 'oops\n');
    utimesSync(path, new Date(), new Date(Date.now() + 10_000));
    assert.throws(() => watched.isDoNotCall('13900139000'), /dnc\.txt line 1: not a number/);
    assert.throws(() => watchDoNotCall(`${path}.none`), /ENOENT/);
  });
});

describe('a campaign file', () => {
  it('is YAML or JSON by its name, and says why not, without quoting it', () => {
    assert.deepEqual(readCampaignDocument(file('c.yaml', 'rate: 2\nflow: remind\n')), {
      document: { rate: 2, flow: 'remind' },
    });
    assert.deepEqual(readCampaignDocument(file('c.json', '{"rate": 2}')), { document: { rate: 2 } });
    assert.deepEqual(readCampaignDocument(file('bad.json', '{"showNumber": 13800138000')), {
      error: 'not JSON',
    });
    assert.match(
      (readCampaignDocument(file('bad.yaml', 'a: [1\n')) as { error: string }).error,
      /^not YAML: .* at line \d+/,
    );
    assert.deepEqual(readCampaignDocument(`${file('y', '')}.none.yaml`), { error: 'no such file' });
  });
});

describe('a list that is not UTF-8', () => {
  it('is refused, saying how to save it, never read with replacement characters', async () => {
    const gbk = file('gbk.csv', '');
    writeFileSync(
      gbk,
      Buffer.concat([
        Buffer.from('number,id,var.time\n13800138000,a1,'),
        Buffer.from([0xc3, 0xf7, 0xcc, 0xec]),
        Buffer.from('\n'),
      ]),
    );
    await assert.rejects(readList(gbk, 'csv'), (error: Error) => {
      assert.ok(error instanceof ListError);
      assert.match(error.message, /^is not UTF-8 text: save it as UTF-8 \(in Excel: "CSV UTF-8"\)/);
      return true;
    });
  });
});

describe('the lock of a results file', () => {
  it('lets one run hold it at a time, and is free again once released', () => {
    const results = file('locked.results.jsonl', '');
    const held = lockResultsFile(results);
    assert.ok('release' in held && held.warning === undefined);
    assert.ok(existsSync(`${results}.lock`));
    const second = lockResultsFile(results);
    assert.ok('refused' in second);
    assert.match(second.refused, new RegExp(`in use by process ${process.pid} on `));
    held.release();
    held.release();
    assert.ok(!existsSync(`${results}.lock`));
    const again = lockResultsFile(results);
    assert.ok('release' in again);
    again.release();
  });

  it('is one lock for one file, however its path is written: a link to it is the same file', () => {
    const results = file('linked.results.jsonl', '');
    const link = `${results}.link`;
    symlinkSync(results, link);
    const held = lockResultsFile(results);
    assert.ok('release' in held);
    const throughLink = lockResultsFile(link);
    assert.ok('refused' in throughLink, 'a second run through a link is refused');
    assert.ok('refused' in lockResultsFile(join(dirname(results), '.', basename(results))));
    held.release();
  });

  it("takes over the lock of an ended process of this machine, never another machine's or an unreadable one", () => {
    const results = file('stale.results.jsonl', '');
    // A pid no process has: above the kernel's pid_max.
    const ended = 2 ** 22 + 1;
    writeFileSync(`${results}.lock`, JSON.stringify({ pid: ended, host: hostname(), since: AT }));
    const taken = lockResultsFile(results);
    assert.ok('release' in taken);
    assert.match(taken.warning ?? '', new RegExp(`took over the lock of process ${ended}, which has ended`));
    taken.release();
    writeFileSync(`${results}.lock`, JSON.stringify({ pid: ended, host: 'another-machine', since: AT }));
    const elsewhere = lockResultsFile(results);
    assert.ok('refused' in elsewhere);
    assert.match(elsewhere.refused, /in use by process \d+ on another-machine since /);
    writeFileSync(`${results}.lock`, 'junk');
    const unreadable = lockResultsFile(results);
    assert.ok('refused' in unreadable);
    assert.match(unreadable.refused, /locked by another run .*; delete that file once sure no run uses it/);
  });
});
