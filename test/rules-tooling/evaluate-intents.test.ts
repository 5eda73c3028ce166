import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RulesInput } from '../../shared/rules/rules-schema';
import {
  describeWrongPick,
  type EngineTurn,
  enginesForFile,
  MAX_UTTERANCES,
  NO_KIND,
  pickByEngine,
  placeUtterances,
  readUtteranceFile,
  scoreUtterances,
  UTTERANCE_KINDS,
  type UtteranceFile,
} from '../../shared/rules-tooling/evaluate-intents';
import { classifiedAs, compileOrThrow } from '../support/engine-call';

const NOW = Date.parse('2026-03-10T10:00:00+08:00');

const DOCUMENT = {
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
} satisfies RulesInput;

const RULES = compileOrThrow(DOCUMENT);

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

  it('reads a kind and a menu of its own on each utterance; a kind is a short name in lower case', () => {
    const read = readUtteranceFile({
      ...valid,
      utterances: [
        { say: '查余额', intent: 'balance', kind: 'plain' },
        { say: '鱼额', intent: 'balance', kind: 'out-of-scope', flow: 'other', node: 'menu2' },
        { say: '余额', intent: 'balance', kind: 'dialect2' },
      ],
    });
    assert.ok(read.ok, read.ok ? '' : JSON.stringify(read.issues));
    assert.deepEqual(
      placeUtterances(read.file).map(({ flow, node, kind }) => [flow, node, kind]),
      [
        ['main', 'menu', 'plain'],
        ['other', 'menu2', 'out-of-scope'],
        ['main', 'menu', 'dialect2'],
      ],
    );
    for (const kind of UTTERANCE_KINDS) {
      assert.ok(readUtteranceFile({ ...valid, utterances: [{ say: '好', intent: 'none', kind }] }).ok, kind);
    }
    for (const kind of ['Plain', 'out of scope', '-x', 'x-', 'a--b', 'k'.repeat(33), '']) {
      const refused = readUtteranceFile({ ...valid, utterances: [{ say: '好', intent: 'none', kind }] });
      assert.ok(!refused.ok, kind);
      assert.deepEqual(
        refused.issues.map((issue) => issue.path),
        ['utterances.0.kind'],
      );
    }
    const own = readUtteranceFile({ ...valid, utterances: [{ say: '好', intent: 'none', node: '不是' }] });
    assert.ok(!own.ok);
    assert.deepEqual(
      own.issues.map((issue) => issue.path),
      ['utterances.0.node'],
    );
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

  it('scores by menu and by kind, each in the order the file first names it', () => {
    const mixed: UtteranceFile = {
      flow: 'main',
      node: 'menu',
      utterances: [
        { say: '挂失', intent: 'lostCard', kind: 'plain' },
        { say: '你好', intent: 'none', kind: 'plain', node: 'other' },
        { say: '余额', intent: 'lostCard', kind: 'negation' },
        { say: '挂失', intent: 'lostCard' },
      ],
    };
    const scored = scoreUtterances(mixed, (say, utterance) => ({
      got: utterance.node === 'other' ? 'none' : say === '挂失' ? 'lostCard' : 'balance',
      excluded: [],
    }));
    assert.deepEqual([scored.total, scored.correct], [4, 3]);
    assert.deepEqual(
      scored.byNode.map(({ flow, node, total, correct }) => [flow, node, total, correct]),
      [
        ['main', 'menu', 3, 2],
        ['main', 'other', 1, 1],
      ],
    );
    assert.deepEqual(
      scored.byKind.map(({ kind, total, correct, accuracy }) => [kind, total, correct, accuracy]),
      [
        ['plain', 2, 2, 1],
        ['negation', 1, 0, 0],
        [NO_KIND, 1, 1, 1],
      ],
    );
    assert.deepEqual(scoreUtterances(file, engine()).byKind, [], 'no kind named, no figures by kind');
  });
});

describe('enginesForFile', () => {
  it('checks every menu the utterances name before any is scored, naming the first that cannot be', () => {
    const at = (utterances: UtteranceFile['utterances']) =>
      enginesForFile(RULES, { flow: 'main', node: 'menu', utterances }, NOW);
    const fine = at([{ say: '挂失', intent: 'lostCard' }]);
    assert.ok(fine.ok);
    assert.deepEqual(fine.at({ say: '挂失', intent: 'lostCard', flow: 'main', node: 'menu' }).pick('挂失'), {
      got: 'lostCard',
      why: 'keyword 挂失',
      excluded: [],
    });
    assert.deepEqual(
      at([
        { say: '挂失', intent: 'lostCard' },
        { say: '你好', intent: 'none', node: 'hello' },
      ]),
      {
        ok: false,
        message: "main.hello is a say node: only a menu's intents are scored",
        path: 'utterances.1.node',
      },
    );
    assert.deepEqual(at([{ say: '你好', intent: 'none', flow: 'other', node: 'menu' }]), {
      ok: false,
      message: 'no flow is named other; the flows are main',
      path: 'utterances.0.flow',
    });
    assert.deepEqual(enginesForFile(RULES, { flow: 'main', node: 'lost', utterances: [] }, NOW), {
      ok: false,
      message: "main.lost is a hangup node: only a menu's intents are scored",
    });
  });
});

/** The menu above, with a classifier asked at it (doubtful matches too), and a quiet menu that does not ask. */
const ASKING = compileOrThrow({
  ...DOCUMENT,
  classifier: {
    endpoint: 'https://llm.example.com/v1',
    model: 'qwen-flash',
    apiKeyEnv: 'LLM_API_KEY',
    doubtful: true,
  },
  handlers: [{ name: 'agent', keywords: ['人工'], description: '转人工', flow: 'main', goto: 'agent' }],
  flows: {
    main: {
      ...DOCUMENT.flows.main,
      nodes: {
        ...DOCUMENT.flows.main.nodes,
        quiet: {
          type: 'menu',
          say: '还有吗',
          classifier: false,
          intents: [{ name: 'bye', keywords: ['再见'], goto: 'lost' }],
        },
      },
    },
  },
});

const classified = classifiedAs;

function asks(turn: EngineTurn): Extract<EngineTurn, { kind: 'asks' }> {
  assert.equal(turn.kind, 'asks');
  return turn as Extract<EngineTurn, { kind: 'asks' }>;
}

describe('pickByEngine: keywords alone, or as a call would be', () => {
  const menu = pickByEngine(ASKING, 'main', 'menu', NOW);
  assert.ok(menu.ok);

  it('keywords alone never asks: what nothing matched is none, a doubtful match stands', () => {
    assert.deepEqual(menu.pick('卡被人刷了'), { got: 'none', excluded: [] });
    assert.deepEqual(menu.pick('我不要挂失'), { got: 'lostCard', why: 'keyword 挂失', excluded: [] });
  });

  it('asks the classifier about what nothing matched, and takes its verdict as the call would', () => {
    const turn = asks(menu.decide('卡被人刷了'));
    assert.equal(turn.need.type, 'classify');
    assert.deepEqual(turn.need.asked, { kind: 'nomatch' });
    assert.deepEqual(
      turn.need.request.choices.map((choice) => choice.id),
      ['lostCard', 'balance', '2', 'agent'],
    );
    assert.deepEqual(turn.resume(classified('lostCard', 0.9)), {
      got: 'lostCard',
      why: 'classifier 0.90',
      excluded: [],
      classified: {
        asked: 'nomatch',
        ms: 420,
        choice: 'lostCard',
        confidence: 0.9,
        promptTokens: 300,
        completionTokens: 12,
        taken: true,
      },
    });
    assert.equal(turn.resume(classified('agent', 0.95)).got, 'agent');
    const low = turn.resume(classified('balance', 0.5));
    assert.deepEqual(
      [low.got, low.classified?.why, low.classified?.taken],
      ['none', 'below-threshold', false],
    );
    const failed = turn.resume({ type: 'classify', kind: 'failed', why: 'timeout', ms: 700 });
    assert.deepEqual(failed, {
      got: 'none',
      excluded: [],
      classified: { asked: 'nomatch', ms: 700, why: 'timeout', taken: false },
    });
  });

  it('asks about a doubtful match as the document says, or as told; a failure leaves the keyword', () => {
    const turn = asks(menu.decide('我不要挂失'));
    assert.deepEqual(turn.need.asked, { kind: 'doubtful', intent: 0, why: 'keyword 挂失' });
    assert.equal(turn.resume(classified('balance', 0.9)).got, 'balance');
    const failed = turn.resume({ type: 'classify', kind: 'failed', why: 'status', ms: 20, status: 503 });
    assert.deepEqual([failed.got, failed.why], ['lostCard', 'keyword 挂失']);
    const told = pickByEngine(ASKING, 'main', 'menu', NOW, { doubtful: false });
    assert.ok(told.ok);
    assert.deepEqual(told.decide('我不要挂失'), {
      kind: 'picked',
      pick: { got: 'lostCard', why: 'keyword 挂失', excluded: [] },
    });
    assert.equal(told.decide('卡被人刷了').kind, 'asks');
  });

  it('picks at once what a key or keyword takes, and at a menu that does not ask', () => {
    assert.deepEqual(menu.decide('查余额'), {
      kind: 'picked',
      pick: { got: 'balance', why: 'keyword 余额', excluded: [] },
    });
    assert.deepEqual(menu.decide('按1'), {
      kind: 'picked',
      pick: { got: 'lostCard', why: 'spoken key 1', excluded: [] },
    });
    const quiet = pickByEngine(ASKING, 'main', 'quiet', NOW);
    assert.ok(quiet.ok);
    assert.deepEqual(quiet.decide('卡被人刷了'), { kind: 'picked', pick: { got: 'none', excluded: [] } });
  });
});
