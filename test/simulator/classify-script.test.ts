import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeScriptedClassification,
  readTypedClassification,
  SCRIPTED_CONFIDENCE,
  toScriptedClassification,
} from '../../dev/simulator/classify-script';
import { readScenarioFile } from '../../dev/simulator/scenario';

/** A scenario file of one call whose `classify` is `written` (YAML's reading of it). */
function withClassify(written: unknown) {
  return readScenarioFile({
    scenarios: [{ name: 'a call', at: '2026-03-10 10:00', classify: written, turns: [] }],
  });
}

describe('a scenario’s classify', () => {
  it('reads a verdict (confidence 0.9 when left out), none, timeout and each failure', () => {
    for (const [written, played] of [
      [
        { choice: 'lostCard', confidence: 0.92 },
        { kind: 'verdict', choice: 'lostCard', confidence: 0.92 },
      ],
      [{ choice: 'lostCard' }, { kind: 'verdict', choice: 'lostCard', confidence: SCRIPTED_CONFIDENCE }],
      ['none', { kind: 'verdict', choice: 'none', confidence: SCRIPTED_CONFIDENCE }],
      ['timeout', { kind: 'failed', why: 'timeout' }],
      [{ failed: 'rate-limited' }, { kind: 'failed', why: 'rate-limited' }],
      [{ failed: 'off-list' }, { kind: 'failed', why: 'off-list' }],
    ] as const) {
      const read = withClassify(written);
      assert.ok(read.ok, JSON.stringify(read));
      const classify = read.file.scenarios[0]?.classify;
      assert.ok(classify !== undefined);
      assert.deepEqual(toScriptedClassification(classify), played);
    }
  });

  it('refuses what is none of its forms, saying what is wrong', () => {
    const cases: readonly (readonly [unknown, RegExp])[] = [
      [
        'slow',
        /a classifier answer is none, timeout, \{choice: NAME, confidence: 0–1\} or \{failed: timeout\|/,
      ],
      [{ choice: 'lostCard', confidence: 92 }, /a confidence is from 0 to 1 \(0\.92, not 92\)/],
      [
        { failed: 'asleep' },
        /\{failed: timeout\|connection\|rate-limited\|status\|unparseable\|off-list\|guard-off\|unsendable\}/,
      ],
      [{ choice: 'lostCard', failed: 'timeout' }, /classify/],
      [{ choice: '挂失' }, /classify\.choice/],
    ];
    for (const [written, message] of cases) {
      const read = withClassify(written);
      assert.equal(read.ok, false, JSON.stringify(written));
      assert.match(read.ok ? '' : read.issues.join('\n'), message, JSON.stringify(written));
    }
  });

  it('refuses an expectation of classified that is none of its forms', () => {
    const expecting = (classified: string) =>
      readScenarioFile({
        scenarios: [
          { name: 'a call', at: '2026-03-10 10:00', turns: [{ silence: true, expect: { classified } }] },
        ],
      });
    for (const good of [
      'lostCard',
      'none',
      'failed',
      'failed timeout',
      'not taken',
      'not taken: below-threshold',
      'not asked',
    ])
      assert.ok(expecting(good).ok, good);
    for (const bad of ['failed sleepy', 'not taken: none', 'lost card', 'taken'.repeat(10)]) {
      const read = expecting(bad);
      assert.equal(read.ok, false, bad);
      assert.match(
        read.ok ? '' : read.issues.join('\n'),
        /classified is an intent's or handler's name \(taken\), none/,
      );
    }
  });
});

describe('an answer typed at the prompt', () => {
  it('reads a choice with or without its confidence, none, timeout and failed WHY', () => {
    assert.deepEqual(readTypedClassification(' lostCard 0.92 '), {
      ok: true,
      answer: { kind: 'verdict', choice: 'lostCard', confidence: 0.92 },
    });
    assert.deepEqual(readTypedClassification('agent'), {
      ok: true,
      answer: { kind: 'verdict', choice: 'agent', confidence: SCRIPTED_CONFIDENCE },
    });
    assert.deepEqual(readTypedClassification('none 0.6'), {
      ok: true,
      answer: { kind: 'verdict', choice: 'none', confidence: 0.6 },
    });
    assert.deepEqual(readTypedClassification('timeout'), {
      ok: true,
      answer: { kind: 'failed', why: 'timeout' },
    });
    assert.deepEqual(readTypedClassification('failed guard-off'), {
      ok: true,
      answer: { kind: 'failed', why: 'guard-off' },
    });
  });

  it('says what is wrong with anything else', () => {
    assert.deepEqual(readTypedClassification('failed'), {
      ok: false,
      message:
        'failed takes why: timeout, connection, rate-limited, status, unparseable, off-list, guard-off, unsendable',
    });
    assert.equal(readTypedClassification('failed sleepy').ok, false, 'failed sleepy');
    assert.deepEqual(readTypedClassification('lostCard high'), {
      ok: false,
      message: 'a confidence is a number from 0 to 1: lostCard 0.92',
    });
    const tooSure = readTypedClassification('lostCard 92');
    assert.equal(tooSure.ok, false);
    assert.match(tooSure.ok ? '' : tooSure.message, /a confidence is from 0 to 1/);
    assert.equal(readTypedClassification('a b c').ok, false, 'a b c');
    assert.equal(readTypedClassification('').ok, false, '');
  });

  it('is named in the transcript as it was typed', () => {
    assert.equal(
      describeScriptedClassification({ kind: 'verdict', choice: 'lostCard', confidence: 0.9 }),
      'lostCard 0.90',
    );
    assert.equal(describeScriptedClassification({ kind: 'failed', why: 'timeout' }), 'failed timeout');
  });
});
