/**
 * docs/operating.md defines the words of a callback log line's `outcomes` in the same order and words as
 * `OUTCOME_WORDS`, so analytics read the same vocabulary the engine writes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OUTCOME_WORDS } from '../../shared/flow/outcome-words';
import { readPage } from './markdown';

const PAGE = readPage('docs/operating.md');

describe('docs/operating.md: outcome words', () => {
  it('defines every outcome word the engine writes, with its meaning, and no other', () => {
    const start = PAGE.indexOf('| word | meaning |');
    assert.ok(start >= 0, 'docs/operating.md has the table of outcome words');
    const table = PAGE.slice(start, PAGE.indexOf('\n\n', start));
    const rows = [...table.matchAll(/^\| `([a-z-]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(rows, Object.entries(OUTCOME_WORDS));
  });
});
