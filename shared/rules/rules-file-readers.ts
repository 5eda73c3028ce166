import { closeSync, constants, promises as fsp, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { NOT_A_FILE, TOO_LARGE } from './load-rules';

/** Opened without blocking: a FIFO with no writer would otherwise hold the open for ever. */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** What changes when a rules file does: its mtime and size. */
export function fingerprintOf(stat: Pick<Stats, 'mtimeMs' | 'size'>): string {
  return `${stat.mtimeMs}:${stat.size}`;
}

/**
 * The buffer a rules file is read into, once it is known to be a regular file within `maxBytes`: one byte
 * over its size, so that a file that grew since the stat is refused too.
 */
function bufferFor(stat: Stats, maxBytes: number): Buffer {
  if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: NOT_A_FILE });
  if (stat.size > maxBytes) throw Object.assign(new Error('too large'), { code: TOO_LARGE });
  // Not zero-filled: only the bytes read are ever decoded.
  return Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1);
}

/** The text of the `length` bytes read, unless more than `maxBytes` came. */
function textOf(buffer: Buffer, length: number, maxBytes: number): string {
  if (length > maxBytes) throw Object.assign(new Error('too large'), { code: TOO_LARGE });
  return buffer.toString('utf8', 0, length);
}

/**
 * Reads a rules file asynchronously: opened without blocking, refused unless it is a regular file, and
 * refused over `maxBytes` before a byte is read. Rejects with a `code` that loadRulesFile words for the log.
 */
export async function readRulesFile(path: string, maxBytes: number): Promise<string> {
  const handle = await fsp.open(path, OPEN_FLAGS);
  try {
    const buffer = bufferFor(await handle.stat(), maxBytes);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return textOf(buffer, length, maxBytes);
  } finally {
    await handle.close();
  }
}

/**
 * {@link readRulesFile} at once, with the file's fingerprint from the same open file: for a file in the
 * function's own code folder only, which cannot stall as a mount can. Throws with the same codes.
 */
export function readRulesFileNow(path: string, maxBytes: number): { text: string; fingerprint: string } {
  const fd = openSync(path, OPEN_FLAGS);
  try {
    const stat = fstatSync(fd);
    const buffer = bufferFor(stat, maxBytes);
    let length = 0;
    while (length < buffer.length) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return { text: textOf(buffer, length, maxBytes), fingerprint: fingerprintOf(stat) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether `path` (relative ones from the working folder) names a file inside `codeFolder`, the folder the
 * function's code was deployed in, by the names alone: nothing is touched, since a stalled mount can
 * block a `stat` too. The file system's root is no code folder.
 */
export function isInCodeFolder(path: string, codeFolder: string | undefined): boolean {
  if (codeFolder === undefined) return false;
  const folder = resolve(codeFolder);
  if (folder === resolve('/')) return false;
  const inside = relative(folder, resolve(path));
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
}
