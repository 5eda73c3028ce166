import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handleCallbackRequest } from '../../shared/callback/handle-callback';
import { readConfig } from '../../shared/config/config';
import { toHttpRequest } from '../../shared/fc/http-trigger';
import { loadRules } from '../../shared/rules/load-rules';
import callin from '../fixtures/callbacks/callin.json';
import { inboundDeps } from '../support/callback-deps';
import { formCallback } from '../support/fc-event';

/** A callback handler whose rules arrive when `rules` settles, with its log lines kept. */
function handlerWaitingFor(rules: () => Promise<ReturnType<typeof loadRules>>, budgetMs: string) {
  const lines: Record<string, unknown>[] = [];
  const config = readConfig({ STATE_SECRETS: 'deadline-tests-state-key-1', CALLBACK_BUDGET_MS: budgetMs });
  const deps = inboundDeps(config, rules, lines);
  const converted = toHttpRequest(formCallback(callin), 64 * 1024);
  assert.ok(converted.ok);
  return { lines, answer: () => handleCallbackRequest(converted.request, deps) };
}

describe('the callback deadline guard', () => {
  it('answers in time with the safe reply when the rules never come, and logs that it did', {
    timeout: 5000,
  }, async () => {
    // Rules that never arrive: without the guard this test would hang until the runner's timeout.
    const { lines, answer } = handlerWaitingFor(() => new Promise(() => undefined), '60');
    const started = Date.now();
    const response = await answer();
    // Generous for a noisy machine; what matters is that the 60 ms budget, not the runner, ended the wait.
    assert.ok(Date.now() - started < 2_000);
    assert.equal(response.status, 200);
    const reply = JSON.parse(response.body) as { data: { action: string; action_code_param?: string } };
    assert.equal(reply.data.action, 'answer');
    assert.match(String(reply.data.action_code_param), /系统暂时繁忙/);
    const failure = lines.find((line) => line.msg === 'callback failed; answered with the fallback');
    const error = (failure?.error ?? {}) as { name?: string; message?: string };
    assert.equal(error.name, 'DeadlineError');
    assert.match(String(error.message), /budget of 60 ms ran out/);
  });

  it('waits for rules that arrive within the budget', async () => {
    const loaded = loadRules(readConfig({}), () => undefined);
    const { answer } = handlerWaitingFor(
      () => new Promise((resolve) => setTimeout(() => resolve(loaded), 5)),
      '2000',
    );
    const reply = JSON.parse((await answer()).body) as {
      data: { action: string; action_code_param?: string };
    };
    assert.equal(reply.data.action, 'answer');
    assert.doesNotMatch(String(reply.data.action_code_param), /系统暂时繁忙/);
  });

  it('refuses a budget that is not a number of milliseconds from 50 to 10000', () => {
    assert.throws(
      () => readConfig({ CALLBACK_BUDGET_MS: 'soon' }),
      /CALLBACK_BUDGET_MS is invalid: write a whole number of milliseconds/,
    );
    assert.throws(() => readConfig({ CALLBACK_BUDGET_MS: '10' }), /at least 50/);
    assert.equal(readConfig({}).callbackBudgetMs, 400);
  });
});
