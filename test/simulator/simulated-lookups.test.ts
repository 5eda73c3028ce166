import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ForwardedLookups, ReplayedLookups, ScriptedLookups } from '../../dev/simulator/simulated-lookups';
import type {
  LookupAnswer,
  LookupRequest,
  LookupTask,
  PerformLookup,
} from '../../shared/lookup/lookup-types';
import { compileRules } from '../../shared/rules/compile-rules';
import { parseYaml } from '../../shared/rules/yaml-parser';
import { ROOT } from '../support/fc-event';

const REQUEST: LookupRequest = {
  name: 'account',
  method: 'POST',
  url: 'https://api.example.com/ivr/account',
  headers: [],
  body: '{"card":"62220001"}',
  timeoutMs: 1500,
  maxBytes: 16_384,
};

/** One callback's task for the balance node, as the handler hands it over. */
function task(attemptsSoFar = 0, changes: Partial<LookupTask> = {}): LookupTask {
  return {
    key: '130301340124^117079730123|bank/getAccount@2',
    request: REQUEST,
    attemptsSoFar,
    maxAttempts: 3,
    waitMs: 800,
    env: () => undefined,
    ...changes,
  };
}

const DATA = { data: { balance: 1234.5, state: 'active' } };
const NO_CLIENT: PerformLookup = () => assert.fail('the simulated lookups never use the client');

/** A desk whose lookup `account` answers `answer`, and its performer. */
function scripted(answer: Parameters<ScriptedLookups['script']>[1]) {
  const desk = new ScriptedLookups();
  desk.startCall(new Map([['account', answer]]));
  return { desk, perform: desk.standIn(NO_CLIENT) };
}

/** The answers of a call's callbacks, each carrying the attempts its state says were sent. */
async function callbacks(perform: PerformLookup, count: number, changes: Partial<LookupTask> = {}) {
  const answers: LookupAnswer[] = [];
  let attempts = 0;
  for (let i = 0; i < count; i++) {
    const answer = await perform(task(attempts, changes));
    answers.push(answer);
    if (answer.kind !== 'waiting') break;
    attempts = answer.attempts;
  }
  return answers;
}

describe('scripted lookups, played as the lookup client plays them', () => {
  it('answer data within the wait of the callback that sends them', async () => {
    const { perform } = scripted({ kind: 'data', data: DATA, slow: false });
    assert.deepEqual(await perform(task()), { kind: 'ok', data: DATA, attempts: 1, status: 200 });
  });

  it('answer a slow lookup waiting, and the next event on the same instance joins the attempt', async () => {
    const { perform } = scripted({ kind: 'data', data: DATA, slow: true });
    assert.deepEqual(await callbacks(perform, 3), [
      { kind: 'waiting', attempts: 1 },
      { kind: 'ok', data: DATA, attempts: 1, status: 200 },
    ]);
  });

  it('send the lookup again when the next event reaches another instance: one more attempt', async () => {
    const { desk, perform } = scripted({ kind: 'data', data: DATA, slow: true });
    assert.deepEqual(await perform(task(0)), { kind: 'waiting', attempts: 1 });
    desk.moveToNewInstance();
    assert.deepEqual(await perform(task(1)), { kind: 'waiting', attempts: 2 });
    assert.deepEqual(await perform(task(2)), { kind: 'ok', data: DATA, attempts: 2, status: 200 });
    desk.moveToNewInstance();
    desk.moveToNewInstance();
    assert.deepEqual(await perform(task(3)), { kind: 'failed', why: 'timeout', attempts: 3 });
  });

  it('time out attempt by attempt, each in 1.5 s of the callbacks’ 0.8 s waits, then fail after the last', async () => {
    const { perform } = scripted({ kind: 'timeout' });
    assert.deepEqual(await callbacks(perform, 10), [
      { kind: 'waiting', attempts: 1 },
      { kind: 'waiting', attempts: 2 },
      { kind: 'waiting', attempts: 2 },
      { kind: 'waiting', attempts: 3 },
      { kind: 'waiting', attempts: 3 },
      { kind: 'failed', why: 'timeout', attempts: 3 },
    ]);
    // A time limit within the wait: every attempt runs out in the first callback.
    const quick = scripted({ kind: 'timeout' }).perform;
    const short = { request: { ...REQUEST, timeoutMs: 200 } };
    assert.deepEqual(await callbacks(quick, 3, short), [{ kind: 'failed', why: 'timeout', attempts: 3 }]);
  });

  it('send a lookup whose connection fails again at once, while attempts remain', async () => {
    const { perform } = scripted({ kind: 'connection' });
    assert.deepEqual(await perform(task()), { kind: 'failed', why: 'connection', attempts: 3 });
    assert.deepEqual(await scripted({ kind: 'connection' }).perform(task(2)), {
      kind: 'failed',
      why: 'connection',
      attempts: 3,
    });
  });

  it('do not send an answer that is there but unusable again', async () => {
    const answers = await Promise.all(
      [
        { kind: 'status', status: 503, slow: false } as const,
        { kind: 'status', status: 302, slow: false } as const,
        { kind: 'refused', why: 'not-json' } as const,
      ].map((answer) => scripted(answer).perform(task())),
    );
    assert.deepEqual(answers, [
      { kind: 'failed', why: 'status', status: 503, attempts: 1 },
      { kind: 'failed', why: 'redirect', status: 302, attempts: 1 },
      { kind: 'failed', why: 'not-json', attempts: 1 },
    ]);
  });

  it('refuse what the client refuses: an answer over maxBytes or too deep, http:// to another machine', async () => {
    const big = scripted({ kind: 'data', data: { text: 'x'.repeat(100) }, slow: false }).perform;
    assert.deepEqual(await big(task(0, { request: { ...REQUEST, maxBytes: 64 } })), {
      kind: 'failed',
      why: 'too-large',
      attempts: 1,
    });
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    assert.equal((await scripted({ kind: 'data', data: deep, slow: false }).perform(task())).kind, 'failed');
    const { desk, perform } = scripted({ kind: 'data', data: DATA, slow: false });
    const plain = await perform(task(0, { request: { ...REQUEST, url: 'http://api.example.com/a' } }));
    assert.deepEqual(plain, { kind: 'failed', why: 'unsendable', attempts: 0 });
    assert.match(
      desk.takeReport().notes.join(),
      /the lookup client refuses it \(plain http:\/\/ to another machine/,
    );
    const local = await perform(task(0, { request: { ...REQUEST, url: 'http://127.0.0.1:9500/a' } }));
    assert.equal(local.kind, 'ok');
  });

  it('keep an answer for the node: a later visit with the same request gets it, another request does not', async () => {
    const { desk, perform } = scripted({ kind: 'data', data: DATA, slow: false });
    await perform(task());
    desk.script('account', { kind: 'status', status: 503, slow: false });
    assert.deepEqual(await perform(task()), { kind: 'ok', data: DATA, attempts: 1, status: 200 });
    const other = { request: { ...REQUEST, body: '{"card":"62220002"}' } };
    assert.deepEqual(await perform(task(0, other)), {
      kind: 'failed',
      why: 'status',
      status: 503,
      attempts: 1,
    });
  });

  it('answer waiting at once for an attempt sent with a wait of 0, and give its answer to the next event', async () => {
    const { perform } = scripted({ kind: 'data', data: DATA, slow: false });
    assert.deepEqual(await perform(task(0, { waitMs: 0 })), { kind: 'waiting', attempts: 1 });
    assert.deepEqual(await perform(task(1, { waitMs: 0 })), {
      kind: 'ok',
      data: DATA,
      attempts: 1,
      status: 200,
    });
  });

  it('report a lookup nothing scripts, answer it unsendable and send nothing; ask for it where they can', async () => {
    const desk = new ScriptedLookups();
    const perform = desk.standIn(NO_CLIENT);
    assert.deepEqual(await perform(task()), { kind: 'failed', why: 'unsendable', attempts: 0 });
    assert.equal(await desk.answerUnanswered(), false, 'nobody to ask');
    assert.deepEqual(
      desk.takeReport().unanswered.map((request) => request.name),
      ['account'],
    );
    const asked: string[] = [];
    desk.ask = async (request) => {
      asked.push(request.name);
      return { kind: 'data', data: DATA, slow: false };
    };
    await perform(task());
    assert.equal(await desk.answerUnanswered(), true);
    assert.deepEqual(asked, ['account']);
    assert.deepEqual(desk.takeReport().unanswered, []);
    assert.deepEqual(await perform(task()), { kind: 'ok', data: DATA, attempts: 1, status: 200 });
  });
});

describe('replayed lookups', () => {
  const text = readFileSync(join(ROOT, 'test', 'fixtures', 'lookups', 'balance.yaml'), 'utf8');
  const compiled = compileRules(parseYaml(text));
  assert.ok(compiled.ok);
  const { rules } = compiled.compiled;

  it('answer with what the log says, an ok answer rebuilt from the values saved, at their paths', async () => {
    const desk = new ReplayedLookups(rules);
    const perform = desk.standIn(NO_CLIENT);
    desk.feed([{ use: 'account', outcome: 'ok', attempts: 2, values: { balance: '12', state: 'active' } }]);
    assert.deepEqual(await perform(task(1)), {
      kind: 'ok',
      data: { data: { balance: 12, state: 'active' } },
      attempts: 2,
    });
    assert.deepEqual(desk.takeReport(), { unanswered: [], notes: [], underivable: false });
    desk.feed([{ use: 'account', outcome: 'waiting', attempts: 1 }]);
    assert.deepEqual(await perform(task()), { kind: 'waiting', attempts: 1 });
    desk.feed([{ use: 'account', outcome: 'failed', why: 'status', status: 503, attempts: 1 }]);
    assert.deepEqual(await perform(task()), { kind: 'failed', why: 'status', status: 503, attempts: 1 });
  });

  it('replay a value the log masked with 0s, and mark the turn not re-derivable', async () => {
    const desk = new ReplayedLookups(rules);
    desk.feed([
      { use: 'account', outcome: 'ok', attempts: 1, values: { balance: '****.*', state: '(sensitive)' } },
    ]);
    assert.deepEqual(await desk.standIn(NO_CLIENT)(task()), {
      kind: 'ok',
      data: { data: { balance: 0, state: '(sensitive)' } },
      attempts: 1,
    });
    const report = desk.takeReport();
    assert.equal(report.underivable, true);
    assert.deepEqual(report.notes, [
      "lookup value masked: account's balance is ****.* in the log, replayed as 0: not re-derivable",
      'lookup value masked: account\'s state is (sensitive) in the log, replayed as "(sensitive)": not re-derivable',
    ]);
  });

  it('replay a value that was missing or of another kind as an answer without it, or with an object', async () => {
    const desk = new ReplayedLookups(rules);
    const perform = desk.standIn(NO_CLIENT);
    desk.feed([{ use: 'account', outcome: 'failed', why: 'missing balance', attempts: 1 }]);
    assert.deepEqual(await perform(task()), { kind: 'ok', data: {}, attempts: 1 });
    desk.feed([{ use: 'account', outcome: 'failed', why: 'invalid data.balance', attempts: 1 }]);
    assert.deepEqual(await perform(task()), { kind: 'ok', data: { data: { balance: {} } }, attempts: 1 });
    assert.equal(desk.takeReport().underivable, false);
  });

  it('answer a lookup the logged turn did not make unsendable, saying it is not re-derivable', async () => {
    const desk = new ReplayedLookups(rules);
    desk.feed([]);
    assert.deepEqual(await desk.standIn(NO_CLIENT)(task()), {
      kind: 'failed',
      why: 'unsendable',
      attempts: 0,
    });
    const report = desk.takeReport();
    assert.equal(report.underivable, true);
    assert.match(report.notes[0] ?? '', /lookup account was not made on this turn of the logged call/);
  });
});

describe('forwarded lookups (--lookups-from)', () => {
  it('send each lookup through the instance’s client to the stand-in, path and query kept', async () => {
    const desk = new ForwardedLookups(new URL('http://127.0.0.1:9500/stand-in/'));
    assert.equal(
      desk.redirect('https://api.example.com/ivr/account?phone=138'),
      'http://127.0.0.1:9500/stand-in/ivr/account?phone=138',
    );
    const sent: string[] = [];
    const perform = desk.standIn(async (given) => {
      sent.push(given.request.url);
      return { kind: 'ok', data: DATA, attempts: given.attemptsSoFar + 1 };
    });
    assert.deepEqual(await perform(task()), { kind: 'ok', data: DATA, attempts: 1 });
    assert.deepEqual(sent, ['http://127.0.0.1:9500/stand-in/ivr/account']);
  });

  it('go nowhere but this machine, and say when the client could not run', async () => {
    assert.throws(() => new ForwardedLookups(new URL('http://api.example.com')), /not this machine/);
    const desk = new ForwardedLookups(new URL('http://[::1]:9500'));
    const perform = desk.standIn(() => {
      throw new Error("Cannot find module '/dist/inbound/lookup-client.js'");
    });
    assert.deepEqual(await perform(task()), { kind: 'failed', why: 'unsendable', attempts: 0 });
    assert.match(desk.takeReport().notes[0] ?? '', /lookup client did not run \(Cannot find module/);
  });
});
