/**
 * The text and number helpers of the analytics reports (shared/analytics/journey-text.ts): log text
 * cleaned and masked, terminal widths of wide characters, numbers that are not numbers shown as `–`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shareOf } from '../../shared/analytics/journey-figures';
import {
  cleanLogText,
  cutToLength,
  cutToWidth,
  displayWidth,
  fitToWidth,
  formatCount,
  formatPercent,
  formatSeconds,
  hoursOf,
} from '../../shared/analytics/journey-text';
import { buildLine } from './figures-fixture';

describe('journey text', () => {
  it('drops control and reordering characters, a break becoming a space, and masks phone numbers around them', () => {
    assert.equal(cleanLogText('a\u001b[2Jb\u0007c\u009bd\u202ee\u200bf\ufeff'), 'a[2Jbcdef');
    assert.equal(cleanLogText('pin\r\n13812345678'), 'pin 138****5678');
    assert.equal(cleanLogText('call 138\u000012345678'), 'call 138****5678');
    assert.equal(cleanLogText('tab\there'), 'tab here');
  });

  it('counts wide characters as two columns and marks as none', () => {
    assert.equal(displayWidth('abc'), 3);
    assert.equal(displayWidth('你好'), 4);
    assert.equal(displayWidth('ｅ'), 2);
    assert.equal(displayWidth('e\u0301'), 1);
    assert.equal(cutToWidth('你好世界', 5), '你好…');
    assert.equal(cutToWidth('abcdef', 6), 'abcdef');
    assert.equal(cutToWidth('abcdefg', 6), 'abcde…');
    assert.equal(fitToWidth('你', 4), '你  ');
    assert.equal(fitToWidth('7', 4, 'right'), '   7');
    assert.equal(cutToLength('😀😀😀', 2), '😀…');
    assert.equal(cutToLength('ab', 2), 'ab');
  });

  it('writes numbers that are not numbers as –', () => {
    assert.equal(formatCount(Number.NaN), '–');
    assert.equal(formatCount(2.6), '3');
    assert.equal(formatPercent(null), '–');
    assert.equal(formatPercent(Number.POSITIVE_INFINITY), '–');
    assert.equal(formatPercent(1 / 3), '33.3%');
    assert.equal(formatSeconds(null), '–');
    assert.equal(formatSeconds(Number.NaN), '–');
    assert.equal(formatSeconds(2), '2.0');
    assert.equal(shareOf(1, 0), null);
    assert.equal(shareOf(Number.NaN, 2), null);
    assert.equal(shareOf(1, 4), 0.25);
  });

  it('fills the hours of a line a figure misses, and ignores hours out of the day', () => {
    const line = {
      ...buildLine({ line: 'l' }),
      hours: [
        { hour: 25, calls: 9, afterHours: 0, transferred: 0 },
        { hour: 1.5, calls: 9, afterHours: 0, transferred: 0 },
        { hour: 7, calls: 2, afterHours: 1, transferred: 0 },
      ],
    };
    const hours = hoursOf(line);
    assert.equal(hours.length, 24);
    assert.deepEqual(
      hours.filter((hour) => hour.calls > 0),
      [{ hour: 7, calls: 2, afterHours: 1, transferred: 0 }],
    );
  });
});
