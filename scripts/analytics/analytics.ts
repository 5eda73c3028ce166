/**
 * Journey analytics: where callers go, drop, fail to be understood and are handed over, per flow and node,
 * per line and hour of day, from exported log lines and receipts (shared/analytics). Terminal tables, JSON
 * (`--json`) or a self-contained HTML report (`--html FILE`).
 *
 *   npm run analytics -- callbacks.jsonl receipts.jsonl --html report.html
 *
 * Every file is read line by line in bounded memory (a line over 64 KB is skipped and counted), the files
 * merged in time order as they are read, so that each call is counted once its lines are in: memory holds the
 * calls in progress and the counters, never the lines. Exit codes: 0 analysed, 1 an input cannot be read, a
 * file written, or nothing in the inputs is a callback line, 2 bad command line.
 */
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describeOverwrite, describeUnreadable, readExportLines } from '../../dev/bounded-lines';
import {
  type CommandIo,
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import { printable } from '../../dev/simulator/printable';
import {
  CALL_HORIZON_MS,
  JourneyAnalytics,
  MAX_LINES,
  MAX_NODES,
  MAX_OPEN_CALLS,
} from '../../shared/analytics/journey-analytics';
import type { JourneyFigures } from '../../shared/analytics/journey-figures';
import { renderJourneyHtml } from '../../shared/analytics/journey-html';
import { readJourneyLine } from '../../shared/analytics/journey-input';
import { type OrderedLine, OutlierFilter, timeOf } from '../../shared/analytics/journey-order';
import { formatJourneyTables } from '../../shared/analytics/journey-tables';
import { isValidTimeZone } from '../../shared/calendar/local-time';
import { MAX_LOG_LINE_CHARS } from '../../shared/log/log-export';

/** The most files merged at once: each stays open while they are read. */
const MAX_FILES = 200;

/** The zone hours of the day are read in unless --timezone says otherwise: the rules' default. */
const DEFAULT_TIMEZONE = 'Asia/Shanghai';

export const PROGRAM = {
  name: 'analytics',
  summary:
    'Where callers go, drop, are not understood and are handed over, per flow and node, and per line and hour of day, from exported log lines and receipts: terminal tables, JSON or an HTML report.',
  single: true,
  options: {
    json: { type: 'boolean', help: 'print the figures as one JSON object on stdout instead of the tables' },
    html: {
      type: 'string',
      value: 'FILE',
      help: 'also write a self-contained HTML report with charts to FILE (it opens offline); FILE must not be an input',
    },
    flow: {
      type: 'string',
      multiple: true,
      value: 'NAME',
      help: 'only this flow in the tables (repeat for more); JSON and HTML keep every flow',
    },
    timezone: {
      type: 'string',
      value: 'ZONE',
      help: `the IANA time zone of the hours of the day; default: ${DEFAULT_TIMEZONE}`,
    },
  },
  commands: {
    analytics: {
      summary: 'journey figures from log exports and receipts',
      args: '<file...>',
      positionals: [1, Number.POSITIVE_INFINITY],
      options: ['json', 'html', 'flow', 'timezone'],
      example: 'callbacks.jsonl receipts.jsonl --html report.html',
      details: `
Give every file of the period, in any mix: the inbound and outbound functions' callback lines and the report
function's receipt lines (JSON lines, as the functions write them or as SLS exports them, the line in
content or message), raw VoiceReport records or pushed arrays. The files are merged in time order as
they are read, so each file should be in time order, oldest first; a call is counted once no line of
it has come for ${CALL_HORIZON_MS / 3_600_000} hours of the export's time, and a line of a call already
counted is reported as late.

The figures, defined in docs/analytics.md: per flow and node, the calls entering, the moves along each
exit, the calls that ended there (transferred, ended by the flow, hung up by the caller or the platform
as the receipt says, unknown), the no-input and no-match rates of what the node heard (a key-arming
silence is neither), time in node, transfers and containment; the top utterances nothing matched per
node (masked; never those of a sensitive node); per line and hour of day, calls, after-hours calls and
transfers. A redelivered event counts nowhere.`,
    },
  },
} as const satisfies ProgramSpec;

export async function main(argv: readonly string[], io: CommandIo = PROCESS_IO): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const { values, positionals: files } = read.line;
  const timezone = values.timezone ?? DEFAULT_TIMEZONE;
  if (!isValidTimeZone(timezone))
    return refuseUsage(
      io,
      PROGRAM,
      'analytics',
      `--timezone ${printable(timezone)} is not a time zone this runtime knows`,
    );
  const html = values.html;
  const overwrite = describeOverwrite('--html', html, files, 'the report');
  if (overwrite !== undefined) return refuseUsage(io, PROGRAM, 'analytics', overwrite);
  if (files.length > MAX_FILES)
    return refuseUsage(
      io,
      PROGRAM,
      'analytics',
      `${files.length} files: at most ${MAX_FILES} are read at once (each stays open while the files are merged by time); join them first (cat)`,
    );
  const fail = (message: string) => {
    io.err(`analytics: ${printable(message)}\n`);
    return EXIT.failed;
  };
  for (const file of files) {
    const problem = describeUnreadable(file);
    if (problem !== undefined) return fail(problem);
  }
  // Found before the inputs are read, not after.
  const unwritable = html === undefined ? undefined : describeUnwritable(html);
  if (unwritable !== undefined) return fail(unwritable);

  const analytics = new JourneyAnalytics(timezone);
  const orderWarnings: string[] = [];
  const sources = files.map((file) => readLines(file, (warning) => orderWarnings.push(warning)));
  for await (const line of mergeByTime(sources)) analytics.add(line);
  const figures = analytics.figures();
  if (figures.read.callbacks === 0)
    return fail(
      `no callback line in ${files.length === 1 ? 'the file' : `the ${files.length} files`} (${figures.read.lines} lines read): ` +
        "give the inbound or outbound function's log lines, as written or exported from SLS",
    );
  if (html !== undefined) {
    try {
      writeFileSync(html, renderJourneyHtml(figures, { generatedAt: new Date().toISOString() }));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return fail(
        `cannot write ${html} (${String(code ?? error)}): check that its folder exists and may be written`,
      );
    }
  }
  if (values.json === true) io.out(`${JSON.stringify(figures)}\n`);
  else io.out(formatJourneyTables(figures, values.flow === undefined ? {} : { flows: values.flow }));
  for (const warning of [...orderWarnings, ...warningsOf(figures)])
    io.err(`analytics: warning: ${printable(warning)}\n`);
  if (html !== undefined) io.err(`wrote the report to ${printable(html)}\n`);
  return EXIT.ok;
}

/**
 * Why the report cannot be written to `file`, if it cannot: its folder is missing or read-only, or it is
 * there and not a regular file (a FIFO would hang the write).
 */
function describeUnwritable(file: string): string | undefined {
  const folder = dirname(resolve(file));
  try {
    accessSync(folder, constants.W_OK);
    if (!statSync(folder).isDirectory()) return `cannot write ${file}: ${folder} is not a folder`;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return `cannot write ${file} (${String(code ?? error)}): check that its folder exists and may be written`;
  }
  try {
    if (!statSync(file).isFile()) return `cannot write ${file}: it is there and not a file`;
  } catch {
    // Not there yet: it is made.
  }
  return undefined;
}

/** What the reader should know of the inputs: lines out of order, receipts that found no call, limits. */
export function warningsOf(figures: JourneyFigures): string[] {
  const { read } = figures;
  const warnings: string[] = [];
  if (read.overflow > 0)
    warnings.push(
      `${read.overflow} calls, nodes or lines were past the limits (${MAX_NODES.toLocaleString('en')} nodes, ${MAX_LINES.toLocaleString('en')} lines, ${MAX_OPEN_CALLS.toLocaleString('en')} calls in progress): some figures leave them out (docs/analytics.md, "Limits")`,
    );
  if (read.outliers > 0)
    warnings.push(
      `${read.outliers} line${read.outliers === 1 ? '' : 's'} had a time hours ahead of the lines around ${read.outliers === 1 ? 'it' : 'them'}, and ${read.outliers === 1 ? 'was' : 'were'} skipped`,
    );
  if (read.late > 0)
    warnings.push(
      `${read.late} line${read.late === 1 ? '' : 's'} came over ${CALL_HORIZON_MS / 3_600_000} hours after their call's other lines, ` +
        'which were counted without them: give the files in time order (docs/analytics.md has the SLS query)',
    );
  if (read.receiptsWithoutCalls > 0)
    warnings.push(
      `${read.receiptsWithoutCalls} receipt${read.receiptsWithoutCalls === 1 ? '' : 's'} named no call of the callback lines read (another function's calls, another period, or a receipts file given where the callbacks are missing)`,
    );
  if (read.receipts === 0)
    warnings.push(
      "no receipt was read: who hung up is unknown for calls that ended waiting for the caller (give the report function's lines too)",
    );
  return warnings;
}

/** How far back a line may go from the latest one before it without counting as out of order. */
const SKEW_MS = 60_000;

/**
 * A file's lines, read, with the ones whose time is far off taken out (shared/analytics/journey-order.ts);
 * a warning for a file whose times mostly go backwards (newest first, as an SLS console lists lines):
 * merged with the others by time, its calls' lines come apart.
 */
async function* readLines(file: string, warn: (message: string) => void): AsyncGenerator<OrderedLine> {
  let latest = Number.NEGATIVE_INFINITY;
  let timed = 0;
  let backwards = 0;
  const filter = new OutlierFilter();
  const count = (lines: readonly OrderedLine[]) => {
    for (const line of lines) {
      const at = line.kind === 'outlier' ? undefined : timeOf(line);
      if (at === undefined) continue;
      timed++;
      if (at < latest - SKEW_MS) backwards++;
      latest = Math.max(latest, at);
    }
    return lines;
  };
  for await (const raw of readExportLines(file, MAX_LOG_LINE_CHARS))
    yield* count(filter.push(readJourneyLine(raw)));
  yield* count(filter.end());
  if (timed > 10 && backwards > timed / 2)
    warn(
      `${file}: most of its lines go back in time (newest first?): its calls may be counted in part; ` +
        `put it oldest first (tac ${file} > oldest-first.jsonl) and run again`,
    );
}

/**
 * The lines of several files as one stream in time order, each file read as it is needed: the line with the
 * earliest time among the files' next ones goes first (ties: the earlier file).
 */
export async function* mergeByTime(
  sources: readonly AsyncIterator<OrderedLine>[],
): AsyncGenerator<OrderedLine> {
  const heads: (OrderedLine | undefined)[] = [];
  const live = new Set<number>();
  const pull = async (index: number) => {
    const next = await (sources[index] as AsyncIterator<OrderedLine>).next();
    heads[index] = next.done === true ? undefined : next.value;
    if (next.done === true) live.delete(index);
  };
  for (const index of sources.keys()) {
    live.add(index);
    await pull(index);
  }
  while (live.size > 0) {
    let first: number | undefined;
    let firstAt = Number.POSITIVE_INFINITY;
    for (const index of live) {
      const head = heads[index] as OrderedLine;
      const at = (head.kind === 'outlier' ? undefined : timeOf(head)) ?? Number.NEGATIVE_INFINITY;
      if (at < firstAt || first === undefined) {
        first = index;
        firstAt = at;
      }
    }
    const chosen = first as number;
    yield heads[chosen] as OrderedLine;
    await pull(chosen);
  }
}

runWhenMain(import.meta.filename, (argv, io) => main(argv, io));
