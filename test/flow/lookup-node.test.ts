import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideNextAction, resumeNextAction } from '../../shared/flow/decide-next-action';
import { type FlowEvent, isNeed, type LookupNeed } from '../../shared/flow/decision';
import type { LookupAnswer } from '../../shared/lookup/lookup-types';
import type { RulesInput } from '../../shared/rules/rules-schema';
import { decodeState, openState } from '../../shared/state/state-token';
import { CALL_ID, Call, compileOrThrow, spoken } from '../support/engine-call';

const KEYS: [string] = ['test-state-key-0123456789'];
const NOW = Date.UTC(2026, 10, 23, 2, 0, 0);

/** A bank line: a card number (kept once), a balance looked up with it, said, then a menu. */
const BANK = {
  version: 'lookup-test',
  defaultLine: { flow: 'bank' },
  lookups: {
    account: {
      url: 'https://api.example.com/ivr/account',
      method: 'POST',
      body: { card: '{{vars.card}}' },
      headers: { Authorization: 'Bearer {{env.LOOKUP_TOKEN}}' },
    },
  },
  flows: {
    bank: {
      start: 'hello',
      nodes: {
        hello: { type: 'say', say: '您好。', next: 'card' },
        card: {
          type: 'collect',
          say: '请输入卡号。',
          saveAs: 'card',
          maxDigits: 8,
          scope: 'once',
          sensitive: true,
          next: 'getAccount',
        },
        getAccount: {
          type: 'lookup',
          use: 'account',
          save: { balance: { from: 'data.balance', type: 'number', maxBytes: 12 } },
          filler: '正在为您查询，请稍候。',
          next: 'sayBalance',
          onError: 'sorry',
        },
        sayBalance: { type: 'say', say: '您的余额是{{vars.balance}}元。', next: 'menu' },
        menu: { type: 'menu', say: '返回请按1。', keys: { '1': 'card' } },
        sorry: { type: 'hangup', say: '系统繁忙，请稍后再拨。' },
      },
    },
  },
} satisfies RulesInput;

const rules = compileOrThrow(BANK);

/** A call whose lookups are answered from `answers`, in turn. */
function bankCall(...answers: LookupAnswer[]): Call {
  return new Call(rules, {
    keys: KEYS,
    now: NOW,
    answer: () => answers.shift() ?? assert.fail('a lookup more than the test answers'),
  });
}

const ok = (balance: unknown, attempts = 1): LookupAnswer => ({
  kind: 'ok',
  data: { data: { balance } },
  attempts,
});

/** Starts the call and enters the card number. */
function atCard(call: Call) {
  call.send('callin', { caller: '13800138000' });
  call.send('mute');
  return call;
}

describe('a lookup node', () => {
  it('asks for the lookup with the call’s values, and says what it saved', () => {
    const call = atCard(bankCall(ok(1234.5)));
    const decision = call.send('dtmf', { dtmf_digits: '62220001' });
    const need = call.needs[0] as LookupNeed;
    assert.equal(need.request.method, 'POST');
    assert.equal(need.request.body, '{"card":"62220001"}');
    assert.deepEqual(need.request.headers, [['Authorization', ['Bearer ', { env: 'LOOKUP_TOKEN' }]]]);
    assert.equal(need.attemptsSoFar, 0);
    assert.equal(need.waitMs, 800);
    assert.deepEqual(spoken(decision), ['您的余额是1234.5元。', '返回请按1。']);
    assert.deepEqual(decision.facts.outcomes, ['matched', 'entered', 'lookup-ok']);
    assert.ok(decision.trace.includes('lookup account ok (saved balance) → sayBalance'));
  });

  it('drops a `once` value as the call leaves the node that read it', () => {
    const call = atCard(bankCall(ok(7)));
    const decision = call.send('dtmf', { dtmf_digits: '62220001' });
    assert.deepEqual(decision.state?.vars, { balance: '7' });
  });

  it('plays the filler once when the answer is slow, then a short silence, then goes on', () => {
    const call = atCard(
      bankCall({ kind: 'waiting', attempts: 1 }, { kind: 'waiting', attempts: 2 }, ok(3, 2)),
    );
    const first = call.send('dtmf', { dtmf_digits: '62220001' });
    assert.equal(first.action.action, 'play');
    assert.deepEqual(spoken(first), ['正在为您查询，请稍候。']);
    assert.equal((first.action as { muteTimeMs?: number }).muteTimeMs, 1000);
    assert.equal((first.action as { playback: { bargeIn?: boolean } }).playback.bargeIn, false);
    assert.equal(first.state?.phase, 'waiting');
    assert.equal(first.state?.attempts, 1);
    assert.equal(first.state?.vars.card, '62220001', 'the card is kept while the lookup may be sent again');
    assert.deepEqual(first.facts.outcomes, ['matched', 'entered', 'lookup-waiting']);

    const second = call.send('mute');
    assert.equal(call.needs[1]?.attemptsSoFar, 1);
    assert.deepEqual(spoken(second), [], 'later waits are a short silence');
    assert.equal(second.state?.attempts, 2);

    const third = call.send('normal', { words: '喂？' });
    assert.ok(third.trace.includes('words while waiting for a lookup → dropped'));
    assert.deepEqual(third.facts.outcomes, ['input-dropped', 'lookup-ok', 'entered']);
    assert.deepEqual(spoken(third), ['您的余额是3元。', '返回请按1。']);
    assert.equal(third.state?.phase, 'listening');
    assert.equal(third.state?.attempts, 0);
  });

  it('goes to onError on a failure, saying why in the trace', () => {
    const call = atCard(bankCall({ kind: 'failed', why: 'status', status: 503, attempts: 1 }));
    const decision = call.send('dtmf', { dtmf_digits: '62220001' });
    assert.deepEqual(spoken(decision), ['系统繁忙，请稍后再拨。']);
    assert.ok(decision.trace.includes('lookup account failed (status 503) after 1 attempt → sorry'));
    assert.deepEqual(decision.facts.lookups, [
      { use: 'account', outcome: 'failed', why: 'status', status: 503, attempts: 1 },
    ]);
  });

  it('goes to onError when a value to save is missing or of the wrong kind', () => {
    for (const data of [
      { data: {} },
      { data: { balance: 'lots' } },
      { data: { balance: 1234567890123.5 } },
    ]) {
      const call = atCard(bankCall({ kind: 'ok', data, attempts: 1 }));
      const decision = call.send('dtmf', { dtmf_digits: '62220001' });
      assert.deepEqual(spoken(decision), ['系统繁忙，请稍后再拨。'], JSON.stringify(data));
      assert.deepEqual(decision.facts.outcomes?.includes('lookup-failed'), true);
    }
  });

  it('pauses as plain data: a need survives JSON and resumes alike', () => {
    const call = atCard(bankCall());
    const digits = { callId: CALL_ID, timestamp: NOW, contentOk: true, type: 'dtmf' } as const;
    const event = {
      ...digits,
      content: { dtmf_digits: '62220001', dynamic_id: call.dynamicId },
    } as FlowEvent;
    const decoded = decodeState(call.dynamicId, KEYS, CALL_ID);
    const result = decideNextAction(rules, event, decoded, NOW, 'inbound');
    assert.ok(isNeed(result));
    const copy = JSON.parse(JSON.stringify(result.paused));
    const direct = resumeNextAction(rules, result.paused, ok(5), NOW);
    const revived = resumeNextAction(rules, copy, ok(5), NOW);
    assert.ok(!isNeed(direct) && !isNeed(revived));
    assert.deepEqual(revived.action, direct.action);
    assert.deepEqual(revived.state, direct.state);
    assert.deepEqual(revived.trace, direct.trace);
  });

  it('seals the waiting position with its attempts', () => {
    const call = atCard(bankCall({ kind: 'waiting', attempts: 2 }));
    call.send('dtmf', { dtmf_digits: '62220001' });
    const decoded = decodeState(call.dynamicId, KEYS, CALL_ID);
    assert.equal(decoded.kind, 'ok');
    if (decoded.kind !== 'ok') return;
    const state = openState(decoded.state, rules.names);
    assert.equal(state?.node, 'getAccount');
    assert.equal(state?.phase, 'waiting');
    assert.equal(state?.attempts, 2);
  });

  it('answers a callin with the filler when the first node looks something up', () => {
    const rulesAtStart = compileOrThrow({
      ...BANK,
      flows: { bank: { ...BANK.flows.bank, start: 'getAccount' } },
    });
    const call = new Call(rulesAtStart, {
      keys: KEYS,
      now: NOW,
      answer: () => ({ kind: 'waiting', attempts: 1 }),
    });
    const decision = call.send('callin', { caller: '13800138000' });
    assert.equal(decision.action.action, 'answer');
    assert.deepEqual(spoken(decision), ['正在为您查询，请稍候。']);
    assert.equal(decision.state?.phase, 'waiting');
  });
});
