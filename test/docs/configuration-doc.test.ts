/**
 * docs/reference/configuration.md names every variable the functions read, each in a row of its own, and
 * no variable they do not read in the functions' table.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnvSchema } from '../../shared/config/config';
import { readPage } from './markdown';

const PAGE = readPage('docs/reference/configuration.md');

/** The variables of the first column of the page's first table (the functions' variables). */
function functionsTable(): string[] {
  const table = PAGE.slice(PAGE.indexOf('| variable |'), PAGE.indexOf('\n\n', PAGE.indexOf('| variable |')));
  return [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1] as string);
}

describe('docs/reference/configuration.md', () => {
  it("lists every variable of the functions' environment schema, and no other, in its first table", () => {
    assert.deepEqual(functionsTable().sort(), Object.keys(EnvSchema.entries).sort());
  });
});
