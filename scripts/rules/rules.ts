/**
 * The rules document's command line: check, draw, describe and pack rules documents.
 *
 *   npm run rules -- check <file...> [--strict] [--at YYYY-MM-DD]   lint; exit 1 on errors (on warnings too
 *                                                        with --strict); holiday data is judged from --at, else today
 *   npm run rules -- graph <file> [--flow NAME] [--markdown]   Mermaid flowchart (in a ```mermaid fence)
 *   npm run rules -- schema [-o rules.schema.json]       the JSON Schema of RulesSchema, for editors
 *   npm run rules -- compile <file> [-o out.json]        validate, then minified JSON for the RULES variable
 *   npm run rules -- schedule <file> [--calendar NAME] [--year YYYY | --month YYYY-MM] [--json]
 *                                                        a calendar's effective days, and what decided each
 *
 * and, with rules documents in OSS (scripts/rules/rules-publish.ts):
 *
 *   npm run rules -- publish <file> oss://bucket/key [--force] [--dry-run]
 *   npm run rules -- pull oss://bucket/key [-o file]
 *   npm run rules -- diff <file> oss://bucket/key [--json] [--exit-code]
 *   npm run rules -- history oss://bucket/key [--json]
 *   npm run rules -- rollback <version> oss://bucket/key [--dry-run]
 *
 * Files ending in `.yaml`/`.yml` are YAML, anything else JSON. Exit codes: 0 fine, 1 the rules (or a file)
 * have a problem, 2 the command line is wrong.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as v from 'valibot';
import { parseCommand, UsageError } from '../../dev/command-line';
import { printJsonSchema } from '../../dev/json-schema';
import { addDays, DateSchema, daysBetween, weekdayOfDate } from '../../shared/calendar/calendar-dates';
import { CalendarSchema, TimeRangeSchema } from '../../shared/calendar/calendar-schema';
import { FIRST_YEAR, LAST_YEAR } from '../../shared/calendar/holiday-schedule';
import { type DaySource, type NoHolidayDataGap, planDay } from '../../shared/calendar/is-open';
import { toLocalTime, type Weekday } from '../../shared/calendar/local-time';
import { CallSettingsSchema } from '../../shared/protocol/call-settings';
import { compileRules, type RulesIssue } from '../../shared/rules/compile-rules';
import {
  describeHolidayCoverage,
  describeNoHolidayData,
  formatYearRuns,
  type HolidayCoverage,
} from '../../shared/rules/holiday-coverage';
import {
  ConditionSchema,
  FlowSchema,
  NodeSchema,
  PromptSchema,
  RetryPolicySchema,
  RulesSchema,
} from '../../shared/rules/rules-schema';
import { drawRules } from '../../shared/rules-tooling/draw-rules';
import { lintRules } from '../../shared/rules-tooling/lint-rules';
import { RULES_DESCRIPTIONS } from '../../shared/rules-tooling/rules-descriptions';
import { NameSchema } from '../../shared/text/name';
import { type CliIo, compileToJson, formatIssue, locateAll, plural, readFile } from './rules-files';
import { isOssCommand, OSS_USAGE, type OssCliIo, runOssCommand } from './rules-publish';

export type { CliIo } from './rules-files';

/** Function Compute limits all environment variables of a function together to 4 KB. */
const ENV_LIMIT_BYTES = 4096;

const USAGE = `usage:
  npm run rules -- check <file...> [--strict] [--at YYYY-MM-DD]
  npm run rules -- graph <file> [--flow NAME] [--markdown]
  npm run rules -- schema [-o rules.schema.json]
  npm run rules -- compile <file> [-o out.json]
  npm run rules -- schedule <file> [--calendar NAME] [--year YYYY | --month YYYY-MM] [--json]
${OSS_USAGE}`;

const PROCESS_IO: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  now: () => Date.now(),
};

/**
 * Every command: the OSS ones (publish, pull, diff, history, rollback) are asynchronous and read
 * credentials from `io.env`; the others are {@link main}'s.
 */
export function run(
  argv: readonly string[],
  io: OssCliIo = { ...PROCESS_IO, env: process.env },
): Promise<number> {
  const command = argv.find((arg) => !arg.startsWith('-'));
  return isOssCommand(command) ? runOssCommand(argv, io) : Promise.resolve(main(argv, io));
}

export function main(argv: readonly string[], io: CliIo = PROCESS_IO): number {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  const { command, files, options } = parsed;
  switch (command) {
    case 'check':
      return check(io, files, options.strict === true, options.at);
    case 'graph':
      return graph(io, files[0] as string, options.flow, options.markdown === true);
    case 'schema':
      return schema(io, options.output);
    case 'compile':
      return compile(io, files[0] as string, options.output);
    case 'schedule':
      return schedule(io, files[0] as string, options);
  }
}

const OPTIONS = {
  strict: { type: 'boolean' },
  flow: { type: 'string' },
  markdown: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  at: { type: 'string' },
  calendar: { type: 'string' },
  year: { type: 'string' },
  month: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Which options and how many files each command takes. */
const COMMANDS = {
  check: { options: ['strict', 'at'], files: [1, Number.POSITIVE_INFINITY] },
  graph: { options: ['flow', 'markdown'], files: [1, 1] },
  schema: { options: ['output'], files: [0, 0] },
  compile: { options: ['output'], files: [1, 1] },
  schedule: { options: ['calendar', 'year', 'month', 'json'], files: [1, 1] },
} as const satisfies Record<string, { options: readonly (keyof typeof OPTIONS)[]; files: readonly number[] }>;

type CommandOptions = {
  strict?: boolean;
  flow?: string;
  markdown?: boolean;
  output?: string;
  at?: string;
  calendar?: string;
  year?: string;
  month?: string;
  json?: boolean;
};

function parseCommandLine(argv: readonly string[]) {
  const parsed = parseCommand(argv, OPTIONS, COMMANDS);
  const { command, files } = parsed;
  const values = parsed.values as CommandOptions;
  if (values.at !== undefined && !v.is(DateSchema, values.at)) {
    throw new UsageError(`--at takes a date, YYYY-MM-DD, such as 2026-12-15; not ${values.at}`);
  }
  if (values.year !== undefined && values.month !== undefined)
    throw new UsageError('give --year or --month, not both');
  const inRange = (year: string) => Number(year) >= FIRST_YEAR && Number(year) <= LAST_YEAR;
  if (values.year !== undefined && !(/^\d{4}$/.test(values.year) && inRange(values.year))) {
    throw new UsageError(
      `--year takes a year from ${FIRST_YEAR} to ${LAST_YEAR}, such as 2027; not ${values.year}`,
    );
  }
  if (
    values.month !== undefined &&
    !(v.is(DateSchema, `${values.month}-01`) && inRange(values.month.slice(0, 4)))
  ) {
    throw new UsageError(
      `--month takes a month, YYYY-MM, from ${FIRST_YEAR} to ${LAST_YEAR}, such as 2027-02; not ${values.month}`,
    );
  }
  return { command, files, options: values };
}

// --------------------------------------------------------------------------------------------------
// Commands
// --------------------------------------------------------------------------------------------------

function check(io: CliIo, files: readonly string[], strict: boolean, at: string | undefined): number {
  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    const read = readFile(file);
    // Holiday data is judged from --at, else from today in each calendar's zone; the linter stays pure.
    const todayInZone = at === undefined ? (zone: string) => todayIn(zone, io) : () => at;
    const found = read.ok
      ? locateAll(lintRules(read.document, { todayIn: todayInZone }), read.locate)
      : { errors: read.issues.map((issue) => ({ ...issue })), warnings: [] };
    for (const issue of found.errors) io.out(`${formatIssue('error', file, issue)}\n`);
    for (const issue of found.warnings) io.out(`${formatIssue('warning', file, issue)}\n`);
    errors += found.errors.length;
    warnings += found.warnings.length;
  }
  const failed = errors > 0 || (strict && warnings > 0);
  const summary =
    `${files.length} ${files.length === 1 ? 'file' : 'files'} checked: ` +
    `${plural(errors, 'error')}, ${plural(warnings, 'warning')}` +
    (strict && errors === 0 && warnings > 0 ? ' (--strict: warnings fail)' : '');
  io.out(`${summary}\n`);
  return failed ? 1 : 0;
}

function todayIn(zone: string, io: CliIo): string {
  return toLocalTime(io.now(), zone).date;
}

function graph(io: CliIo, file: string, flow: string | undefined, markdown: boolean): number {
  const read = readFile(file);
  if (!read.ok) return reportRefused(io, file, read.issues, () => undefined);
  const result = compileRules(read.document);
  if (!result.ok) return reportRefused(io, file, result.issues, read.locate);
  const flows = Object.keys(result.compiled.rules.flows);
  if (flow !== undefined && !flows.includes(flow)) {
    io.err(`${file}: no flow is named ${flow}; its flows are ${flows.join(', ')}\n`);
    return 1;
  }
  const mermaid = drawRules(result.compiled, { flow });
  io.out(markdown ? `\`\`\`mermaid\n${mermaid}\`\`\`\n` : mermaid);
  return 0;
}

function schema(io: CliIo, output: string | undefined): number {
  const text = printRulesJsonSchema();
  if (output === undefined) io.out(text);
  else writeFileSync(output, text);
  return 0;
}

function compile(io: CliIo, file: string, output: string | undefined): number {
  const read = readFile(file);
  if (!read.ok) return reportRefused(io, file, read.issues, () => undefined);
  const linted = locateAll(lintRules(read.document), read.locate);
  for (const issue of linted.warnings) io.err(`${formatIssue('warning', file, issue)}\n`);
  if (linted.errors.length > 0) {
    for (const issue of linted.errors) io.err(`${formatIssue('error', file, issue)}\n`);
    io.err(`${file}: not compiled, ${plural(linted.errors.length, 'error')}\n`);
    return 1;
  }
  const json = compileToJson(read.document);
  const bytes = Buffer.byteLength(json);
  if (output === undefined) io.out(`${json}\n`);
  else writeFileSync(output, json);
  io.err(`${output ?? file}: ${bytes} bytes of minified JSON\n`);
  if (bytes > ENV_LIMIT_BYTES) {
    io.err(
      `warning: over ${ENV_LIMIT_BYTES / 1024} KB, Function Compute's limit for all environment variables ` +
        'together: put the document in a file and point RULES_FILE at it instead of RULES\n',
    );
  }
  return 0;
}

/** How the schedule names the rule that decided a day (a terminal's width of words). */
const SOURCE_LABELS: Readonly<Record<DaySource, string>> = {
  weekly: 'weekly',
  holiday: 'packaged holiday',
  'make-up workday': 'packaged make-up day',
  'document holiday': 'document holiday',
  'document make-up workday': 'document make-up day',
  closure: 'closure',
  'extra day': 'extra open day',
  'no holiday data': 'no holiday data',
};

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * The effective schedule of one calendar for a year or a month: each day open or closed, its hours, and
 * the rule that decided it, as a table or as JSON (`--json`).
 */
function schedule(io: CliIo, file: string, options: CommandOptions): number {
  const read = readFile(file);
  if (!read.ok) return reportRefused(io, file, read.issues, () => undefined);
  const result = compileRules(read.document);
  if (!result.ok) return reportRefused(io, file, result.issues, read.locate);
  const { compiled } = result;
  const names = [...compiled.calendars.keys()];
  const name = options.calendar ?? (names.length === 1 ? names[0] : undefined);
  const chosen = name === undefined ? undefined : compiled.calendars.get(name);
  if (name === undefined || chosen === undefined) {
    const which = names.length === 0 ? 'it has no calendars' : `its calendars are ${names.join(', ')}`;
    io.err(
      `${file}: ${options.calendar === undefined ? 'name a calendar with --calendar' : `no calendar is named ${name}`}; ${which}\n`,
    );
    return 1;
  }
  const today = todayIn(chosen.timezone, io);
  const [from, to, title] =
    options.year !== undefined
      ? [`${options.year}-01-01`, `${options.year}-12-31`, options.year]
      : monthSpan(options.month ?? today.slice(0, 7));
  const days: ScheduledDay[] = [];
  // Counted, not compared as text: the range is bounded by the year checks of the command line.
  const count = daysBetween(from, to) + 1;
  for (let day = 0; day < count; day++) {
    const date = addDays(from, day);
    const weekday = weekdayOfDate(date);
    const plan = planDay(chosen.calendar, chosen.holidays, date, weekday);
    days.push({
      date,
      weekday,
      open: plan.hours.length > 0,
      hours: plan.hours,
      source: plan.source,
      noData: plan.noData,
    });
  }
  const coverage = describeHolidayCoverage(compiled)[name];
  if (options.json === true) {
    const policy = (day: ScheduledDay) =>
      day.noData === undefined ? {} : { policy: describeNoHolidayData(day.noData.policy) };
    const output = {
      calendar: name,
      timezone: chosen.timezone,
      holidays: chosen.calendar.holidays,
      ...(coverage === undefined
        ? {}
        : {
            packagedYears: coverage.packagedYears,
            documentYears: coverage.documentYears,
            noHolidayData: coverage.noHolidayData,
          }),
      from,
      to,
      days: days.map((day) => ({
        date: day.date,
        weekday: day.weekday,
        open: day.open,
        hours: day.hours,
        source: SOURCE_LABELS[day.source],
        ...policy(day),
      })),
    };
    io.out(`${JSON.stringify(output, null, 2)}\n`);
    return 0;
  }
  io.out(printSchedule(name, chosen.timezone, chosen.calendar.holidays, coverage, title, days));
  return 0;
}

type ScheduledDay = {
  readonly date: string;
  readonly weekday: Weekday;
  readonly open: boolean;
  readonly hours: readonly string[];
  readonly source: DaySource;
  readonly noData: NoHolidayDataGap | undefined;
};

/** The first and last day of `YYYY-MM`, and its title (`February 2027`). */
function monthSpan(month: string): [string, string, string] {
  const from = `${month}-01`;
  const last = addDays(`${addDays(from, 31).slice(0, 7)}-01`, -1);
  return [from, last, `${MONTH_NAMES[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`];
}

function printSchedule(
  name: string,
  timezone: string,
  holidays: string,
  coverage: HolidayCoverage | undefined,
  title: string,
  days: readonly ScheduledDay[],
): string {
  const header =
    coverage === undefined
      ? `holidays: ${holidays} (no public holidays)`
      : `holidays: ${holidays} (installed chinese-days: years ${formatYearRuns(coverage.packagedYears)}; document years ` +
        `${formatYearRuns(coverage.documentYears)}); no holiday data: ${coverage.noHolidayData}`;
  const lines = [`calendar ${name} (${timezone}), ${title}`, header, ''];
  lines.push(`${'date'.padEnd(12)}${'day'.padEnd(5)}${'status'.padEnd(8)}${'hours'.padEnd(26)}decided by`);
  for (const day of days) {
    const hours = day.hours.length === 0 ? '-' : day.hours.join(' ');
    const decided =
      day.noData === undefined
        ? SOURCE_LABELS[day.source]
        : `${SOURCE_LABELS[day.source]} for ${day.noData.year} (noHolidayData ${describeNoHolidayData(day.noData.policy)})`;
    const weekday = `${day.weekday.charAt(0).toUpperCase()}${day.weekday.slice(1)}`;
    lines.push(
      `${day.date.padEnd(12)}${weekday.padEnd(5)}${(day.open ? 'open' : 'closed').padEnd(8)}${hours.padEnd(26)}${decided}`,
    );
  }
  const open = days.filter((day) => day.open).length;
  const counts = new Map<DaySource, number>();
  for (const day of days) counts.set(day.source, (counts.get(day.source) ?? 0) + 1);
  const bySource = [...counts].map(([source, count]) => `${SOURCE_LABELS[source]} ${count}`).join(', ');
  lines.push(
    '',
    `${plural(days.length, 'day')}: ${open} open, ${days.length - open} closed; decided by ${bySource}`,
  );
  const guessed = counts.get('no holiday data') ?? 0;
  if (guessed > 0) {
    lines.push(
      `warning: ${plural(guessed, 'day')} judged without holiday data; add the year to holidaySchedules once it is published`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function reportRefused(
  io: CliIo,
  file: string,
  issues: readonly RulesIssue[],
  locate: (path: string) => number | undefined,
) {
  for (const issue of issues)
    io.err(`${formatIssue('error', file, { ...issue, line: locate(issue.path) })}\n`);
  return 1;
}

// --------------------------------------------------------------------------------------------------
// The JSON Schema
// --------------------------------------------------------------------------------------------------

/**
 * `RulesSchema` as a JSON Schema (draft-07) for editors, printed as Biome would format it. Checks that
 * have no JSON Schema form (a pattern that must compile, minDigits ≤ maxDigits, …) are left to
 * `npm run rules -- check`; the shared parts are named definitions, so editors show their names.
 */
function printRulesJsonSchema(): string {
  return printJsonSchema(
    RulesSchema,
    {
      Name: NameSchema,
      Prompt: PromptSchema,
      RetryPolicy: RetryPolicySchema,
      Condition: ConditionSchema,
      Node: NodeSchema,
      Flow: FlowSchema,
      CallSettings: CallSettingsSchema,
      Calendar: CalendarSchema,
      TimeRange: TimeRangeSchema,
    },
    'vms-callflow rules document: lines, calendars and call flows (README.md)',
    RULES_DESCRIPTIONS,
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // Every expected failure is a message and an exit code already; this is a bug, said in one line.
      process.stderr.write(
        `rules: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
