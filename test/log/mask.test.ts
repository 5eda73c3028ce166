import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../shared/log/logger';
import { maskDigitsInText, maskPhoneNumber } from '../../shared/log/mask';

describe('maskPhoneNumber', () => {
  it('keeps the first three and last four digits of a full number', () => {
    assert.equal(maskPhoneNumber('15201030105'), '152****0105');
    assert.equal(maskPhoneNumber('+8613800138000'), '861****8000');
  });

  it('keeps less of short numbers', () => {
    assert.equal(maskPhoneNumber('3391657'), '33****57');
    assert.equal(maskPhoneNumber('95555'), '*****');
  });
});

describe('maskDigitsInText', () => {
  it('masks digits read out however ASR writes them, and leaves a short choice readable', () => {
    assert.equal(maskDigitsInText('我的卡号是6222020200112233，选2'), '我的卡号是****************，选2');
    assert.equal(maskDigitsInText('密码一二三 四五六'), '密码*** ***');
    assert.equal(maskDigitsInText('１３８００'), '*****');
    assert.equal(maskDigitsInText('尾号6218'), '尾号****');
    assert.equal(maskDigitsInText('按1，转人工'), '按1，转人工');
  });
});

describe('createLogger', () => {
  it('writes one JSON line per entry at or above the level, and warns once per key', () => {
    const lines: string[] = [];
    const log = createLogger((line) => lines.push(line), 'info', { fn: 'inbound' });
    log.debug('hidden');
    log.info('shown', { a: 1 });
    log.warnOnce('k', 'once');
    log.warnOnce('k', 'once');
    assert.equal(lines.length, 2);
    const first = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    assert.equal(first.level, 'info');
    assert.equal(first.fn, 'inbound');
    assert.equal(first.a, 1);
  });
});

describe('every log line', () => {
  const capture = () => {
    const lines: string[] = [];
    return { lines, log: createLogger((line) => lines.push(line), 'debug', { fn: 'test' }) };
  };

  it('masks phone numbers in any field, nested, as text or as numbers, and in the message', () => {
    const { lines, log } = capture();
    log.info('transfer to 05925550101 for 13800138000', {
      receipt: {
        out_id: 'order-13912345678',
        extend: ['+86 139 1234 5678'],
        status_msg: '0592-3391657 busy',
      },
      caller: 15201030105,
      trace: ['transfer to 4000000000', 'transfer to 400-820-1234'],
    });
    const line = lines[0] ?? '';
    for (const leaked of [
      '05925550101',
      '13800138000',
      '13912345678',
      '1234 5678',
      '3391657',
      '15201030105',
    ]) {
      assert.doesNotMatch(line, new RegExp(leaked), leaked);
    }
    assert.match(line, /"msg":"transfer to 059\*\*\*\*0101 for 138\*\*\*\*8000"/);
    assert.match(line, /"caller":"152\*\*\*\*0105"/);
  });

  it('leaves call ids, times, versions and other long digit runs alone', () => {
    const { lines, log } = capture();
    log.info('callback', {
      callId: '130301340124^117079730123',
      timestamp: 1700000000000,
      version: '2026-11-23.1',
      ms: 12,
    });
    const fields = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    assert.equal(fields.callId, '130301340124^117079730123');
    assert.equal(fields.timestamp, 1700000000000);
    assert.equal(fields.version, '2026-11-23.1');
  });

  it('logs each kind of error’s stack trace once, then only its name and message', () => {
    const { log } = capture();
    const first = log.describeError(new TypeError('rules are broken'));
    const again = log.describeError(new TypeError('rules are broken'));
    const other = log.describeError(new RangeError('another kind'));
    assert.match(String((first.error as { stack?: string }).stack), /TypeError: rules are broken/);
    assert.deepEqual(again.error, { name: 'TypeError', message: 'rules are broken', stackLogged: true });
    assert.ok((other.error as { stack?: string }).stack !== undefined);
  });
});

describe('maskDigitsInText, in every script a number may be written', () => {
  it('masks decimal digits of any script, number signs, financial numerals, across any punctuation', () => {
    const cases: readonly (readonly [string, string])[] = [
      ['壹贰叁肆伍陆', '******'],
      ['٦٢٢٢٨٤', '******'],
      ['①②③④', '****'],
      ['𝟔𝟐𝟐𝟐', '****'],
      ['卡号62/22/84', '卡号**/**/**'],
      ['62。22。84', '**。**。**'],
      ['按1', '按1'],
      ['十一点', '十一点'],
    ];
    for (const [text, masked] of cases) assert.equal(maskDigitsInText(text), masked, text);
  });
});
