import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handleCallbackRequest } from '../../shared/callback/handle-callback';
import { readConfig } from '../../shared/config/config';
import { toHttpRequest } from '../../shared/fc/http-trigger';
import { type LookupAnswer, type LookupTask, readLookupTaskKey } from '../../shared/lookup/lookup-types';
import { loadRules } from '../../shared/rules/load-rules';
import type { RulesInput } from '../../shared/rules/rules-schema';
import { inboundDeps } from '../support/callback-deps';
import { formCallback } from '../support/fc-event';

const RULES = {
  version: 'lookup-callback',
  defaultLine: { flow: 'main' },
  lookups: {
    account: {
      url: 'https://api.example.com/account',
      query: { phone: '{{caller}}' },
      headers: { Authorization: 'Bearer {{env.LOOKUP_TOKEN}}' },
      waitMs: 300,
    },
    again: { url: 'https://api.example.com/again' },
  },
  flows: {
    main: {
      start: 'get',
      nodes: {
        get: {
          type: 'lookup',
          use: 'account',
          save: {
            balance: { from: 'balance', type: 'number', maxBytes: 12 },
            pin: { from: 'pin', maxBytes: 6, sensitive: true },
          },
          filler: '请稍候。',
          next: 'say',
          onError: 'bye',
        },
        say: { type: 'say', say: '余额{{vars.balance}}元。', next: 'bye' },
        bye: { type: 'hangup', say: '再见。' },
        loop1: { type: 'lookup', use: 'again', next: 'loop2', onError: 'bye' },
        loop2: { type: 'lookup', use: 'again', next: 'loop3', onError: 'bye' },
        loop3: { type: 'lookup', use: 'again', next: 'loop4', onError: 'bye' },
        loop4: { type: 'lookup', use: 'again', next: 'bye', onError: 'bye' },
      },
    },
  },
} satisfies RulesInput;

/** A handler of callin under `rules`, its lookups performed by `perform`, its log lines kept. */
function handler(
  rules: RulesInput,
  perform: (task: LookupTask) => Promise<LookupAnswer>,
  options: { readonly budgetMs?: string; readonly now?: () => number } = {},
) {
  const lines: Record<string, unknown>[] = [];
  const config = readConfig({
    STATE_SECRETS: 'lookup-tests-state-key-1',
    RULES: JSON.stringify(rules),
    ...(options.budgetMs === undefined ? {} : { CALLBACK_BUDGET_MS: options.budgetMs }),
  });
  const tasks: LookupTask[] = [];
  const deps = inboundDeps(config, () => loadRules(config, () => undefined), lines, {
    ...(options.now === undefined ? {} : { now: options.now }),
    lookups: {
      perform: (task: LookupTask) => {
        tasks.push(task);
        return perform(task);
      },
      env: (name: string) => (name === 'LOOKUP_TOKEN' ? 'secret-token-value' : undefined),
    },
  });
  const callin = {
    call_id: '1^2',
    content_type: 'callin',
    content: JSON.stringify({ caller: '13800138000', callee: '05923391657' }),
  };
  const converted = toHttpRequest(formCallback(callin), 64 * 1024);
  assert.ok(converted.ok);
  return {
    lines,
    tasks,
    answer: async () =>
      JSON.parse((await handleCallbackRequest(converted.request, deps)).body) as {
        data: { action: string; action_code_param?: string };
      },
  };
}

describe('a callback that needs a lookup', () => {
  it('performs it at the edge, keyed by call and node, with the wait, and logs what it came to', async () => {
    const { answer, lines, tasks } = handler(RULES, async () => ({
      kind: 'ok',
      data: { balance: 13800138000, pin: '123456' },
      attempts: 1,
    }));
    const reply = await answer();
    assert.equal(reply.data.action, 'answer');
    assert.match(String(reply.data.action_code_param), /余额13800138000元/);
    assert.equal(tasks[0]?.key, '1^2|main/get@0');
    assert.deepEqual(readLookupTaskKey(tasks[0]?.key ?? ''), { flow: 'main', node: 'get' });
    assert.deepEqual(readLookupTaskKey('a|b|main/get@12'), { flow: 'main', node: 'get' });
    assert.equal(readLookupTaskKey('1^2|main/get'), undefined);
    assert.equal(tasks[0]?.waitMs, 300);
    assert.equal(tasks[0]?.attemptsSoFar, 0);
    assert.equal(tasks[0]?.env('LOOKUP_TOKEN'), 'secret-token-value');
    const line = lines.find((l) => l.msg === 'callback');
    assert.deepEqual(line?.outcomes, ['started', 'lookup-ok', 'entered', 'ended']);
    assert.deepEqual(line?.lookups, [
      { use: 'account', outcome: 'ok', attempts: 1, values: { balance: '***********', pin: '(sensitive)' } },
    ]);
    const text = JSON.stringify(lines);
    assert.doesNotMatch(text, /secret-token-value/);
    assert.doesNotMatch(text, /123456|13800138000/);
  });

  it('answers with the filler when the wait runs out, within the budget and the wait', async () => {
    const quick = {
      ...RULES,
      lookups: { ...RULES.lookups, account: { ...RULES.lookups.account, waitMs: 60 } },
    };
    const { answer, lines } = handler(
      quick,
      async (task) => {
        await new Promise((resolve) => setTimeout(resolve, task.waitMs));
        return { kind: 'waiting', attempts: 1 };
      },
      { budgetMs: '50' },
    );
    const started = Date.now();
    const reply = await answer();
    assert.equal(reply.data.action, 'answer');
    assert.match(String(reply.data.action_code_param), /请稍候/);
    assert.ok(Date.now() - started < 50 + 60 + 500);
    assert.deepEqual(lines.find((l) => l.msg === 'callback')?.outcomes, ['started', 'lookup-waiting']);
  });

  it('answers with the fallback when a client does not keep to its wait', async () => {
    const config = {
      ...RULES,
      lookups: { ...RULES.lookups, account: { ...RULES.lookups.account, waitMs: 0 } },
    };
    const { answer, lines } = handler(config, () => new Promise(() => undefined), { budgetMs: '50' });
    const reply = await answer();
    assert.match(String(reply.data.action_code_param), /系统暂时繁忙/);
    const failure = lines.find((l) => l.msg === 'callback failed; answered with the fallback');
    assert.match(JSON.stringify(failure?.error), /ran out waiting for lookup account/);
  });

  it('gives a later lookup of a chain the wait that is left, and answers with its filler, not the fallback', async () => {
    // The first lookup answers late in the first's wait, so the second may wait only what is left of the
    // budget; time passes between the handler's reads of its clock (each read is a millisecond later).
    const chained = {
      ...RULES,
      lookups: { ...RULES.lookups, again: { url: 'https://api.example.com/again', waitMs: 250 } },
      flows: {
        main: {
          ...RULES.flows.main,
          start: 'first',
          nodes: {
            ...RULES.flows.main.nodes,
            first: { type: 'lookup', use: 'again', next: 'get', onError: 'bye' },
          },
        },
      },
    } satisfies RulesInput;
    let drift = 0;
    const { answer, lines, tasks } = handler(
      chained,
      async (task) => {
        if (task.request.name === 'again') {
          await new Promise((resolve) => setTimeout(resolve, 200));
          return { kind: 'ok', data: {}, attempts: 1 };
        }
        // As the lookup client does: the whole wait, then `waiting`.
        await new Promise((resolve) => setTimeout(resolve, task.waitMs));
        return { kind: 'waiting', attempts: 1 };
      },
      { budgetMs: '50', now: () => Date.now() + drift++ },
    );
    const reply = await answer();
    assert.equal(tasks.length, 2);
    assert.ok((tasks[1]?.waitMs ?? 0) < 300, 'the second lookup waits what is left, not its waitMs');
    assert.match(String(reply.data.action_code_param), /请稍候/);
    assert.deepEqual(lines.find((l) => l.msg === 'callback')?.outcomes, [
      'started',
      'lookup-ok',
      'entered',
      'lookup-waiting',
    ]);
  });

  it('refuses a flow that asks for more lookups in one callback than the bound', async () => {
    const chained = { ...RULES, flows: { main: { ...RULES.flows.main, start: 'loop1' } } };
    const { answer, lines, tasks } = handler(chained, async () => ({ kind: 'ok', data: {}, attempts: 1 }));
    const reply = await answer();
    assert.match(String(reply.data.action_code_param), /系统暂时繁忙/);
    assert.equal(tasks.length, 3);
    const failure = lines.find((l) => l.msg === 'callback failed; answered with the fallback');
    assert.match(JSON.stringify(failure?.error), /flow main asks for more than 3 lookups in one callback/);
  });
  it('sends the node to onError, not the fallback, when the lookup client cannot be loaded', async () => {
    const { answer, lines } = handler(RULES, () => {
      throw new Error("Cannot find module './lookup-client.js'");
    });
    const reply = await answer();
    assert.match(String(reply.data.action_code_param), /再见/);
    assert.doesNotMatch(String(reply.data.action_code_param), /系统暂时繁忙/);
    const line = lines.find((l) => l.msg === 'callback');
    assert.deepEqual(line?.lookups, [{ use: 'account', outcome: 'failed', attempts: 0, why: 'unsendable' }]);
    assert.ok(lines.some((l) => l.msg === 'the lookup client cannot be loaded: every lookup fails'));
  });
});
