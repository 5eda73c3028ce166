/**
 * shared/campaign/campaign-list.ts: a list read as it streams in, CSV or JSON lines; its columns checked
 * before anything is sent, its numbers normalised, its ids unique.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CampaignRow,
  checkParamName,
  classifyColumn,
  createListReader,
  type ListFormat,
  listFormatOf,
  MAX_RECORD_BYTES,
  normaliseListedNumber,
} from '../../shared/campaign/campaign-list';

/** Reads `text` pushed in pieces of `size` characters (1: every character on its own). */
function read(format: ListFormat, text: string, size = text.length || 1): CampaignRow[] {
  const reader = createListReader(format);
  const rows: CampaignRow[] = [];
  for (let at = 0; at < text.length; at += size) rows.push(...reader.push(text.slice(at, at + size)));
  rows.push(...reader.end());
  return rows;
}

const refusal = (format: ListFormat, text: string) => {
  try {
    read(format, text);
  } catch (error) {
    return (error as Error).message;
  }
  return 'read';
};

describe('a list', () => {
  it('is CSV or JSON lines by its name', () => {
    assert.equal(listFormatOf('patients.csv'), 'csv');
    assert.equal(listFormatOf('PATIENTS.CSV'), 'csv');
    assert.equal(listFormatOf('calls.jsonl'), 'jsonl');
    assert.equal(listFormatOf('calls.ndjson'), 'jsonl');
    assert.equal(listFormatOf('calls.txt'), undefined);
  });

  it('reads every kind of column from a CSV header, however the text is cut', () => {
    const text =
      '\uFEFFnumber,id,flow,calendar,var.time,tts.time,MuteTime\r\n' +
      '138 0013 8000,a-1,remind,calling,"10:30, 明天",明天,5000\r\n' +
      '\r\n' +
      '"+86 139-0013-9000",a-2,,,,,\n';
    for (const size of [1, 3, 7, text.length]) {
      const rows = read('csv', text, size);
      assert.deepEqual(rows, [
        {
          row: 1,
          number: '13800138000',
          id: 'a-1',
          flow: 'remind',
          calendar: 'calling',
          vars: { time: '10:30, 明天' },
          tts: { time: '明天' },
          params: { MuteTime: '5000' },
          problems: [],
        },
        { row: 2, number: '13900139000', id: 'a-2', vars: {}, tts: {}, params: {}, problems: [] },
      ]);
    }
  });

  it('reads quotes as RFC 4180 writes them: doubled inside, around commas and line breaks', () => {
    const rows = read(
      'csv',
      'number,tts.name,var.note\n13800138000,"王 ""小"" 明","a\nb"\n13800138001,x,"""q"""',
      5,
    );
    assert.deepEqual(
      rows.map((row) => [row.tts, row.vars]),
      [
        [{ name: '王 "小" 明' }, { note: 'a\nb' }],
        [{ name: 'x' }, { note: '"q"' }],
      ],
    );
    // A lone carriage return inside a field is kept; one before a line feed ends the record.
    assert.deepEqual(
      read('csv', 'number,var.a\r\n13800138000,x\ry\r\n').map((row) => row.vars),
      [{ a: 'x\ry' }],
    );
  });

  it('reads JSON lines, numbers and true/false as text, null as absent', () => {
    const rows = read(
      'jsonl',
      '\uFEFF{"number":13800138000,"id":"a","RecordFlag":true,"var.time":null}\n\n{"number":"0592-3391657"}',
      4,
    );
    assert.deepEqual(
      rows.map((row) => [row.row, row.number, row.params, row.vars]),
      [
        [1, '13800138000', { RecordFlag: 'true' }, {}],
        [2, '05923391657', {}, {}],
      ],
    );
  });

  it('refuses a column it does not know, before any row, naming it', () => {
    assert.match(refusal('csv', 'number,nmber\n1\n'), /^line 1: unknown column "nmber"/);
    assert.match(
      refusal('jsonl', '{"number":"13800138000","Mutetime":5000}'),
      /^line 1: unknown column "Mutetime"/,
    );
    assert.match(refusal('csv', 'number,var.9\n'), /column var\.9: a var\.NAME is a letter/);
    assert.match(refusal('csv', 'number,tts.a-b\n'), /column tts\.a-b: a tts\.NAME is 1–32/);
    assert.match(
      refusal('csv', 'number,CalledNumber\n'),
      /column CalledNumber: CalledNumber is the caller's: use the number column/,
    );
    assert.match(refusal('csv', 'number,DynamicId\n'), /DynamicId is the caller's/);
    assert.match(refusal('csv', 'number,OutId\n'), /OutId is the caller's/);
    assert.match(refusal('csv', 'id,flow\n'), /^line 1: the header has no number column$/);
    assert.match(refusal('csv', 'number,id,id\n'), /^line 1: column "id" is given twice$/);
    assert.match(
      refusal('csv', `number,${Array.from({ length: 70 }, (_, i) => `var.v${i}`).join(',')}\n`),
      /more than 64 columns/,
    );
  });

  it('refuses what is not a list, naming the line and never a number', () => {
    assert.match(refusal('csv', ''), /^the list is empty/);
    assert.match(refusal('csv', 'number\n"13800138000\n'), /^line 2: a quote is never closed$/);
    assert.match(refusal('csv', 'number\n"13800138000"x\n'), /^line 2: text after a closing quote$/);
    assert.match(refusal('csv', 'number,id\n13800138000\n'), /^line 2: 1 fields, while the header has 2$/);
    assert.match(
      refusal('csv', `number,id\n13800138000,${'x'.repeat(MAX_RECORD_BYTES)}\n`),
      /^line 2: a record longer than 4096 bytes$/,
    );
    assert.match(refusal('jsonl', '{"number":"1"}\n[1]\n'), /^line 2: not a JSON object$/);
    assert.match(refusal('jsonl', '{"number":13800138000'), /^line 1: not JSON$/);
    assert.match(refusal('jsonl', '{"number":{"a":1}}'), /"number" is not text, a number or true\/false/);
    assert.match(
      refusal('jsonl', `{"number":"${'1'.repeat(MAX_RECORD_BYTES)}"}`),
      /^line 1: longer than 4096 bytes$/,
    );
    for (const message of [
      refusal('csv', 'number\n"13800138000"x\n'),
      refusal('jsonl', '{"number":13800138000'),
    ])
      assert.doesNotMatch(message, /13800138000/);
  });

  it("keeps a row's own problems for the check: no number, an id too long or given twice", () => {
    const rows = read('csv', `number,id\n,a\nabc,b\n13800138000,a\n13800138001,${'x'.repeat(65)}\n`);
    assert.deepEqual(
      rows.map((row) => row.problems),
      [
        ['number: missing'],
        ['number: not a phone number'],
        ["id: the same as row 1's"],
        ['id: at most 64 characters'],
      ],
    );
  });
});

describe('a listed number', () => {
  it('drops spaces, dashes, brackets and +86/0086, and refuses anything else', () => {
    assert.equal(normaliseListedNumber(' +86 138-0013-8000 '), '13800138000');
    assert.equal(normaliseListedNumber('008613800138000'), '13800138000');
    assert.equal(normaliseListedNumber('8613800138000'), '13800138000');
    assert.equal(normaliseListedNumber('(0592) 339 1657'), '05923391657');
    assert.equal(normaliseListedNumber('+86 592 3391657'), '05923391657');
    assert.equal(normaliseListedNumber('138001380OO'), undefined);
    assert.equal(normaliseListedNumber('--'), undefined);
    assert.equal(normaliseListedNumber(''), undefined);
  });
});

describe('a column name', () => {
  it('says what it stands for', () => {
    assert.deepEqual(classifyColumn('number'), { kind: 'number' });
    assert.deepEqual(classifyColumn('var.doctor'), { kind: 'var', name: 'doctor' });
    assert.deepEqual(classifyColumn('tts.time_1'), { kind: 'tts', name: 'time_1' });
    assert.deepEqual(classifyColumn('CalledShowNumber'), { kind: 'param', name: 'CalledShowNumber' });
    assert.equal(checkParamName('TtsSpeed'), undefined);
    assert.equal(checkParamName('Speed'), 'Speed is no SmartCall parameter');
  });
});
