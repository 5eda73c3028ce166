/**
 * shared/campaign/results-state.ts (and results.ts): a results file read back line by line into each
 * row's state, so that a campaign started again never sends a row twice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAMPAIGN_CODE_PATTERN, outIdOf, type ResultsLine, rowOfOutId } from '../../shared/campaign/results';
import {
  createResultsFolder,
  isNumberTag,
  MAX_RESULTS_LINE_BYTES,
  newCampaignCode,
  numberTagOf,
  parseResultsLine,
} from '../../shared/campaign/results-state';

const CODE = 'k3x9q2';
const KEY = 'results-state-test-key-01';
const AT = '2026-02-02T01:00:00.000Z';
const campaign: ResultsLine = {
  kind: 'campaign',
  format: 1,
  code: CODE,
  created: AT,
  input: 'list.csv',
  rows: 6,
};
const sending = (row: number, attempt = 1): ResultsLine => ({
  kind: 'sending',
  row,
  outId: outIdOf(CODE, row),
  at: AT,
  attempt,
});
const result = (
  row: number,
  status: 'placed' | 'refused' | 'uncertain' | 'invalid' | 'do-not-call',
): ResultsLine => ({
  kind: 'result',
  row,
  outId: outIdOf(CODE, row),
  at: AT,
  status,
  numberTag: numberTagOf(KEY, CODE, '13800138000'),
  attempts: 1,
});

function fold(lines: readonly ResultsLine[]) {
  const folder = createResultsFolder();
  for (const line of lines) {
    const wrong = folder.add(line);
    if (wrong !== undefined) return wrong;
  }
  return folder.result();
}

describe('a results line', () => {
  it('is one of the four kinds, or says why not', () => {
    assert.deepEqual(parseResultsLine(JSON.stringify(campaign)), campaign);
    assert.equal(parseResultsLine('{"kind":"sending"'), 'not JSON');
    assert.match(parseResultsLine('{"kind":"result","row":0}') as string, /^row: /);
    assert.match(parseResultsLine('{"kind":"other"}') as string, /^kind: /);
    assert.equal(parseResultsLine(`"${'x'.repeat(MAX_RESULTS_LINE_BYTES)}"`), 'longer than 4096 bytes');
  });
});

describe('the rows of a results file', () => {
  it('stand as their last line says', () => {
    const folded = fold([
      campaign,
      sending(1),
      result(1, 'placed'),
      sending(2),
      {
        kind: 'unsent',
        row: 2,
        outId: outIdOf(CODE, 2),
        at: AT,
        attempt: 1,
        error: 'Throttling.User',
        http: 400,
      },
      sending(3),
      result(3, 'uncertain'),
      {
        kind: 'settled',
        row: 3,
        outId: outIdOf(CODE, 3),
        at: AT,
        status: 'placed',
        callId: 'c3',
        by: 'receipt',
      },
      result(4, 'invalid'),
      sending(5, 1),
      { kind: 'unsent', row: 5, outId: outIdOf(CODE, 5), at: AT, attempt: 1 },
      sending(5, 2),
    ]);
    assert.ok(typeof folded === 'object');
    assert.deepEqual(Object.fromEntries([...(folded?.rows ?? [])].map(([row, { state }]) => [row, state])), {
      1: { kind: 'done', status: 'placed', attempts: 1 },
      2: { kind: 'pending', attempts: 1 },
      3: { kind: 'done', status: 'placed', attempts: 1 },
      4: { kind: 'invalid', attempts: 0 },
      5: { kind: 'interrupted', attempts: 2, outId: 'k3x9q2r5' },
    });
    assert.equal(folded?.rows.get(1)?.numberTag, numberTagOf(KEY, CODE, '13800138000'));
    assert.equal(folded?.campaign.code, CODE);
  });

  it("are refused when the file is not one campaign's", () => {
    assert.equal(fold([sending(1)]), 'no campaign line first');
    assert.equal(fold([campaign, campaign]), 'a second campaign line');
    assert.equal(fold([campaign, sending(7)]), 'row 7, while the campaign has 6');
    assert.equal(
      fold([campaign, { ...sending(1), outId: 'zzzzzzr1' } as ResultsLine]),
      "row 1 with OutId zzzzzzr1, not the campaign's k3x9q2r1",
    );
    assert.equal(fold([]), undefined);
  });
});

describe('a campaign', () => {
  it('has a code of six letters and digits, a letter first, that every OutId starts with', () => {
    const codes = Array.from({ length: 50 }, () => newCampaignCode());
    for (const code of codes) assert.match(code, CAMPAIGN_CODE_PATTERN);
    assert.ok(new Set(codes).size > 45);
    assert.equal(
      newCampaignCode(() => 0),
      'aaaaaa',
    );
    assert.equal(outIdOf(CODE, 42), 'k3x9q2r42');
    assert.equal(rowOfOutId(CODE, 'k3x9q2r42'), 42);
    assert.equal(rowOfOutId(CODE, 'zzzzzzr42'), undefined);
    assert.throws(() => outIdOf('k3x9q2x', 123_456_789), /does not fit an OutId/);
  });

  it('keeps a hash of each number, keyed by a secret and the code, never the number', () => {
    const tag = numberTagOf(KEY, CODE, '13800138000');
    assert.match(tag, /^[0-9a-f]{16}$/);
    assert.notEqual(tag, numberTagOf(KEY, 'other1', '13800138000'));
    assert.notEqual(tag, numberTagOf(KEY, CODE, '13800138001'));
    assert.notEqual(tag, numberTagOf('another-key-0000001', CODE, '13800138000'));
    // What the file holds (the code, the masked number, the tag) does not give the number back without the key.
    const candidates = Array.from({ length: 10_000 }, (_, i) => `138${String(i).padStart(4, '0')}8000`);
    assert.equal(candidates.filter((number) => numberTagOf(CODE, CODE, number) === tag).length, 0);
    assert.ok(isNumberTag(['rotated-in-key-00001', KEY], CODE, '13800138000', tag));
    assert.ok(!isNumberTag(['rotated-in-key-00001'], CODE, '13800138000', tag));
  });
});
