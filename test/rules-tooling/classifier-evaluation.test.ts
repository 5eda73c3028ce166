import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { costOf, createBudgetGuard } from '../../shared/classify/budget-guard';
import type { ClassifyRecord } from '../../shared/flow/call-context';
import {
  compareWithClassifier,
  evaluationGuard,
  nearestRank,
} from '../../shared/rules-tooling/classifier-evaluation';
import {
  type LabelledUtterance,
  type Pick,
  scoreUtterances,
  type UtteranceFile,
} from '../../shared/rules-tooling/evaluate-intents';
import { formatMoney, formatPercent, printComparison } from '../../shared/rules-tooling/intents-report';

const PRICES = { inputPer1k: 0.0002, outputPer1k: 0.002 };

/** Six utterances at one menu; the second menu never asks. */
const FILE: UtteranceFile = {
  flow: 'main',
  node: 'menu',
  utterances: [
    { say: '挂失', intent: 'lostCard', kind: 'plain' },
    { say: '卡被刷了', intent: 'lostCard', kind: 'paraphrase' },
    { say: '我不要人工', intent: 'none', kind: 'negation' },
    { say: '鱼额', intent: 'balance', kind: 'homophone' },
    { say: '天气', intent: 'none', kind: 'out-of-scope' },
    { say: '再见', intent: 'bye', node: 'more' },
  ],
};

const asked = (record: Omit<ClassifyRecord, 'asked'>): ClassifyRecord => ({ asked: 'nomatch', ...record });

/** What keywords alone picked, and what keywords and the model picked, by words. */
const KEYWORDS: Readonly<Record<string, Pick>> = {
  挂失: { got: 'lostCard', why: 'keyword 挂失', excluded: [] },
  卡被刷了: { got: 'none', excluded: [] },
  我不要人工: { got: 'none', excluded: [] },
  鱼额: { got: 'none', excluded: [] },
  天气: { got: 'none', excluded: [] },
  再见: { got: 'bye', why: 'keyword 再见', excluded: [] },
};
const WITH_MODEL: Readonly<Record<string, Pick>> = {
  ...KEYWORDS,
  卡被刷了: {
    got: 'lostCard',
    why: 'classifier 0.90',
    excluded: [],
    classified: asked({
      choice: 'lostCard',
      confidence: 0.9,
      taken: true,
      ms: 300,
      promptTokens: 900,
      completionTokens: 10,
    }),
  },
  我不要人工: {
    got: 'agent',
    why: 'classifier 0.80',
    excluded: [],
    classified: asked({
      choice: 'agent',
      confidence: 0.8,
      taken: true,
      ms: 500,
      promptTokens: 1000,
      completionTokens: 20,
    }),
  },
  鱼额: {
    got: 'none',
    excluded: [],
    classified: asked({ why: 'timeout', taken: false, ms: 700 }),
  },
  天气: {
    got: 'none',
    excluded: [],
    classified: asked({ choice: 'none', confidence: 0.9, why: 'none', taken: false, ms: 100 }),
  },
};

const pickFrom = (table: Readonly<Record<string, Pick>>) => (say: string) => table[say] as Pick;

describe('compareWithClassifier', () => {
  const keywords = scoreUtterances(FILE, pickFrom(KEYWORDS));
  const withModel = scoreUtterances(FILE, pickFrom(WITH_MODEL));
  const compared = compareWithClassifier(keywords, withModel, PRICES);

  it('lists what the model fixed and broke, each against what keywords alone picked', () => {
    assert.deepEqual(compared.fixed, [
      {
        index: 1,
        flow: 'main',
        node: 'menu',
        say: '卡被刷了',
        intent: 'lostCard',
        kind: 'paraphrase',
        keywords: 'none',
        withClassifier: 'lostCard',
        why: 'classifier 0.90',
      },
    ]);
    assert.deepEqual(
      compared.broken.map(({ say, keywords: before, withClassifier }) => [say, before, withClassifier]),
      [['我不要人工', 'none', 'agent']],
    );
    assert.deepEqual(compared.changed, []);
  });

  it('counts the classifications by what became of them, and their latency by nearest rank', () => {
    assert.deepEqual(compared.classifications, {
      asked: 4,
      nomatch: 4,
      doubtful: 0,
      doubtfulWrong: 0,
      taken: 2,
      none: 1,
      belowThreshold: 0,
      failed: { timeout: 1 },
      failures: 1,
    });
    assert.deepEqual(compared.latency, { count: 4, p50Ms: 300, p95Ms: 700 });
    assert.equal(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5), 5);
    assert.equal(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95), 10);
  });

  it('costs the answers at the prices: in all, per classification, and per 1,000 calls of one utterance each', () => {
    const total =
      costOf({ promptTokens: 900, completionTokens: 10 }, PRICES) +
      costOf({ promptTokens: 1000, completionTokens: 20 }, PRICES);
    const { cost } = compared;
    // 天气's answer said no usage: it counts as costing nothing, and is said to.
    assert.deepEqual(
      [cost.withUsage, cost.withoutUsage, cost.promptTokens, cost.completionTokens],
      [2, 1, 1900, 30],
    );
    assert.equal(cost.total, total);
    assert.equal(cost.perClassification, total / 2);
    assert.equal(cost.per1000Calls, (total / FILE.utterances.length) * 1000);
  });

  it('tabulates expected against got, summing to every utterance', () => {
    const { labels, counts } = compared.confusion;
    assert.deepEqual(labels, ['lostCard', 'none', 'balance', 'bye', 'agent']);
    const cell = (expected: string, got: string) => counts[labels.indexOf(expected)]?.[labels.indexOf(got)];
    assert.deepEqual(
      [cell('lostCard', 'lostCard'), cell('none', 'agent'), cell('none', 'none'), cell('balance', 'none')],
      [2, 1, 1, 1],
    );
    assert.equal(
      counts.flat().reduce((sum, count) => sum + count, 0),
      FILE.utterances.length,
    );
  });

  it('refuses two evaluations of different utterances', () => {
    const other = scoreUtterances(
      { ...FILE, utterances: FILE.utterances.slice(0, -1) as LabelledUtterance[] },
      pickFrom(KEYWORDS),
    );
    assert.throws(() => compareWithClassifier(keywords, other, PRICES), RangeError);
    assert.throws(() => compareWithClassifier(other, keywords, PRICES), RangeError);
  });

  it('prints both ways, the changes, the confusion and the classifications', () => {
    const text = printComparison(compared, {
      endpoint: 'https://llm.example.com/v1',
      model: 'qwen-flash',
      waitMs: 700,
      threshold: 0.7,
      doubtful: false,
      concurrency: 4,
    });
    assert.match(text, /^all +6 +4 +66\.7 % +4 +66\.7 % +0 +4$/m);
    assert.match(text, /^menu main\.more +1 +1 +100 % +1 +100 % +0 +0$/m);
    assert.match(text, /^kind paraphrase +1 +0 +0 % +1 +100 % +\+1 +1$/m);
    assert.match(text, /^kind negation +1 +1 +100 % +0 +0 % +-1 +1$/m);
    assert.match(
      text,
      /^ {2}main\.menu: 卡被刷了: expected lostCard, keywords none → lostCard \(classifier 0\.90\)$/m,
    );
    assert.match(text, /^total +2 +2 +0 +1 +1 +6$/m);
    assert.match(text, /4 asked .*: 2 taken, 1 answered none, 0 under the threshold, 1 failed \(timeout 1\)/);
    assert.match(text, /p50 300 ms, p95 700 ms/);
    assert.match(text, /1,900 prompt \+ 30 completion in 2 answers \(950 \+ 15 an answer\)/);
    assert.match(
      text,
      new RegExp(`${formatMoney(compared.cost.per1000Calls).replace('.', '\\.')} per 1,000 calls`),
    );
  });
});

describe('printComparison, when nothing was asked', () => {
  it('says so, with no latency and no tokens', () => {
    const keywords = scoreUtterances(FILE, pickFrom(KEYWORDS));
    const text = printComparison(compareWithClassifier(keywords, keywords, PRICES), {
      endpoint: 'https://llm.example.com/v1',
      model: 'qwen-flash',
      waitMs: 700,
      threshold: 0.7,
      doubtful: true,
      concurrency: 1,
    });
    assert.match(text, /doubtful matches asked about\)\nno budget guard: .*, 1 at a time\n/);
    assert.match(text, /^classifications: 0 asked /m);
    assert.match(text, /^latency: nothing was asked$/m);
    assert.match(text, /^tokens: 0 prompt \+ 0 completion in 0 answers$/m);
    assert.match(text, /: 0 in all, 0 per 1,000 classifications, 0 per 1,000 calls$/m);
  });
});

describe('evaluationGuard', () => {
  it('never trips, however slow, failing or costly the classifications', () => {
    let now = 0;
    const guard = createBudgetGuard(evaluationGuard(PRICES), () => now);
    for (let call = 0; call < 2_000; call++) {
      now += 10;
      assert.deepEqual(guard.admit(), { ok: true, probe: false });
      const change = guard.record({
        ok: false,
        ms: 60_000,
        usage: { promptTokens: 1_000_000, completionTokens: 1_000_000 },
      });
      assert.equal(change, undefined);
    }
  });
});

describe('formatting', () => {
  it('writes money to three significant digits, never in exponent form, and shares to a tenth of a percent', () => {
    assert.deepEqual([0, 0.0402, 0.000000123, 12.345, 1234.5, 0.1].map(formatMoney), [
      '0',
      '0.0402',
      '0.000000123',
      '12.3',
      '1235',
      '0.1',
    ]);
    assert.deepEqual([0.75, 114 / 232, 1].map(formatPercent), ['75 %', '49.1 %', '100 %']);
  });
});
