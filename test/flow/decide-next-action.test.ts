import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallOrigin } from '../../shared/flow/decision';
import type { CompiledRules } from '../../shared/rules/compile-rules';
import { DEFAULT_RULES } from '../../shared/rules/default-rules';
import type { RulesInput } from '../../shared/rules/rules-schema';
import { sealOutboundId } from '../../shared/state/outbound-id';
import { Call, compileOrThrow, spoken } from '../support/engine-call';

const KEYS: [string] = ['test-state-key-0123456789'];
const NOW = Date.UTC(2026, 10, 23, 2, 0, 0);

const defaults = compileOrThrow(DEFAULT_RULES);
const HOTLINE = DEFAULT_RULES.flows.hotline ?? assert.fail('the default rules have a hotline flow');

/** A call under `rules` (the default rules unless given), sealed with this file's key, played at NOW. */
function newCall(rules: CompiledRules = defaults, origin: CallOrigin = 'inbound'): Call {
  return new Call(rules, { origin, keys: KEYS, now: NOW });
}

describe('decideNextAction on callin', () => {
  it('answers with the greeting and the menu of the default line, keys not yet armed', () => {
    const decision = newCall().send('callin', { caller: '15201030105', callee: '05923391657' });
    assert.equal(decision.replyTo, 'callin');
    assert.equal(decision.action.action, 'answer');
    assert.deepEqual(spoken(decision), [
      '您好，欢迎致电客户服务热线。',
      '查询营业时间请按1或说「查询」，转人工服务请按0或说「人工」，结束通话请按9或说「再见」。',
    ]);
    assert.equal(decision.state?.node, 'menu');
    assert.equal(decision.state?.phase, 'keysUnarmed');
    assert.equal(decision.state?.startedAt, NOW / 1000);
    assert.deepEqual(decision.trace.slice(0, 1), ['default line → flow hotline']);
  });

  it('routes by the number dialled, written in any common form', () => {
    const rules = compileOrThrow({
      ...DEFAULT_RULES,
      lines: [{ name: 'vip', numbers: ['+86 592 3391657'], flow: 'vip' }],
      flows: {
        ...DEFAULT_RULES.flows,
        vip: { start: 'hello', nodes: { hello: { type: 'hangup', say: '贵宾您好' } } },
      },
    } satisfies RulesInput);
    assert.equal(rules.lineByNumber.size, 1);
    assert.deepEqual(
      newCall(rules).send('callin', { callee: '05923391657' }).trace[0],
      'line vip (by number dialled) → flow vip',
    );
    assert.match(newCall(rules).send('callin', { callee: '05923391658' }).trace[0] ?? '', /default line/);
  });

  it('answers with the default line when the callee is missing', () => {
    const decision = newCall().send('callin', {});
    assert.equal(decision.action.action, 'answer');
    assert.match(decision.trace[0] ?? '', /default line/);
  });

  it('merges settings: document, then flow, then line', () => {
    const rules = compileOrThrow({
      ...DEFAULT_RULES,
      settings: { muteTimeMs: 5000, tts: { voice: 'xiaoyun', volume: 50 } },
      defaultLine: { flow: 'hotline', settings: { tts: { volume: 80 } } },
      flows: { hotline: { ...HOTLINE, settings: { muteTimeMs: 7000 } } },
    });
    const decision = newCall(rules).send('callin', {});
    assert.ok(decision.action.action === 'answer');
    assert.equal(decision.action.settings.muteTimeMs, 7000);
    assert.deepEqual(decision.action.settings.tts, { voice: 'xiaoyun', volume: 80 });
  });

  it('hangs up at once when the line starts with a silent hangup', () => {
    const rules = compileOrThrow({
      version: 'x',
      defaultLine: { flow: 'closed' },
      flows: { closed: { start: 'bye', nodes: { bye: { type: 'hangup' } } } },
    });
    const decision = newCall(rules).send('callin', {});
    assert.deepEqual(decision.action, { action: 'hangup' });
    assert.equal(decision.state, undefined);
  });

  it('defers a transfer chosen on callin to the next event, since only answer may follow callin', () => {
    const rules = compileOrThrow({
      version: 'x',
      defaultLine: { flow: 'direct' },
      flows: {
        direct: { start: 'agent', nodes: { agent: { type: 'transfer', say: '请稍候', to: '95555' } } },
      },
    });
    const call = newCall(rules);
    const first = call.send('callin', {});
    assert.equal(first.action.action, 'answer');
    assert.equal(first.state?.phase, 'transferPending');
    const second = call.send('mute');
    assert.deepEqual(second.action, { action: 'transfer', number: '95555' });
  });
});

describe('decideNextAction through the default hotline', () => {
  it('follows callin → mute → dtmf → normal → mute → dtmf to the goodbye and hangs up', () => {
    const call = newCall();
    call.send('callin', { caller: '15201030105', callee: '05923391657' });

    const armed = call.send('mute');
    assert.ok(armed.action.action === 'dtmf');
    assert.equal(armed.action.maxDigits, 1);
    assert.equal(armed.state?.noInput, 0, 'arming the keys is not a retry');

    const hours = call.send('dtmf', { dtmf_digits: '1' });
    assert.equal(hours.action.action, 'dtmf');
    assert.deepEqual(spoken(hours), [
      '我们的服务时间是每天早上九点到晚上六点。',
      '返回主菜单请按1，转人工服务请按0，结束通话请按9。',
    ]);
    assert.equal(hours.state?.node, 'more');

    const back = call.send('normal', { words: '返回主菜单。' });
    assert.equal(back.state?.node, 'menu');

    const silence = call.send('mute');
    assert.deepEqual(spoken(silence)[0], '抱歉，我没有听到您的声音。');
    assert.equal(silence.state?.noInput, 1);

    const bye = call.send('dtmf', { dtmf_digits: '9' });
    assert.ok(bye.action.action === 'play');
    assert.deepEqual(spoken(bye), ['感谢您的来电，再见。']);
    assert.equal(bye.state?.phase, 'ending');
    assert.equal(bye.state?.turns, 5);

    assert.deepEqual(call.send('mute').action, { action: 'hangup' });
  });

  it('transfers to an agent on the keyword 人工, in full-width or with punctuation', () => {
    const call = newCall();
    call.send('callin', {});
    const decision = call.send('normal', { words: '我要转，人工！' });
    assert.ok(decision.action.action === 'transfer');
    assert.equal(decision.action.number, '4000000000');
    assert.match(decision.trace.join('\n'), /intent agent \(keyword 人工\)/);
    assert.deepEqual(
      call.send('mute').action,
      { action: 'donothing' },
      'events after a transfer change nothing',
    );
  });

  it('takes a spoken key such as 幺 or 按零 as the key itself', () => {
    const one = newCall();
    one.send('callin', {});
    assert.equal(one.send('normal', { words: '幺' }).state?.node, 'more');
    const zero = newCall();
    zero.send('callin', {});
    assert.equal(zero.send('normal', { words: '按零' }).action.action, 'transfer');
  });

  it('asks again with the next wording on no match, then escalates to the agent', () => {
    const call = newCall();
    call.send('callin', {});
    call.send('mute');
    const first = call.send('dtmf', { dtmf_digits: '5' });
    assert.equal(spoken(first)[0], '抱歉，我没有听懂。');
    assert.equal(first.state?.noMatch, 1);
    const second = call.send('normal', { words: '天气怎么样' });
    assert.equal(spoken(second)[0], '还是没有听懂，请按键选择。');
    const third = call.send('dtmf', { dtmf_digits: '7' });
    assert.equal(third.action.action, 'transfer');
    assert.match(third.trace.join(), /noMatch retries used up → agent/);
  });

  it('treats noInputTimeout from a key collection as no input and ends after the retries', () => {
    const call = newCall();
    call.send('callin', {});
    call.send('mute');
    assert.equal(call.send('dtmf', { dtmf_digits: 'noInputTimeout' }).state?.noInput, 1);
    assert.equal(call.send('dtmf', { dtmf_digits: 'noInputTimeout' }).state?.noInput, 2);
    const last = call.send('dtmf', { dtmf_digits: 'noInputTimeout' });
    assert.equal(last.state?.node, 'goodbye');
    assert.equal(last.state?.phase, 'ending');
  });

  it('stops the prompt on a timebreak and keeps the call where it was', () => {
    const call = newCall();
    const answer = call.send('callin', {});
    const decision = call.send('timebreak', { current_media_code: 'x' });
    assert.deepEqual(decision.action, { action: 'break' });
    assert.deepEqual(decision.state, answer.state);
  });

  it('answers a duplicated event exactly as the first time', () => {
    const call = newCall();
    call.send('callin', {});
    const state = call.dynamicId;
    const first = call.send('dtmf', { dtmf_digits: '1' });
    call.dynamicId = state;
    const again = call.send('dtmf', { dtmf_digits: '1' });
    assert.deepEqual(again, first);
  });

  it('ends the call politely once the flow turn limit is passed', () => {
    const rules = compileOrThrow({
      ...DEFAULT_RULES,
      flows: { hotline: { ...HOTLINE, maxTurns: 2 } },
    });
    const call = newCall(rules);
    call.send('callin', {});
    call.send('normal', { words: '嗯' });
    call.send('normal', { words: '嗯' });
    const over = call.send('normal', { words: '嗯' });
    assert.equal(over.state?.phase, 'ending');
    assert.match(over.trace.join(), /over the flow's limit/);
  });
});

describe('decideNextAction with a lost or foreign state', () => {
  it('restarts the default flow after the recovery prompt when dynamic_id is missing', () => {
    const call = newCall();
    const decision = call.send('normal', { words: '你好', dynamic_id: undefined });
    assert.equal(decision.replyTo, 'event');
    assert.equal(decision.action.action, 'dtmf');
    assert.deepEqual(spoken(decision).slice(0, 2), [
      '抱歉，刚才没有跟上，我们回到主菜单。',
      '您好，欢迎致电客户服务热线。',
    ]);
    assert.match(decision.trace[0] ?? '', /state is missing/);
  });

  it('recovers the same way from a tampered dynamic_id', () => {
    const call = newCall();
    call.send('callin', {});
    const sealed = Buffer.from((call.dynamicId ?? '').slice(2), 'base64url');
    sealed[20] = (sealed[20] ?? 0) ^ 1;
    const decision = call.send('dtmf', { dtmf_digits: '1', dynamic_id: `2.${sealed.toString('base64url')}` });
    assert.match(decision.trace[0] ?? '', /state is tampered/);
    assert.equal(decision.state?.node, 'menu');
  });

  it('recovers from a state written under other rules', () => {
    const call = newCall();
    call.send('callin', {});
    const newer = newCall(compileOrThrow({ ...DEFAULT_RULES, version: 'default-2' }));
    const decision = newer.send('dtmf', { dtmf_digits: '1', dynamic_id: call.dynamicId });
    assert.match(decision.trace[0] ?? '', /state is from rules/);
  });

  it('never answers a later event with answer', () => {
    for (const dynamicId of [undefined, 'garbage', '1.x.y', 'nosuchflow']) {
      const decision = newCall().send('mute', { dynamic_id: dynamicId });
      assert.equal(decision.replyTo, 'event');
      assert.notEqual(decision.action.action, 'answer');
    }
  });
});

describe('decideNextAction on outbound calls', () => {
  const rules = compileOrThrow({
    ...DEFAULT_RULES,
    outbound: { defaultFlow: 'remind' },
    flows: {
      ...DEFAULT_RULES.flows,
      remind: {
        start: 'confirm',
        nodes: {
          confirm: {
            type: 'menu',
            say: '明天上午十点的预约，确认请按1或说确认，取消请按2或说取消。',
            keys: { '1': 'confirmed', '2': 'cancelled' },
            intents: [
              { keywords: ['确认', '好的'], goto: 'confirmed' },
              { keywords: ['取消'], goto: 'cancelled' },
            ],
          },
          confirmed: { type: 'hangup', say: '已为您确认，再见。' },
          cancelled: { type: 'hangup', say: '已为您取消，再见。' },
        },
      },
    },
  } satisfies RulesInput);

  it('starts the flow named by SmartCall DynamicId and takes the first utterance as the answer to its opening', () => {
    const call = newCall(rules, 'outbound');
    const decision = call.send('normal', { words: '好的', dynamic_id: 'remind' });
    assert.deepEqual(spoken(decision), ['已为您确认，再见。']);
    assert.match(decision.trace[0] ?? '', /DynamicId names flow → flow remind/);
  });

  it('arms the keys with the opening question when the callee stays silent', () => {
    const call = newCall(rules, 'outbound');
    const decision = call.send('mute', { dynamic_id: 'remind' });
    assert.equal(decision.action.action, 'dtmf');
    assert.equal(decision.state?.node, 'confirm');
  });

  it('uses the outbound default flow when SmartCall gave no DynamicId', () => {
    const call = newCall(rules, 'outbound');
    const decision = call.send('dtmf', { dtmf_digits: '2', dynamic_id: undefined });
    assert.deepEqual(spoken(decision), ['已为您取消，再见。']);
  });
});

describe('decideNextAction on outbound calls started with a sealed DynamicId', () => {
  const OUTBOUND_KEY = 'outbound-test-key-0123456789';
  const rules = compileOrThrow({
    ...DEFAULT_RULES,
    outbound: { flows: ['reminder'], vars: { doctor: { maxBytes: 15 }, time: { maxBytes: 5 } } },
    flows: {
      ...DEFAULT_RULES.flows,
      reminder: {
        start: 'tell',
        nodes: {
          tell: { type: 'say', say: '您预约了{{vars.doctor}}{{vars.time}}的门诊。', next: 'bye' },
          bye: { type: 'hangup', say: '再见。' },
        },
      },
      survey: { start: 'bye', nodes: { bye: { type: 'hangup', say: '回访' } } },
    },
  } satisfies RulesInput);
  const vars = { time: '10:30', doctor: '王医生' };
  const sealed = (flow = 'reminder', expiresAtS = NOW / 1000 + 3600) =>
    sealOutboundId({ flow, vars, expiresAtS }, [OUTBOUND_KEY]);
  const call = (origin: CallOrigin = 'outbound') =>
    new Call(rules, { origin, keys: KEYS, now: NOW, outboundKeys: [OUTBOUND_KEY] });

  it("starts its flow with its values as the call's first values, and never traces them", () => {
    const outbound = call();
    const decision = outbound.send('mute', { dynamic_id: sealed() });
    assert.deepEqual(spoken(decision), ['您预约了王医生10:30的门诊。', '再见。']);
    assert.deepEqual(decision.state?.vars, vars);
    assert.match(decision.trace[0] ?? '', /^sealed DynamicId \(2 values\) names flow → flow reminder$/);
    assert.doesNotMatch(decision.trace.join(' | '), /王医生|10:30/);
  });

  it('carries the values on in the call state, event after event', () => {
    const rulesWithMenu = compileOrThrow({
      ...DEFAULT_RULES,
      outbound: { vars: { doctor: { maxBytes: 15 }, time: { maxBytes: 5 } } },
      flows: {
        ...DEFAULT_RULES.flows,
        reminder: {
          start: 'confirm',
          nodes: {
            confirm: { type: 'menu', say: '{{vars.time}}的预约，确认请按1。', keys: { '1': 'bye' } },
            bye: { type: 'hangup', say: '{{vars.doctor}}等您。' },
          },
        },
      },
    } satisfies RulesInput);
    const outbound = new Call(rulesWithMenu, {
      origin: 'outbound',
      keys: KEYS,
      now: NOW,
      outboundKeys: [OUTBOUND_KEY],
    });
    const first = outbound.send('mute', { dynamic_id: sealed() });
    assert.equal(first.state?.node, 'confirm');
    assert.deepEqual(first.state?.vars, vars);
    assert.deepEqual(spoken(outbound.send('dtmf', { dtmf_digits: '1' })), ['王医生等您。']);
  });

  it('keeps only the values the rules declare, within their size, naming the ones dropped', () => {
    const strict = compileOrThrow({
      ...rules.rules,
      outbound: { flows: ['reminder'], vars: { time: { maxBytes: 4 } } },
    } as RulesInput);
    const decision = new Call(strict, {
      origin: 'outbound',
      keys: KEYS,
      now: NOW,
      outboundKeys: [OUTBOUND_KEY],
    }).send('mute', { dynamic_id: sealed() });
    assert.deepEqual(decision.state?.vars, {});
    assert.ok(decision.trace.includes('DynamicId value doctor is not declared in outbound.vars → dropped'));
    assert.ok(decision.trace.includes('DynamicId value time is over its 4 bytes → dropped'));
  });

  it('is refused on an inbound call, like a plain name', () => {
    const decision = call('inbound').send('mute', { dynamic_id: sealed() });
    assert.match(
      decision.trace[0] ?? '',
      /state is a sealed DynamicId, which inbound calls never carry; restarting/,
    );
    assert.equal(decision.state?.flow, 'hotline');
    assert.deepEqual(decision.state?.vars, {});
  });

  it('starts no flow that outbound.flows does not list', () => {
    const decision = call().send('mute', { dynamic_id: sealed('survey') });
    assert.match(decision.trace[0] ?? '', /names flow survey, which this call may not start; restarting/);
    assert.equal(decision.state?.flow, 'hotline');
    assert.doesNotMatch(spoken(decision).join(''), /回访/);
  });

  it('refuses an expired one, and one sealed under a key the function does not hold, saying why', () => {
    const expired = call().send('mute', { dynamic_id: sealed('reminder', NOW / 1000) });
    assert.match(expired.trace[0] ?? '', /^state is a sealed DynamicId past its expiry; restarting/);
    assert.equal(expired.state?.flow, 'hotline');
    const foreign = sealOutboundId({ flow: 'reminder', vars, expiresAtS: NOW / 1000 + 60 }, [
      'another-sender-key-0123',
    ]);
    const forged = call().send('mute', { dynamic_id: foreign });
    assert.match(forged.trace[0] ?? '', /^state is tampered or sealed with another key; restarting/);
    for (const decision of [expired, forged]) assert.doesNotMatch(decision.trace.join(' | '), /王医生|10:30/);
  });

  it('refuses an expired one even where outbound.defaultFlow would take an unreadable DynamicId', () => {
    const withDefault = compileOrThrow({ ...rules.rules, outbound: { defaultFlow: 'survey' } } as RulesInput);
    const outbound = new Call(withDefault, {
      origin: 'outbound',
      keys: KEYS,
      now: NOW,
      outboundKeys: [OUTBOUND_KEY],
    });
    const decision = outbound.send('mute', { dynamic_id: sealed('reminder', NOW / 1000 - 1) });
    assert.equal(decision.state?.flow, 'hotline');
    assert.deepEqual(spoken(outbound.send('mute', { dynamic_id: 'appt:42' })), ['回访']);
  });
});

describe('decideNextAction on a broken flow', () => {
  it('throws a FlowError on a loop of say nodes, for the caller to answer with the fallback', () => {
    const rules = compileOrThrow({
      version: 'x',
      defaultLine: { flow: 'loop' },
      flows: {
        loop: {
          start: 'a',
          nodes: { a: { type: 'say', say: 'a', next: 'b' }, b: { type: 'say', say: 'b', next: 'a' } },
        },
      },
    });
    assert.throws(() => newCall(rules).send('callin', {}), { name: 'FlowError' });
  });
});

describe('decideNextAction on a collect node', () => {
  /** The seconds the dtmf reply of a flow's collect node waits for keys, once they are armed. */
  function keyTimeoutOf(collect: Record<string, unknown>): unknown {
    const rules = compileOrThrow({
      version: 'v1',
      defaultLine: { flow: 'main' },
      flows: {
        main: {
          start: 'card',
          nodes: {
            card: {
              type: 'collect',
              say: '请输入卡号',
              saveAs: 'card',
              maxDigits: 4,
              next: 'bye',
              ...collect,
            },
            bye: { type: 'hangup' },
          },
        },
      },
    });
    const call = newCall(rules);
    call.send('callin', {});
    const armed = call.send('mute');
    assert.equal(armed.action.action, 'dtmf');
    return 'timeoutS' in armed.action ? armed.action.timeoutS : undefined;
  }

  it('waits keyTimeoutS for keys, and reads timeoutS, its former name, the same way', () => {
    assert.equal(keyTimeoutOf({ keyTimeoutS: 12 }), 12);
    assert.equal(keyTimeoutOf({ timeoutS: 12 }), 12);
    assert.equal(keyTimeoutOf({}), 5);
  });
});
