import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildClassifierDocuments,
  DIGITS_SAID,
  fuzzClassifier,
  lintClassifierDocuments,
  plantedDigitsIn,
  unseen,
} from '../../dev/fuzz-classifier';
import { SLACK_MS } from '../../dev/fuzz-lookups';
import { LLM_MODES } from '../../dev/llm-server';
import { maskDigitsInText } from '../../shared/log/mask';

/**
 * A quick slice of `npm run fuzz -- --classifier` (which runs 200,000): whole calls under documents whose
 * menus ask the language model, through the built inbound bundle, against the hostile stand-in rotating
 * every 100 ms instead of every 2 s, each callback held to the properties in dev/fuzz-classifier.ts. The
 * seed is fixed; the network's timing is not, so which modes and outcomes a run meets varies a little.
 */
describe('calls under documents with a classifier, to the inbound bundle', () => {
  it('never get the fallback, answer within budget and wait, leak neither key nor digits, and leave nothing open', async () => {
    const before = { ...process.env };
    const result = await fuzzClassifier({
      functions: ['inbound'],
      runs: 600,
      seed: 20261207,
      lanes: 6,
      documents: 3,
      stateSecrets: 'fuzz-tests-state-key-0003',
      stopAt: Date.now() + 30_000,
      phaseMs: 100,
    });
    assert.equal(result.failure, undefined);
    assert.equal(result.sent, 600);
    const { classified, answered, actions, worstLateMs } = result.coverage;
    assert.ok(worstLateMs <= SLACK_MS);
    // Menus asked, the stand-in answered in several ways, and the classifications came to several ends;
    // the document whose key variable is unset made its own (unsendable).
    assert.ok(classified.has('unsendable'), [...classified.keys()].join(', '));
    assert.ok(classified.size >= 4, [...classified.keys()].join(', '));
    assert.ok(answered.size >= 3, [...answered.keys()].join(', '));
    assert.ok(actions.has('answer') && actions.has('dtmf'), [...actions.keys()].join(', '));
    assert.ok(result.drainedMs < 2_000, `drained in ${result.drainedMs} ms`);
    assert.deepEqual(
      { ...process.env },
      before,
      'the key, the lookups’ secret and the functions’ variables are put back',
    );
  });

  it('draws documents the linter passes, the bank example first, and rotates each through every mode of the stand-in', () => {
    const documents = buildClassifierDocuments('http://127.0.0.1:9/v1', 'http://127.0.0.1:8', 1, 4);
    assert.deepEqual(lintClassifierDocuments(documents), []);
    assert.deepEqual(
      documents.map(({ name, keyed }) => [name, keyed]),
      [
        ['bank', true],
        ['flows 1', true],
        ['flows 2', true],
        ['flows 3', false],
      ],
    );
    const every = LLM_MODES.map(([typed]) => typed.replace(/:<.*>$/, ''));
    for (const document of documents) {
      const kinds = new Set(document.modes.map((mode) => mode.replace(/:\d+$/, '')));
      assert.deepEqual(
        every.filter((mode) => !kinds.has(mode)),
        [],
        `${document.name} never meets these modes`,
      );
      const slow = document.modes
        .filter((mode) => mode.startsWith('slow:'))
        .map((mode) => Number(mode.slice(5)));
      assert.ok(slow.some((ms) => ms > document.waitMs) && slow.some((ms) => ms < document.waitMs));
    }
  });

  it('finds every planted number in every form a caller says it, and none once the words are masked', () => {
    for (const said of DIGITS_SAID) {
      assert.ok(plantedDigitsIn(said) !== undefined, said);
      assert.equal(plantedDigitsIn(maskDigitsInText(said)), undefined, maskDigitsInText(said));
    }
    assert.equal(plantedDigitsIn('按1，再按2，第3个，p95 1480 ms'), undefined);
  });

  it('says what a run that lasted a whole rotation never saw', () => {
    const coverage = {
      actions: new Map(),
      classified: new Map([['taken', 1]]),
      guard: new Map([['tripped errors', 1]]),
      answered: new Map([['ok', 1]]),
      statuses: 0,
      worstLateMs: 0,
      longestStallMs: 0,
    };
    const documents = buildClassifierDocuments('http://127.0.0.1:9/v1', 'http://127.0.0.1:8', 1, 2);
    const missed = unseen({
      sent: 1,
      failure: undefined,
      coverage,
      documents,
      drainedMs: 0,
      lastedMs: 0,
      rotationMs: 0,
    });
    assert.ok(missed.includes('classification timeout'), missed.join(', '));
    assert.ok(missed.includes('stand-in mode hang'), missed.join(', '));
    assert.ok(missed.includes('a guard recovery') && !missed.includes('a guard trip'), missed.join(', '));
    assert.ok(!missed.includes('classification taken') && !missed.includes('stand-in mode ok'));
  });
});
