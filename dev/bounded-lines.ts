/**
 * The lines of a file, read as a stream in bounded memory: a line longer than the bound is never held
 * whole (readline would buffer it all), only counted. For inputs of any size that anyone may have
 * written: a day of log exports, a receipts dump.
 */
import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { printable } from './simulator/printable';

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

/** A file that is one JSON array (a receipt push saved as it came) is read whole up to this size. */
export const MAX_ARRAY_FILE_BYTES = 16 * 1024 * 1024;

/** Whether `file`'s first character after white space is `[`: a JSON array, perhaps over many lines. */
export function startsWithArray(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(1024);
    const read = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, read).toString('utf8').trimStart().startsWith('[');
  } finally {
    closeSync(fd);
  }
}

/**
 * The lines of an export: JSON lines as {@link readBoundedLines} reads them, or, for a file that is one JSON
 * array of at most {@link MAX_ARRAY_FILE_BYTES} (a push saved whole, over many lines), each of its items as a
 * line of its own (`undefined` for one longer than `maxBytes`).
 */
export async function* readExportLines(file: string, maxBytes: number): AsyncGenerator<BoundedLine> {
  const whole = readArrayFile(file);
  if (whole !== undefined) {
    for (const item of whole) {
      const line = stringifyItem(item);
      yield line === undefined || Buffer.byteLength(line) > maxBytes ? undefined : line;
    }
    return;
  }
  yield* readBoundedLines(file, maxBytes);
}

/**
 * A file that is one JSON array of at most {@link MAX_ARRAY_FILE_BYTES} (a push saved whole, even over
 * many lines), as that array; `undefined` for anything else (JSON lines, arrays one per line), to be read
 * line by line.
 */
export function readArrayFile(file: string): unknown[] | undefined {
  if (statSync(file).size > MAX_ARRAY_FILE_BYTES || !startsWithArray(file)) return undefined;
  try {
    const whole: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(whole) ? whole : undefined;
  } catch {
    return undefined;
  }
}

/** An item of an array file as a line; undefined for one nested too deep to write back (a hostile file). */
function stringifyItem(item: unknown): string | undefined {
  try {
    return JSON.stringify(item) ?? '';
  } catch {
    return undefined;
  }
}

/** Whether two paths name the same file: the same path once resolved, or the same file on disk (a link). */
export function isSameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [one, other] = [statSync(a), statSync(b)];
    return one.dev === other.dev && one.ino === other.ino;
  } catch {
    return false;
  }
}

/**
 * Why writing `output` (given as `option`) is refused, when it is one of `inputs`: it would be overwritten
 * while, or before, it is read. `what` names what to write elsewhere.
 */
export function describeOverwrite(
  option: string,
  output: string | undefined,
  inputs: readonly string[],
  what: string,
): string | undefined {
  const clash = output === undefined ? undefined : inputs.find((file) => isSameFile(file, output));
  return output === undefined || clash === undefined
    ? undefined
    : `${option} ${printable(output)} is the input ${printable(clash)}: it would be overwritten; write ${what} elsewhere`;
}

/** Why `file` cannot be read, if it cannot. */
export function describeUnreadable(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return `${file} is not a file`;
  } catch (error) {
    return `cannot read ${file} (${String((error as { code?: unknown }).code ?? error)})`;
  }
  return undefined;
}
