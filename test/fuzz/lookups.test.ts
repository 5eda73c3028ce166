import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildFuzzDocuments, fuzzLookups, SLACK_MS } from '../../dev/fuzz-lookups';
import { lintRules } from '../../shared/rules-tooling/lint-rules';

/**
 * A quick slice of `npm run fuzz -- --lookups` (which runs 200,000): whole calls under rules with lookups,
 * through the built inbound bundle, against the hostile lookup stand-in, each callback held to the
 * properties in dev/fuzz-lookups.ts. Short limits only, so that the run's last attempts end within
 * 150 ms. The seed is fixed; the network's timing is not, so the paths taken vary a little.
 */
describe('calls under rules with lookups, to the inbound bundle', () => {
  it('answer within budget and wait, leak no secret, and leave nothing in flight or open', async () => {
    const before = { ...process.env };
    const result = await fuzzLookups({
      functions: ['inbound'],
      runs: 200,
      seed: 20261206,
      lanes: 8,
      documents: 3,
      defaults: false,
      stateSecrets: 'fuzz-tests-state-key-0002',
      stopAt: Date.now() + 20_000,
    });
    assert.equal(result.failure, undefined);
    assert.equal(result.sent, 200);
    const { outcomes, answers, worstLateMs } = result.coverage;
    assert.ok(worstLateMs <= SLACK_MS);
    // The hostile stand-in was met in many ways, and lookups came to many ends. Which ones varies with the
    // machine's timing (a loaded machine times out more): the bounds leave room for that, the properties
    // above none.
    assert.ok(answers.size >= 8, [...answers.keys()].join(', '));
    for (const path of ['ok', 'waiting'])
      assert.ok(outcomes.has(path), `${path} in ${[...outcomes.keys()].join(', ')}`);
    assert.ok(outcomes.size >= 5, [...outcomes.keys()].join(', '));
    assert.ok(result.drainedMs < 1_000, `drained in ${result.drainedMs} ms`);
    assert.deepEqual({ ...process.env }, before, 'LOOKUP_TOKEN and the functions’ variables are put back');
  });

  it('draws documents the linter passes, with short limits or, now and then, the defaults', () => {
    const short = buildFuzzDocuments('http://127.0.0.1:9', 1, 4, false);
    assert.ok(short.every((document) => document.maxTimeoutMs <= 150 && document.maxWaitMs <= 30));
    const mixed = buildFuzzDocuments('http://127.0.0.1:9', 1, 20, true);
    assert.ok(mixed.some((document) => document.maxTimeoutMs === 1_500));
    assert.ok(mixed.some((document) => document.maxWaitMs === 800));
    for (const document of [...short, ...mixed]) {
      const lint = lintRules(JSON.parse(document.json));
      assert.deepEqual(lint.errors, []);
    }
  });
});
