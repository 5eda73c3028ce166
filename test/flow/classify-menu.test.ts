import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClassifyAnswer } from '../../shared/classify/classify-types';
import type { ClassifyNeed } from '../../shared/flow/decision';
import type { RulesInput } from '../../shared/rules/rules-schema';
import { decodeState } from '../../shared/state/state-token';
import { CALL_ID, Call, classifiedAs, compileOrThrow, spoken } from '../support/engine-call';

const KEYS: [string] = ['test-state-key-0123456789'];
const NOW = Date.UTC(2026, 10, 23, 2, 0, 0);

/** A hotline whose main menu asks the classifier; a PIN entry, a quiet menu and a private line do not. */
const HOTLINE = {
  version: 'classify-test',
  lines: [{ name: 'private', callers: ['13900001111'], flow: 'main', classifier: false }],
  defaultLine: { flow: 'main' },
  classifier: {
    endpoint: 'https://llm.example.com/compatible-mode/v1',
    model: 'qwen-flash',
    apiKeyEnv: 'LLM_API_KEY',
    threshold: 0.7,
    doubtful: true,
    guard: { latencyP95Ms: 1200 },
    prices: { inputPer1k: 0.00015, outputPer1k: 0.0015 },
  },
  handlers: [
    { name: 'agent', keywords: ['人工'], description: '转人工', flow: 'main', goto: 'agent' },
    { name: 'repeat', keywords: ['再说一遍'], do: 'repeat' },
  ],
  flows: {
    main: {
      start: 'menu',
      nodes: {
        menu: {
          type: 'menu',
          say: '挂失请说挂失，查余额请说余额。',
          keys: { '1': 'lost' },
          intents: [
            {
              name: 'lostCard',
              keywords: ['挂失', '丢了'],
              description: '银行卡丢失或被盗刷',
              examples: ['卡被人刷了'],
              goto: 'lost',
            },
            { name: 'balance', keywords: ['余额'], description: '查询余额', goto: 'balance' },
          ],
        },
        lost: { type: 'say', say: '为您挂失。', next: 'pin' },
        pin: {
          type: 'collect',
          say: '请输入密码。',
          saveAs: 'pin',
          maxDigits: 6,
          sensitive: true,
          next: 'quiet',
        },
        quiet: {
          type: 'menu',
          say: '还有别的吗？',
          classifier: false,
          intents: [{ name: 'bye', keywords: ['再见'], description: '结束', goto: 'bye' }],
        },
        balance: { type: 'hangup', say: '余额一百元。' },
        agent: { type: 'hangup', say: '转人工。' },
        bye: { type: 'hangup', say: '再见。' },
      },
    },
  },
} satisfies RulesInput;

const rules = compileOrThrow(HOTLINE);

const verdict = classifiedAs;

/** A call at the main menu whose classifications are answered by `answer`. */
function callAtMenu(answer: (need: ClassifyNeed) => ClassifyAnswer, caller = '13800138000'): Call {
  const call = new Call(rules, { keys: KEYS, now: NOW, classify: answer });
  call.send('callin', { caller, callee: '95000' });
  return call;
}

describe('the classifier at a menu', () => {
  it('is asked about words nothing matched, digits masked, with the intents and handlers described', () => {
    const call = callAtMenu(() => verdict('lostCard', 0.92));
    const decision = call.send('normal', { words: '我那个卡好像被人刷了尾号6222' });
    assert.deepEqual(spoken(decision), ['为您挂失。', '请输入密码。']);
    const [need] = call.asked;
    assert.ok(need !== undefined);
    assert.equal(need.request.utterance, '我那个卡好像被人刷了尾号****');
    assert.deepEqual(
      need.request.choices.map((choice) => [choice.id, choice.kind, choice.description]),
      [
        ['lostCard', 'intent', '银行卡丢失或被盗刷'],
        ['balance', 'intent', '查询余额'],
        ['agent', 'handler', '转人工'],
        ['repeat', 'handler', undefined],
      ],
    );
    assert.deepEqual(need.request.choices[0]?.examples, ['卡被人刷了']);
    assert.equal(need.waitMs, 700);
    assert.equal(need.guard.latencyP95Ms, 1200);
    assert.equal(need.guard.prices.outputPer1k, 0.0015);
    assert.equal(decision.facts.matched, 'intent lostCard');
    assert.deepEqual(decision.facts.classified, {
      asked: 'nomatch',
      ms: 420,
      choice: 'lostCard',
      confidence: 0.92,
      promptTokens: 300,
      completionTokens: 12,
      taken: true,
    });
    assert.ok(decision.facts.outcomes?.includes('classified'));
    assert.ok(decision.trace.includes('classifier chose lostCard at 0.92 (420 ms)'));
  });

  it('keeps how long it took in whole ms, as the trace says it', () => {
    const call = callAtMenu(() => ({ ...verdict('lostCard', 0.92), ms: 289.8613908765432 }));
    const decision = call.send('normal', { words: '我那个卡好像被人刷了' });
    assert.equal(decision.facts.classified?.ms, 290);
    assert.ok(decision.trace.includes('classifier chose lostCard at 0.92 (290 ms)'));
  });

  it('takes a handler it chooses as the handler would be taken', () => {
    const call = callAtMenu(() => verdict('agent', 0.8));
    const decision = call.send('normal', { words: '帮我找个工作人员' });
    assert.deepEqual(spoken(decision), ['转人工。']);
    assert.equal(decision.facts.matched, 'handler agent');
  });

  for (const [name, answer, why] of [
    ['none', verdict('none', 0.95), 'classifier chose none at 0.95 (420 ms) → not taken: none'],
    ['a verdict under the threshold', verdict('balance', 0.55), '→ not taken: below-threshold'],
    [
      'a choice it was never offered',
      verdict('13812345678', 0.99),
      'classifier chose (not-offered) at 0.99 (420 ms) → not taken: off-list',
    ],
    [
      'a timeout',
      { type: 'classify', kind: 'failed', why: 'timeout', ms: 700 } as const,
      'classifier failed (timeout, 700 ms)',
    ],
    [
      'a 429',
      { type: 'classify', kind: 'failed', why: 'rate-limited', ms: 80, status: 429 } as const,
      'classifier failed (rate-limited, 80 ms)',
    ],
  ] as const) {
    it(`counts ${name} as the no-match it would be without it, and says why`, () => {
      const call = callAtMenu(() => answer);
      const decision = call.send('normal', { words: '你们几点关门' });
      assert.equal(decision.state?.node, 'menu');
      assert.equal(decision.state?.noMatch, 1);
      assert.ok(
        decision.trace.some((line) => line.includes(why)),
        decision.trace.join('\n'),
      );
      assert.equal(decision.facts.classified?.taken, false);
      assert.ok(
        decision.trace.includes('utterance matched nothing → noMatch retry 1/2'),
        decision.trace.join('\n'),
      );
    });
  }

  it('is not asked when a keyword, a spoken key, a key or a handler matched, nor for silence', () => {
    const call = callAtMenu(() => assert.fail('the classifier was asked'));
    call.send('normal', { words: '我要查余额' });
    for (const turn of [
      () => call.send('normal', { words: '按一' }),
      () => call.send('dtmf', { dtmf_digits: '7' }),
      () => call.send('mute'),
    ]) {
      const again = callAtMenu(() => assert.fail('the classifier was asked'));
      call.dynamicId = again.dynamicId;
      turn();
    }
    assert.equal(call.asked.length, 0);
  });

  it('is not asked about digits alone, which it would only see masked', () => {
    const call = callAtMenu(() => assert.fail('the classifier was asked'));
    const decision = call.send('normal', { words: '6222 0212 3456。' });
    assert.equal(decision.state?.noMatch, 1);
    assert.equal(call.asked.length, 0);
  });

  it('is never asked at a collect node, nor at a menu that says classifier: false', () => {
    const call = callAtMenu(() => verdict('lostCard', 0.9));
    call.send('normal', { words: '挂失' });
    const atPin = call.send('normal', { words: '我不记得密码了怎么办' });
    assert.equal(atPin.state?.node, 'pin');
    call.send('dtmf', { dtmf_digits: '123456' });
    const quiet = call.send('normal', { words: '没有别的事了' });
    assert.equal(quiet.state?.node, 'quiet');
    assert.equal(call.asked.length, 0);
  });

  it("is never asked on a line that says classifier: false, for the rest of the call's state", () => {
    const call = callAtMenu(() => assert.fail('the classifier was asked'), '13900001111');
    const decoded = decodeState(call.dynamicId, KEYS, CALL_ID);
    assert.ok(decoded.kind === 'ok' && decoded.state.classifierOff === true);
    const decision = call.send('normal', { words: '我那个卡好像被人刷了' });
    assert.equal(decision.state?.noMatch, 1);
    // The flag outlives the state's other changes: a retry, then a handler's repeat.
    call.send('normal', { words: '再说一遍' });
    const again = call.send('normal', { words: '卡被人刷了怎么办' });
    assert.equal(again.state?.noMatch, 2);
    assert.equal(call.asked.length, 0);
  });

  it('keeps a call whose state was lost from the model when any line keeps its calls from it', () => {
    const call = callAtMenu(() => assert.fail('the classifier was asked'));
    call.send('normal', { words: '你好', dynamic_id: 'not-a-state' });
    const decoded = decodeState(call.dynamicId, KEYS, CALL_ID);
    assert.ok(decoded.kind === 'ok' && decoded.state.classifierOff === true);
    call.send('normal', { words: '我那个卡好像被人刷了' });
    assert.equal(call.asked.length, 0);
  });

  it('asks about a doubtful keyword match when the document says so, and keeps the match on a failure', () => {
    const overruled = callAtMenu(() => verdict('balance', 0.9));
    const decision = overruled.send('normal', { words: '不是丢了我就想看看余额' });
    assert.equal(overruled.asked[0]?.asked.kind, 'doubtful');
    assert.deepEqual(spoken(decision), ['余额一百元。']);
    assert.ok(decision.trace.some((line) => line.startsWith('intent lostCard (keyword 丢了) is doubtful')));

    const kept = callAtMenu(() => ({ type: 'classify', kind: 'failed', why: 'timeout', ms: 700 }));
    const stands = kept.send('normal', { words: '不是挂失吗' });
    assert.deepEqual(spoken(stands), ['为您挂失。', '请输入密码。']);
    assert.equal(stands.facts.matched, 'intent lostCard');

    const sure = callAtMenu(() => assert.fail('a plain keyword match was doubted'));
    sure.send('normal', { words: '我的卡丢了' });
    assert.equal(sure.asked.length, 0);
  });

  it('does not ask about a doubtful match when doubtful is off', () => {
    const quiet = compileOrThrow({ ...HOTLINE, classifier: { ...HOTLINE.classifier, doubtful: false } });
    const call = new Call(quiet, { keys: KEYS, now: NOW, classify: () => assert.fail('asked') });
    call.send('callin', { caller: '13800138000', callee: '95000' });
    const decision = call.send('normal', { words: '不是丢了我就想看看余额' });
    assert.equal(decision.facts.matched, 'intent lostCard');
  });
});

describe('the classifier and excludes', () => {
  it('is never offered, nor takes, an intent or handler an exclude voided for the words', () => {
    const rules = structuredClone(HOTLINE) as RulesInput & {
      flows: { main: { nodes: { menu: { intents: { excludes?: string[] }[] } } } };
      handlers: { excludes?: string[] }[];
    };
    const [lost] = rules.flows.main.nodes.menu.intents;
    if (lost !== undefined) lost.excludes = ['不是挂失'];
    const [agent] = rules.handlers;
    if (agent !== undefined) agent.excludes = ['不要人工'];
    const call = new Call(compileOrThrow(rules), {
      keys: KEYS,
      now: NOW,
      classify: (need) => {
        assert.deepEqual(
          need.request.choices.map((choice) => choice.id),
          ['balance', 'repeat'],
        );
        return verdict('lostCard', 0.99);
      },
    });
    call.send('callin', { caller: '13800138000', callee: '95000' });
    const decision = call.send('normal', { words: '不是挂失也不要人工你们几点开门' });
    assert.equal(call.asked.length, 1);
    assert.equal(decision.state?.node, 'menu');
    assert.equal(decision.facts.classified?.why, 'off-list');
  });
});

describe('the classifier in a document', () => {
  it('refuses a switch with no classifier to switch, plain http to another host, and a key variable not LLM_', () => {
    const { classifier: _none, ...bare } = HOTLINE;
    const stray = structuredClone(bare) as RulesInput & { flows: { main: { classifier?: boolean } } };
    stray.flows.main.classifier = true;
    assert.throws(() => compileOrThrow(stray), /flows\.main\.classifier/);
    assert.throws(
      () =>
        compileOrThrow({
          ...HOTLINE,
          classifier: { ...HOTLINE.classifier, endpoint: 'http://llm.example.com/v1' },
        }),
      /plain http/,
    );
    assert.throws(
      () => compileOrThrow({ ...HOTLINE, classifier: { ...HOTLINE.classifier, apiKeyEnv: 'AWS_SECRET' } }),
      /LLM_/,
    );
    compileOrThrow({
      ...HOTLINE,
      classifier: { ...HOTLINE.classifier, endpoint: 'http://127.0.0.1:9600/v1' },
    });
  });

  it('refuses a choice named none, and two intents of an asking menu with one name', () => {
    const named = (names: [string, string]) => {
      const rules = structuredClone(HOTLINE) as RulesInput & {
        flows: { main: { nodes: { menu: { intents: { name?: string }[] } } } };
      };
      rules.flows.main.nodes.menu.intents.forEach((intent, i) => {
        intent.name = names[i] ?? String(i);
      });
      return rules;
    };
    assert.throws(() => compileOrThrow(named(['none', 'balance'])), /intents\.0\.name.*no choice/);
    assert.throws(
      () => compileOrThrow(named(['lostCard', 'lostCard'])),
      /intents\.1\.name.*could not tell them apart/,
    );
    assert.throws(
      () => compileOrThrow({ ...HOTLINE, handlers: [{ name: 'none', keywords: ['算了'], do: 'repeat' }] }),
      /handlers\.0\.name/,
    );
  });
});
