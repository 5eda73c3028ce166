import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeWrongPick,
  MAX_UTTERANCES,
  pickByEngine,
  readUtteranceFile,
  scoreUtterances,
  type UtteranceFile,
} from '../../shared/rules-tooling/evaluate-intents';
import { compileOrThrow } from '../support/engine-call';

const NOW = Date.parse('2026-03-10T10:00:00+08:00');

const RULES = compileOrThrow({
  version: 'v1',
  defaultLine: { flow: 'main' },
  flows: {
    main: {
      start: 'menu',
      nodes: {
        menu: {
          type: 'menu',
          say: '请讲',
          keys: { '1': 'lost', '3': 'news' },
          intents: [
            { name: 'lostCard', keywords: ['挂失'], excludes: ['不是挂失'], goto: 'lost' },
            { name: 'balance', keywords: ['余额'], goto: 'balance' },
            { patterns: ['^转.*人工$'], goto: 'agent' },
          ],
        },
        lost: { type: 'hangup', say: '挂失' },
        news: { type: 'hangup', say: '新闻' },
        balance: { type: 'hangup', say: '余额' },
        agent: { type: 'transfer', to: '95555' },
        hello: { type: 'say', say: '你好', next: 'menu' },
      },
    },
  },
});

function engine(flow = 'main', node = 'menu') {
  const picker = pickByEngine(RULES, flow, node, NOW);
  assert.ok(picker.ok, picker.ok ? '' : picker.message);
  return picker.pick;
}

describe('the utterance file', () => {
  const valid = { flow: 'main', node: 'menu', utterances: [{ say: '查余额', intent: 'balance' }] };

  it('reads a file with utterances, each labelled', () => {
    const read = readUtteranceFile({ $schema: '../utterances.schema.json', ...valid });
    assert.ok(read.ok);
    assert.deepEqual(read.file.utterances, [{ say: '查余额', intent: 'balance' }]);
  });

  it('refuses unknown keys, missing fields, empty or overlong words and too many utterances, by path', () => {
    const problems = (document: unknown) => {
      const read = readUtteranceFile(document);
      assert.ok(!read.ok, 'refused');
      return read.issues.map((issue) => issue.path);
    };
    assert.deepEqual(problems({ ...valid, rules: 'x.yaml' }), ['rules']);
    assert.deepEqual(problems({ flow: 'main', utterances: valid.utterances }), ['node']);
    assert.deepEqual(problems({ ...valid, utterances: [{ say: '  ', intent: 'x' }] }), ['utterances.0.say']);
    assert.deepEqual(problems({ ...valid, utterances: [{ say: '好'.repeat(201), intent: 'x' }] }), [
      'utterances.0.say',
    ]);
    assert.deepEqual(problems({ ...valid, utterances: [{ say: '好', intent: '不是名字' }] }), [
      'utterances.0.intent',
    ]);
    assert.deepEqual(problems({ ...valid, utterances: [] }), ['utterances']);
    const many = Array.from({ length: MAX_UTTERANCES + 1 }, () => ({ say: '好', intent: 'none' }));
    assert.deepEqual(problems({ ...valid, utterances: many }), ['utterances']);
    assert.deepEqual(problems('查余额'), ['(document)']);
  });
});

describe('pickByEngine', () => {
  it('picks what the engine matches, and says why', () => {
    const pick = engine();
    assert.deepEqual(pick('我要挂失。'), { got: 'lostCard', why: 'keyword 挂失', excluded: [] });
    assert.deepEqual(pick('转接人工'), { got: '2', why: 'pattern /^转.*人工$/', excluded: [] });
    assert.deepEqual(pick('你好'), { got: 'none', excluded: [] });
  });

  it('names the intents an exclude voided on the way', () => {
    const pick = engine();
    assert.deepEqual(pick('不是挂失，查余额'), {
      got: 'balance',
      why: 'keyword 余额',
      excluded: [{ intent: 'lostCard', exclude: '不是挂失' }],
    });
    assert.deepEqual(pick('不是挂失'), {
      got: 'none',
      excluded: [{ intent: 'lostCard', exclude: '不是挂失' }],
    });
  });

  it('reads a spoken key as the intent going where the key goes, else as the key', () => {
    const pick = engine();
    assert.deepEqual(pick('按幺'), { got: 'lostCard', why: 'spoken key 1', excluded: [] });
    assert.deepEqual(pick('3号'), { got: 'spoken key 3', excluded: [] });
  });

  it('refuses a flow or node that is not a menu with intents', () => {
    const message = (flow: string, node: string) => {
      const picker = pickByEngine(RULES, flow, node, NOW);
      assert.ok(!picker.ok);
      return picker.message;
    };
    assert.equal(message('other', 'menu'), 'no flow is named other; the flows are main');
    assert.equal(message('main', 'menu2'), 'flow main has no node menu2');
    assert.match(message('main', 'hello'), /^main\.hello is a say node: only a menu's intents are scored$/);
  });
});

describe('scoreUtterances', () => {
  const file: UtteranceFile = {
    flow: 'main',
    node: 'menu',
    utterances: [
      { say: '不是挂失，查余额', intent: 'balance' },
      { say: '挂失', intent: 'lostCard' },
      { say: '不是挂失', intent: 'lostCard' },
      { say: '转人工', intent: 'none' },
    ],
  };

  it('counts the right picks, keeps the file order, and words each wrong one', () => {
    const scored = scoreUtterances(file, engine());
    assert.deepEqual([scored.total, scored.correct, scored.accuracy], [4, 2, 0.5]);
    assert.deepEqual(
      scored.verdicts.map((verdict) => verdict.ok),
      [true, true, false, false],
    );
    assert.deepEqual(scored.verdicts.filter((verdict) => !verdict.ok).map(describeWrongPick), [
      '不是挂失: expected lostCard, got none; lostCard excluded by 不是挂失',
      '转人工: expected none, got 2 (pattern /^转.*人工$/)',
    ]);
  });

  it('scores any picker the same way', () => {
    const scored = scoreUtterances(file, () => ({ got: 'lostCard', excluded: [] }));
    assert.deepEqual([scored.correct, scored.verdicts[0]?.got], [2, 'lostCard']);
  });
});
