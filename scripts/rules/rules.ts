import * as v from 'valibot';
import {
  type CommandIo,
  type OptionValues,
  outputOption,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import { printJsonSchema } from '../../dev/json-schema';
import { addDays, DateSchema, daysBetween, weekdayOfDate } from '../../shared/calendar/calendar-dates';
import { CalendarSchema, TimeRangeSchema } from '../../shared/calendar/calendar-schema';
import { FIRST_YEAR, LAST_YEAR } from '../../shared/calendar/holiday-schedule';
import { type DaySource, type NoHolidayDataGap, planDay } from '../../shared/calendar/is-open';
import { toLocalTime, type Weekday } from '../../shared/calendar/local-time';
import { CallSettingsSchema } from '../../shared/protocol/call-settings';
import { compileRules } from '../../shared/rules/compile-rules';
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
import {
  LabelledUtteranceSchema,
  UTTERANCE_DESCRIPTIONS,
  UtteranceFileSchema,
} from '../../shared/rules-tooling/evaluate-intents';
import { lintRules } from '../../shared/rules-tooling/lint-rules';
import { RULES_DESCRIPTIONS } from '../../shared/rules-tooling/rules-descriptions';
import { NameSchema } from '../../shared/text/name';
import { measureEnvironment, readFunctionEnvironments } from '../deploy/environment-size';
import {
  compileToCheckedJson,
  formatIssue,
  locateAll,
  plural,
  readFile,
  reportRefused,
  writeResult,
} from './rules-files';
import { findIntentsProblem, INTENTS_OPTIONS, intents } from './rules-intents';
import { isOssCommand, runOssCommand } from './rules-publish';

const OSS_OPTIONS = ['region', 'endpoint'] as const;

/** What the OSS commands' help says of credentials. */
const OSS_DETAILS =
  'Credentials: ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN\n' +
  'for temporary credentials): an AccessKey pair that may read and write the bucket.';

export const PROGRAM = {
  name: 'rules',
  summary:
    'Check, draw, describe and compile rules documents, and publish them to OSS (publish, pull, diff, history, rollback).',
  options: {
    strict: {
      type: 'boolean',
      help: 'check: warnings fail too (exit 1), as errors do; intents: any utterance matched wrongly fails (exit 1)',
    },
    ...INTENTS_OPTIONS,
    at: {
      type: 'string',
      value: 'YYYY-MM-DD',
      help: "judge holiday data as on this date (default: today in each calendar's time zone)",
    },
    flow: { type: 'string', value: 'NAME', help: 'draw only this flow (default: every flow)' },
    markdown: { type: 'boolean', help: 'wrap the chart in a ```mermaid fence, for a Markdown file' },
    output: outputOption(),
    calendar: {
      type: 'string',
      value: 'NAME',
      help: 'the calendar to show (default: the only one the document has)',
    },
    year: { type: 'string', value: 'YYYY', help: `a whole year, ${FIRST_YEAR} to ${LAST_YEAR}` },
    month: { type: 'string', value: 'YYYY-MM', help: 'one month (default: this month)' },
    json: { type: 'boolean', help: 'print JSON instead of text' },
    force: { type: 'boolean', help: 'publish even with warnings (errors always refuse)' },
    'dry-run': { type: 'boolean', help: 'say what would change, and change nothing' },
    'exit-code': { type: 'boolean', help: 'exit 1 when there are differences' },
    region: {
      type: 'string',
      value: 'REGION',
      help: "the bucket's region, such as cn-hangzhou (default: ALIBABA_CLOUD_REGION, else REGION)",
    },
    endpoint: {
      type: 'string',
      value: 'URL',
      help: "the OSS endpoint (default: OSS_ENDPOINT, else the region's public endpoint)",
    },
  },
  commands: {
    check: {
      summary: 'lint rules documents: findings on stderr, exit 1 on errors (on warnings too with --strict)',
      args: '<file...>',
      positionals: [1, Number.POSITIVE_INFINITY],
      options: ['strict', 'at'],
      example: 'check rules.yaml --strict',
    },
    graph: {
      summary: 'draw the flows as a Mermaid flowchart',
      args: '<file>',
      positionals: [1, 1],
      options: ['flow', 'markdown', 'output'],
      example: 'graph rules.yaml --markdown -o flows.md',
    },
    schema: {
      summary: 'the JSON Schema of the rules document (or of the utterance file), for editors',
      args: '[utterances]',
      positionals: [0, 1],
      options: ['output'],
      example: 'schema -o rules.schema.json',
      details:
        "'schema utterances -o utterances.schema.json' writes the utterance file's, which intents reads.",
    },
    intents: {
      summary:
        "score menus' intents on labelled utterances, through the engine's own matching; with --llm, against the language model too",
      args: '<file>',
      positionals: [1, 1],
      options: [
        'utterances',
        'strict',
        'min-accuracy',
        'json',
        'output',
        'llm',
        'model',
        'api-key-env',
        'wait-ms',
        'concurrency',
        'doubtful',
      ],
      example: 'intents rules.yaml --utterances utterances.yaml --strict',
      details:
        "Each utterance is decided as a `normal` event at its menu (its own flow and node, else the file's), as a\n" +
        'call listening there with the classifier off: spoken keys, then the intents in order, excludes and all.\n' +
        'Prints the accuracy of all the menus, of each with its wrong picks, and of each kind of utterance; --json\n' +
        'prints the same as JSON.\n' +
        '\n' +
        "With --llm, each utterance is decided a second time as a call would be with the document's classifier:\n" +
        'where the menu asks the language model (nothing matched; a doubtful match too, per classifier.doubtful or\n' +
        "--doubtful), the functions' classifier client asks URL within --wait-ms, with no budget guard, and the\n" +
        'engine goes on with the answer. Prints keywords alone against keywords + the model (overall, by menu, by\n' +
        'kind), what the model fixed and broke, the confusion of intents, the classifications by outcome, their\n' +
        "latency (p50, p95), tokens and cost at the document's prices, per 1,000 calls being the set's cost over its\n" +
        "utterances × 1,000 (each utterance one call's turn at its menu). The key is read from the variable\n" +
        '--api-key-env names (LLM_…); without it, exit 1 before any request.\n' +
        '\n' +
        'Exit 1 on a file that cannot be read, and with --strict or --min-accuracy when the score (with --llm:\n' +
        'keywords + the model) falls short.',
    },
    compile: {
      summary: "validate, then minified JSON for the RULES variable, sized against FC's 4 KB environment",
      args: '<file>',
      positionals: [1, 1],
      options: ['output', 'at'],
      example: 'compile rules.yaml -o rules.min.json',
      details:
        'The size is counted with the other variables s.yaml sets for the inbound and outbound functions (as this\n' +
        'shell and .env render them): a warning from 3 KB, and over 4 KB a warning that it cannot be RULES (the\n' +
        'JSON is still written, for RULES_FILE; deploy:check refuses to deploy it as RULES). Past 3 KB, publish\n' +
        "the rules to OSS and set RULES_URL. Warnings are judged on today's date in each calendar's zone, or --at.",
    },
    schedule: {
      summary: "a calendar's effective days, and what decided each",
      args: '<file>',
      positionals: [1, 1],
      options: ['calendar', 'year', 'month', 'json', 'output'],
      example: 'schedule rules.yaml --calendar office --month 2027-02',
    },
    publish: {
      summary:
        'lint as check does (holiday data as of today, or --at), refusing warnings without --force; then upload ' +
        'the compiled JSON and a kept copy of the version',
      args: '<file> oss://bucket/key',
      positionals: [2, 2],
      options: ['force', 'dry-run', 'at', ...OSS_OPTIONS],
      example: 'publish rules.yaml oss://vms-rules/hotline/rules.json --dry-run',
      details: OSS_DETAILS,
    },
    pull: {
      summary: 'the document live in OSS, as it is stored',
      args: 'oss://bucket/key',
      positionals: [1, 1],
      options: ['output', ...OSS_OPTIONS],
      example: 'pull oss://vms-rules/hotline/rules.json -o live.json',
      details: OSS_DETAILS,
    },
    diff: {
      summary: 'what changes for callers, from the live document to a file',
      args: '<file> oss://bucket/key',
      positionals: [2, 2],
      options: ['json', 'exit-code', 'output', 'at', ...OSS_OPTIONS],
      example: 'diff rules.yaml oss://vms-rules/hotline/rules.json --exit-code',
      details: OSS_DETAILS,
    },
    history: {
      summary: 'the published versions, newest first, the live one marked',
      args: 'oss://bucket/key',
      positionals: [1, 1],
      options: ['json', 'output', ...OSS_OPTIONS],
      example: 'history oss://vms-rules/hotline/rules.json',
      details: OSS_DETAILS,
    },
    rollback: {
      summary: 'make a kept version live again',
      args: '<version> oss://bucket/key',
      positionals: [2, 2],
      options: ['dry-run', 'at', ...OSS_OPTIONS],
      example: 'rollback v1 oss://vms-rules/hotline/rules.json --dry-run',
      details: OSS_DETAILS,
    },
  },
} as const satisfies ProgramSpec;

export type RulesValues = OptionValues<typeof PROGRAM.options>;

/**
 * Where the rules commands write, what time it is (for holiday data) and the environment (OSS
 * credentials, s.yaml's variables): the process's by default, a test's in the tests.
 */
export type RulesIo = CommandIo & {
  readonly now?: () => number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The s.yaml `publish` compares warm capacity with (`s.yaml` in the current folder by default). */
  readonly sYaml?: string;
};

/** A rules io with every part filled in. */
export type FullRulesIo = CommandIo & {
  readonly now: () => number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly sYaml?: string;
};

export async function main(argv: readonly string[], io: RulesIo = PROCESS_IO): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const { command, positionals, values } = read.line;
  const refuse = (message: string) => refuseUsage(io, PROGRAM, command, message);
  const problem = findValueProblem(values);
  if (problem !== undefined) return refuse(problem);
  const full: FullRulesIo = {
    out: io.out,
    err: io.err,
    now: io.now ?? Date.now,
    env: io.env ?? process.env,
    ...(io.sYaml === undefined ? {} : { sYaml: io.sYaml }),
  };
  // Holiday data is judged from --at, else from today in each calendar's zone; the linter stays pure.
  const todayInZone = (zone: string) => values.at ?? todayIn(zone, full);
  const [file = ''] = positionals;
  if (isOssCommand(command)) {
    return await runOssCommand(full, command, positionals, values, todayInZone, refuse);
  }
  switch (command) {
    case 'check':
      return check(full, positionals, values.strict === true, todayInZone);
    case 'graph':
      return graph(full, file, values);
    case 'schema':
      if (file !== '' && file !== 'utterances')
        return refuse(`schema takes utterances or nothing; not ${file}`);
      return writeResult(
        full,
        file === 'utterances' ? printUtteranceJsonSchema() : printRulesJsonSchema(),
        values.output,
      );
    case 'intents':
      return values.utterances === undefined
        ? refuse('intents needs --utterances FILE')
        : await intents(full, file, values.utterances, values);
    case 'compile':
      return compile(full, file, values.output, todayInZone);
    case 'schedule':
      return schedule(full, file, values);
  }
}

/** A value the command line cannot take (the option, what it takes, an example), or undefined. */
function findValueProblem(values: RulesValues): string | undefined {
  if (values.at !== undefined && !v.is(DateSchema, values.at)) {
    return `--at takes a date, YYYY-MM-DD, such as 2026-12-15; not ${values.at}`;
  }
  if (values.year !== undefined && values.month !== undefined) return 'give --year or --month, not both';
  const intentsProblem = findIntentsProblem(values);
  if (intentsProblem !== undefined) return intentsProblem;
  const inRange = (year: string) => Number(year) >= FIRST_YEAR && Number(year) <= LAST_YEAR;
  if (values.year !== undefined && !(/^\d{4}$/.test(values.year) && inRange(values.year))) {
    return `--year takes a year from ${FIRST_YEAR} to ${LAST_YEAR}, such as 2027; not ${values.year}`;
  }
  if (
    values.month !== undefined &&
    !(v.is(DateSchema, `${values.month}-01`) && inRange(values.month.slice(0, 4)))
  ) {
    return `--month takes a month, YYYY-MM, from ${FIRST_YEAR} to ${LAST_YEAR}, such as 2027-02; not ${values.month}`;
  }
  return undefined;
}

// --------------------------------------------------------------------------------------------------
// Commands
// --------------------------------------------------------------------------------------------------

function check(
  io: FullRulesIo,
  files: readonly string[],
  strict: boolean,
  todayInZone: (zone: string) => string,
): number {
  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    const read = readFile(file);
    const found = read.ok
      ? locateAll(lintRules(read.document, { todayIn: todayInZone }), read.locate)
      : { errors: read.issues.map((issue) => ({ ...issue })), warnings: [] };
    for (const issue of found.errors) io.err(`${formatIssue('error', file, issue)}\n`);
    for (const issue of found.warnings) io.err(`${formatIssue('warning', file, issue)}\n`);
    errors += found.errors.length;
    warnings += found.warnings.length;
  }
  const failed = errors > 0 || (strict && warnings > 0);
  const summary =
    `${files.length} ${files.length === 1 ? 'file' : 'files'} checked: ` +
    `${plural(errors, 'error')}, ${plural(warnings, 'warning')}` +
    (strict && errors === 0 && warnings > 0 ? ' (--strict: warnings fail)' : '');
  // The summary goes with the findings it counts, on stderr: check has no result to redirect.
  io.err(`${summary}\n`);
  return failed ? 1 : 0;
}

function todayIn(zone: string, io: FullRulesIo): string {
  return toLocalTime(io.now(), zone).date;
}

function graph(io: FullRulesIo, file: string, values: RulesValues): number {
  const read = readFile(file);
  if (!read.ok) return reportRefused(io, file, read.issues, () => undefined);
  const result = compileRules(read.document);
  if (!result.ok) return reportRefused(io, file, result.issues, read.locate);
  const flows = Object.keys(result.compiled.rules.flows);
  const { flow } = values;
  if (flow !== undefined && !flows.includes(flow)) {
    io.err(`${file}: no flow is named ${flow}; its flows are ${flows.join(', ')}\n`);
    return 1;
  }
  const mermaid = drawRules(result.compiled, { flow });
  return writeResult(
    io,
    values.markdown === true ? `\`\`\`mermaid\n${mermaid}\`\`\`\n` : mermaid,
    values.output,
  );
}

function compile(
  io: FullRulesIo,
  file: string,
  output: string | undefined,
  todayInZone: (zone: string) => string,
): number {
  const read = readFile(file);
  if (!read.ok) return reportRefused(io, file, read.issues, () => undefined);
  const linted = locateAll(lintRules(read.document, { todayIn: todayInZone }), read.locate);
  for (const issue of linted.warnings) io.err(`${formatIssue('warning', file, issue)}\n`);
  if (linted.errors.length > 0) {
    for (const issue of linted.errors) io.err(`${formatIssue('error', file, issue)}\n`);
    io.err(`${file}: not compiled, ${plural(linted.errors.length, 'error')}\n`);
    return 1;
  }
  const json = compileToCheckedJson(read.document);
  // lintRules refused any document that is not valid.
  if (json === undefined) throw new Error(`${file}: valid by the lint, not by compileRules`);
  // Over the limit the JSON is still written (for RULES_FILE, say): deploy:check is what refuses to deploy it
  // as RULES.
  const size = measureEnvironment(json, readFunctionEnvironments(io.env));
  const written = writeResult(io, output === undefined ? `${json}\n` : json, output);
  if (written !== 0) return written;
  io.err(`${output ?? file}: ${Buffer.byteLength(json)} bytes of minified JSON\n`);
  io.err(`${size.level === 'ok' ? '' : 'warning: '}${size.message}\n`);
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
function schedule(io: FullRulesIo, file: string, options: RulesValues): number {
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
    return warnGuessed(io, days, writeResult(io, `${JSON.stringify(output, null, 2)}\n`, options.output));
  }
  const table = printSchedule(name, chosen.timezone, chosen.calendar.holidays, coverage, title, days);
  return warnGuessed(io, days, writeResult(io, table, options.output));
}

/** Warns (on stderr, after the schedule) of days judged without holiday data; passes `code` on. */
function warnGuessed(io: CommandIo, days: readonly ScheduledDay[], code: number): number {
  const guessed = days.filter((day) => day.source === 'no holiday data').length;
  if (code === 0 && guessed > 0) {
    io.err(
      `warning: ${plural(guessed, 'day')} judged without holiday data; add the year to holidaySchedules once it is published\n`,
    );
  }
  return code;
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
  return `${lines.join('\n')}\n`;
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
    'vms-callflow rules document: lines, calendars and call flows (docs/rules.md)',
    RULES_DESCRIPTIONS,
  );
}

/** `UtteranceFileSchema` as a JSON Schema (draft-07) for editors, printed as Biome would format it. */
function printUtteranceJsonSchema(): string {
  return printJsonSchema(
    UtteranceFileSchema,
    { Utterance: LabelledUtteranceSchema },
    'vms-callflow utterance file: what callers say at a menu, and the intent each should reach (docs/rules.md)',
    UTTERANCE_DESCRIPTIONS,
  );
}

runWhenMain(import.meta.filename, main);
