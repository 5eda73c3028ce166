/**
 * Reading a small file the user names (an access file, a campaign file, a do-not-call list) whole, within
 * a bound, without ever blocking on something that is not a regular file.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** A small file's text, or that it is missing, or why it could not be read. */
export type SmallFile = { readonly text: string } | { readonly missing: true } | { readonly error: string };

/**
 * Reads a small file whole, or says why not; never more than `maxBytes`. Opened without blocking (a FIFO
 * with no writer would otherwise hold the open for ever) and refused unless it is a regular file.
 */
export function readSmallFile(path: string, maxBytes: number): SmallFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? { missing: true }
      : { error: (error as Error).message };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { error: 'not a regular file' };
    // To the limit and one byte more: a file that grew since the stat is refused too.
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, length);
      if (read === 0) break;
      length += read;
    }
    if (length > maxBytes) return { error: `larger than ${maxBytes} bytes` };
    return { text: buffer.subarray(0, length).toString('utf8') };
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    closeSync(fd);
  }
}
