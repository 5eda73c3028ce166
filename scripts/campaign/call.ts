/**
 * `npm run call -- LIST --rules FILE`: places one SmartCall per row of a list (CSV or JSON lines) within
 * the calling hours of a calendar of the rules, at a rate, a few at once, each row at most once, and
 * writes how each ended to a results file that makes the campaign resumable (shared/campaign/results.ts).
 *
 * Everything about the rows is checked before the first call: the columns, every row's parameters as
 * SmartCall checks them, the DynamicId each seals, the do-not-call list. A run stopped for any reason
 * (Ctrl-C, a stop code, the API throttling for too long) goes on where it stopped when the same command
 * is typed again. stdout stays empty but for `--dry-run`; progress and the summary go to stderr, numbers
 * masked. Exit codes: 0 done (or all left for a later run), 1 refused or stopped, 2 bad command line.
 */
import { dirname, join, parse as parsePath, resolve } from 'node:path';
import { clockStartingAt, REAL_CLOCK, readClockStart } from '../../dev/campaign-clock';
import {
  lockResultsFile,
  openResultsFile,
  readCampaignDocument,
  readList,
  readResultsFile,
  watchDoNotCall,
} from '../../dev/campaign-files';
import {
  type CommandIo,
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  readNameValues,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import { findAccessKeys } from '../../dev/fc-credentials';
import { checkEndpoint, createSmartCallClient, DEFAULT_TIMEOUT_MS } from '../../dev/smartcall-client';
import { formatLocal, judgeCallingHours, nextOpening } from '../../shared/campaign/calling-hours';
import type { CampaignClock } from '../../shared/campaign/campaign-clock';
import {
  type CampaignRow,
  checkParamName,
  ListError,
  type ListFormat,
  listFormatOf,
} from '../../shared/campaign/campaign-list';
import { type QueuedRow, type RunCounts, type RunStop, runCalls } from '../../shared/campaign/campaign-run';
import {
  type CampaignLayer,
  createRowPlanner,
  DEFAULT_CONCURRENCY,
  DEFAULT_LIFETIME,
  DEFAULT_RATE,
  MAX_CONCURRENCY,
  OUTSIDE_HOURS,
  type OutsideHours,
  type Campaign as ResolvedCampaign,
  type RowPlan,
  readCampaignFile,
  resolveCampaign,
} from '../../shared/campaign/campaign-settings';
import type { SendOutcome } from '../../shared/campaign/pacing';
import { createProgress } from '../../shared/campaign/progress';
import { maskRowText, outIdOf, type ResultsLine } from '../../shared/campaign/results';
import {
  type FoldedResults,
  isNumberTag,
  newCampaignCode,
  numberTagOf,
} from '../../shared/campaign/results-state';
import { SMARTCALL_API } from '../../shared/campaign/smartcall';
import { ConfigError, readOutboundSecrets } from '../../shared/config/config';
import { maskPhoneNumbersInText } from '../../shared/log/logger';
import { maskPhoneNumber } from '../../shared/log/mask';
import { type CompiledCalendar, type CompiledRules, compileRules } from '../../shared/rules/compile-rules';
import { readLifetimeOption } from '../../shared/state/outbound-expiry';
import { measureOutboundId, sealOutboundId } from '../../shared/state/outbound-id';
import { plural, readFile } from '../rules/rules-files';

export const PROGRAM = {
  name: 'call',
  summary:
    "Places one SmartCall per row of a list (CSV or JSON lines) within the rules' calling hours: rate-limited, resumable, with a do-not-call list.",
  single: true,
  options: {
    rules: {
      type: 'string',
      value: 'FILE',
      help: 'the rules document (YAML or JSON): its outbound show number, voice code, calendar and default flow, and its call settings',
    },
    campaign: {
      type: 'string',
      value: 'FILE',
      help: 'a campaign file (YAML or JSON) with rules and defaults for the options below; the options win',
    },
    format: {
      type: 'string',
      value: 'csv|jsonl',
      help: "the list's format, when its name does not end in .csv, .jsonl or .ndjson",
    },
    flow: {
      type: 'string',
      value: 'NAME',
      help: 'the flow the calls start in (default outbound.defaultFlow)',
    },
    'show-number': {
      type: 'string',
      value: 'N',
      help: 'the number shown to the callee, one of the account (default outbound.showNumber)',
    },
    'voice-code': {
      type: 'string',
      value: 'CODE',
      help: 'what SmartCall plays first: an audio file, a voice id or a TTS template (default outbound.voiceCode)',
    },
    calendar: {
      type: 'string',
      value: 'NAME',
      help: "the calendar of the rules calls are placed in (default outbound.calendar; a row's calendar column wins)",
    },
    outside: {
      type: 'string',
      value: 'wait|skip',
      help: 'outside the calling hours: wait for them (default), or skip the rows, left for a later run',
    },
    rate: {
      type: 'string',
      value: 'N',
      help: `calls a second at most, never in a burst (default ${DEFAULT_RATE}, at most ${SMARTCALL_API.callsPerSecond}); halved for a while when SmartCall throttles`,
    },
    concurrency: {
      type: 'string',
      value: 'N',
      help: `requests in flight at once (default ${DEFAULT_CONCURRENCY}, at most ${MAX_CONCURRENCY})`,
    },
    expires: {
      type: 'string',
      value: 'LIFETIME',
      help: `how long each DynamicId is accepted after the moment it is sent: 90s, 30m, 2h, 7d (default ${DEFAULT_LIFETIME}, at most 31d)`,
    },
    set: {
      type: 'string',
      multiple: true,
      value: 'NAME=VALUE',
      help: 'a SmartCall parameter for every call (MuteTime=5000, RecordFlag=true); repeat for more',
    },
    'do-not-call': {
      type: 'string',
      value: 'FILE',
      help: 'numbers never called, one a line (a prefix ends in *: 0592*; # comments); read again when it changes',
    },
    results: {
      type: 'string',
      value: 'FILE',
      help: 'the results file, kept to go on after a stop (default LIST.results.jsonl beside the list, its extension dropped)',
    },
    'skip-invalid': {
      type: 'boolean',
      help: 'record rows SmartCall would refuse as invalid and go on, instead of refusing the whole list',
    },
    'dry-run': {
      type: 'boolean',
      help: 'print what each row would send as JSON lines (numbers masked), and send nothing, write nothing',
    },
    now: {
      type: 'string',
      value: 'TIME',
      help: "start the campaign's clock at TIME (2026-02-02T09:00+08:00), running at real speed: calling hours and expiries follow it",
    },
    endpoint: {
      type: 'string',
      value: 'URL',
      help: `SmartCall's endpoint (default ${SMARTCALL_API.endpoint}; http:// only to this machine: npm run vms-api:stand-in)`,
    },
    access: {
      type: 'string',
      value: 'ALIAS',
      help: 'the Serverless Devs access alias to sign with, instead of the ALIBABA_CLOUD_* variables',
    },
    timeout: {
      type: 'string',
      value: 'MS',
      help: `how long one request may take, in ms (default ${DEFAULT_TIMEOUT_MS}); a request that times out after it was written is uncertain`,
    },
    'unknown-years': {
      type: 'string',
      value: 'closed|weekly',
      help: "a day of a year no holiday data covers (China's packaged data ends with its last published year): closed, no call (default: it may be a holiday), or weekly, called by the weekly hours",
    },
    'retry-uncertain': {
      type: 'boolean',
      help: 'also send the rows left uncertain by earlier runs: the callee may get two calls (see below)',
    },
    limit: {
      type: 'string',
      value: 'N',
      help: 'send at most N rows in this run, then stop (rows, not calls: a row SmartCall refuses counts)',
    },
    quiet: { type: 'boolean', help: 'no progress line (the summary and warnings still go to stderr)' },
  },
  commands: {
    call: {
      summary: 'place the calls of a list',
      args: '<LIST>',
      positionals: [1, 1],
      options: [
        'rules',
        'campaign',
        'format',
        'flow',
        'show-number',
        'voice-code',
        'calendar',
        'outside',
        'rate',
        'concurrency',
        'expires',
        'set',
        'do-not-call',
        'results',
        'skip-invalid',
        'dry-run',
        'now',
        'endpoint',
        'access',
        'timeout',
        'retry-uncertain',
        'unknown-years',
        'limit',
        'quiet',
      ],
      example: 'examples/appointment-reminder.calls.csv --rules examples/appointment-reminder.yaml --dry-run',
      details: `
The list has a number column, and may have id, flow, calendar, var.NAME (sealed in the DynamicId for
{{vars.NAME}}), tts.NAME (VoiceCodeParam, for $NAME$) and SmartCall's own parameters (MuteTime, …).
Any other column refuses the list. Settings come from the rules, then the campaign file, then these
options, then the row's columns. Every row is checked before the first call; an invalid one refuses
the whole list unless --skip-invalid.

OUTBOUND_SECRETS (the outbound function's keys; the first seals) and the credentials (the
ALIBABA_CLOUD_ACCESS_KEY_* variables, or --access ALIAS) are read from the environment; --dry-run
needs neither.

Each request is written to the results file before it leaves. Ctrl-C stops: the calls in flight finish
and are written; type the same command again to go on (a second Ctrl-C quits at once). A row whose
request may have reached SmartCall without an answer (a timeout, a reset, a stop in the middle) is
uncertain: it is never sent again on its own, since the callee may have been called. Settle them from
the receipts (npm run outcomes -- --settle) and only then, for the ones still unknown, --retry-uncertain:
a row that was in fact called is called a second time.`,
    },
  },
} as const satisfies ProgramSpec;

type Env = Readonly<Record<string, string | undefined>>;

/** Sends one SmartCall: the real client by default; a test's, or the lead's stand-in, otherwise. */
export type SmartCallSender = (params: Readonly<Record<string, string>>) => Promise<SendOutcome>;

/** What a campaign reads of the outside world, each replaceable in a test (or the lead's end-to-end one). */
export type CampaignEdges = {
  /** The environment: OUTBOUND_SECRETS and the credentials; process.env by default. */
  readonly env?: Env | undefined;
  /** The system clock by default (`--now` starts it elsewhere). */
  readonly clock?: CampaignClock | undefined;
  /** Aborted: the run stops as on Ctrl-C (main handles SIGINT and SIGTERM itself when none is given). */
  readonly signal?: AbortSignal | undefined;
  /** Replaces the SmartCall client (no credentials are then read). */
  readonly send?: SmartCallSender | undefined;
  /** Whether stderr is a terminal (the progress line is rewritten in place). */
  readonly errIsTty?: boolean | undefined;
};

/** The command's streams and edges. */
export type CallIo = CommandIo & CampaignEdges;

/** A campaign run, as `main` hands it over from the command line, or a test (or the lead's) directly. */
export type RunCampaignOptions = CampaignLayer & {
  readonly list: string;
  readonly format?: ListFormat | undefined;
  readonly rules?: string | undefined;
  readonly campaign?: string | undefined;
  readonly skipInvalid?: boolean | undefined;
  readonly dryRun?: boolean | undefined;
  readonly retryUncertain?: boolean | undefined;
  /** A day of a year no holiday data covers: no call (default), or the weekly hours. */
  readonly unknownYears?: UnknownYears | undefined;
  readonly limit?: number | undefined;
  readonly endpoint?: string | undefined;
  readonly access?: string | undefined;
  readonly timeoutMs?: number | undefined;
  readonly quiet?: boolean | undefined;
  readonly io: CommandIo;
  /** For the pauses' jitter; Math.random by default. */
  readonly random?: (() => number) | undefined;
} & CampaignEdges;

/** How the rows of a campaign stand. */
export type RowTally = {
  placed: number;
  refused: number;
  uncertain: number;
  doNotCall: number;
  invalid: number;
  pending: number;
};

/** What a run did, and how the campaign stands after it. */
export type CampaignSummary = {
  readonly exitCode: number;
  readonly code?: string | undefined;
  readonly resultsFile?: string | undefined;
  readonly rows: number;
  /** The whole campaign after this run (earlier runs included). */
  readonly tally?: RowTally | undefined;
  /** This run. */
  readonly run?: RunCounts | undefined;
  readonly stop?: RunStop | undefined;
};

/** The most problems listed when a list is refused. */
const MAX_PROBLEMS_SHOWN = 20;

/** The results file beside the list: `patients.csv` → `patients.results.jsonl`. */
export function defaultResultsFile(list: string): string {
  const { dir, name } = parsePath(list);
  return join(dir, `${name}.results.jsonl`);
}

/** Runs a campaign as the command does; writes on `io`, never throws for what a person can fix. */
export async function runCampaign(options: RunCampaignOptions): Promise<CampaignSummary> {
  const { io } = options;
  const fail = (message: string): CampaignSummary => {
    io.err(`call: ${message}\n`);
    return { exitCode: EXIT.failed, rows: 0 };
  };
  const clock = options.clock ?? REAL_CLOCK;
  const env = options.env ?? process.env;

  // The campaign file, its paths read from its own folder.
  let fileLayer: CampaignLayer = {};
  let rulesFile = options.rules;
  if (options.campaign !== undefined) {
    const read = readCampaignDocument(options.campaign);
    if ('error' in read) return fail(`campaign file ${options.campaign}: ${read.error}`);
    const checked = readCampaignFile(read.document);
    if (!checked.ok)
      return fail(`campaign file ${options.campaign}: ${checked.problems.slice(0, 5).join('; ')}`);
    const base = dirname(options.campaign);
    const near = (path: string | undefined) => (path === undefined ? undefined : resolve(base, path));
    const { rules, doNotCall, results, ...rest } = checked.file;
    fileLayer = { ...rest, doNotCall: near(doNotCall), results: near(results) };
    rulesFile ??= near(rules);
  }
  if (rulesFile === undefined) return fail('no rules: give --rules FILE, or rules in the campaign file');
  const readRules = readFile(rulesFile);
  const compiled = readRules.ok ? compileRules(readRules.document) : readRules;
  if (!compiled.ok)
    return fail(`${rulesFile} is not a valid rules document (npm run rules -- check ${rulesFile})`);
  const { rules } = compiled.compiled;
  const forCampaign = withUnknownYears(compiled.compiled, options.unknownYears ?? 'closed');

  const optionLayer: CampaignLayer = {
    flow: options.flow,
    showNumber: options.showNumber,
    voiceCode: options.voiceCode,
    calendar: options.calendar,
    outside: options.outside,
    rate: options.rate,
    concurrency: options.concurrency,
    expires: options.expires,
    doNotCall: options.doNotCall,
    results: options.results,
    set: options.set,
    tts: options.tts,
    vars: options.vars,
  };
  const resolved = resolveCampaign(rules, [fileLayer, optionLayer]);
  if (!resolved.ok) return fail(resolved.problems.join('; '));
  const { campaign } = resolved;

  const format = options.format ?? listFormatOf(options.list);
  if (format === undefined)
    return fail(
      `cannot tell the format of ${options.list} from its name: give --format csv or --format jsonl`,
    );
  let rows: CampaignRow[];
  try {
    rows = await readList(options.list, format);
  } catch (error) {
    if (error instanceof ListError) return fail(`${options.list} ${error.message}`);
    return fail(`cannot read ${options.list} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }

  const resultsFile = campaign.results ?? defaultResultsFile(options.list);
  // One run at a time per results file: two would read the same pending rows and call them twice.
  const lock = options.dryRun === true ? undefined : lockResultsFile(resultsFile);
  if (lock !== undefined && 'refused' in lock) return fail(lock.refused);
  if (lock?.warning !== undefined) io.err(`call: ${lock.warning}\n`);
  try {
    return await runLocked(options, {
      resultsFile,
      rows,
      campaign,
      compiled: forCampaign,
      clock,
      env,
      fail,
    });
  } finally {
    lock?.release();
  }
}

/** What a run has read before it holds its results file. */
type LockedContext = {
  readonly resultsFile: string;
  readonly rows: readonly CampaignRow[];
  readonly campaign: ResolvedCampaign;
  readonly compiled: CompiledRules;
  readonly clock: CampaignClock;
  readonly env: Env;
  readonly fail: (message: string) => CampaignSummary;
};

/** The rest of a campaign's run, once it holds its results file. */
async function runLocked(options: RunCampaignOptions, context: LockedContext): Promise<CampaignSummary> {
  const { resultsFile, rows, campaign, compiled, clock, env, fail } = context;
  const { rules } = compiled;
  const { io } = options;
  const read = readResultsFile(resultsFile);
  if (read.kind === 'corrupt')
    return fail(
      `${resultsFile} is not a campaign's results file: ${maskRowText(maskPhoneNumbersInText(read.message))}; ` +
        'a line cut short in the middle of the file can be removed by hand (docs/campaign-outcomes.md says ' +
        'why that is safe); another --results starts a new campaign, which calls every row again',
    );
  const earlier = read.kind === 'read' ? read.results : undefined;
  if (read.kind === 'read')
    for (const warning of read.warnings) io.err(`call: warning: ${resultsFile}: ${warning}\n`);
  if (earlier !== undefined && earlier.campaign.rows !== rows.length)
    return fail(
      `${options.list} has ${plural(rows.length, 'row')}, while the campaign of ${resultsFile} started with ` +
        `${earlier.campaign.rows}: the list changed under a running campaign (run it with the list it started with; another --results starts a new campaign, which calls every row again)`,
    );
  const code = earlier?.campaign.code ?? newCampaignCode();

  // Every row checked before the first call.
  const calendarNames = new Set(compiled.calendars.keys());
  const planner = createRowPlanner(rules, calendarNames, campaign, code);
  const plans = new Map<number, RowPlan>();
  const invalid = new Map<number, string[]>();
  const changed: number[] = [];
  // The number tags are keyed by the sealing keys; a dry run without them does not tell a changed row.
  const tagKeys = readTagKeys(env);
  for (const row of rows) {
    const planned = planner.plan(row);
    if (planned.ok) plans.set(row.row, planned.plan);
    else invalid.set(row.row, planned.problems);
    // A row that was sent must still be the same number; one that never was may have been mended.
    const before = earlier?.rows.get(row.row);
    const sent = before?.state.kind === 'done' && before.numberTag !== undefined;
    if (sent && tagKeys.length > 0 && !isNumberTag(tagKeys, code, row.number, before?.numberTag ?? ''))
      changed.push(row.row);
  }
  if (changed.length > 0)
    return fail(
      `the list changed under a running campaign: ${plural(changed.length, 'row')} (${changed.slice(0, 10).join(', ')}) ` +
        `no longer have the number they were called at (${resultsFile}), or OUTBOUND_SECRETS no longer holds the key ` +
        'the campaign started with; run it with the list and the keys it started with (another --results ' +
        'starts a new campaign, which calls every row again)',
    );
  if (invalid.size > 0 && options.skipInvalid !== true && options.dryRun !== true) {
    const problems = [...invalid].flatMap(([row, found]) => found.map((problem) => `row ${row}: ${problem}`));
    const shown = problems
      .slice(0, MAX_PROBLEMS_SHOWN)
      .map((problem) => `  ${maskPhoneNumbersInText(problem)}\n`);
    io.err(
      `call: ${options.list}: ${plural(invalid.size, 'row')} SmartCall would refuse; nothing was sent ` +
        `(--skip-invalid records them as invalid and goes on):\n${shown.join('')}` +
        (problems.length > MAX_PROBLEMS_SHOWN
          ? `  … and ${problems.length - MAX_PROBLEMS_SHOWN} more\n`
          : ''),
    );
    return { exitCode: EXIT.failed, rows: rows.length };
  }

  let doNotCall: ((number: string) => boolean) | undefined;
  if (campaign.doNotCall !== undefined) {
    try {
      doNotCall = watchDoNotCall(campaign.doNotCall).isDoNotCall;
    } catch (error) {
      return fail(`do-not-call list: ${(error as Error).message}`);
    }
  }

  // What this run does with each row.
  const queue: QueuedRow[] = [];
  const interrupted: CampaignRow[] = [];
  const newlyInvalid: CampaignRow[] = [];
  for (const row of rows) {
    const state = earlier?.rows.get(row.row)?.state;
    const plan = plans.get(row.row);
    const attempts = state?.attempts ?? 0;
    if (state?.kind === 'interrupted') interrupted.push(row);
    else if (state?.kind === 'done' && !(state.status === 'uncertain' && options.retryUncertain === true))
      continue;
    else if (plan !== undefined) queue.push({ row, plan, attempts });
    else if (state?.kind !== 'invalid') newlyInvalid.push(row);
  }

  const now = clock.now();
  // Only a campaign that waits needs its calendars to open: one that skips leaves the rows for later.
  for (const name of campaign.outside === 'wait' ? new Set(queue.map((item) => item.plan.calendar)) : []) {
    const calendar = compiled.calendars.get(name);
    if (calendar !== undefined && nextOpening(calendar, now) === undefined)
      return fail(
        `calendar ${name} does not open in the next 31 days: no call could be placed` +
          describeUnknownYear(calendar, now, options.unknownYears ?? 'closed'),
      );
  }

  if (options.dryRun === true) {
    const dry = { rows, plans, invalid, earlier, planner, doNotCall, now, lifetimeS: campaign.lifetimeS };
    return showDryRun(options, dry, compiled, code);
  }

  // Sealing keys and credentials, only now that something will be sent.
  const sender = queue.length === 0 ? NOTHING_TO_SEND : openSender(options, env);
  if ('message' in sender) return fail(sender.message);
  const { keys, send, close } = sender;

  // The results file: the campaign line first, then what this run settles before sending.
  let writer: ReturnType<typeof openResultsFile>;
  try {
    writer = openResultsFile(resultsFile, read.kind === 'read' ? read : undefined);
  } catch (error) {
    close();
    return fail(`cannot write ${resultsFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const record = (line: ResultsLine) => writer.record(line);
  const at = new Date(now).toISOString();
  try {
    if (earlier === undefined) {
      const line: ResultsLine = {
        kind: 'campaign',
        format: 1,
        code,
        created: at,
        input: options.list.slice(-256),
        rows: rows.length,
      };
      record(line);
    }
    const base = (row: CampaignRow) => ({
      row: row.row,
      outId: outIdOf(code, row.row),
      at,
      ...(row.id === undefined ? {} : { id: maskRowText(row.id) }),
      number: maskPhoneNumber(row.number),
      ...(keys[0] === undefined ? {} : { numberTag: numberTagOf(keys[0], code, row.number) }),
    });
    for (const row of interrupted)
      record({
        kind: 'result',
        ...base(row),
        status: 'uncertain',
        why: 'interrupted while sending',
        attempts: earlier?.rows.get(row.row)?.state.attempts ?? 1,
      });
    for (const row of newlyInvalid)
      record({
        kind: 'result',
        ...base(row),
        status: 'invalid',
        why: maskPhoneNumbersInText((invalid.get(row.row) ?? []).join('; ')).slice(0, 256),
      });
  } catch (error) {
    writer.close();
    close();
    return fail(`cannot write ${resultsFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (interrupted.length > 0)
    io.err(
      `call: ${plural(interrupted.length, 'row')} were being sent when the last run stopped: recorded as uncertain, not sent again\n`,
    );
  if (newlyInvalid.length > 0)
    io.err(`call: ${plural(newlyInvalid.length, 'invalid row')} recorded as invalid, not sent\n`);

  const placedBefore = [...(earlier?.rows.values() ?? [])].filter(
    (row) => row.state.kind === 'done' && row.state.status === 'placed',
  ).length;
  const progress =
    options.quiet === true
      ? undefined
      : createProgress({
          now: () => clock.now(),
          write: io.err,
          tty: options.errIsTty === true,
          placedBefore,
          total: rows.length,
          queued: queue.length,
        });
  let outcome: Awaited<ReturnType<typeof runCalls>>;
  try {
    outcome = await runCalls(
      queue,
      {
        code,
        rate: campaign.rate,
        concurrency: campaign.concurrency,
        outside: campaign.outside,
        lifetimeS: campaign.lifetimeS,
        limit: options.limit,
        tagKey: keys[0],
      },
      {
        clock,
        calendars: compiled.calendars,
        send,
        seal: (plan, expiresAtS) =>
          sealOutboundId(
            { flow: plan.flow, vars: { ...plan.vars }, expiresAtS },
            keys as readonly [string, ...string[]],
          ),
        paramsOf: planner.paramsOf,
        record,
        isDoNotCall: doNotCall ?? (() => false),
        notice: (text) => {
          if (options.errIsTty === true && options.quiet !== true) io.err('\r\u001b[K');
          io.err(`call: ${text}\n`);
        },
        progress: progress?.update,
        signal: options.signal,
        random: options.random,
      },
    );
  } finally {
    writer.close();
    close();
  }
  progress?.end();

  // The file is the campaign's truth: read back, it tells how every row stands after this run.
  const after = readResultsFile(resultsFile);
  const tally = tallyOf(after.kind === 'read' ? after.results : undefined, rows.length);
  const { counts, stop } = outcome;
  const exitCode = stop === undefined || stop.reason === 'limit' ? EXIT.ok : EXIT.failed;
  io.err(
    `call: campaign ${code}, ${plural(rows.length, 'row')}: placed ${tally.placed} · refused ${tally.refused} · ` +
      `uncertain ${tally.uncertain} · do-not-call ${tally.doNotCall} · invalid ${tally.invalid} · pending ${tally.pending}\n` +
      `call: this run: ${plural(counts.placed, 'call')} placed, ${plural(counts.requests, 'request')}` +
      (counts.outsideHours > 0
        ? `; ${plural(counts.outsideHours, 'row')} outside hours, left for a later run`
        : '') +
      '\n' +
      (stop === undefined ? '' : `call: ${describeRunStop(stop)}\n`) +
      `call: results in ${resultsFile}\n`,
  );
  return { exitCode, code, resultsFile, rows: rows.length, tally, run: counts, stop };
}

function describeRunStop(stop: RunStop): string {
  switch (stop.reason) {
    case 'signal':
      return 'stopped; run the same command again to go on';
    case 'limit':
      return 'stopped at --limit; run the same command again to go on';
    case 'api':
    case 'retries':
    case 'failed':
      return `stopped: ${stop.message}; the rows not sent stay pending: run the same command again to go on`;
  }
}

/** What sends: the sealing keys, and the client (or the sender given instead). */
type Sender = {
  readonly keys: readonly string[];
  readonly send: SmartCallSender;
  readonly close: () => void;
};

/** The sender of a run with nothing to send: it needs neither keys nor credentials. */
const NOTHING_TO_SEND: Sender = {
  keys: [],
  send: () => Promise.reject(new Error('nothing to send')),
  close: () => {},
};

/** The keys of OUTBOUND_SECRETS and a SmartCall client with the credentials; why not otherwise. */
function openSender(options: RunCampaignOptions, env: Env): Sender | { readonly message: string } {
  let keys: string[];
  try {
    keys = readOutboundSecrets(env);
  } catch (error) {
    if (error instanceof ConfigError) return { message: error.message };
    throw error;
  }
  if (keys.length === 0) {
    return {
      message:
        'OUTBOUND_SECRETS is not set: set it to the keys of the outbound function ' +
        '(comma-separated, each ≥ 16 characters of A–Z a–z 0–9 . _ ~ -; the first seals)',
    };
  }
  if (options.send !== undefined) return { keys, send: options.send, close: () => {} };
  const endpoint = options.endpoint ?? SMARTCALL_API.endpoint;
  const wrong = checkEndpoint(endpoint);
  if (wrong !== undefined) return { message: wrong };
  const found = findAccessKeys(env, options.access);
  if (!found.ok) return { message: found.message };
  options.io.err(`call: credentials from ${found.source}; endpoint ${endpoint}\n`);
  const client = createSmartCallClient({
    endpoint,
    credentials: found.credentials,
    timeoutMs: options.timeoutMs,
  });
  return { keys, send: client.send, close: client.close };
}

/** How the rows stand after the run. */
function tallyOf(folded: FoldedResults | undefined, rows: number): RowTally {
  const tally: RowTally = { placed: 0, refused: 0, uncertain: 0, doNotCall: 0, invalid: 0, pending: 0 };
  for (const { state } of folded?.rows.values() ?? []) {
    if (state.kind === 'invalid') tally.invalid++;
    else if (state.kind === 'done') {
      if (state.status === 'do-not-call') tally.doNotCall++;
      else if (state.status === 'invalid') tally.invalid++;
      else tally[state.status]++;
    }
  }
  tally.pending = rows - tally.placed - tally.refused - tally.uncertain - tally.doNotCall - tally.invalid;
  return tally;
}

/** What a dry run shows. */
type DryRun = {
  readonly rows: readonly CampaignRow[];
  readonly plans: ReadonlyMap<number, RowPlan>;
  readonly invalid: ReadonlyMap<number, readonly string[]>;
  readonly earlier: FoldedResults | undefined;
  readonly planner: ReturnType<typeof createRowPlanner>;
  readonly doNotCall: ((number: string) => boolean) | undefined;
  readonly now: number;
  readonly lifetimeS: number;
};

/**
 * `--dry-run`: each row as a JSON line on stdout, what it would send (numbers masked, the DynamicId by
 * its size), or why it would not be sent; the calendars' next opening on stderr. Nothing is written.
 */
function showDryRun(
  options: RunCampaignOptions,
  dry: DryRun,
  compiled: CompiledRules,
  code: string,
): CampaignSummary {
  const { io } = options;
  let sending = 0;
  const calendars = new Set<string>();
  for (const row of dry.rows) {
    const state = dry.earlier?.rows.get(row.row)?.state;
    const plan = dry.plans.get(row.row);
    const problems = dry.invalid.get(row.row);
    const retried = state?.kind === 'done' && state.status === 'uncertain' && options.retryUncertain === true;
    const status =
      state?.kind === 'done' && !retried
        ? state.status
        : state?.kind === 'interrupted'
          ? 'uncertain'
          : problems !== undefined
            ? 'invalid'
            : dry.doNotCall?.(row.number) === true
              ? 'do-not-call'
              : 'send';
    const shown: Record<string, unknown> = {
      row: row.row,
      ...(row.id === undefined ? {} : { id: maskRowText(row.id) }),
      number: maskPhoneNumber(row.number),
      status,
    };
    if (problems !== undefined && status === 'invalid') shown.problems = problems.map(maskPhoneNumbersInText);
    if (plan !== undefined && status === 'send') {
      sending++;
      calendars.add(plan.calendar);
      const expiresAtS = Math.floor(dry.now / 1000) + dry.lifetimeS;
      const { chars } = measureOutboundId({ flow: plan.flow, vars: { ...plan.vars }, expiresAtS });
      const params = dry.planner.paramsOf(row, plan, `o1.…(${chars} chars)`);
      params.CalledNumber = maskPhoneNumber(row.number);
      if (params.VoiceCodeParam !== undefined)
        params.VoiceCodeParam = maskPhoneNumbersInText(params.VoiceCodeParam);
      shown.flow = plan.flow;
      shown.calendar = plan.calendar;
      shown.vars = Object.fromEntries(
        Object.entries(plan.vars).map(([name, value]) => [name, maskPhoneNumbersInText(value)]),
      );
      shown.params = params;
    }
    io.out(`${JSON.stringify(shown)}\n`);
  }
  for (const name of calendars) {
    const calendar = compiled.calendars.get(name);
    if (calendar === undefined) continue;
    const opening = nextOpening(calendar, dry.now);
    io.err(
      (opening === dry.now
        ? `call: calendar ${name} is open now (${formatLocal(dry.now, calendar.timezone)})`
        : opening === undefined
          ? `call: calendar ${name} is closed now, and does not open in the next 31 days`
          : `call: calendar ${name} is closed now; it opens ${formatLocal(opening, calendar.timezone)}`) +
        `${describeUnknownYear(calendar, dry.now, options.unknownYears ?? 'closed')}\n`,
    );
  }
  const refused = dry.invalid.size > 0 && options.skipInvalid !== true;
  io.err(
    `call: dry run of campaign ${code}: ${plural(sending, 'row')} would be sent` +
      (dry.invalid.size > 0
        ? `, ${plural(dry.invalid.size, 'row')} invalid${refused ? ' (the run would refuse the list: --skip-invalid)' : ''}`
        : '') +
      '; nothing sent, nothing written\n',
  );
  return { exitCode: refused ? EXIT.failed : EXIT.ok, code, rows: dry.rows.length };
}

/** A whole number option within bounds, or a message. */
function readWhole(
  option: string,
  written: string | undefined,
  min: number,
  max: number,
): number | undefined | string {
  if (written === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(written) || Number(written) < min || Number(written) > max)
    return `--${option} takes a whole number from ${min} to ${max}, not ${written}`;
  return Number(written);
}

export async function main(argv: readonly string[], io: CallIo = PROCESS_IO): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const { values, positionals } = read.line;
  const refuse = (message: string) => refuseUsage(io, PROGRAM, 'call', message);
  const list = positionals[0] as string;
  if (values.rules === undefined && values.campaign === undefined)
    return refuse('needs --rules FILE (or a --campaign FILE that names the rules)');
  const format = values.format;
  if (format !== undefined && format !== 'csv' && format !== 'jsonl')
    return refuse(`--format takes csv or jsonl, not ${format}`);
  if (format === undefined && listFormatOf(list) === undefined)
    return refuse(`cannot tell the format of ${list} from its name: give --format csv or --format jsonl`);
  const outside = values.outside;
  if (outside !== undefined && !(OUTSIDE_HOURS as readonly string[]).includes(outside))
    return refuse(`--outside takes wait or skip, not ${outside}`);
  let rate: number | undefined;
  if (values.rate !== undefined) {
    rate = Number(values.rate);
    if (!/^[0-9]+(\.[0-9]+)?$/.test(values.rate) || !(rate > 0) || rate > SMARTCALL_API.callsPerSecond)
      return refuse(
        `--rate takes calls a second, more than 0 and at most ${SMARTCALL_API.callsPerSecond}, not ${values.rate}`,
      );
  }
  const concurrency = readWhole('concurrency', values.concurrency, 1, MAX_CONCURRENCY);
  const timeoutMs = readWhole('timeout', values.timeout, 100, 600_000);
  const limit = readWhole('limit', values.limit, 1, 99_999_999);
  for (const wrong of [concurrency, timeoutMs, limit]) if (typeof wrong === 'string') return refuse(wrong);
  const set = readNameValues('--set', values.set ?? []);
  if (typeof set === 'string') return refuse(set);
  // Mistakes of the command line itself are usage errors (exit 2), as every command's are.
  for (const name of Object.keys(set)) {
    const wrong = checkParamName(name);
    if (wrong !== undefined) return refuse(`--set ${wrong}`);
  }
  if (values.expires !== undefined) {
    const lifetime = readLifetimeOption(values.expires);
    if (typeof lifetime === 'string') return refuse(lifetime);
  }
  let clock = io.clock;
  if (values.now !== undefined) {
    const startMs = readClockStart(values.now);
    if (typeof startMs === 'string') return refuse(startMs);
    clock = clockStartingAt(startMs, io.clock);
  }
  if (values.endpoint !== undefined) {
    const wrong = checkEndpoint(values.endpoint);
    if (wrong !== undefined) return refuse(wrong);
  }
  // A clock of one's choosing places real calls at the real hour: only for a try-out that calls no one.
  if (
    values.now !== undefined &&
    values['dry-run'] !== true &&
    (values.endpoint === undefined || new URL(values.endpoint).protocol !== 'http:')
  )
    return refuse(
      '--now goes with --dry-run or an http:// endpoint of this machine (the stand-in): against SmartCall it would place real calls at the real hour, outside the hours it judged',
    );
  const unknownYears = values['unknown-years'];
  if (unknownYears !== undefined && !UNKNOWN_YEARS.includes(unknownYears as UnknownYears))
    return refuse(`--unknown-years takes ${UNKNOWN_YEARS.join(' or ')}, not ${unknownYears}`);

  // Ctrl-C (and SIGTERM) stop the run; a second one quits at once.
  let signal = io.signal;
  let release = () => {};
  if (signal === undefined) {
    const controller = new AbortController();
    signal = controller.signal;
    let count = 0;
    const onSignal = () => {
      count++;
      if (count > 1) {
        io.err('call: quit at once: the rows in flight are uncertain on the next run\n');
        process.exit(EXIT.failed);
      }
      io.err('\ncall: stopping: no new calls; the calls in flight finish (Ctrl-C again to quit at once)\n');
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    release = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  }
  try {
    const summary = await runCampaign({
      list,
      format,
      rules: values.rules,
      campaign: values.campaign,
      flow: values.flow,
      showNumber: values['show-number'],
      voiceCode: values['voice-code'],
      calendar: values.calendar,
      outside: outside as OutsideHours | undefined,
      rate,
      concurrency: concurrency as number | undefined,
      expires: values.expires,
      set,
      doNotCall: values['do-not-call'],
      results: values.results,
      skipInvalid: values['skip-invalid'],
      dryRun: values['dry-run'],
      retryUncertain: values['retry-uncertain'],
      unknownYears: unknownYears as UnknownYears | undefined,
      limit: limit as number | undefined,
      endpoint: values.endpoint,
      access: values.access,
      timeoutMs: timeoutMs as number | undefined,
      quiet: values.quiet,
      io,
      env: io.env,
      clock,
      signal,
      send: io.send,
      errIsTty: io.errIsTty ?? (io === PROCESS_IO && process.stderr.isTTY === true),
    });
    return summary.exitCode;
  } finally {
    release();
  }
}

runWhenMain(import.meta.filename, (argv, io) => main(argv, io));

/** The keys of the number tags: OUTBOUND_SECRETS' keys, or none when it is not set or not valid. */
function readTagKeys(env: Env): readonly string[] {
  try {
    return readOutboundSecrets(env);
  } catch (error) {
    if (error instanceof ConfigError) return [];
    throw error;
  }
}

/** What a campaign does on a day of a year no holiday data covers. */
export const UNKNOWN_YEARS = ['closed', 'weekly'] as const;
export type UnknownYears = (typeof UNKNOWN_YEARS)[number];

/**
 * The rules with their calendars as a campaign judges them: a day of a year no holiday data covers is
 * closed, whatever the document's `noHolidayData` says for inbound calls (its default is the weekly
 * hours), since it may be a public holiday and a call then cannot be taken back; `weekly` keeps the weekly
 * hours, as the person running the campaign chose.
 */
function withUnknownYears(compiled: CompiledRules, unknownYears: UnknownYears): CompiledRules {
  const policy: 'closed' | 'weekly' = unknownYears;
  const calendars = new Map<string, CompiledCalendar>(
    [...compiled.calendars].map(([name, calendar]) => [
      name,
      calendar.holidays === undefined
        ? calendar
        : {
            ...calendar,
            holidays: { ...calendar.holidays, noHolidayData: policy },
          },
    ]),
  );
  return { ...compiled, calendars };
}

/**
 * What a person must know when a calendar is judged, at `nowMs`, in a year no holiday data covers: that
 * the campaign keeps it closed, or calls it by the weekly hours; nothing otherwise.
 */
function describeUnknownYear(calendar: CompiledCalendar, nowMs: number, unknownYears: UnknownYears): string {
  const gap = judgeCallingHours(calendar, nowMs).noData;
  if (gap === undefined) return '';
  return unknownYears === 'closed'
    ? ` (no holiday data covers ${gap.year}, so its days are closed to a campaign: they may be public holidays; ` +
        "add the year's schedule to the rules' holidaySchedules, or --unknown-years weekly to call by the weekly hours)"
    : ` (no holiday data covers ${gap.year}: called by the weekly hours, as --unknown-years weekly says; a public holiday is not known)`;
}
