/**
 * The classifier client against the language-model stand-in on 127.0.0.1: a verdict when it answers, a
 * failure of the right kind for every way it misbehaves, nothing sent without a key, and the budget guard
 * turning it off on slowness, on errors and on spend, then back on after a cooldown (a wall clock the test
 * moves), each change heard once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LlmServer, startLlmServer } from '../../dev/llm-server';
import { DEFAULT_GUARD_LIMITS, type GuardChange } from '../../shared/classify/budget-guard';
import { createClassifierClient } from '../../shared/classify/classifier-client';
import type { ClassifyTask, GuardSettings } from '../../shared/classify/classify-types';

const KEY = 'llm-client-test-key-5d1e';
/** The guard's defaults, a window of 20, off after 5 calls at most. */
const GUARD: GuardSettings = DEFAULT_GUARD_LIMITS;

describe('the classifier client', () => {
  let server: LlmServer;
  before(async () => {
    server = await startLlmServer({ apiKey: KEY });
  });
  after(() => server.close());

  /** A task at `endpoint`: the lost-card menu's choices, the key set unless `env` says otherwise. */
  function task(endpoint: string, more: Partial<ClassifyTask> = {}): ClassifyTask {
    return {
      request: {
        utterance: '我那个卡好像被人刷了',
        choices: [
          { id: 'lostCard', kind: 'intent', keywords: ['挂失'], examples: ['我的卡被人刷了'] },
          { id: 'balance', kind: 'intent', keywords: ['余额'], description: '查询余额' },
          { id: 'agent', kind: 'handler', keywords: ['人工'] },
        ],
        endpoint,
        model: 'qwen-flash',
        apiKeyEnv: 'LLM_API_KEY',
        maxTokens: 40,
        maxBytes: 16_384,
      },
      guard: GUARD,
      // Generous: a stand-in on this machine answers in a few ms, but the suite may share two busy cores.
      waitMs: 5_000,
      env: (name) => (name === 'LLM_API_KEY' ? KEY : undefined),
      ...more,
    };
  }

  it('answers with the verdict and the tokens used, sending the key and the masked words as data', async () => {
    const client = createClassifierClient();
    try {
      const answer = await client.perform(task(server.url));
      assert.equal(answer.kind, 'classified');
      assert.ok(answer.kind === 'classified');
      assert.equal(answer.choice, 'lostCard');
      assert.ok(answer.confidence > 0.3 && answer.confidence <= 1);
      assert.ok((answer.usage?.promptTokens ?? 0) > 0);
      const received = server.requests.at(-1);
      assert.equal(received?.authorized, true);
      assert.equal(received?.utterance, '我那个卡好像被人刷了');
      assert.deepEqual(received?.choices, ['lostCard', 'balance', 'agent']);
    } finally {
      client.close();
    }
  });

  it('sends nothing without the key, or with a variable outside LLM_', async () => {
    const client = createClassifierClient();
    const before = server.requests.length;
    const unset = await client.perform(task(server.url, { env: () => undefined }));
    const foreign = await client.perform({
      ...task(server.url),
      request: { ...task(server.url).request, apiKeyEnv: 'AWS_SECRET_ACCESS_KEY' },
      env: () => KEY,
    });
    assert.deepEqual(
      [unset.kind === 'failed' && unset.why, foreign.kind === 'failed' && foreign.why],
      ['unsendable', 'unsendable'],
    );
    assert.equal(server.requests.length, before);
    assert.deepEqual(client.guards(), [], 'a classification never sent leaves the guard untouched');
  });

  for (const [mode, why] of [
    ['hang', 'timeout'],
    ['slow:900', 'timeout'],
    ['rate-limit', 'rate-limited'],
    ['status:503', 'status'],
    ['junk', 'unparseable'],
    ['not-json', 'unparseable'],
    ['huge', 'unparseable'],
    ['empty', 'unparseable'],
    ['off-list', 'off-list'],
    ['reset', 'connection'],
  ] as const) {
    it(`fails ${why} when the stand-in answers ${mode}`, async () => {
      const client = createClassifierClient();
      try {
        // Only the stand-ins that hang or answer in 900 ms meet a shorter wait: their verdict shows the deadline.
        const answer = await client.perform(
          task(server.urlIn(mode), why === 'timeout' ? { waitMs: 300 } : {}),
        );
        assert.equal(answer.kind === 'failed' ? answer.why : answer.kind, why);
        if (mode === 'rate-limit') assert.equal(answer.kind === 'failed' && answer.status, 429);
      } finally {
        client.close();
      }
    });
  }

  /** A client on a wall clock the test moves, and the guard changes it hears. */
  function guarded() {
    let wall = Date.UTC(2026, 11, 7, 2, 0, 0);
    const changes: GuardChange['kind'][] = [];
    const client = createClassifierClient({ wallNow: () => wall });
    const perform = (endpoint: string, guard: GuardSettings = GUARD) =>
      client.perform(task(endpoint, { guard, onGuardChange: (change) => changes.push(change.kind) }));
    return { client, changes, perform, pass: (s: number) => (wall += s * 1000) };
  }

  it('turns itself off when it is slow, sends nothing while off, and is back on after one good probe', async () => {
    const { client, changes, perform, pass } = guarded();
    try {
      const slow = { ...GUARD, latencyP95Ms: 100 };
      for (let i = 0; i < 5; i++) await perform(server.urlIn('slow:150'), slow);
      assert.deepEqual(changes, ['tripped']);
      assert.equal(client.guards()[0]?.status.state, 'off');
      assert.equal(client.guards()[0]?.status.why, 'latency');
      const sent = server.requests.length;
      const refused = await perform(server.url, slow);
      assert.equal(refused.kind === 'failed' && refused.why, 'guard-off');
      assert.equal(server.requests.length, sent, 'nothing sent while off');
      pass(61);
      const probe = await perform(server.url, slow);
      assert.equal(probe.kind, 'classified');
      assert.deepEqual(changes, ['tripped', 'recovered']);
      assert.equal(client.guards()[0]?.status.state, 'on');
    } finally {
      client.close();
    }
  });

  it('turns itself off on errors, stays off when its probe fails, and recovers on a later one', async () => {
    const { client, changes, perform, pass } = guarded();
    try {
      for (let i = 0; i < 5; i++) await perform(server.urlIn('status:500'));
      assert.equal(client.guards()[0]?.status.why, 'errors');
      pass(61);
      await perform(server.urlIn('rate-limit'));
      assert.equal(client.guards()[0]?.status.state, 'off');
      pass(61);
      await perform(server.url);
      assert.deepEqual(changes, ['tripped', 'probe-failed', 'recovered']);
    } finally {
      client.close();
    }
  });

  it('counts the tokens of an answer it could not use as spent', async () => {
    const { client, changes, perform } = guarded();
    try {
      const dear = { ...GUARD, prices: { inputPer1k: 1, outputPer1k: 1 }, maxSpendPerHour: 0.5 };
      const answer = await perform(server.urlIn('off-list'), dear);
      assert.equal(answer.kind === 'failed' && answer.why, 'off-list');
      assert.ok((answer.usage?.promptTokens ?? 0) > 0);
      assert.deepEqual(changes, ['tripped']);
      assert.equal(client.guards()[0]?.status.why, 'spend');
    } finally {
      client.close();
    }
  });

  it('turns itself off when the hour’s spend passes the limit, from the tokens the answers report', async () => {
    const { client, changes, perform, pass } = guarded();
    try {
      const dear = { ...GUARD, prices: { inputPer1k: 1, outputPer1k: 1 }, maxSpendPerHour: 0.5 };
      await perform(server.url, dear);
      assert.deepEqual(changes, ['tripped']);
      assert.equal(client.guards()[0]?.status.why, 'spend');
      assert.ok((client.guards()[0]?.status.spendLastHour ?? 0) > 0.5);
      pass(3601);
      const probe = await perform(server.urlIn('no-usage'), dear);
      assert.equal(probe.kind, 'classified');
      assert.deepEqual(changes, ['tripped', 'recovered']);
    } finally {
      client.close();
    }
  });
});
