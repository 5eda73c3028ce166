/**
 * A seeded week of calls to examples/bank-card-service.yaml, played through the built bundles, written as
 * production would log it (dev/journey-week.ts): the inbound function's callback lines, the report
 * function's receipt lines, and the generator's own model of the calls, for `npm run analytics` to be
 * checked against.
 *
 *   npm run analytics:week -- --out week --calls 20000 --seed 7
 */
import { resolve } from 'node:path';
import {
  type CommandIo,
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import {
  describeWeekFolder,
  type Envelope,
  generateWeek,
  isDate,
  MAX_WEEK_CALLS,
  MAX_WEEK_DAYS,
} from '../../dev/journey-week';
import { printable } from '../../dev/simulator/printable';
import { buildBundles } from '../build/build';

export const PROGRAM = {
  name: 'analytics:week',
  summary:
    'A seeded week of calls to the bank-card example, played through the built bundles: the callback and receipt log lines production would write, and the model of the calls.',
  single: true,
  options: {
    out: {
      type: 'string',
      value: 'DIR',
      help: 'the folder to write callbacks.jsonl, receipts.jsonl and model.json into (new, or holding only those)',
    },
    calls: { type: 'string', value: 'N', help: `how many calls, 1 to ${MAX_WEEK_CALLS} (default 1000)` },
    seed: {
      type: 'string',
      value: 'S',
      help: 'the seed: the same seed plays the same calls and writes the same model (default 19)',
    },
    from: {
      type: 'string',
      value: 'YYYY-MM-DD',
      help: 'the first day, in Beijing time (default 2026-03-09, a Monday of a week without holidays)',
    },
    days: { type: 'string', value: 'N', help: `how many days, 1 to ${MAX_WEEK_DAYS} (default 7)` },
    envelope: {
      type: 'string',
      value: 'none|sls',
      help: 'none: the lines as the functions wrote them (default); sls: each inside an SLS export record',
    },
  },
  commands: {
    'analytics:week': {
      summary: 'play a seeded week of calls and write its log lines and model',
      positionals: [0, 0],
      options: ['out', 'calls', 'seed', 'from', 'days', 'envelope'],
      example: '--out week --calls 20000 --seed 7',
      details: `
The bundles are built first (as npm run build builds them): the calls go through dist/inbound and the
receipts through dist/report, in this process, on the week's clock. Calls come by an hour-of-day
profile (few at night, peaks at 10-11 and 14-16, a lighter Saturday, a small Sunday); outside the
office calendar they get the after-hours flow.
About 1% of events are delivered twice, 0.5% of receipts pushed twice, 0.5% of calls get none.
model.json is counted from the callers' scripts, never from the logs; every reply's log line is checked
against its script as the week plays, and a mismatch stops it (exit 1), naming the call and the step.
The folder is refused when it holds other files than the three it writes. Prints one line: calls, lines,
seconds.`,
    },
  },
} as const satisfies ProgramSpec;

/** A whole number from `min` to `max` written in `text`, or undefined. */
function readWhole(text: string | undefined, fallback: number, min: number, max: number): number | undefined {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

export async function main(argv: readonly string[], io: CommandIo = PROCESS_IO): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const { values } = read.line;
  const usage = (message: string) => refuseUsage(io, PROGRAM, 'analytics:week', message);
  if (values.out === undefined) return usage('needs --out DIR');
  const calls = readWhole(values.calls, 1000, 1, MAX_WEEK_CALLS);
  if (calls === undefined) return usage(`--calls takes a whole number from 1 to ${MAX_WEEK_CALLS}`);
  const seed = readWhole(values.seed, 19, 0, 2 ** 32 - 1);
  if (seed === undefined) return usage('--seed takes a whole number from 0 to 4294967295');
  const days = readWhole(values.days, 7, 1, MAX_WEEK_DAYS);
  if (days === undefined) return usage(`--days takes a whole number from 1 to ${MAX_WEEK_DAYS}`);
  const from = values.from ?? '2026-03-09';
  if (!isDate(from)) return usage(`--from takes a date written YYYY-MM-DD, not ${printable(from)}`);
  const envelope = values.envelope ?? 'none';
  if (envelope !== 'none' && envelope !== 'sls')
    return usage(`--envelope is none or sls, not ${printable(envelope)}`);
  const out = resolve(values.out);
  const problem = describeWeekFolder(out);
  if (problem !== undefined) {
    io.err(`analytics:week: ${printable(problem)}\n`);
    return EXIT.failed;
  }
  const started = performance.now();
  try {
    // The calls go through the bundles as this checkout builds them, whatever dist/ held before.
    await buildBundles({ quiet: true });
    const model = await generateWeek({ out, calls, seed, from, days, envelope: envelope as Envelope });
    const seconds = (performance.now() - started) / 1000;
    const lines = model.lines.callbacks + model.lines.duplicates;
    io.out(
      `${model.calls} calls, ${lines} callback lines (${model.lines.duplicates} delivered twice), ` +
        `${model.receipts.pushed + model.receipts.pushedAgain} receipts in ${printable(out)}; ${seconds.toFixed(1)} s ` +
        `(${Math.round(lines / seconds)} lines/s)\n`,
    );
    return EXIT.ok;
  } catch (error) {
    // A script that disagrees with the rules, bundles not built, a file that cannot be written.
    const message = error instanceof Error ? error.message : String(error);
    io.err(`analytics:week: ${printable(message.split('\n')[0] ?? message)}\n`);
    return EXIT.failed;
  }
}

runWhenMain(import.meta.filename, (argv, io) => main(argv, io));
