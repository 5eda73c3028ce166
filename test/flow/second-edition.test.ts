import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowError } from '../../shared/flow/decision';
import { compileRules } from '../../shared/rules/compile-rules';
import type { RulesInput } from '../../shared/rules/rules-schema';
import {
  decodeState,
  encodeState,
  MAX_CALL_DEPTH,
  measureLongestState,
  startState,
} from '../../shared/state/state-token';
import { CALL_ID, Call, compileOrThrow, spoken } from '../support/engine-call';
import { HOTLINE } from '../support/second-edition-rules';

const KEYS: [string] = ['test-state-key-0123456789'];
const NOW = Date.UTC(2026, 10, 23, 2, 0, 0);

/** The hotline's flows with some nodes of `main` replaced. */
function withMainNodes(nodes: Record<string, unknown>): RulesInput['flows'] {
  const main = { ...HOTLINE.flows.main, nodes: { ...HOTLINE.flows.main.nodes, ...nodes } };
  return { ...HOTLINE.flows, main } as RulesInput['flows'];
}

function newCall(rules: RulesInput = HOTLINE): Call {
  return new Call(compileOrThrow(rules), { keys: KEYS, now: NOW });
}

/** A call past the callin and the first silence: at the main menu with its keys armed. */
function atMenu(rules: RulesInput = HOTLINE): Call {
  const call = newCall(rules);
  call.send('callin', { caller: '13800138000' });
  call.send('mute');
  return call;
}

describe('global handlers', () => {
  it('reach the agent from a menu that does not list it, by words and by key', () => {
    const byWords = atMenu().send('normal', { words: '我要转人工。' });
    assert.equal(byWords.action.action, 'transfer');
    assert.equal(byWords.facts.matched, 'handler agent');
    assert.ok(byWords.trace.includes('handler agent (keyword 人工) → main/agent'), byWords.trace.join('\n'));
    const byKey = atMenu().send('dtmf', { dtmf_digits: '0' });
    assert.equal(byKey.action.action, 'transfer');
    assert.ok(byKey.trace.includes('handler agent (key 0) → main/agent'));
  });

  it('come after the node own keys and intents, and an exclude voids them', () => {
    const own = atMenu().send('normal', { words: '人工挂失' });
    assert.equal(own.state?.node, 'askCard', 'the menu own intent wins over the handler');
    const excluded = atMenu().send('normal', { words: '我不要人工' });
    assert.equal(excluded.state?.node, 'menu');
    assert.equal(excluded.state?.noMatch, 1);
    assert.ok(excluded.trace.includes('handler agent excluded (不要人工)'), excluded.trace.join('\n'));
  });

  it('repeat the node prompt, and a collect of digits takes spoken digits as digits', () => {
    const call = atMenu();
    call.send('dtmf', { dtmf_digits: '1' });
    const repeated = call.send('normal', { words: '再说一遍' });
    assert.equal(repeated.state?.node, 'askCard');
    assert.deepEqual(spoken(repeated), ['请输入卡号后4位。']);
    assert.equal(repeated.action.action, 'dtmf');
    const digits = call.send('normal', { words: '零零一二' });
    assert.equal(digits.state?.node, 'askPin', 'spoken 零 is a digit, never the agent key 0');
    assert.equal(digits.state?.vars.card, '0012');
  });

  it('are not heard where a node opts out (a PIN entry)', () => {
    const call = atMenu();
    call.send('dtmf', { dtmf_digits: '1' });
    call.send('dtmf', { dtmf_digits: '6218' });
    const atPin = call.send('normal', { words: '再说一遍' });
    // 再说一遍 is 再说1遍 once normalised: one digit, no PIN; no retry is left, so the subflow fails.
    assert.equal(atPin.action.action, 'transfer');
    assert.ok(
      atPin.trace.includes('return failed → main/agent (called by lostCheck)'),
      atPin.trace.join('\n'),
    );
    assert.ok(!atPin.trace.some((line) => line.startsWith('handler ')), atPin.trace.join('\n'));
  });

  it('go back to the start of the top flow from inside a subflow, leaving it', () => {
    const call = atMenu();
    call.send('dtmf', { dtmf_digits: '2' });
    const back = call.send('normal', { words: '回到主菜单' });
    assert.equal(back.state?.flow, 'main');
    assert.equal(back.state?.node, 'menu');
    assert.equal(back.state?.stack, undefined);
    assert.deepEqual(spoken(back), ['欢迎。', '挂失请按1，余额请按2。']);
    assert.ok(back.trace.includes('handler mainMenu (keyword 主菜单) → main/welcome'));
  });

  it('a flow handler replaces the document one of the same name', () => {
    const rules = {
      ...HOTLINE,
      flows: {
        ...HOTLINE.flows,
        main: {
          ...HOTLINE.flows.main,
          handlers: [{ name: 'agent', keywords: ['人工'], goto: 'balanceDone' }],
        },
      },
    } satisfies RulesInput;
    const decision = atMenu(rules).send('normal', { words: '人工' });
    assert.equal(decision.action.action, 'play');
    assert.deepEqual(spoken(decision), ['余额充足，再见。']);
  });

  it('are refused by compile when they name what does not exist', () => {
    const bad = compileRules({
      ...HOTLINE,
      handlers: [
        { name: 'agent', keywords: ['人工'], goto: 'agent' },
        { name: 'agent', keywords: ['客服'], flow: 'nowhere' },
      ],
      flows: withMainNodes({ menu: { ...HOTLINE.flows.main.nodes.menu, handlers: ['helpme'] } }),
    });
    assert.equal(bad.ok, false);
    const messages = bad.ok ? [] : bad.issues.map((issue) => `${issue.path}: ${issue.message}`);
    assert.deepEqual(messages, [
      "handlers.0.goto: a document's handler is heard in every flow, whose nodes differ: name the flow of agent (flow: main)",
      'handlers.1.name: another handler here is named agent',
      'handlers.1.flow: no flow is named nowhere',
      'flows.main.nodes.menu.handlers.0: no handler is named helpme: write one of agent',
    ]);
  });
});

describe('subflows', () => {
  it('return where they were called, twice in one call, keeping call values and dropping their own', () => {
    const call = atMenu();
    call.send('dtmf', { dtmf_digits: '1' });
    const inside = call.send('dtmf', { dtmf_digits: '6218' });
    assert.equal(inside.state?.flow, 'identity');
    assert.deepEqual(inside.state?.stack, [{ flow: 'main', node: 'lostCheck' }]);
    const back = call.send('dtmf', { dtmf_digits: '583920' });
    assert.deepEqual(spoken(back), ['验证通过。', '尾号6 2 1 8已挂失。', '挂失请按1，余额请按2。']);
    assert.equal(back.state?.flow, 'main');
    assert.equal(back.state?.node, 'menu');
    assert.equal(back.state?.stack, undefined);
    assert.deepEqual(back.state?.vars, { card: '6218' }, 'the PIN (scope flow) is dropped on return');
    assert.ok(back.trace.includes('return → main/lostDone (called by lostCheck)'));
    assert.ok(back.trace.includes('now in flow main'));

    call.send('dtmf', { dtmf_digits: '2' });
    call.send('dtmf', { dtmf_digits: '1234' });
    const second = call.send('dtmf', { dtmf_digits: '111111' });
    assert.deepEqual(spoken(second), ['验证通过。', '余额充足，再见。']);
    assert.ok(second.trace.includes('return → main/balanceDone (called by balanceCheck)'));
  });

  it('return at a named exit', () => {
    const call = atMenu();
    call.send('dtmf', { dtmf_digits: '2' });
    const failed = call.send('dtmf', { dtmf_digits: 'noInputTimeout' });
    assert.equal(failed.action.action, 'transfer');
    assert.ok(
      failed.trace.includes('return failed → main/agent (called by balanceCheck)'),
      failed.trace.join('\n'),
    );
  });

  it('carry their stack in the sealed state, within the state budget', () => {
    const rules = compileOrThrow(HOTLINE);
    const state = {
      rulesTag: rules.tag,
      flow: 'identity',
      node: 'askPin',
      phase: 'listening' as const,
      noInput: 0,
      noMatch: 0,
      turns: 3,
      startedAt: NOW / 1000,
      caller: '',
      vars: { card: '6218' },
      attempts: 0,
      stack: [{ flow: 'main', node: 'balanceCheck' }],
    };
    const sealed = encodeState(state, rules.names, KEYS, CALL_ID);
    const decoded = decodeState(sealed, KEYS, CALL_ID);
    assert.equal(decoded.kind, 'ok');
    assert.deepEqual(decoded.kind === 'ok' ? decoded.state.stack : undefined, [1]);
    // Three frames cost a few characters, not a budget.
    const flat = measureLongestState(rules.tag, '', { card: '6218' });
    const deep = measureLongestState(rules.tag, '', { card: '6218' }, MAX_CALL_DEPTH);
    assert.ok(deep - flat <= 24, `${deep - flat} characters for ${MAX_CALL_DEPTH} frames`);
  });

  it('refuse to run deeper than the state holds, and a return with no caller ends the call', () => {
    const nested = {
      version: 'deep',
      defaultLine: { flow: 'f0' },
      flows: Object.fromEntries(
        [0, 1, 2, 3].map((i) => [
          `f${i}`,
          {
            start: 'call',
            nodes: { call: { type: 'subflow', flow: `f${i + 1}`, next: 'done' }, done: { type: 'return' } },
          },
        ]),
      ),
    } as RulesInput;
    (nested.flows as Record<string, unknown>).f4 = {
      start: 'bye',
      nodes: { bye: { type: 'hangup', say: '再见' } },
    };
    assert.throws(() => newCall(nested).send('callin', {}), FlowError);
    const lonely = newCall({
      version: 'lonely',
      defaultLine: { flow: 'top' },
      flows: {
        top: { start: 'back', goodbye: '再见。', nodes: { back: { type: 'return', say: '好的。' } } },
      },
    }).send('callin', {});
    assert.equal(lonely.action.action, 'answer');
    assert.deepEqual(spoken(lonely), ['好的。', '再见。']);
    assert.equal(lonely.state?.phase, 'ending');
  });

  it('need an exit for every exit their flow returns with', () => {
    const result = compileRules({
      ...HOTLINE,
      flows: withMainNodes({ lostCheck: { type: 'subflow', flow: 'identity', next: 'lostDone' } }),
    });
    assert.equal(result.ok, false);
    assert.match(
      result.ok ? '' : (result.issues[0]?.message ?? ''),
      /returns with exit failed \(node failed\)/,
    );
  });
});

describe('firstMenu', () => {
  it('repeat (the default): the menu plays with the answer and again at the first silence', () => {
    const call = newCall();
    const answer = call.send('callin', {});
    assert.deepEqual(spoken(answer), ['欢迎。', '挂失请按1，余额请按2。']);
    assert.deepEqual(spoken(call.send('mute')), ['挂失请按1，余额请按2。']);
  });

  it('once: the greeting plays with the answer, the menu once with the first dtmf reply', () => {
    const call = newCall({ ...HOTLINE, firstMenu: 'once' });
    const answer = call.send('callin', {});
    assert.deepEqual(spoken(answer), ['欢迎。']);
    assert.equal(answer.action.action === 'answer' ? answer.action.settings?.muteTimeMs : -1, 1000);
    assert.equal(answer.state?.phase, 'keysUnarmed');
    const menu = call.send('mute');
    assert.equal(menu.action.action, 'dtmf');
    assert.deepEqual(spoken(menu), ['挂失请按1，余额请按2。']);
    const early = newCall({ ...HOTLINE, firstMenu: 'once' });
    early.send('callin', {});
    assert.equal(early.send('normal', { words: '余额' }).state?.node, 'askCard', 'speech works at once');
  });

  it('a flow setting wins over the document', () => {
    const rules = {
      ...HOTLINE,
      firstMenu: 'once',
      flows: { ...HOTLINE.flows, main: { ...HOTLINE.flows.main, firstMenu: 'repeat' } },
    } satisfies RulesInput;
    assert.equal(spoken(newCall(rules).send('callin', {})).length, 2);
  });
});

describe('scope once across flows', () => {
  it('a subflow that reads its caller’s once value drops it, as the caller would', () => {
    const rules = {
      version: 'once-across',
      defaultLine: { flow: 'main' },
      flows: {
        main: {
          start: 'askCode',
          nodes: {
            askCode: {
              type: 'collect',
              say: '请输入验证码。',
              saveAs: 'code',
              maxDigits: 4,
              scope: 'once',
              next: 'check',
            },
            check: { type: 'subflow', flow: 'readBack', next: 'done' },
            done: { type: 'menu', say: '按1结束。', keys: { '1': 'bye' } },
            bye: { type: 'hangup' },
          },
        },
        readBack: {
          start: 'say',
          nodes: {
            say: { type: 'say', say: '您输入的是{{vars.code|digits}}。', next: 'back' },
            back: { type: 'return' },
          },
        },
      },
    } satisfies RulesInput;
    assert.deepEqual([...compileOrThrow(rules).onceValues], ['code']);
    const call = newCall(rules);
    call.send('callin', {});
    const back = call.send('dtmf', { dtmf_digits: '1234' });
    assert.deepEqual(spoken(back), ['您输入的是1 2 3 4。', '按1结束。']);
    assert.deepEqual(back.state?.vars, {}, 'read in the subflow, the once value is gone');
  });
});

describe('second review', () => {
  it('a repeat keeps the node’s retry counts: wrong keys and 再说一遍 in turn still escalate', () => {
    const menu = atMenu();
    assert.equal(menu.send('dtmf', { dtmf_digits: '7' }).state?.noMatch, 1);
    const again = menu.send('normal', { words: '再说一遍' });
    assert.equal(again.facts.matched, 'handler repeat');
    assert.equal(again.state?.noMatch, 1, 'the repeat neither counts nor clears the no-match');
    assert.equal(menu.send('dtmf', { dtmf_digits: '8' }).state?.noMatch, 2);
    menu.send('normal', { words: '再说一遍' });
    // The default policy allows two retries: the third wrong key ends the call, repeats or not.
    const third = menu.send('dtmf', { dtmf_digits: '9' });
    assert.equal(third.state?.phase, 'ending');
  });

  it('hears a handler key spoken only at a menu that takes keys', () => {
    const rules = {
      version: 'spoken-keys',
      defaultLine: { flow: 'main' },
      handlers: [{ name: 'agent', keywords: ['人工'], keys: ['0'], flow: 'main', goto: 'bye' }],
      flows: {
        main: {
          start: 'talk',
          nodes: {
            talk: { type: 'menu', say: '请说出业务。', intents: [{ keywords: ['余额'], goto: 'bye' }] },
            bye: { type: 'hangup', say: '再见。' },
          },
        },
      },
    } satisfies RulesInput;
    const call = newCall(rules);
    call.send('callin', {});
    const spokenZero = call.send('normal', { words: '按0' });
    assert.equal(spokenZero.state?.node, 'talk');
    assert.equal(spokenZero.state?.noMatch, 1);
    const withKeys = atMenu();
    assert.equal(withKeys.send('normal', { words: '按0' }).facts.matched, 'handler agent');
  });

  it('restarts a call whose sealed stack does not chain, instead of returning it into an unrelated flow', () => {
    const rules = compileOrThrow(HOTLINE);
    const call = new Call(rules, { keys: KEYS, now: NOW });
    call.send('callin', {});
    call.dynamicId = encodeState(
      {
        ...startState({
          rulesTag: rules.tag,
          flow: 'main',
          node: 'menu',
          startedAt: NOW / 1000,
          caller: '',
          vars: {},
        }),
        // lostCheck calls identity, not main.
        stack: [{ flow: 'main', node: 'lostCheck' }],
      },
      rules.names,
      KEYS,
      CALL_ID,
    );
    const decision = call.send('mute');
    assert.ok(decision.trace.some((line) => line.startsWith("state's subflow nodes do not call each other")));
    assert.equal(decision.facts.outcomes?.includes('recovered'), true);
  });
});
