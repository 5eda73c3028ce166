/**
 * shared/campaign/do-not-call.ts: numbers and prefixes never called, written as lists write numbers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOnDoNotCallList, NO_DO_NOT_CALL, parseDoNotCall } from '../../shared/campaign/do-not-call';

describe('a do-not-call list', () => {
  const { list, problems } = parseDoNotCall(
    [
      '\uFEFF# patients who asked not to be called',
      '+86 138-0013-8000',
      '0592 339 1657   # the clinic itself',
      '',
      '170*',
      '0086 199*',
      '+86 10 8888 9999',
      '+86 10*',
      '86 13900139000',
      '86135*',
    ].join('\n'),
  );

  it('reads numbers and prefixes, normalised, with comments', () => {
    assert.deepEqual(problems, []);
    assert.deepEqual([...list.numbers], ['13800138000', '05923391657', '01088889999', '13900139000']);
    assert.deepEqual([...list.prefixes], ['170', '199', '010', '135']);
  });

  it('matches a number itself or by a prefix, nothing else', () => {
    assert.equal(isOnDoNotCallList(list, '13800138000'), true);
    assert.equal(isOnDoNotCallList(list, '05923391657'), true);
    assert.equal(isOnDoNotCallList(list, '17012345678'), true);
    assert.equal(isOnDoNotCallList(list, '19912345678'), true);
    assert.equal(isOnDoNotCallList(list, '01088889999'), true);
    assert.equal(isOnDoNotCallList(list, '01012345678'), true);
    assert.equal(isOnDoNotCallList(list, '13800138001'), false);
    assert.equal(isOnDoNotCallList(list, '17'), false);
    assert.equal(isOnDoNotCallList(NO_DO_NOT_CALL, '13800138000'), false);
  });

  it('names the lines it cannot read, never what they hold', () => {
    const wrong = parseDoNotCall('13800138000\n138 0013 80OO\n1*\n*\n1380013800\n');
    assert.deepEqual(wrong.problems, [
      'line 2: not a number, nor a prefix such as 0592*',
      'line 3: a prefix has at least 3 digits',
      'line 4: not a number, nor a prefix such as 0592*',
      // A digit short: it would never match the number meant, and that person would be called.
      'line 5: not a number SmartCall can call (a mobile of 11 digits, or a landline with its area code)',
    ]);
  });
});
