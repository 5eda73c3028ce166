/**
 * The bank example's language-model fallback through the built inbound bundle and its side file
 * `classifier-client.js`, against the stand-in on 127.0.0.1: words no keyword knows reach the lost-card
 * path when the model answers; when it hangs, the same words are the menu's no-match retry within the
 * callback's budget and wait; a guard that trips shows in the status and the log; no key or card digit
 * leaves in a log line, the status or a reply.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type LlmServer, startLlmServer } from '../../dev/llm-server';
import { parseYaml } from '../../shared/rules/yaml-parser';
import { type ReplyData, restoreClock, setClock, spoken, startCall } from '../support/bundle-call';
import { captureLogs, type FcHandler, fcEvent, loadWithEnv, ROOT } from '../support/fc-event';

const KEY = 'sk-classifier-bundle-test-7c2b';
const BUDGET_MS = 400;
/** The bank's main menu, which office hours reach. */
const MENU = '挂失银行卡请按1或说「挂失」，查询余额请按2或说「余额」，人工服务请按0或说「人工」。';

/** The bank example with its classifier at `endpoint` and `guard` (each test its own, so its own guard). */
function bankWith(endpoint: string, guard: Record<string, number> = {}): string {
  const rules = parseYaml(readFileSync(join(ROOT, 'examples/bank-card-service.yaml'), 'utf8')) as {
    classifier: Record<string, unknown>;
  };
  rules.classifier = {
    ...rules.classifier,
    endpoint,
    guard: { ...(rules.classifier.guard as object), ...guard },
  };
  return JSON.stringify(rules);
}

function inboundWith(rules: string): Promise<FcHandler> {
  process.env.LLM_API_KEY = KEY;
  return loadWithEnv('inbound', {
    STATE_SECRETS: 'classifier-bundle-state-key',
    CALLBACK_BUDGET_MS: String(BUDGET_MS),
    RULES: rules,
  });
}

/** A call in office hours, at the main menu. */
async function atMenu(handler: FcHandler): Promise<(words: string) => Promise<ReplyData>> {
  const { send } = startCall(handler);
  const answer = await send('callin', { caller: '13800138000', callee: '95000' });
  assert.ok(spoken(answer).includes(MENU));
  return (words) => send('normal', { words });
}

describe('the classifier through the built bundle', () => {
  let server: LlmServer;
  before(async () => {
    // 10:00 on a Tuesday in Xiamen: office hours, the main menu.
    setClock('2026-03-10T02:00:00Z');
    server = await startLlmServer({ apiKey: KEY });
  });
  after(async () => {
    restoreClock();
    delete process.env.LLM_API_KEY;
    await server.close();
  });

  it('takes 我那个卡好像被人刷了 to the lost-card path when the model answers, card digits masked', async () => {
    const handler = await inboundWith(bankWith(server.url));
    const say = await atMenu(handler);
    const { result: masked, logs: first } = await captureLogs(() => say('嗯我的卡号是6222021234'));
    assert.equal(server.requests.at(-1)?.utterance, '嗯我的卡号是**********');
    assert.match(spoken(masked), /^抱歉，没能识别您的选择。/);
    const { result, logs } = await captureLogs(() => say('我那个卡好像被人刷了'));
    assert.match(spoken(result), /为保障您的资金安全/);
    const line = logs.find((l) => l.msg === 'callback');
    assert.equal(line?.matched, 'intent lostCard');
    assert.equal((line?.classified as { taken?: boolean } | undefined)?.taken, true);
    assert.doesNotMatch(JSON.stringify([...first, ...logs]), /6222021234|sk-classifier/);
  });

  it('answers the no-match retry within the budget and the wait when the model hangs', async () => {
    const handler = await inboundWith(bankWith(server.urlIn('hang')));
    const say = await atMenu(handler);
    const started = performance.now();
    const { result, logs } = await captureLogs(() => say('我那个卡好像被人刷了'));
    const took = performance.now() - started;
    assert.match(spoken(result), /^抱歉，没能识别您的选择。/);
    const line = logs.find((l) => l.msg === 'callback');
    assert.deepEqual(
      { why: (line?.classified as { why?: string } | undefined)?.why, retries: line?.retries },
      { why: 'timeout', retries: { noInput: 0, noMatch: 1 } },
    );
    assert.ok(Number(line?.ms) <= BUDGET_MS + 700, `the callback took ${line?.ms} ms`);
    assert.ok(took < BUDGET_MS + 700 + 200, `took ${Math.round(took)} ms`);
  });

  it('shows a tripped guard in the status and the log, and sends nothing while it is off', async () => {
    const handler = await inboundWith(
      bankWith(server.urlIn('status:503'), { minSamples: 3, cooldownS: 3600 }),
    );
    const say = await atMenu(handler);
    const { logs } = await captureLogs(async () => {
      for (let i = 0; i < 3; i++) await say(`你们几点关门${i}`);
    });
    const tripped = logs.find((l) => l.level === 'warn' && String(l.msg).startsWith('classifier off:'));
    assert.ok(tripped, JSON.stringify(logs.map((l) => l.msg)));
    assert.match(String(tripped.msg), /3 of 3 calls failed/);
    const sent = server.requests.length;
    // Three no-matches escalated that call to an agent: another call at the same instance's menu.
    const again = await atMenu(handler);
    const { logs: later } = await captureLogs(() => again('你们几点关门'));
    const off = later.find((l) => l.msg === 'callback');
    assert.equal((off?.classified as { why?: string } | undefined)?.why, 'guard-off', JSON.stringify(later));
    assert.equal(server.requests.length, sent);
    const status = JSON.parse((await handler(fcEvent({ method: 'GET', path: '/inbound' }))).body) as {
      classifier: { guard: { state: string; why: string }; apiKeySet: boolean; apiKeyEnv: string };
      warnings: { kind: string; message: string }[];
    };
    assert.deepEqual(
      {
        state: status.classifier.guard.state,
        why: status.classifier.guard.why,
        keySet: status.classifier.apiKeySet,
      },
      { state: 'off', why: 'errors', keySet: true },
    );
    assert.ok(status.warnings.some((w) => w.kind === 'classifier' && /budget guard/.test(w.message)));
    assert.doesNotMatch(JSON.stringify(status), /sk-classifier/);
  });

  it('says in the status when the key is not set, and asks nothing', async () => {
    const handler = await loadWithEnv('inbound', {
      STATE_SECRETS: 'classifier-bundle-state-key',
      RULES: bankWith(server.url),
    });
    delete process.env.LLM_API_KEY;
    const say = await atMenu(handler);
    const sent = server.requests.length;
    const reply = await say('我那个卡好像被人刷了');
    assert.match(spoken(reply), /^抱歉，没能识别您的选择。/);
    assert.equal(server.requests.length, sent);
    const status = JSON.parse((await handler(fcEvent({ method: 'GET', path: '/inbound' }))).body) as {
      warnings: { kind: string; message: string }[];
    };
    assert.ok(
      status.warnings.some((w) => w.kind === 'classifier' && /LLM_API_KEY is not set/.test(w.message)),
    );
  });
});
