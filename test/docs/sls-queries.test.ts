/**
 * The SLS queries of the docs count by the definitions of docs/analytics.md, as `npm run analytics` does: a
 * silence that arms keys is never a no-input, the callback that uses the retries up counts as a no-match
 * (or no-input) too, input is counted at the node that heard it, and a redelivered event counts nowhere.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPage, unlabelledBlocks } from './markdown';

const PAGES = ['docs/operating.md', 'docs/analytics.md'];

const queries = PAGES.flatMap((page) =>
  unlabelledBlocks(readPage(page))
    .flatMap((block) => block.split('\n'))
    .filter((line) => /^msg: callback\b/.test(line))
    .map((query) => ({ page, query })),
);

describe('the SLS queries in the docs', () => {
  it('are there to check', () => assert.ok(queries.length >= 8, `${queries.length} queries`));

  for (const { page, query } of queries) {
    it(`${page}: ${query.slice(0, 70)}…`, () => {
      const counts = /\bcount(_if)?\(/.test(query);
      if (/type: mute/.test(query) || /'no-input'/.test(query))
        assert.match(query, /key-arming|retries\.noInput/, 'a silence that arms keys is not a no-input');
      if (/'no-input'/.test(query)) assert.match(query, /retries\.noInput/, 'the escalating no-input');
      if (/'no-match'/.test(query) || /outcomes: no-match/.test(query))
        assert.match(query, /retries\.noMatch|LIMIT/, 'the escalating no-match');
      if (/'no-(match|input)'|type: mute/.test(query))
        assert.match(query, /nodeBefore AS heard_at/, 'input counts at the node that heard it');
      if (counts && !/rulesVersion|last_tag/.test(query))
        assert.match(query, /not duplicate: true/, 'a redelivered event counts nowhere');
    });
  }
});
