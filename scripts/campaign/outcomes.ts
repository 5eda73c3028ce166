/**
 * How each row of a campaign went: its results file (written by `npm run call`) joined with the receipts
 * and the `outbound` function's callback log lines (shared/campaign/outcomes.ts), as a table, a CSV file
 * or JSON lines, with totals. `--settle` appends a `settled` line for each uncertain row the receipts show
 * was placed, so that `npm run call` never considers it again.
 *
 *   npm run outcomes -- campaign.results.jsonl --receipts receipts/*.jsonl --logs outbound/*.log -o outcomes.csv
 *
 * Every input is read line by line in bounded memory (each line at most 64 KB; a longer one is skipped and
 * counted; 4 KB in the results file, where a longer one refuses it). The results file is read as `npm run call` reads it: a corrupt line refuses it, but for a last
 * line cut short by a crash, which is ignored with a warning. Phone numbers are masked in every input
 * already, and masked again in everything printed or written, glued to letters too. Exit codes: 0 joined,
 * 1 an input cannot be read or a file written, 2 bad command line (an `-o` that is one of the inputs too).
 */
import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import {
  describeOverwrite,
  describeUnreadable,
  readArrayFile,
  readBoundedLines,
} from '../../dev/bounded-lines';
import { lockResultsFile, openResultsFile, readResultsFile } from '../../dev/campaign-files';
import {
  type CommandIo,
  EXIT,
  outputOption,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import { printable } from '../../dev/simulator/printable';
import {
  CampaignOutcomes,
  OUTCOME_COLUMNS,
  type OutcomeColumn,
  type OutcomeRow,
  OutcomesError,
  type OutcomeTotals,
  outcomeCells,
  outcomeJson,
  SETTLED_STATUS,
  toCsvRecord,
} from '../../shared/campaign/outcomes';
import { maskRowText, type SettledLine } from '../../shared/campaign/results';
import { MAX_RESULTS_LINE_BYTES } from '../../shared/campaign/results-state';
import { MAX_LOG_LINE_CHARS } from '../../shared/log/log-export';

/** Output is written in pieces of about this size: the rows are never all held as text. */
const WRITE_CHUNK_CHARS = 64 * 1024;

export const PROGRAM = {
  name: 'outcomes',
  summary:
    "How each row of a campaign went: its results file joined with the receipts and the outbound function's callback log lines, as a table, CSV or JSON lines, with totals.",
  single: true,
  options: {
    receipts: {
      type: 'string',
      multiple: true,
      value: 'FILE...',
      help: "receipts: the report function's log lines, raw VoiceReport records or pushed arrays (JSON lines, or one JSON array), SLS exports too; one or more files",
    },
    logs: {
      type: 'string',
      multiple: true,
      value: 'FILE...',
      help: "the outbound function's log lines (JSON lines, SLS exports too); one or more files",
    },
    output: {
      ...outputOption('the table as CSV (RFC 4180)'),
      help: 'write the table as CSV (RFC 4180) to FILE instead of stdout; FILE must not be one of the inputs',
    },
    json: {
      type: 'boolean',
      help: 'print one JSON object per row on stdout instead of the table (the totals then go to stderr)',
    },
    settle: {
      type: 'boolean',
      help: 'append a settled line to the results file for each uncertain row the receipts show was placed',
    },
  },
  commands: {
    outcomes: {
      summary: "join a campaign's results with its receipts and callback logs",
      args: '<results>',
      positionals: [1, 1],
      options: ['receipts', 'logs', 'output', 'json', 'settle'],
      example: 'campaign.results.jsonl --receipts receipts/*.jsonl --logs outbound/*.log -o outcomes.csv',
      details: `
Give the results file first: --receipts and --logs each take every file after them up to the next option,
so a shell glob works. A row finds its receipt by OutId (receipts of other campaigns are ignored and
counted) or by call id, and its callback lines by call id. Per row: status, whether the callee answered,
the duration, the last node, outcome words and tag, whether the call was transferred, who hung up (flow,
callee, or the receipt's hangup_direction: 用户 the callee, 机器 the platform) and one word for how it ended (endedAs); then the
totals. A row that was uncertain (a request that may have been placed) and that the receipts show reads
"${SETTLED_STATUS}"; --settle writes that down in the results file, so that npm run call never
considers it again. A row still uncertain is placed again only by npm run call -- --retry-uncertain.
While npm run call runs on the same results file it holds it (RESULTS.lock), and --settle is refused;
--settle holds it too while it appends, and first cuts off a last line a crash cut short.

The results file is read as npm run call reads it: a line that is not one refuses the file (exit 1, naming
the line); only a last line cut short by a crash is ignored, with a warning. An -o naming one of the inputs
is refused (exit 2). Phone numbers are masked in everything printed or written: wherever they stand in the
inputs' text (ids, nodes, tags, the receipt's codes), glued to letters too; in call ids, standing alone.`,
    },
  },
} as const satisfies ProgramSpec;

/** The command's streams, and its clock (for the `settled` lines' time). */
export type OutcomesIo = CommandIo & { readonly now?: () => number };

/**
 * The command line with the files after `--receipts` and `--logs` each given their option
 * (`--receipts a b` as `--receipts a --receipts b`), so that a shell glob works.
 */
export function spreadFileLists(argv: readonly string[]): string[] {
  const out: string[] = [];
  /** The list option the bare words are files of, while one is. */
  let list: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === '--') return [...out, ...argv.slice(index)];
    if (arg === '--receipts' || arg === '--logs') {
      // The next word is its own value, as for any option.
      list = arg;
      out.push(...argv.slice(index, index + 2));
      index++;
    } else if (arg.startsWith('-')) {
      list = /^--(receipts|logs)=/.test(arg) ? arg.split('=')[0] : undefined;
      out.push(arg);
    } else out.push(...(list === undefined ? [arg] : [list, arg]));
  }
  return out;
}

export async function main(argv: readonly string[], io: OutcomesIo = PROCESS_IO): Promise<number> {
  const read = readCommandLine(PROGRAM, spreadFileLists(argv), io);
  if (!read.run) return read.code;
  const { values, positionals } = read.line;
  const resultsFile = positionals[0] as string;
  const receiptFiles = values.receipts ?? [];
  const logFiles = values.logs ?? [];
  if (values.json === true && values.output !== undefined)
    return refuseUsage(
      io,
      PROGRAM,
      'outcomes',
      '--json prints the rows on stdout and -o writes them as CSV: give one',
    );
  const fail = (message: string) => {
    io.err(`outcomes: ${printable(message)}\n`);
    return EXIT.failed;
  };
  const inputs = [resultsFile, ...receiptFiles, ...logFiles];
  const output = values.output;
  const overwrite = describeOverwrite('-o', output, inputs, 'the CSV');
  if (overwrite !== undefined) return refuseUsage(io, PROGRAM, 'outcomes', overwrite);
  for (const file of inputs) {
    const problem = describeUnreadable(file);
    if (problem !== undefined) return fail(problem);
  }

  const join = new CampaignOutcomes();
  try {
    for await (const line of readBoundedLines(resultsFile, MAX_RESULTS_LINE_BYTES)) join.addResultsLine(line);
    join.endResults(endsWithNewline(resultsFile));
  } catch (error) {
    if (!(error instanceof OutcomesError)) throw error;
    return fail(
      `${resultsFile} is not a campaign's results file: ${error.message} (npm run call refuses it too; ` +
        'only a last line cut short by a crash is ignored)',
    );
  }
  if (join.code === undefined)
    return fail(
      `${resultsFile} is not a campaign's results file: it has no campaign line (npm run call writes one first)`,
    );
  for (const warning of join.resultsWarnings)
    io.err(`outcomes: warning: ${printable(resultsFile)}: ${warning}\n`);
  for (const file of receiptFiles) await readReceipts(join, file);
  for (const file of logFiles)
    for await (const line of readBoundedLines(file, MAX_LOG_LINE_CHARS)) join.addLogLine(line);

  if (values.output !== undefined) {
    const written = writeCsv(values.output, join.rows());
    if (written !== undefined) return fail(written);
  } else {
    const chunks = new Chunked(io.out);
    if (values.json === true)
      for (const row of join.rows()) chunks.add(`${JSON.stringify(outcomeJson(row))}\n`);
    else writeTable(chunks, join.rows());
    chunks.flush();
  }

  const totals = join.totals();
  const settle = join.settleLines(new Date((io.now ?? Date.now)()).toISOString());
  let settled: Settled | undefined = values.settle === true ? { appended: 0, cutOff: false } : undefined;
  if (values.settle === true && settle.length > 0) {
    // Never beside a running npm run call: it holds the file, and would not see these lines.
    const lock = lockResultsFile(resultsFile);
    if ('refused' in lock) return fail(`not settled: ${lock.refused}`);
    if (lock.warning !== undefined) io.err(`outcomes: ${printable(lock.warning)}\n`);
    try {
      const appended = appendSettled(resultsFile, join.code, settle);
      if (typeof appended === 'string') return fail(`not settled: ${appended}`);
      settled = appended;
    } finally {
      lock.release();
    }
  }
  const summary = describeTotals(totals, settled ?? settle.length);
  (values.json === true ? io.err : io.out)(`${summary.map(printable).join('\n')}\n`);
  if (values.output !== undefined) io.err(`wrote ${totals.rows} rows to ${printable(values.output)}\n`);
  return EXIT.ok;
}

/** What `--settle` appended: its lines, and whether it first cut off a last line cut short by a crash. */
type Settled = { readonly appended: number; readonly cutOff: boolean };

/**
 * Appends the `settled` lines to the results file, held by this process: read again as `npm run call` reads
 * it, each line appended as it appends its own (flushed to disk, after a last line cut short is cut off).
 * Only rows still uncertain as the file is now: a run since the join may have settled or placed them. Why
 * it could not, if it could not.
 */
function appendSettled(file: string, code: string, lines: readonly SettledLine[]): Settled | string {
  const read = readResultsFile(file);
  if (read.kind === 'missing') return `${file} is gone`;
  if (read.kind === 'corrupt')
    return `${file} is not a campaign's results file: ${maskRowText(read.message)}`;
  if (read.results?.campaign.code !== code)
    return `${file} is no longer campaign ${code}'s results file: it changed while it was read`;
  const rows = read.results.rows;
  const due = lines.filter((line) => {
    const state = rows.get(line.row)?.state;
    return state?.kind === 'interrupted' || (state?.kind === 'done' && state.status === 'uncertain');
  });
  if (due.length === 0) return { appended: 0, cutOff: false };
  const cannot = (error: unknown) =>
    `cannot append to ${file} (${String((error as { code?: unknown }).code ?? error)})`;
  let writer: ReturnType<typeof openResultsFile>;
  try {
    writer = openResultsFile(file, read);
  } catch (error) {
    return cannot(error);
  }
  try {
    for (const line of due) writer.record(line);
  } catch (error) {
    return cannot(error);
  } finally {
    writer.close();
  }
  return { appended: due.length, cutOff: read.wholeBytes < read.bytes };
}

/** A receipts file: one JSON array read whole (a push saved as it came, even over many lines), else lines. */
async function readReceipts(join: CampaignOutcomes, file: string): Promise<void> {
  const whole = readArrayFile(file);
  if (whole !== undefined) {
    join.addReceipt(whole);
    return;
  }
  for await (const line of readBoundedLines(file, MAX_LOG_LINE_CHARS)) join.addReceiptLine(line);
}

/** Text given out in pieces of about {@link WRITE_CHUNK_CHARS}. */
class Chunked {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly write: (text: string) => void) {}
  add(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= WRITE_CHUNK_CHARS) this.flush();
  }
  flush(): void {
    if (this.parts.length > 0) this.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

/** Writes the rows as CSV to `file`; why it could not, if it could not. */
function writeCsv(file: string, rows: Iterable<OutcomeRow>): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'w');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return `cannot write ${file} (${String(code ?? error)}): check that its folder exists and may be written`;
  }
  try {
    const chunks = new Chunked((text) => writeSync(fd, text));
    chunks.add(toCsvRecord(OUTCOME_COLUMNS));
    for (const row of rows) {
      const cells = outcomeCells(row);
      chunks.add(toCsvRecord(OUTCOME_COLUMNS.map((column) => cells[column])));
    }
    chunks.flush();
  } finally {
    closeSync(fd);
  }
  return undefined;
}

/** The table's columns and their widths: a fixed set, long values cut. */
const TABLE: readonly (readonly [OutcomeColumn, string, number])[] = [
  ['row', 'row', 5],
  ['id', 'id', 10],
  ['number', 'number', 11],
  ['status', 'status', 11],
  ['answered', 'ans', 3],
  ['duration', 'dur', 5],
  ['lastNode', 'lastNode', 12],
  ['tag', 'tag', 19],
  ['hungUpBy', 'hungUpBy', 8],
  ['endedAs', 'endedAs', 19],
];

/** A cell of the table: printable, cut to its width with `…`, padded. */
function fit(text: string, width: number): string {
  const clean = printable(text);
  return (clean.length > width ? `${clean.slice(0, width - 1)}…` : clean).padEnd(width);
}

/**
 * The rows as a table for the terminal: a settled row's status reads `settled` (explained below the
 * table), an answer no receipt tells `?`.
 */
function writeTable(chunks: Chunked, rows: Iterable<OutcomeRow>): void {
  const line = (cells: readonly string[]) =>
    `${cells
      .map((cell, index) => fit(cell, TABLE[index]?.[2] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  chunks.add(line(TABLE.map(([, title]) => title)));
  let settled = false;
  for (const row of rows) {
    const cells = outcomeCells(row);
    if (row.status === SETTLED_STATUS) {
      settled = true;
      cells.status = 'settled';
    }
    if (row.answered === 'unknown') cells.answered = '?';
    chunks.add(line(TABLE.map(([column]) => cells[column])));
  }
  if (settled) chunks.add(`settled: uncertain when sent, placed as its receipt shows (${SETTLED_STATUS})\n`);
}

const count = (n: number, noun: string, plural = `${noun}s`) => `${n} ${n === 1 ? noun : plural}`;
const listed = (pairs: readonly (readonly [string, number])[]) =>
  pairs.map(([name, n]) => `${name} ${n}`).join(', ') || 'none';

/**
 * The lines under the table: totals per status and per ending (their words masked: a tag comes from the
 * logs), the uncertain rows, what was not matched. `settle` is the number of rows `--settle` would settle,
 * or what it did.
 */
export function describeTotals(totals: OutcomeTotals, settle: number | Settled): string[] {
  const { receipts, logs } = totals;
  const masked = (pairs: OutcomeTotals['endedAs']) =>
    pairs.map(([name, n]) => [maskRowText(name), n] as const);
  const lines = [
    `${count(totals.rows, 'row')} by status: ${listed(masked(totals.status))}`,
    `ended as: ${listed(masked(totals.endedAs))}`,
    `${count(totals.uncertain, 'row')} uncertain: ${totals.settledByReceipts} settled by receipts` +
      (totals.uncertain > totals.settledByReceipts
        ? `, ${totals.uncertain - totals.settledByReceipts} still uncertain (npm run call -- --retry-uncertain places them again)`
        : ''),
  ];
  if (typeof settle === 'number') {
    if (settle > 0)
      lines.push(
        `${count(settle, 'row')} can be settled: run again with --settle to write it in the results file`,
      );
  } else if (settle.appended > 0)
    lines.push(
      `settled ${count(settle.appended, 'row')}: appended ${count(settle.appended, 'settled line')} to the results file` +
        (settle.cutOff ? ', after cutting off its last line, cut short by a crash' : ''),
    );
  else lines.push('nothing to settle: no uncertain row is in the receipts');
  if (totals.placedTwice > 0)
    lines.push(`${count(totals.placedTwice, 'row')} placed more than once (several calls in the receipts)`);
  lines.push(
    `receipts: ${count(receipts.read, 'VoiceReport')} read, ${receipts.matched} matched, ${receipts.duplicates} pushed again, ` +
      `${receipts.otherOutIds} of other OutIds (ignored), ${receipts.unmatched} unmatched; ` +
      `${count(receipts.other, 'other line')}, ${receipts.unreadable} unreadable, ${receipts.tooLong} over 64 KB`,
    `logs: ${count(logs.callbacks, 'callback line')}, ${count(logs.matchedCalls, 'call')} of this campaign, ` +
      `${count(logs.unmatchedCalls, 'other call')}, ${logs.duplicates} duplicates; ` +
      `${count(logs.other, 'other line')}, ${logs.tooLong} over 64 KB`,
  );
  return lines;
}

/** Whether `file` ends with a line break (or is empty): a `settled` line must start a line of its own. */
function endsWithNewline(file: string): boolean {
  const { size } = statSync(file);
  if (size === 0) return true;
  const fd = openSync(file, 'r');
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] === 10;
  } finally {
    closeSync(fd);
  }
}

runWhenMain(import.meta.filename, (argv, io) => main(argv, io));
