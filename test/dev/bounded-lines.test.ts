import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBoundedLines } from '../../dev/bounded-lines';
import { scratchFiles } from '../support/scratch-files';

const files = scratchFiles('bounded-lines-');

async function readAll(text: string, maxBytes: number): Promise<(string | undefined)[]> {
  const lines: (string | undefined)[] = [];
  for await (const line of readBoundedLines(files.file('lines.txt', text), maxBytes)) lines.push(line);
  return lines;
}

describe('readBoundedLines', () => {
  it('yields each line without its line break, LF or CRLF, and a last line without one', async () => {
    assert.deepEqual(await readAll('a\r\nb\n\nc', 10), ['a', 'b', '', 'c']);
    assert.deepEqual(await readAll('a\n', 10), ['a']);
    assert.deepEqual(await readAll('', 10), []);
  });

  it('yields undefined for a line over the bound, and reads on after it', async () => {
    assert.deepEqual(await readAll(`12345\n${'x'.repeat(100)}\n123456\n1234\r\n`, 5), [
      '12345',
      undefined,
      undefined,
      '1234',
    ]);
    assert.deepEqual(await readAll('x'.repeat(100), 5), [undefined]);
  });

  it('keeps lines whole across the stream’s chunks, multi-byte characters too', async () => {
    // Lines of 3-byte characters, longer together than a chunk of the stream (64 KiB).
    const line = '复诊提醒'.repeat(1000);
    const lines = await readAll(`${Array(30).fill(line).join('\n')}\n`, 64 * 1024);
    assert.equal(lines.length, 30);
    assert.ok(lines.every((read) => read === line));
  });
});
