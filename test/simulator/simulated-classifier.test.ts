import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ForwardedClassifier,
  ReplayedClassifier,
  ScriptedClassifier,
} from '../../dev/simulator/simulated-classifier';
import { DEFAULT_GUARD_LIMITS } from '../../shared/classify/budget-guard';
import type {
  ClassifyAnswer,
  ClassifyRequest,
  ClassifyTask,
  PerformClassify,
} from '../../shared/classify/classify-types';

const REQUEST: ClassifyRequest = {
  utterance: '我那个卡好像被人刷了',
  choices: [
    { id: 'lostCard', kind: 'intent', description: '银行卡丢失、被盗刷' },
    { id: 'balance', kind: 'intent' },
    { id: 'agent', kind: 'handler' },
  ],
  endpoint: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
  model: 'qwen-flash',
  apiKeyEnv: 'LLM_API_KEY',
  maxTokens: 50,
  maxBytes: 8192,
};

/** One callback's task, as the handler hands it over. */
function task(changes: Partial<ClassifyTask> = {}): ClassifyTask {
  return { request: REQUEST, guard: DEFAULT_GUARD_LIMITS, waitMs: 700, env: () => undefined, ...changes };
}

const NO_CLIENT: PerformClassify = () => assert.fail('the simulated classifier never uses the client');

describe('ScriptedClassifier', () => {
  it('plays a verdict as the client reads it: taken as said, or off-list when the menu did not offer it', async () => {
    const desk = new ScriptedClassifier();
    const perform = desk.standIn(NO_CLIENT);
    desk.startCall({ kind: 'verdict', choice: 'lostCard', confidence: 0.92 });
    assert.deepEqual(await perform(task()), {
      type: 'classify',
      kind: 'classified',
      choice: 'lostCard',
      confidence: 0.92,
      ms: 0,
    });
    desk.script({ kind: 'verdict', choice: 'none', confidence: 0.8 });
    assert.deepEqual(await perform(task()), {
      type: 'classify',
      kind: 'classified',
      choice: 'none',
      confidence: 0.8,
      ms: 0,
    });
    desk.script({ kind: 'verdict', choice: 'wait', confidence: 0.99 });
    assert.deepEqual(await perform(task()), { type: 'classify', kind: 'failed', why: 'off-list', ms: 0 });
    assert.deepEqual(desk.takeReport(), { unanswered: [], notes: [], underivable: false });
  });

  it('times out after the whole wait, answers 429 as rate-limited, and other failures at once', async () => {
    const desk = new ScriptedClassifier();
    const perform = desk.standIn(NO_CLIENT);
    desk.startCall({ kind: 'failed', why: 'timeout' });
    assert.deepEqual(await perform(task({ waitMs: 650 })), {
      type: 'classify',
      kind: 'failed',
      why: 'timeout',
      ms: 650,
    });
    desk.script({ kind: 'failed', why: 'rate-limited' });
    assert.deepEqual(await perform(task()), {
      type: 'classify',
      kind: 'failed',
      why: 'rate-limited',
      ms: 0,
      status: 429,
    });
    desk.script({ kind: 'failed', why: 'unparseable' });
    assert.deepEqual(await perform(task()), { type: 'classify', kind: 'failed', why: 'unparseable', ms: 0 });
  });

  it('reports a classification nothing scripted, answered unsendable, and never sends it', async () => {
    const desk = new ScriptedClassifier();
    desk.startCall();
    assert.deepEqual(await desk.standIn(NO_CLIENT)(task()), {
      type: 'classify',
      kind: 'failed',
      why: 'unsendable',
      ms: 0,
    });
    assert.deepEqual(desk.takeReport(), { unanswered: [REQUEST], notes: [], underivable: false });
    assert.deepEqual(desk.takeReport().unanswered, [], 'a report is taken once');
  });

  it('answers the next classification only with an answer typed for it, a callback sent again included', async () => {
    const desk = new ScriptedClassifier();
    const perform = desk.standIn(NO_CLIENT);
    const asked: ClassifyRequest[] = [];
    desk.ask = async (request) => {
      asked.push(request);
      return { kind: 'verdict', choice: 'balance', confidence: 0.75 };
    };
    await perform(task());
    assert.equal(await desk.answerUnanswered(), true);
    assert.deepEqual(asked, [REQUEST]);
    // The callback sent again gets the answer, twice if it is sent twice, until its report is taken.
    for (let sent = 0; sent < 2; sent++)
      assert.equal(((await perform(task())) as { choice?: string }).choice, 'balance');
    desk.takeReport();
    await perform(task());
    assert.equal(desk.takeReport().unanswered.length, 1, 'the next callback is asked again');
    assert.equal(await desk.answerUnanswered(), false, 'nothing left unanswered since the report');
  });

  it('keeps the instance’s budget guard on the simulator’s clock: off after failures, a probe after the cooldown', async () => {
    let now = Date.parse('2026-03-10T10:00:00+08:00');
    const desk = new ScriptedClassifier();
    desk.useClock(() => now);
    const perform = desk.standIn(NO_CLIENT);
    const guard = { ...DEFAULT_GUARD_LIMITS, minSamples: 3, maxFailureRate: 0.5, cooldownS: 60 };
    const changes: string[] = [];
    const guarded = task({ guard, onGuardChange: (change) => changes.push(change.kind) });
    desk.startCall({ kind: 'failed', why: 'timeout' });
    const whys: string[] = [];
    for (let i = 0; i < 4; i++) whys.push(((await perform(guarded)) as { why?: string }).why ?? '');
    assert.deepEqual(whys, ['timeout', 'timeout', 'timeout', 'guard-off']);
    assert.deepEqual(changes, ['tripped']);
    desk.script({ kind: 'verdict', choice: 'lostCard', confidence: 0.9 });
    now += 59_000;
    assert.equal(((await perform(guarded)) as { why?: string }).why, 'guard-off', 'still cooling down');
    now += 2_000;
    assert.equal((await perform(guarded)).kind, 'classified', 'the probe');
    assert.deepEqual(changes, ['tripped', 'recovered']);
    // A scripted failure the client meets before sending is not judged by the guard.
    desk.startCall({ kind: 'failed', why: 'unsendable' });
    for (let i = 0; i < 5; i++) await perform(guarded);
    desk.script({ kind: 'verdict', choice: 'lostCard', confidence: 0.9 });
    assert.equal((await perform(guarded)).kind, 'classified');
  });

  it('gives another instance a guard of its own', async () => {
    const desk = new ScriptedClassifier();
    const perform = desk.standIn(NO_CLIENT);
    const guarded = task({ guard: { ...DEFAULT_GUARD_LIMITS, minSamples: 1, maxFailureRate: 0 } });
    desk.startCall({ kind: 'failed', why: 'connection' });
    await perform(guarded);
    desk.script({ kind: 'verdict', choice: 'lostCard', confidence: 0.9 });
    assert.equal(((await perform(guarded)) as { why?: string }).why, 'guard-off');
    desk.moveToNewInstance();
    assert.equal((await perform(guarded)).kind, 'classified');
  });
});

describe('ReplayedClassifier', () => {
  it('answers with the logged verdict or failure, its time and tokens', async () => {
    const desk = new ReplayedClassifier();
    const perform = desk.standIn(NO_CLIENT);
    desk.feed({
      asked: 'nomatch',
      choice: 'lostCard',
      confidence: 0.92,
      taken: true,
      ms: 640,
      promptTokens: 409,
      completionTokens: 14,
    });
    assert.deepEqual(await perform(task()), {
      type: 'classify',
      kind: 'classified',
      choice: 'lostCard',
      confidence: 0.92,
      ms: 640,
      usage: { promptTokens: 409, completionTokens: 14 },
    });
    desk.feed({ asked: 'nomatch', why: 'timeout', taken: false, ms: 702 });
    assert.deepEqual(await perform(task()), { type: 'classify', kind: 'failed', why: 'timeout', ms: 702 });
    assert.deepEqual(desk.takeReport(), { unanswered: [], notes: [], underivable: false });
  });

  it('says what it could not know: a turn that asked nothing, a choice no longer offered, an unknown failure', async () => {
    const desk = new ReplayedClassifier();
    const perform = desk.standIn(NO_CLIENT);
    desk.feed(undefined);
    assert.equal(((await perform(task())) as { why?: string }).why, 'unsendable');
    const notAsked = desk.takeReport();
    assert.equal(notAsked.underivable, true);
    assert.match(notAsked.notes.join(), /the classifier was not asked on this turn of the logged call/);
    desk.feed({ asked: 'nomatch', choice: 'stolenCard', confidence: 0.9, taken: true, ms: 500 });
    assert.deepEqual(await perform(task()), { type: 'classify', kind: 'failed', why: 'off-list', ms: 500 });
    assert.match(
      desk.takeReport().notes.join(),
      /chose stolenCard in the logged call, which this menu does not offer/,
    );
    // Refused as off-list then too: the same now, nothing made up.
    desk.feed({
      asked: 'nomatch',
      choice: 'agent_override',
      confidence: 0.99,
      why: 'off-list',
      taken: false,
      ms: 9,
    });
    assert.equal(((await perform(task())) as { why?: string }).why, 'off-list');
    assert.equal(desk.takeReport().underivable, false);
    desk.feed({ asked: 'nomatch', why: 'sleepy', taken: false, ms: 3 });
    assert.equal(((await perform(task())) as { why?: string }).why, 'unsendable');
    assert.match(desk.takeReport().notes.join(), /for a reason this replay does not know \(sleepy\)/);
    // Each logged classification answers one classification.
    desk.feed({ asked: 'nomatch', why: 'timeout', taken: false, ms: 700 });
    await perform(task());
    assert.equal(((await perform(task())) as { why?: string }).why, 'unsendable');
  });
});

describe('ForwardedClassifier', () => {
  it('sends through the instance’s own client, to the stand-in, with its key for the key’s variable only', async () => {
    const sent: { endpoint: string; key: string | undefined; other: string | undefined }[] = [];
    const client: PerformClassify = async (given) => {
      sent.push({
        endpoint: given.request.endpoint,
        key: given.env('LLM_API_KEY'),
        other: given.env('LLM_OTHER_KEY'),
      });
      return { type: 'classify', kind: 'failed', why: 'status', ms: 3, status: 500 };
    };
    const desk = new ForwardedClassifier(new URL('http://127.0.0.1:9600/hang/v1/'), 'stand-in-key');
    const answer: ClassifyAnswer = await desk.standIn(client)(task({ env: (name) => `real-${name}` }));
    assert.deepEqual(answer, { type: 'classify', kind: 'failed', why: 'status', ms: 3, status: 500 });
    assert.deepEqual(sent, [
      { endpoint: 'http://127.0.0.1:9600/hang/v1', key: 'stand-in-key', other: undefined },
    ]);
  });

  it('answers unsendable, with a note, when the client cannot run; and refuses another machine', async () => {
    const desk = new ForwardedClassifier(new URL('http://localhost:9600/v1'), 'k');
    const broken: PerformClassify = () => {
      throw new Error('Cannot find module classifier-client.js\nRequire stack: …');
    };
    assert.deepEqual(await desk.standIn(broken)(task()), {
      type: 'classify',
      kind: 'failed',
      why: 'unsendable',
      ms: 0,
    });
    assert.deepEqual(desk.takeReport().notes, [
      "the functions' classifier client did not run (Cannot find module classifier-client.js): answered as failed (unsendable)",
    ]);
    assert.throws(
      () => new ForwardedClassifier(new URL('https://dashscope.aliyuncs.com/v1'), 'k'),
      RangeError,
    );
  });
});
