/**
 * The files of a campaign (`npm run call`), read and written at the edge: the list streamed in (never
 * held as text), the results file read back line by line within a bound and appended to with each line
 * flushed to disk, the do-not-call list read again whenever it changes, and the campaign file.
 */
import {
  closeSync,
  createReadStream,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import {
  type CampaignRow,
  createListReader,
  ListError,
  type ListFormat,
} from '../shared/campaign/campaign-list';
import { type DoNotCallList, isOnDoNotCallList, parseDoNotCall } from '../shared/campaign/do-not-call';
import type { ResultsLine } from '../shared/campaign/results';
import {
  createResultsFolder,
  type FoldedResults,
  MAX_RESULTS_LINE_BYTES,
  parseResultsLine,
} from '../shared/campaign/results-state';
import { parseYaml } from '../shared/rules/yaml-parser';
import { isRunning } from './running-process';
import { readSmallFile } from './small-file';

/**
 * The most rows one list may have: every row is kept while the campaign runs (a few hundred bytes each,
 * about 2 GB for a million in a dry run), so a larger list is refused rather than run out of memory.
 */
export const MAX_LIST_ROWS = 200_000;

/** Reads a list as it streams from disk into rows; rejects with a ListError (or the file's error). */
export async function readList(path: string, format: ListFormat): Promise<CampaignRow[]> {
  const reader = createListReader(format);
  const rows: CampaignRow[] = [];
  // UTF-8 or nothing: a list saved as GBK (Excel's CSV on a Chinese Windows) would otherwise send its
  // names and times to the callee as replacement characters.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  const decode = (chunk?: Buffer): string => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch {
      throw new ListError(
        `is not UTF-8 text: save it as UTF-8 (in Excel: "CSV UTF-8"), or convert it with iconv -f GBK -t UTF-8`,
      );
    }
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (const row of reader.push(decode(chunk))) rows.push(row);
      if (rows.length > MAX_LIST_ROWS)
        throw new ListError(
          `has more than ${MAX_LIST_ROWS.toLocaleString('en')} rows: split it into campaigns of that size`,
        );
    }
    for (const row of reader.push(decode())) rows.push(row);
  } finally {
    stream.destroy();
  }
  for (const row of reader.end()) rows.push(row);
  if (rows.length > MAX_LIST_ROWS)
    throw new ListError(
      `has more than ${MAX_LIST_ROWS.toLocaleString('en')} rows: split it into campaigns of that size`,
    );
  return rows;
}

/** A results file read back. */
export type ResultsRead =
  | { readonly kind: 'missing' }
  | { readonly kind: 'corrupt'; readonly message: string }
  | {
      readonly kind: 'read';
      /** Undefined when the file is empty. */
      readonly results: FoldedResults | undefined;
      /** The file's bytes up to its last whole line: a last line cut short by a crash ends there. */
      readonly wholeBytes: number;
      /** The file's size. */
      readonly bytes: number;
      readonly warnings: readonly string[];
    };

/**
 * Reads a results file a chunk at a time, each line at most {@link MAX_RESULTS_LINE_BYTES}: a last line
 * cut short by a crash is ignored with a warning; any other line that is not the campaign's refuses.
 */
export function readResultsFile(path: string): ResultsRead {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return {
      kind: 'corrupt',
      message: `cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    };
  }
  try {
    if (!fstatSync(fd).isFile()) return { kind: 'corrupt', message: 'not a regular file' };
    const folder = createResultsFolder();
    const buffer = Buffer.alloc(64 * 1024);
    let partial = Buffer.alloc(0);
    let position = 0;
    let lineNumber = 0;
    let wholeBytes = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, position);
      if (read === 0) break;
      position += read;
      let chunk = Buffer.concat([partial, buffer.subarray(0, read)]);
      for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a)) {
        lineNumber++;
        const text = chunk.subarray(0, at).toString('utf8');
        chunk = chunk.subarray(at + 1);
        wholeBytes += at + 1;
        if (text.trim() === '') continue;
        const line = parseResultsLine(text);
        const wrong = typeof line === 'string' ? line : folder.add(line);
        if (wrong !== undefined) return { kind: 'corrupt', message: `line ${lineNumber}: ${wrong}` };
      }
      if (chunk.length > MAX_RESULTS_LINE_BYTES)
        return {
          kind: 'corrupt',
          message: `line ${lineNumber + 1}: longer than ${MAX_RESULTS_LINE_BYTES} bytes`,
        };
      partial = Buffer.from(chunk);
    }
    const warnings: string[] = [];
    if (partial.length > 0) {
      const line = parseResultsLine(partial.toString('utf8'));
      if (typeof line !== 'string' && folder.add(line) === undefined) {
        wholeBytes = position;
      } else {
        warnings.push(`its last line (${lineNumber + 1}) was cut short, by a crash or a full disk: ignored`);
      }
    }
    return { kind: 'read', results: folder.result(), wholeBytes, bytes: position, warnings };
  } finally {
    closeSync(fd);
  }
}

/** Appends lines to a results file, each flushed to disk before `record` returns. */
export type ResultsWriter = {
  record(line: ResultsLine): void;
  close(): void;
};

/**
 * Opens a results file for appending. A last line cut short (`wholeBytes` < `bytes`) is cut off first,
 * and a last whole line without its line break gets one, so that the next line starts on its own.
 */
export function openResultsFile(path: string, read?: { wholeBytes: number; bytes: number }): ResultsWriter {
  const fd = openSync(path, 'a+');
  try {
    if (read !== undefined && read.wholeBytes < read.bytes) ftruncateSync(fd, read.wholeBytes);
    const size = fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) writeSync(fd, '\n');
    }
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let open = true;
  return {
    record(line) {
      writeSync(fd, `${JSON.stringify(line)}\n`);
      fsyncSync(fd);
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** The largest do-not-call list: a million numbers, written one a line. */
export const MAX_DO_NOT_CALL_BYTES = 32 * 1024 * 1024;

/** A do-not-call list read from its file, and read again whenever the file's time or size changes. */
export type DoNotCallFile = {
  /** Whether `number` is on the list as the file is now; throws when it cannot be read or is wrong. */
  isDoNotCall(number: string): boolean;
  readonly size: () => number;
};

/** Reads a do-not-call file (throws with the first problems, naming lines, never numbers). */
export function watchDoNotCall(path: string): DoNotCallFile {
  let stamp = '';
  let list: DoNotCallList | undefined;
  const load = () => {
    const stat = statSync(path);
    const now = `${stat.mtimeMs} ${stat.size}`;
    if (now === stamp && list !== undefined) return list;
    const read = readSmallFile(path, MAX_DO_NOT_CALL_BYTES);
    if ('missing' in read) throw new Error(`${path} is missing`);
    if ('error' in read) throw new Error(`${path}: ${read.error}`);
    const parsed = parseDoNotCall(read.text);
    if (parsed.problems.length > 0) throw new Error(`${path} ${parsed.problems.slice(0, 3).join('; ')}`);
    stamp = now;
    list = parsed.list;
    return list;
  };
  load();
  return {
    isDoNotCall: (number) => isOnDoNotCallList(load(), number),
    size: () => (list === undefined ? 0 : list.numbers.size + list.prefixes.size),
  };
}

/** The largest campaign file. */
const MAX_CAMPAIGN_FILE_BYTES = 256 * 1024;

/** A campaign file's document (YAML for `.yaml`/`.yml`, else JSON), or why it cannot be read. */
export function readCampaignDocument(
  path: string,
): { readonly document: unknown } | { readonly error: string } {
  const read = readSmallFile(path, MAX_CAMPAIGN_FILE_BYTES);
  if ('missing' in read) return { error: 'no such file' };
  if ('error' in read) return { error: read.error };
  const text = read.text.replace(/^\uFEFF/, '');
  try {
    return { document: /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text) };
  } catch (error) {
    // JSON.parse's message quotes the text; js-yaml's (through parseYaml) says only where.
    return {
      error: /\.ya?ml$/i.test(path) ? `not YAML: ${(error as Error).message.split('\n')[0]}` : 'not JSON',
    };
  }
}

/** A results file held by one run: released when the run ends, or when the process exits. */
export type ResultsLock =
  | { readonly release: () => void; readonly warning?: string | undefined }
  | { readonly refused: string };

/**
 * Takes `<results>.lock` for this process: one run at a time per results file, since two would read the
 * same pending rows and call them twice. The lock file names the process and the machine; a lock left by
 * a process of this machine that has ended (killed, crashed) is taken over with a warning, one of another
 * machine is never (its process cannot be seen from here: delete the file once sure it has ended).
 */
export function lockResultsFile(resultsFile: string, pid: number = process.pid): ResultsLock {
  // Named after the file itself, not the path typed: a link to it, or `./` in the path, is the same file.
  const path = `${realPathOf(resultsFile)}.lock`;
  const host = hostname();
  let warning: string | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') return { refused: `cannot lock ${resultsFile} (${code ?? 'error'}: ${path})` };
      const holder = readLockHolder(path);
      if (holder !== undefined && holder.host === host && !isRunning(holder.pid)) {
        try {
          unlinkSync(path);
        } catch {
          // Another run took it over first: the next attempt finds its lock.
        }
        warning = `took over the lock of process ${holder.pid}, which has ended (${path})`;
        continue;
      }
      return {
        refused:
          holder === undefined
            ? `${resultsFile} is locked by another run (${path}); delete that file once sure no run uses it`
            : `${resultsFile} is in use by process ${holder.pid} on ${holder.host} since ${holder.since} ` +
              `(${path}): wait for it to end, or stop it; delete that file only if that process has ended`,
      };
    }
    writeSync(fd, JSON.stringify({ pid, host, since: new Date().toISOString() }));
    closeSync(fd);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      process.off('exit', release);
      try {
        unlinkSync(path);
      } catch {
        // Already gone: nothing to release.
      }
    };
    // A second Ctrl-C ends the process at once: the lock goes with it.
    process.on('exit', release);
    return { release, warning };
  }
  return { refused: `cannot lock ${resultsFile}: another run keeps taking ${path}` };
}

/** Who holds a lock file, when it can be read. */
function readLockHolder(path: string): { pid: number; host: string; since: string } | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8').slice(0, 1024)) as Record<string, unknown>;
    const { pid, host, since } = holder;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || typeof host !== 'string')
      return undefined;
    return {
      pid,
      host: host.slice(0, 128),
      since: typeof since === 'string' ? since.slice(0, 40) : 'unknown',
    };
  } catch {
    return undefined;
  }
}

/** The file's real path (links resolved); for a file not written yet, its folder's real path and its name. */
function realPathOf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    try {
      return join(realpathSync(dirname(file)), basename(file));
    } catch {
      return resolvePath(file);
    }
  }
}
