import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readTypedAnswer, toScriptedAnswer } from '../../dev/simulator/lookup-script';
import { findSlowWithoutAnswer, readScenarioFile, scriptLookups } from '../../dev/simulator/scenario';

describe("a lookup's answer as a scenario writes it", () => {
  it('reads each form as the answer the simulated lookups play', () => {
    assert.deepEqual(toScriptedAnswer({ data: { balance: 1 } }, undefined), {
      kind: 'data',
      data: { balance: 1 },
      slow: false,
    });
    assert.deepEqual(toScriptedAnswer({ data: null, slow: true }, undefined), {
      kind: 'data',
      data: null,
      slow: true,
    });
    assert.deepEqual(toScriptedAnswer({ status: 503 }, undefined), {
      kind: 'status',
      status: 503,
      slow: false,
    });
    assert.deepEqual(toScriptedAnswer('timeout', undefined), { kind: 'timeout' });
    assert.deepEqual(toScriptedAnswer('failed', undefined), { kind: 'connection' });
    assert.deepEqual(toScriptedAnswer({ failed: 'not-json' }, undefined), {
      kind: 'refused',
      why: 'not-json',
    });
    assert.deepEqual(toScriptedAnswer({ failed: 'timeout' }, undefined), { kind: 'timeout' });
    const before = { kind: 'data', data: 1, slow: false } as const;
    assert.deepEqual(toScriptedAnswer('slow', before), { kind: 'data', data: 1, slow: true });
    assert.equal(toScriptedAnswer('slow', { kind: 'timeout' }), undefined);
    assert.equal(toScriptedAnswer('slow', undefined), undefined);
  });

  it('scripts a call: the scenario’s answers, then each turn’s from that turn on', () => {
    const script = scriptLookups({
      lookups: { account: { data: { balance: 1 } } },
      turns: [
        { silence: true },
        { silence: true, lookups: { account: 'slow' } },
        { silence: true, lookups: { account: { status: 503 } } },
      ],
    });
    assert.deepEqual([...script.start], [['account', { kind: 'data', data: { balance: 1 }, slow: false }]]);
    assert.deepEqual(
      script.turns.map((turn) => [...turn]),
      [
        [],
        [['account', { kind: 'data', data: { balance: 1 }, slow: true }]],
        [['account', { kind: 'status', status: 503, slow: false }]],
      ],
    );
  });

  it('refuses a slow with nothing to delay, a form it does not know and two answers in one', () => {
    assert.equal(
      findSlowWithoutAnswer({ turns: [{ silence: true, lookups: { account: 'slow' } }] }),
      'turns.0.lookups.account',
    );
    assert.equal(findSlowWithoutAnswer({ lookups: { account: 'slow' }, turns: [] }), 'lookups.account');
    const read = readScenarioFile({
      scenarios: [
        {
          name: 'a',
          at: '2026-03-10 10:00',
          lookups: {
            account: 'late',
            other: { data: 1, status: 503 },
            third: { status: 200 },
            fourth: { failed: 'status' },
          },
          turns: [],
        },
      ],
    });
    assert.equal(read.ok, false);
    const issues = read.ok ? [] : read.issues;
    assert.ok(
      issues.some((issue) => /lookups\.account: a lookup answer is timeout, slow, failed/.test(issue)),
      issues.join('\n'),
    );
    assert.ok(
      issues.some((issue) =>
        /lookups\.other: a lookup answer has exactly one of data, status and failed/.test(issue),
      ),
      issues.join('\n'),
    );
    assert.ok(
      issues.some((issue) => /lookups\.third\.status: a status is one of 300 to 599/.test(issue)),
      issues.join('\n'),
    );
    assert.ok(
      issues.some((issue) =>
        /lookups\.fourth: a lookup answer is .*\{failed: connection\|timeout\|/.test(issue),
      ),
      issues.join('\n'),
    );
  });
});

describe('an answer typed at the prompt', () => {
  it('reads the same forms on one line', () => {
    assert.deepEqual(readTypedAnswer('{"balance": 1}'), {
      ok: true,
      answer: { kind: 'data', data: { balance: 1 }, slow: false },
    });
    assert.deepEqual(readTypedAnswer('slow {"balance": 1}'), {
      ok: true,
      answer: { kind: 'data', data: { balance: 1 }, slow: true },
    });
    assert.deepEqual(readTypedAnswer('status 503'), {
      ok: true,
      answer: { kind: 'status', status: 503, slow: false },
    });
    assert.deepEqual(readTypedAnswer(' timeout '), { ok: true, answer: { kind: 'timeout' } });
    assert.deepEqual(readTypedAnswer('failed'), { ok: true, answer: { kind: 'connection' } });
    assert.deepEqual(readTypedAnswer('failed too-deep'), {
      ok: true,
      answer: { kind: 'refused', why: 'too-deep' },
    });
  });

  it('says what is wrong otherwise', () => {
    assert.match(
      readTypedAnswer('fine thanks').ok
        ? ''
        : (readTypedAnswer('fine thanks') as { message: string }).message,
      /type the answer's JSON/,
    );
    for (const [typed, message] of [
      ['slow', /slow delays the answer scripted before it/],
      ['slow {oops', /slow takes the answer's JSON/],
      ['status 200', /a status is one of 300 to 599/],
      ['status x', /a lookup answer is timeout, slow, failed, \{data: …\}, \{status: 300–599\}/],
      ['failed later', /or \{failed: connection\|timeout\|too-large\|not-json\|too-deep\|unsendable\}/],
    ] as const) {
      const read = readTypedAnswer(typed);
      assert.equal(read.ok, false, typed);
      assert.match(read.ok ? '' : read.message, message, typed);
    }
  });
});
