import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TurnOutcome } from '../../dev/simulator/call';
import { compareTurn } from '../../dev/simulator/expect';

const GREETING_ONLY: TurnOutcome = {
  event: 'callin',
  status: 200,
  action: 'answer',
  texts: ['上午好，人工服务时间为工作日上午9点至下午6点。'],
  audio: [],
  stateChars: 120,
};

describe('compareTurn: hears and notHears', () => {
  it('holds when every wanted text is heard and no unwanted one is', () => {
    assert.deepEqual(compareTurn({ hears: '人工服务时间', notHears: ['请按1', '挂失'] }, GREETING_ONLY), []);
  });

  it('names each unwanted text the caller heard', () => {
    assert.deepEqual(compareTurn({ notHears: ['请按1', '上午好', '工作日'] }, GREETING_ONLY), [
      { field: 'notHears', expected: 'not 上午好 … 工作日', actual: GREETING_ONLY.texts[0] },
    ]);
  });

  it('names each wanted text the caller did not hear', () => {
    assert.deepEqual(compareTurn({ hears: ['上午好', '请按1'] }, GREETING_ONLY), [
      { field: 'hears', expected: '请按1', actual: GREETING_ONLY.texts[0] },
    ]);
  });
});
