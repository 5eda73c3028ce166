import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoggedClassified, TurnOutcome } from '../../dev/simulator/call';
import { compareTurn, describeClassified, meetsClassified } from '../../dev/simulator/expect';

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

describe('compareTurn: classified', () => {
  const TAKEN: LoggedClassified = {
    asked: 'nomatch',
    choice: 'lostCard',
    confidence: 0.92,
    taken: true,
    ms: 640,
  };
  const LOW: LoggedClassified = {
    asked: 'nomatch',
    choice: 'lostCard',
    confidence: 0.55,
    why: 'below-threshold',
    taken: false,
    ms: 600,
  };
  const NONE: LoggedClassified = {
    asked: 'nomatch',
    choice: 'none',
    confidence: 0.9,
    why: 'none',
    taken: false,
    ms: 0,
  };
  const TIMEOUT: LoggedClassified = { asked: 'nomatch', why: 'timeout', taken: false, ms: 700 };
  const REFUSED: LoggedClassified = {
    asked: 'doubtful',
    choice: 'agent',
    confidence: 0.99,
    why: 'off-list',
    taken: false,
    ms: 9,
  };
  const logged = (classified: LoggedClassified | undefined): TurnOutcome => ({
    ...GREETING_ONLY,
    log: { trace: [], outcomes: [], lookups: [], classified, raw: {} },
  });

  it('names each classification as the log line says it', () => {
    assert.deepEqual([TAKEN, LOW, NONE, TIMEOUT, REFUSED, undefined].map(describeClassified), [
      'lostCard 0.92, taken',
      'lostCard 0.55, not taken: below-threshold',
      'none 0.90',
      'failed timeout',
      'agent 0.99, not taken: off-list',
      'not asked',
    ]);
  });

  it('holds each form against what it says, and only that', () => {
    const table: readonly (readonly [string, readonly (LoggedClassified | undefined)[]])[] = [
      ['lostCard', [TAKEN]],
      ['none', [NONE]],
      ['not taken', [LOW, NONE, REFUSED]],
      ['not taken: below-threshold', [LOW]],
      ['not taken: off-list', [REFUSED]],
      ['failed', [TIMEOUT, REFUSED]],
      ['failed timeout', [TIMEOUT]],
      ['failed off-list', [REFUSED]],
      ['not asked', [undefined]],
      ['agent', []],
    ];
    for (const [expected, holds] of table)
      for (const record of [TAKEN, LOW, NONE, TIMEOUT, REFUSED, undefined])
        assert.equal(
          meetsClassified(expected, record),
          holds.includes(record),
          `${expected} of ${describeClassified(record)}`,
        );
  });

  it('shows what came of it against what was expected, and what it cannot see', () => {
    assert.deepEqual(compareTurn({ classified: 'lostCard' }, logged(TAKEN)), []);
    assert.deepEqual(compareTurn({ classified: 'lostCard' }, logged(TIMEOUT)), [
      { field: 'classified', expected: 'lostCard', actual: 'failed timeout' },
    ]);
    assert.deepEqual(compareTurn({ classified: 'not asked' }, GREETING_ONLY), [
      { field: 'classified', expected: 'not asked', actual: '(no log line seen)' },
    ]);
  });
});

describe('compareTurn: tag', () => {
  const atNode = (tag: string | undefined): TurnOutcome => ({
    ...GREETING_ONLY,
    log: { node: 'confirmed', tag, trace: [], outcomes: [], lookups: [], raw: {} },
  });

  it("holds when the log line's tag is the one expected", () => {
    assert.deepEqual(compareTurn({ tag: 'confirmed' }, atNode('confirmed')), []);
  });

  it('names the tag the log line has, or none', () => {
    assert.deepEqual(compareTurn({ tag: 'confirmed' }, atNode('cancelled')), [
      { field: 'tag', expected: 'confirmed', actual: 'cancelled' },
    ]);
    assert.deepEqual(compareTurn({ tag: 'confirmed' }, atNode(undefined)), [
      { field: 'tag', expected: 'confirmed', actual: '(none)' },
    ]);
  });
});
