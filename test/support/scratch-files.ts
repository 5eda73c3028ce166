import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/**
 * A folder of a test file's own, removed after its tests: `file` writes a file in it, `edited` a copy of
 * a text with one part replaced (which must be there: the test says what the edit means).
 */
export function scratchFiles(prefix: string): {
  readonly file: (name: string, text: string) => string;
  readonly edited: (name: string, text: string, from: string, to: string) => string;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  return {
    file,
    edited: (name, text, from, to) => {
      assert.ok(text.includes(from), `the text has no ${from}`);
      return file(name, text.replace(from, to));
    },
  };
}
