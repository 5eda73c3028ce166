import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../../../dev/fc-event';
import {
  classifierForms,
  expectClassified,
  NO_MATCH_WORDS,
  noMatchEvents,
  referenceAnswer,
} from '../../../scripts/bench/classifier';
import { parseYaml } from '../../../shared/rules/yaml-parser';
import { lintRules } from '../../../shared/rules-tooling/lint-rules';

/**
 * What `npm run bench` measures of the language-model fallback (scripts/bench/classifier.ts), through the
 * suite's dist/: the bank example with its classifier and without, and the prepared no-match, which must
 * do in each what its row says it does. The bench itself is minutes of CPU and runs apart.
 */
const BANK = JSON.stringify(
  parseYaml(readFileSync(join(ROOT, 'examples', 'bank-card-service.yaml'), 'utf8')),
);
const DIST = join(ROOT, 'dist');

describe('the bench of the classifier', () => {
  it('measures the bank example with its classifier pointed at the stand-in, and without one, both clean', () => {
    const forms = classifierForms(BANK, 'http://127.0.0.1:9/v1');
    const classifier = JSON.parse(forms.classifier);
    const plain = JSON.parse(forms.plain);
    assert.equal(classifier.classifier.endpoint, 'http://127.0.0.1:9/v1');
    assert.equal(classifier.flows.main.classifier, true);
    assert.equal(plain.classifier, undefined);
    assert.deepEqual(
      Object.entries(plain.flows).filter(([, flow]) => Object.hasOwn(flow as object, 'classifier')),
      [],
    );
    const { classifier: _block, flows: _withFlags, ...rest } = classifier;
    const { flows: _withoutFlags, ...plainRest } = plain;
    assert.deepEqual(plainRest, rest, 'nothing else differs');
    for (const form of [classifier, plain]) assert.deepEqual(lintRules(form).errors, []);
  });

  it('prepares no-matches at the menu that the in-process verdict classifies, taken or none, and that go unasked without a classifier', async () => {
    const forms = classifierForms(BANK, 'http://127.0.0.1:9/v1');
    const [first, second] = await noMatchEvents(DIST, forms.classifier, 2, 1);
    assert.ok(first !== undefined && second !== undefined);
    assert.notDeepEqual(first, second, 'each of a call of its own');
    const body = (event: Buffer) => {
      const fc = JSON.parse(event.toString('utf8')) as { body: string };
      return new URLSearchParams(Buffer.from(fc.body, 'base64').toString('utf8'));
    };
    assert.equal(body(first).get('content_type'), 'normal');
    assert.match(body(first).get('content') ?? '', /"dynamic_id":"2\./);
    const taken = await referenceAnswer(DIST, forms.classifier, first, 'taken');
    expectClassified(taken, 'taken');
    assert.throws(() => expectClassified(taken, 'none'), /came to taken, not none/);
    const none = await referenceAnswer(DIST, forms.classifier, first, 'none');
    expectClassified(none, 'none');
    const [plainEvent] = await noMatchEvents(DIST, forms.plain, 1, 1);
    const plain = await referenceAnswer(DIST, forms.plain, plainEvent as Buffer, undefined);
    expectClassified(plain, 'unasked');
    // The verdict none and no classifier give the caller the same retry; a verdict taken goes elsewhere.
    assert.equal(none.spoken, plain.spoken);
    assert.notEqual(taken.spoken, plain.spoken);
    assert.equal(plain.line?.words, NO_MATCH_WORDS);
  });
});
