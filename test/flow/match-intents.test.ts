import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findDoubt } from '../../shared/flow/match-intents';
import type { IntentMatcher } from '../../shared/rules/compile-rules';

const matcher = (...keywords: string[]): IntentMatcher => ({ keywords, patterns: [], excludes: [] });
/** lostCard, balance, agent. */
const MATCHERS = [matcher('挂失', '丢了'), matcher('余额'), matcher('人工')];

/** Why `words` matching `keyword` of intent `index` is doubtful, or undefined. */
function doubt(words: string, index: number, keyword: string, voided: number[] = []): string | undefined {
  return findDoubt(MATCHERS, words, { index, why: `keyword ${keyword}`, keyword }, voided);
}

describe('findDoubt', () => {
  it('doubts a keyword said in the negative, right before it or one character before', () => {
    assert.equal(doubt('不是挂失吗', 0, '挂失'), '不是 before 挂失');
    assert.equal(doubt('我不要人工', 2, '人工'), '不要 before 人工');
    assert.equal(doubt('不是要挂失', 0, '挂失'), '不是 before 挂失');
    assert.equal(doubt('卡没丢了', 0, '丢了'), '没 before 丢了');
  });

  it('does not doubt a question asked as A-not-A, nor a plain match', () => {
    assert.equal(doubt('能不能挂失', 0, '挂失'), undefined);
    assert.equal(doubt('是不是丢了', 0, '丢了'), undefined);
    assert.equal(doubt('要不要转人工', 2, '人工'), undefined);
    assert.equal(doubt('我要挂失', 0, '挂失'), undefined);
  });

  it("doubts a match beside another intent's keyword, unless an exclude voided that intent", () => {
    assert.equal(doubt('卡丢了查余额', 0, '丢了'), '余额 too');
    assert.equal(doubt('卡丢了查余额', 0, '丢了', [1]), undefined);
  });

  it("never doubts a pattern's match", () => {
    assert.equal(findDoubt(MATCHERS, '不是挂失', { index: 0, why: 'pattern /挂失/' }), undefined);
  });
});
