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
