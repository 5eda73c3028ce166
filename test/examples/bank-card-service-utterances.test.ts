import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileRules } from '../../shared/rules/compile-rules';
import { parseYaml } from '../../shared/rules/yaml-parser';
import {
  describeWrongPick,
  enginesForFile,
  pickByEngine,
  placeUtterances,
  readUtteranceFile,
  scoreUtterances,
  UTTERANCE_KINDS,
} from '../../shared/rules-tooling/evaluate-intents';
import { ROOT } from '../support/fc-event';
import { runRules } from '../support/rules-cli';

/**
 * examples/bank-card-service.utterances.yaml: what callers say at the example's main menu, negation traps
 * and all, each reaching its intent through the example's excludes. A broken exclude fails here.
 */

const NOW = Date.parse('2026-03-10T10:00:00+08:00');
const root = ROOT;

/** A YAML file of examples/, parsed. */
function readExample(name: string): unknown {
  return parseYaml(readFileSync(join(ROOT, 'examples', name), 'utf8'));
}

describe('examples/bank-card-service.utterances.yaml', () => {
  const read = readUtteranceFile(readExample('bank-card-service.utterances.yaml'));
  const rules = compileRules(readExample('bank-card-service.yaml'));

  it('is a valid utterance file of at least 60 utterances, each intent and none labelled', () => {
    assert.ok(read.ok, read.ok ? '' : JSON.stringify(read.issues));
    assert.ok(read.file.utterances.length >= 60);
    const labels = new Set(read.file.utterances.map((utterance) => utterance.intent));
    assert.deepEqual([...labels].sort(), ['agent', 'balance', 'lostCard', 'none']);
  });

  it("reaches its intent on every utterance, through the example's excludes", () => {
    assert.ok(read.ok && rules.ok);
    const picker = pickByEngine(rules.compiled, read.file.flow, read.file.node, NOW);
    assert.ok(picker.ok);
    const scored = scoreUtterances(read.file, picker.pick);
    assert.deepEqual(scored.verdicts.filter((verdict) => !verdict.ok).map(describeWrongPick), []);
    // The excludes are what makes it: at least 12 utterances are negation traps an exclude resolves.
    assert.ok(scored.verdicts.filter((verdict) => verdict.excluded.length > 0).length >= 12);
  });

  it('scores the example at 100 %, with --strict', async () => {
    const result = await runRules(
      'intents',
      join(root, 'examples', 'bank-card-service.yaml'),
      '--utterances',
      join(root, 'examples', 'bank-card-service.utterances.yaml'),
      '--strict',
    );
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^main\.menu: (\d+)\/\1 utterances reach their intent \(100 %\)\n$/);
  });
});

/**
 * examples/bank-card-service.asr.utterances.yaml: what callers say as telephone ASR writes it, at the
 * example's menus with intents, written blind. Nothing here scores it (its figures are the docs', checked
 * in test/docs/intents-doc.test.ts): only that it stays a set the evaluation can read.
 */
describe('examples/bank-card-service.asr.utterances.yaml', () => {
  const read = readUtteranceFile(readExample('bank-card-service.asr.utterances.yaml'));
  const rules = compileRules(readExample('bank-card-service.yaml'));

  it('is a valid utterance file of 200 or more utterances, each of a kind the evaluation names', () => {
    assert.ok(read.ok, read.ok ? '' : JSON.stringify(read.issues));
    assert.ok(read.file.utterances.length >= 200);
    const kinds = new Set(read.file.utterances.map((utterance) => utterance.kind));
    assert.deepEqual([...kinds].sort(), [...UTTERANCE_KINDS].sort());
  });

  it("is said at the example's menus with intents, the main menu and others", () => {
    assert.ok(read.ok && rules.ok);
    assert.ok(enginesForFile(rules.compiled, read.file, NOW).ok);
    const menus = new Set(placeUtterances(read.file).map(({ flow, node }) => `${flow}.${node}`));
    assert.ok(menus.has('main.menu') && menus.size > 1, [...menus].join(', '));
  });
});
