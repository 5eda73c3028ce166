import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import { readScenarioFile } from '../../dev/simulator/scenario';
import { compileRules } from '../../shared/rules/compile-rules';
import { parseDocument } from '../../shared/schema/document-issues';
import { describeObject, describeSchemas } from '../../shared/schema/field-descriptions';
import { findNearest } from '../../shared/schema/word-issues';

const minimalRules = {
  version: 'v1',
  defaultLine: { flow: 'main' },
  flows: { main: { start: 'a', nodes: { a: { type: 'hangup' } } } },
};
const withNode = (node: unknown) => ({
  ...minimalRules,
  flows: { main: { start: 'a', nodes: { a: node } } },
});

/** The issues of a rules document, as `path: message`. */
function rulesIssues(document: unknown): string[] {
  const result = compileRules(document);
  assert.ok(!result.ok, 'the document is refused');
  return result.issues.map(({ path, message }) => `${path}: ${message}`);
}

/** The issues of a scenario file of one call at 10:00 with these fields. */
function scenarioIssues(scenario: Record<string, unknown>): readonly string[] {
  const result = readScenarioFile({ scenarios: [{ name: 'x', at: '2026-03-10 10:00', ...scenario }] });
  assert.ok(!result.ok, 'the file is refused');
  return result.issues;
}

describe('document issues', () => {
  it('says a missing key is required, and what it is from its description', () => {
    assert.deepEqual(scenarioIssues({}), [
      "scenarios.0.turns: turns is required: the caller's turns, in order: what the caller does and what must happen after each",
    ]);
  });

  it('says a missing key is required, without descriptions (as the function bundles do)', () => {
    const { version: _, ...noVersion } = minimalRules;
    assert.deepEqual(rulesIssues(noVersion), ['version: version is required']);
  });

  it('suggests the nearest allowed key for an unknown one', () => {
    assert.deepEqual(scenarioIssues({ turns: [{ say: 'hi', expct: { action: 'play' } }] }), [
      'scenarios.0.turns.0.expct: unknown key expct (did you mean expect?)',
    ]);
    assert.deepEqual(rulesIssues(withNode({ type: 'menu', say: 'x', keyTimeotS: 5 })), [
      'flows.main.nodes.a.keyTimeotS: unknown key keyTimeotS (did you mean keyTimeoutS?)',
    ]);
  });

  it('lists the allowed keys of the node type written when no key is near', () => {
    assert.deepEqual(rulesIssues(withNode({ type: 'say', say: 'x', next: 'a', colour: 'red' })), [
      'flows.main.nodes.a.colour: unknown key colour: the keys here are type, say, next and tag',
    ]);
  });

  it('says a number YAML read from unquoted digits is to be quoted, as its leading 0 is gone', () => {
    assert.deepEqual(rulesIssues(withNode({ type: 'transfer', to: 5925559999 })), [
      "flows.main.nodes.a.to: to was read as the number 5925559999: quote it ('05925559999' if it starts with 0): unquoted digits are read as a number, which drops leading 0s",
    ]);
    // A number that cannot have lost a 0 is only to be quoted.
    assert.deepEqual(rulesIssues({ ...withNode({ type: 'hangup' }), version: 1.1 }), [
      'version: version was read as the number 1.1: quote it: unquoted, it is read as a number, not as the text written',
    ]);
    assert.match(
      scenarioIssues({ turns: [{ say: 'hi', expect: { transferTo: 5925559999 } }] })[0] ?? '',
      /^scenarios\.0\.turns\.0\.expect\.transferTo: transferTo was read as the number 5925559999: quote it/,
    );
    assert.match(
      scenarioIssues({ caller: 5923391657, turns: [] })[0] ?? '',
      /^scenarios\.0\.caller: caller was read as the number 5923391657: quote it/,
    );
  });

  it('refuses a test of a value with no var, which would test nothing and always hold', () => {
    assert.deepEqual(
      rulesIssues(withNode({ type: 'branch', branches: [{ when: { equals: '1' }, goto: 'a' }], else: 'a' })),
      [
        'flows.main.nodes.a.branches.0.when: equals, in and matches test a collected value: give var (the variable they test) beside them',
      ],
    );
  });

  it('reports a mistake once: a time range in the wrong form is not also said to end too early', () => {
    assert.deepEqual(
      rulesIssues({ ...minimalRules, calendars: { c: { weekly: { mon: ['8:30-12:00'] } } } }),
      [
        'calendars.c.weekly.mon.0: hours are written "HH:MM-HH:MM" on a 24-hour clock, such as "09:00-18:00" or "20:00-24:00"',
      ],
    );
    assert.deepEqual(scenarioIssues({ at: '26-01-01', turns: [] }), [
      `scenarios.0.at: a time is "YYYY-MM-DD HH:MM" (or HH:MM:SS), in the rules' time zone`,
    ]);
  });

  it('says one thing of a value no member of a union takes', () => {
    assert.deepEqual(rulesIssues(withNode({ type: 'hangup', say: { text: 'bye' } })), [
      'flows.main.nodes.a.say: a prompt is a text, {tts: text} or {audio: code}, or a list of them',
    ]);
  });

  it('names the node types, with the nearest, for an unknown or missing type', () => {
    assert.deepEqual(rulesIssues(withNode({ type: 'menus', say: 'x' })), [
      'flows.main.nodes.a.type: type "menus" is not one of say, menu, collect, branch, split, transfer, parallelTransfer, hangup, lookup, subflow or return (did you mean menu?)',
    ]);
    assert.deepEqual(rulesIssues(withNode({ say: 'x' })), [
      'flows.main.nodes.a.type: type is required: one of say, menu, collect, branch, split, transfer, parallelTransfer, hangup, lookup, subflow or return',
    ]);
  });

  it('adds the near miss to a choice the schema words itself', () => {
    assert.match(
      scenarioIssues({ turns: [{ say: 'hi', expect: { action: 'answr' } }] })[0] ?? '',
      /^scenarios\.0\.turns\.0\.expect\.action: an action is one of answer, .* \(did you mean answer\?\)$/,
    );
  });

  it('words valibot’s default messages plainly', () => {
    assert.deepEqual(
      rulesIssues({
        ...minimalRules,
        lines: {},
        settings: { record: 'yes', asrBaseId: 'customer_service', muteTimeMs: 50000 },
      }),
      [
        'settings.asrBaseId: asrBaseId is one of customer_service_8k or dialect_customer_service_8k, not "customer_service" (did you mean customer_service_8k?)',
        'settings.record: record is true or false, not "yes"',
        'settings.muteTimeMs: muteTimeMs is at most 20000, not 50000',
        'lines: lines is a list, not a map of keys and values',
      ],
    );
  });

  it('reads the descriptions of a table it is given, and the first clause of each', () => {
    const Schema = v.strictObject({ port: v.number() });
    const descriptions = describeSchemas([
      describeObject(Schema, 'A server.', { port: 'The port to listen on; 0 picks a free one.' }),
    ]);
    const result = parseDocument(Schema, {}, descriptions);
    assert.deepEqual(result, {
      ok: false,
      issues: [{ path: 'port', message: 'port is required: the port to listen on' }],
    });
  });

  it('suggests a word only when one is clearly nearest', () => {
    assert.equal(findNearest('expct', ['expect', 'at', 'say']), 'expect');
    assert.equal(findNearest('kyes', ['keys', 'say']), 'keys');
    assert.equal(findNearest('colour', ['type', 'say', 'next']), undefined);
    assert.equal(findNearest('sat', ['say', 'sun', 'sa']), undefined);
  });
});
