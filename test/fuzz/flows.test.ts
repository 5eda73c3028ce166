import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FcResult } from '../../dev/fc-event';
import type { Answered } from '../../dev/fuzz-calls';
import {
  buildFlowDocuments,
  checkAnsweredAlike,
  checkFlowCallback,
  type FlowCoverage,
  type FlowDocument,
  fuzzFlows,
  lintFlowDocuments,
} from '../../dev/fuzz-flows';
import { encodeState, indexStateNames } from '../../shared/state/state-token';

const KEY = 'fuzz-tests-state-key-0003';
const OK: FcResult = { statusCode: 200, headers: {}, isBase64Encoded: false, body: '' };

/**
 * A quick slice of `npm run fuzz -- --flows` (which runs 200,000): whole calls under documents with every
 * construct of the second edition, through the built inbound and outbound bundles, each callback held to
 * the properties in dev/fuzz-flows.ts. The seed is fixed, so a failure reproduces.
 */
describe('calls under documents with handlers, subflows, splits and firstMenu', () => {
  it('never get the fallback, seal short states at most 3 deep, and answer duplicates alike', async () => {
    const before = { ...process.env };
    const result = await fuzzFlows({
      functions: ['inbound', 'outbound'],
      runs: 600,
      seed: 20261207,
      lanes: 2,
      documents: 2,
      stateSecrets: KEY,
      stopAt: Date.now() + 20_000,
    });
    assert.equal(result.failure, undefined);
    assert.equal(result.sent, 600);
    const { constructs } = result.coverage;
    // A slice this small takes the common constructs; the long run is held to all of them.
    for (const construct of ['split', 'collected', 'subflow called at depth 1', 'duplicate answered alike'])
      assert.ok(constructs.has(construct), `${construct} in ${[...constructs.keys()].join(', ')}`);
    assert.ok([...constructs.keys()].some((construct) => construct.startsWith('handler ')));
    assert.deepEqual({ ...process.env }, before, 'the functions’ variables are put back');
  });

  it('draws documents the linter passes, with every construct among them', () => {
    const documents = buildFlowDocuments(1, 12);
    assert.deepEqual(lintFlowDocuments(documents), []);
    const flows = documents.flatMap((document) => Object.keys(document.rules.flows));
    for (const flow of ['l1', 'l2', 'l3', 'help']) assert.ok(flows.includes(flow), flow);
    const scopes = new Set(documents.flatMap((document) => Object.values(document.scopes)));
    assert.deepEqual([...scopes].sort(), ['call', 'flow', 'once']);
    for (const document of documents) {
      assert.ok(document.splitWeights.length >= 2 && document.splitWeights.length <= 10);
      assert.ok(document.splitWeights.every((weight) => weight >= 1 && weight <= 1000));
    }
    assert.ok(documents.some((document) => document.rules.firstMenu === 'once'));
    assert.ok(documents.some((document) => document.rules.flows.main?.firstMenu === 'repeat'));
  });
});

describe('the properties of --flows fail on a bad reply', () => {
  const document = buildFlowDocuments(1, 1)[0] as FlowDocument;
  const names = indexStateNames(document.rules.flows as never);
  const coverage = (): FlowCoverage => ({ constructs: new Map(), splits: new Map() });
  const seal = (state: object) =>
    encodeState(
      {
        rulesTag: 't',
        flow: 'main',
        node: 'menu',
        phase: 'listening',
        noInput: 0,
        noMatch: 0,
        turns: 1,
        startedAt: 1_800_000_000,
        caller: '',
        vars: {},
        attempts: 0,
        ...state,
      },
      names,
      [KEY],
      '1^2',
    );
  const answered = (data: object, line?: Record<string, unknown>): Answered<FlowDocument> => ({
    request: { event: Buffer.from(''), kind: 'callback', callId: '1^2', type: 'dtmf', forged: false },
    result: { ...OK, body: JSON.stringify({ data: { call_id: '1^2', action: 'play', ...data } }) },
    line,
    instance: { handler: async () => OK, document },
    started: 0,
  });
  const check = (reply: Answered<FlowDocument>, splits = new Map<string, string>()) =>
    checkFlowCallback(reply, KEY, coverage(), splits);

  it('passes a good reply: a state at the main menu', () => {
    assert.equal(check(answered({ dynamic_id: seal({}) }, { level: 'info', trace: [] })), undefined);
  });

  it('fails the fallback', () => {
    const line = { level: 'error', error: { name: 'FlowError', message: 'flow l1 has no node x' } };
    assert.match(check(answered({}, line)) ?? '', /fallback.*FlowError/);
  });

  it('fails a state 4 subflows deep, which no call may carry', () => {
    const frame = { flow: 'main', node: 'callL1' };
    const deep = seal({ stack: [frame, frame, frame, frame] });
    assert.match(check(answered({ dynamic_id: deep })) ?? '', /does not open/);
  });

  it('fails a dynamic_id over 200 characters, and one sealed for another call', () => {
    assert.match(check(answered({ dynamic_id: `2.${'a'.repeat(199)}` })) ?? '', /over the 200/);
    const other = answered({ dynamic_id: seal({}) });
    assert.match(check({ ...other, request: { ...other.request, callId: '3^4' } }) ?? '', /does not open/);
  });

  it('fails a value of scope flow held after its flow returned', () => {
    const scoped = { ...document, scopes: { v1: 'flow' as const } };
    const reply = answered({ dynamic_id: seal({ vars: { v1: '12' } }) });
    assert.match(check({ ...reply, instance: { ...reply.instance, document: scoped } }) ?? '', /outlived/);
  });

  it('fails a split that sends a call down another branch', () => {
    const splits = new Map<string, string>();
    const down = (branch: number) =>
      answered({}, { level: 'info', trace: [`split pick: b${branch} (1/2) → hello${branch}`] });
    assert.equal(check(down(0), splits), undefined);
    assert.match(check(down(1), splits) ?? '', /down branch b1, and before down b0/);
  });

  it('fails a duplicate answered otherwise, and passes one sealed anew', () => {
    const first = answered({ dynamic_id: seal({}) });
    assert.equal(checkAnsweredAlike(first, answered({ dynamic_id: seal({}) }), KEY, coverage()), undefined);
    const moved = answered({ dynamic_id: seal({ node: 'card' }) });
    assert.match(checkAnsweredAlike(first, moved, KEY, coverage()) ?? '', /answered differently/);
  });
});
