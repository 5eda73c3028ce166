import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import { MAX_CAMPAIGN_ROWS, outIdOf, ResultsLineSchema, rowOfOutId } from '../../shared/campaign/results';

describe("a row's OutId", () => {
  it('is the code, r and the row, at most 15 bytes, and reads back to its row for its campaign only', () => {
    assert.equal(outIdOf('k3x9q2', 42), 'k3x9q2r42');
    assert.equal(outIdOf('k3x9q2', MAX_CAMPAIGN_ROWS).length, 15);
    assert.throws(() => outIdOf('k3x9q2', MAX_CAMPAIGN_ROWS * 10), /does not fit an OutId/);
    assert.equal(rowOfOutId('k3x9q2', 'k3x9q2r42'), 42);
    assert.equal(rowOfOutId('k3x9q2', 'a00000r42'), undefined);
    assert.equal(rowOfOutId('k3x9q2', 'k3x9q2r042'), undefined);
    assert.equal(rowOfOutId('k3x9q2', 'order-42'), undefined);
  });
});

describe('the lines of a results file', () => {
  const at = '2026-02-02T01:00:00.000Z';
  it('reads each kind, and refuses a line of another shape', () => {
    const lines = [
      { kind: 'campaign', format: 1, code: 'k3x9q2', created: at, input: 'patients.csv', rows: 300 },
      { kind: 'sending', row: 1, outId: 'k3x9q2r1', at, attempt: 1 },
      {
        kind: 'result',
        row: 1,
        outId: 'k3x9q2r1',
        at,
        status: 'placed',
        callId: '1^2',
        number: '138****8000',
      },
      {
        kind: 'result',
        row: 2,
        outId: 'k3x9q2r2',
        at,
        status: 'uncertain',
        why: 'timeout after the request was written',
      },
      { kind: 'settled', row: 2, outId: 'k3x9q2r2', at, status: 'placed', callId: '3^4', by: 'receipt' },
    ];
    for (const line of lines) assert.ok(v.is(ResultsLineSchema, line), JSON.stringify(line));
    for (const line of [
      { kind: 'campaign', format: 2, code: 'k3x9q2', created: at, input: 'x', rows: 1 },
      { kind: 'campaign', format: 1, code: '1abcde', created: at, input: 'x', rows: 1 },
      { kind: 'result', row: 0, outId: 'k3x9q2r0', at, status: 'placed' },
      { kind: 'result', row: 1, outId: 'k3x9q2r1', at, status: 'lost' },
      { kind: 'result', row: 1, outId: 'k3x9q2r1', at, status: 'placed', numberTag: 'xyz' },
      { kind: 'other' },
    ]) {
      assert.ok(!v.is(ResultsLineSchema, line), JSON.stringify(line));
    }
  });
});
