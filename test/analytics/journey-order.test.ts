import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JourneyLine } from '../../shared/analytics/journey-input';
import { type OrderedLine, OutlierFilter } from '../../shared/analytics/journey-order';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-10T00:00:00Z');

/** Lines at these hours after T0 (receipts, timed), and an untimed line for `null`. */
function lines(hours: readonly (number | null)[]): JourneyLine[] {
  return hours.map((h) =>
    h === null
      ? { kind: 'other' }
      : {
          kind: 'receipts',
          at: T0 + h * HOUR,
          receipts: [{ callId: String(h), endAt: undefined, direction: undefined }],
        },
  );
}

/** What comes out: each line's hour, `x` for an outlier, `-` for an untimed line. */
function filtered(hours: readonly (number | null)[]): string[] {
  const filter = new OutlierFilter();
  const out: OrderedLine[] = [];
  for (const line of lines(hours)) out.push(...filter.push(line));
  out.push(...filter.end());
  return out.map((line) =>
    line.kind === 'outlier' ? 'x' : line.kind === 'receipts' ? String(((line.at ?? T0) - T0) / HOUR) : '-',
  );
}

describe('the outlier filter of a file', () => {
  it('gives every line back, in order, when none stands apart', () => {
    assert.deepEqual(filtered([0, 0.5, null, 1, 1.5]), ['0', '0.5', '-', '1', '1.5']);
  });

  it('takes a sparse file moving on hours at a time, and a file newest first', () => {
    assert.deepEqual(filtered([0, 3, 6, 9, 12, 15]), ['0', '3', '6', '9', '12', '15']);
    assert.deepEqual(filtered([15, 12, 9, 6, 3, 0]), ['15', '12', '9', '6', '3', '0']);
  });

  it('takes out a line ahead of, or behind, both sides', () => {
    assert.deepEqual(filtered([0, 0.1, 500, 0.2, 0.3, 0.4]), ['0', '0.1', 'x', '0.2', '0.3', '0.4']);
    assert.deepEqual(filtered([10, 10.1, -500, 10.2, 10.3, 10.4]), [
      '10',
      '10.1',
      'x',
      '10.2',
      '10.3',
      '10.4',
    ]);
    assert.deepEqual(filtered([0, 0.1, 500, 400, 0.2, 0.3, 0.4]), [
      '0',
      '0.1',
      'x',
      'x',
      '0.2',
      '0.3',
      '0.4',
    ]);
  });

  it('judges a first line by the lines after it, and a last line by the one before it', () => {
    assert.deepEqual(filtered([900, 0, 0.1, 0.2]), ['x', '0', '0.1', '0.2']);
    // A first call late at night, then the morning: taken.
    assert.deepEqual(filtered([0, 7, 7.1, 7.2]), ['0', '7', '7.1', '7.2']);
    assert.deepEqual(filtered([0, 0.1, 0.2, 900]), ['0', '0.1', '0.2', 'x']);
    assert.deepEqual(filtered([0, 0.1, 0.2, 10]), ['0', '0.1', '0.2', '10']);
  });
});
