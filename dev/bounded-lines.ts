/**
 * The lines of a file, read as a stream in bounded memory: a line longer than the bound is never held
 * whole (readline would buffer it all), only counted. For inputs of any size that anyone may have
 * written: a day of log exports, a receipts dump.
 */
import { createReadStream } from 'node:fs';

/** A line read: its text, or `undefined` for a line longer than the bound (its bytes were dropped). */
export type BoundedLine = string | undefined;

/**
 * Yields each line of `file` (without its `\n` or `\r\n`), or `undefined` for a line of more than
 * `maxBytes` bytes. A `\n` byte never occurs inside a multi-byte UTF-8 character, so lines are cut on
 * bytes and decoded whole.
 */
export async function* readBoundedLines(file: string, maxBytes: number): AsyncGenerator<BoundedLine> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let tooLong = false;
  const finish = (): BoundedLine => {
    const whole = Buffer.concat(held, heldBytes);
    const bytes = whole.at(-1) === 13 ? whole.subarray(0, -1) : whole;
    const line = tooLong || bytes.length > maxBytes ? undefined : bytes.toString('utf8');
    held = [];
    heldBytes = 0;
    tooLong = false;
    return line;
  };
  const hold = (part: Buffer) => {
    if (tooLong || part.length === 0) return;
    if (heldBytes + part.length > maxBytes + 1) {
      // One byte over the bound is kept for a `\r` before the `\n`; more is a line too long.
      tooLong = true;
      held = [];
      heldBytes = 0;
      return;
    }
    held.push(part);
    heldBytes += part.length;
  };
  for await (const chunk of createReadStream(file)) {
    const bytes = chunk as Buffer;
    let start = 0;
    for (let end = bytes.indexOf(10, start); end !== -1; end = bytes.indexOf(10, start)) {
      hold(bytes.subarray(start, end));
      yield finish();
      start = end + 1;
    }
    hold(bytes.subarray(start));
  }
  if (heldBytes > 0 || tooLong) yield finish();
}
