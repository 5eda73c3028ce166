/**
 * The call simulator: real callbacks, encoded as VMS sends them, to the built function bundles.
 *
 *   npm run simulate -- [options]                 an interactive call in the terminal
 *   npm run simulate -- run <scenario files…>     play scenario files; exit 1 on a mismatch
 *   npm run simulate -- replay <log.jsonl>        a logged call placed again: where it goes now
 *   npm run simulate -- schema [-o FILE]          the scenario files' JSON Schema
 *
 * Every command and option is described once, in {@link PROGRAM} (`--help`). Without `--rules`, the
 * embedded default hotline. The callbacks go to `dist/inbound` and `dist/outbound` in this process
 * (built here, after the command line is read), hosted on the simulator's clock, wrapped as FC 3.0
 * HTTP-trigger events; or over `--url`/`--fc` to running functions. The simulator is as strict as the
 * platform: what it refuses to send, and why, is dev/simulator/platform-rules.ts
 * (docs/simulator-rules.md). Exit codes: 0 fine, 1 a scenario failed (or a file has a problem), 2 the
 * command line is wrong.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import * as v from 'valibot';
import {
  type CommandIo,
  EXIT,
  type OptionValues,
  outputOption,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import { createFcClient } from '../../dev/fc-api';
import { findFcCredentials } from '../../dev/fc-credentials';
import { printJsonSchema } from '../../dev/json-schema';
import { DEFAULT_API_KEY } from '../../dev/llm-server';
import { type CallerAction, SimulatedCall, type TurnOutcome } from '../../dev/simulator/call';
import {
  ClassifyAnswerTextSchema,
  describeScriptedClassification,
  readTypedClassification,
  type ScriptedClassification,
  TYPED_FORMS,
} from '../../dev/simulator/classify-script';
import { computeCoverage, formatCoverage, type Visit } from '../../dev/simulator/coverage';
import { describeClassified, heardText } from '../../dev/simulator/expect';
import {
  describeScriptedAnswer,
  LookupAnswerSchema,
  readTypedAnswer,
  type ScriptedAnswer,
} from '../../dev/simulator/lookup-script';
import { callOverMessage } from '../../dev/simulator/platform-rules';
import { printable, printableOutcome } from '../../dev/simulator/printable';
import {
  compareRoutes,
  listCalls,
  MAX_EXPORT_LINES,
  planReplay,
  type ReplayTurn,
  readLogExport,
} from '../../dev/simulator/replay';
import {
  callIdsFor,
  defaultNumbers,
  describeAction,
  holidayDataWarning,
  instantIn,
  namesOfChoices,
  newCallIdSeed,
  runScenario,
} from '../../dev/simulator/run-scenarios';
import {
  ExpectSchema,
  KEYS_MESSAGE,
  KEYS_PATTERN,
  LocalTimeTextSchema,
  MAX_SCENARIO_FILE_BYTES,
  PHONE_NUMBER_MESSAGE,
  readScenarioFile,
  SCENARIO_DESCRIPTIONS,
  ScenarioFileSchema,
  ScenarioSchema,
} from '../../dev/simulator/scenario';
import {
  type ClassifyDesk,
  ForwardedClassifier,
  ReplayedClassifier,
  ScriptedClassifier,
} from '../../dev/simulator/simulated-classifier';
import {
  ForwardedLookups,
  isLoopback,
  type LookupDesk,
  ReplayedLookups,
  ScriptedLookups,
} from '../../dev/simulator/simulated-lookups';
import {
  type CallFunction,
  type CallTransport,
  createFcTransport,
  createInProcessTransport,
  createUrlTransport,
} from '../../dev/simulator/transport';
import { createYamlLocator } from '../../dev/yaml-locator';
import { toLocalTime } from '../../shared/calendar/local-time';
import { type ClassifyRequest, NO_CHOICE } from '../../shared/classify/classify-types';
import { DEFAULT_RULES_MAX_BYTES } from '../../shared/config/config';
import type { LookupRequest } from '../../shared/lookup/lookup-types';
import {
  CALL_ID_PATTERN,
  MAX_CALL_ID_CHARS,
  PHONE_NUMBER_PATTERN,
} from '../../shared/protocol/callback-request';
import { compileRules } from '../../shared/rules/compile-rules';
import { DEFAULT_RULES } from '../../shared/rules/default-rules';
import { detectRulesFormat, readRulesText } from '../../shared/rules/read-rules-text';
import type { Rules } from '../../shared/rules/rules-schema';
import { parseYaml } from '../../shared/rules/yaml-parser';
import { NameSchema } from '../../shared/text/name';
import { buildBundles } from '../build/build';
import { renderDeployment } from '../deploy/verify';

/** The options of `--fc`. */
const FC_OPTIONS = ['fc', 'region', 'endpoint', 'access'] as const;
/** The options of the commands that place calls in this process or over HTTP. */
const REMOTE_OPTIONS = ['url', 'secret', ...FC_OPTIONS] as const;

export const PROGRAM = {
  name: 'simulate',
  summary:
    'Places calls to your rules without a phone: the callbacks VMS sends, answered by the built function bundles (or running functions), as strict as the platform.',
  fallback: 'interactive',
  options: {
    rules: {
      type: 'string',
      value: 'FILE',
      help: 'the rules document (YAML or JSON); default: the embedded default hotline',
    },
    at: {
      type: 'string',
      value: '"YYYY-MM-DD HH:MM"',
      help: "the time of the call, in the rules' time zone (seconds optional); default: now",
    },
    caller: {
      type: 'string',
      value: 'NUMBER',
      help: "the caller's number; default: 13800138000 (replay: the masked number's stand-in)",
    },
    callee: {
      type: 'string',
      value: 'NUMBER',
      help: "the number dialled; default: the rules' first service number",
    },
    outbound: {
      type: 'string',
      value: 'FLOW|-',
      help: 'an outbound (SmartCall) call started with FLOW as its DynamicId (- for none): the first thing typed is the answer',
    },
    coverage: { type: 'boolean', help: 'print the nodes and ways on of each flow the calls visited' },
    'min-coverage': {
      type: 'string',
      value: 'PERCENT',
      help: 'fail (exit 1) when the coverage is under PERCENT, 0 to 100',
    },
    output: outputOption('the JSON Schema'),
    call: { type: 'string', value: 'ID', help: 'the call of the export to replay, when it holds several' },
    url: {
      type: 'string',
      value: 'URL',
      help: "send the callbacks over HTTP to URL ({fn}: the function's name, inbound or outbound)",
    },
    secret: {
      type: 'string',
      value: 'SECRET',
      help: 'the callback secret the functions behind --url or --fc check',
    },
    fc: {
      type: 'string',
      value: 's.yaml|NAME',
      help: 'invoke deployed functions through the FC API: those s.yaml deploys, or NAME ({fn}: inbound, outbound)',
    },
    region: {
      type: 'string',
      value: 'REGION',
      help: "--fc's region; default: s.yaml's with --fc s.yaml, else REGION, else cn-hangzhou",
    },
    endpoint: {
      type: 'string',
      value: 'URL',
      help: "--fc's API endpoint; default: FC_CLIENT_CUSTOM_ENDPOINT, else the region's",
    },
    access: { type: 'string', value: 'ALIAS', help: "--fc's credentials: an alias of s config" },
    'holidays-from': {
      type: 'string',
      value: 'YEAR',
      help: "build the bundles with China's holiday years from YEAR on (default: last year), for calls in earlier years",
    },
    'call-ids': {
      type: 'string',
      value: 'SEED',
      help: "the first part of the calls' ids, up to 12 digits: the same ids every run, so a split takes the same branches; default: new every run",
    },
    'lookups-from': {
      type: 'string',
      value: 'URL',
      help: "send the flow's lookups to URL on this machine (path and query kept) through the functions' lookup client, instead of asking you",
    },
    classifier: {
      type: 'string',
      value: 'URL',
      help: "send the menus' classifications to a language-model stand-in on this machine, URL standing for the rules' classifier endpoint (…/v1), through the functions' classifier client",
    },
    'classifier-key': {
      type: 'string',
      value: 'KEY',
      help: `the API key --classifier sends, as if the rules' apiKeyEnv held it; default: ${DEFAULT_API_KEY}, the stand-in's`,
    },
  },
  commands: {
    interactive: {
      summary: 'a call in the terminal: type what the caller says or does (/help lists how)',
      positionals: [0, 0],
      options: [
        'rules',
        'at',
        'caller',
        'callee',
        'outbound',
        'holidays-from',
        'lookups-from',
        'classifier',
        'classifier-key',
        'call-ids',
        ...REMOTE_OPTIONS,
      ],
      example: '--rules examples/bank-card-service.yaml --at "2026-10-01 10:00"',
      details:
        'Keys are heard only once a reply collects them (a dtmf reply): keys typed before are shown as\n' +
        '"not heard" and not sent, as on the platform (docs/simulator-rules.md).\n' +
        "A lookup the flow makes is asked of you the first time (its answer's JSON, slow JSON, status 503,\n" +
        'timeout or failed), or sent to a stand-in on this machine with --lookups-from. A classification\n' +
        'a menu asks for is asked of you each time (lostCard 0.92, none, timeout, failed WHY; /classify sets\n' +
        'the next), or sent to a language-model stand-in on this machine with --classifier.',
    },
    run: {
      summary: 'play scenario files and check every expectation; exit 1 on a mismatch',
      args: '<scenario files...>',
      positionals: [1, 100],
      options: [
        'rules',
        'coverage',
        'min-coverage',
        'holidays-from',
        'call-ids',
        'classifier',
        'classifier-key',
        ...REMOTE_OPTIONS,
      ],
      example: 'run examples/bank-card-service.scenarios.yaml --rules examples/bank-card-service.yaml',
      details:
        'A turn the platform would not deliver (keys pressed before a reply collects them, a transfer\n' +
        'result with no transfer under way) fails, naming the rule (docs/simulator-rules.md). Lookups and\n' +
        'classifications are answered from the scenario (lookups:, classify:); one it does not script fails\n' +
        'it, and nothing is sent. --classifier sends the classifications of scenarios that script none to a\n' +
        'language-model stand-in on this machine instead.',
    },
    replay: {
      summary: 'place a logged call again (an SLS export, JSON lines) and show where it goes now',
      args: '<log.jsonl>',
      positionals: [1, 1],
      options: ['rules', 'call', 'caller', 'callee', 'holidays-from'],
      example: 'replay call.jsonl --rules examples/bank-card-service.yaml',
      details:
        'Lookups are answered with what the log says they came to (an answer rebuilt from the values\n' +
        'saved); a value the log masked makes the turn "not re-derivable" instead of a difference.\n' +
        "Classifications are answered with the model's logged verdict, shown on each turn that asked one.",
    },
    schema: {
      summary: "print the scenario files' JSON Schema (for editors)",
      positionals: [0, 0],
      options: ['output'],
      example: 'schema -o scenarios.schema.json',
    },
  },
} as const satisfies ProgramSpec;

type Command = keyof typeof PROGRAM.commands;
type Options = OptionValues<typeof PROGRAM.options>;

/** Where the simulator reads and writes: the process's by default, a test's in the tests. */
export type SimulatorIo = CommandIo & {
  /** The lines an interactive session reads (the terminal by default). */
  readonly input?: NodeJS.ReadableStream;
  /** The time an interactive call starts at without `--at`. */
  readonly now?: () => number;
  /** Where `--fc` reads credentials, region and endpoint (the process's by default). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The seed of the run's call ids: new every run by default, fixed by a test for the same ids. */
  readonly callIdSeed?: number;
};

/** What the simulator needs beyond its io: how the in-process bundles are built (the tests built them). */
export type SimulatorDeps = {
  readonly buildBundles: (options: { readonly holidaysFrom?: number }) => Promise<void>;
};

const BUILD: SimulatorDeps = {
  buildBundles: (options) => buildBundles({ ...options, quiet: true }),
};

/** A problem with a file the user gave: reported, exit 1. */
class InputError extends Error {
  override readonly name = 'InputError';
}

/** What is wrong with the options read, in one line, or undefined when they go together. */
function checkOptions(values: Options): string | undefined {
  if (values.at !== undefined && !v.is(LocalTimeTextSchema, values.at))
    return `--at takes a local time, "YYYY-MM-DD HH:MM", such as "2026-10-01 10:00"; not ${values.at}`;
  for (const name of ['caller', 'callee'] as const) {
    const value = values[name];
    if (value !== undefined && !PHONE_NUMBER_PATTERN.test(value))
      return `--${name} takes a phone number (${PHONE_NUMBER_MESSAGE}); not ${value}`;
  }
  if (values.outbound !== undefined && values.outbound !== '-' && !v.is(NameSchema, values.outbound))
    return `--outbound takes a flow name, or - for a call without a DynamicId; not ${values.outbound}`;
  if (values.url !== undefined && !/^https?:\/\/[^\s]+$/.test(values.url))
    return `--url takes an http:// or https:// URL; not ${values.url}`;
  if (values.url !== undefined && values.fc !== undefined) return '--url or --fc, not both';
  if (values.fc !== undefined && values.fc !== FC_FROM_S_YAML && !/^[A-Za-z0-9_{}-]{1,64}$/.test(values.fc))
    return `--fc takes s.yaml (the functions it deploys) or a function name, {fn} for inbound or outbound; not ${values.fc}`;
  for (const name of ['region', 'endpoint', 'access'] as const) {
    if (values[name] !== undefined && values.fc === undefined) return `--${name} goes with --fc`;
  }
  if (values.secret !== undefined && values.secret.trim() === '')
    return '--secret is empty: the functions would refuse every callback (HTTP 403)';
  const remote = values.url ?? values.fc;
  if (values.secret !== undefined && remote === undefined)
    return '--secret goes with --url or --fc (the in-process functions take no secret)';
  if (remote !== undefined && (values.coverage === true || values['min-coverage'] !== undefined))
    return 'coverage is read from the function log lines, which --url and --fc do not see: drop --coverage';
  if (remote !== undefined && values['holidays-from'] !== undefined)
    return '--holidays-from builds the in-process bundles; --url and --fc call functions built already';
  const min = values['min-coverage'];
  if (min !== undefined && !(/^\d{1,3}(\.\d+)?$/.test(min) && Number(min) <= 100))
    return `--min-coverage takes a percentage, 0 to 100; not ${min}`;
  const ids = values['call-ids'];
  if (ids !== undefined && !/^\d{1,12}$/.test(ids))
    return `--call-ids takes a whole number of up to 12 digits, such as 7; not ${ids}`;
  const from = values['holidays-from'];
  if (from !== undefined && !/^\d{4}$/.test(from))
    return `--holidays-from takes a year, such as 2024; not ${from}`;
  const lookupsFrom = values['lookups-from'];
  if (lookupsFrom !== undefined) {
    if (remote !== undefined)
      return '--lookups-from sends the lookups of the functions in this process; those behind --url or --fc make their own';
    if (readLoopbackUrl(lookupsFrom) === undefined)
      return `--lookups-from takes an http:// or https:// URL on this machine (127.0.0.1, localhost or [::1]), such as http://127.0.0.1:9500; not ${lookupsFrom}`;
  }
  const classifier = values.classifier;
  if (classifier !== undefined) {
    if (remote !== undefined)
      return '--classifier sends the classifications of the functions in this process; those behind --url or --fc ask their own';
    if (readLoopbackUrl(classifier) === undefined)
      return `--classifier takes the endpoint of a stand-in on this machine (127.0.0.1, localhost or [::1]), http:// or https://, such as http://127.0.0.1:9600/v1; not ${classifier}`;
  }
  const key = values['classifier-key'];
  if (key !== undefined && classifier === undefined) return '--classifier-key goes with --classifier';
  if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key))
    return '--classifier-key takes a key of 1 to 200 printable characters, no spaces';
  return undefined;
}

/** A URL on this machine, or undefined: lookups and classifications are never sent elsewhere from the simulator. */
function readLoopbackUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    const plain = url.username === '' && url.password === '' && url.search === '' && url.hash === '';
    return /^https?:$/.test(url.protocol) && plain && isLoopback(url) ? url : undefined;
  } catch {
    return undefined;
  }
}

export async function main(
  argv: readonly string[],
  io: SimulatorIo = PROCESS_IO,
  deps: SimulatorDeps = BUILD,
): Promise<number> {
  const read = readCommandLine<typeof PROGRAM.options, Command>(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const { command, positionals, values } = read.line;
  const wrong = checkOptions(values);
  if (wrong !== undefined) return refuseUsage<Command>(io, PROGRAM, command, wrong);
  try {
    // The bundles are built only for the calls placed in this process, and only now that the line is read.
    if (command !== 'schema' && values.url === undefined && values.fc === undefined) {
      const from = values['holidays-from'];
      await deps.buildBundles(from === undefined ? {} : { holidaysFrom: Number(from) });
    }
    switch (command) {
      case 'schema':
        return schema(io, values.output);
      case 'run':
        return await run(io, positionals, values);
      case 'interactive':
        return await interactive(io, values);
      case 'replay':
        return await replay(io, positionals[0] as string, values);
    }
  } catch (error) {
    if (error instanceof InputError) {
      io.err(`${error.message}\n`);
      return EXIT.failed;
    }
    throw error;
  }
}

// --------------------------------------------------------------------------------------------------
// Files
// --------------------------------------------------------------------------------------------------

/** A file's text, refused unless it is a regular file of at most `maxBytes`. */
function readBoundedText(file: string, maxBytes: number, what: string): string {
  let size: number;
  try {
    const stat = statSync(resolve(file));
    if (!stat.isFile()) throw new InputError(`${file}: not a regular file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      `${file}: cannot read the ${what} (${String((error as { code?: unknown }).code ?? error)})`,
    );
  }
  if (size > maxBytes) throw new InputError(`${file}: the ${what} is over ${maxBytes} bytes`);
  return readFileSync(resolve(file), 'utf8').replace(/^\uFEFF/, '');
}

/** The rules the simulated calls are checked against: the file's, or the embedded default. */
type LoadedRules = { readonly rules: Rules; readonly file: string | undefined; readonly label: string };

function loadRules(file: string | undefined): LoadedRules {
  if (file === undefined) return { rules: DEFAULT_RULES, file, label: 'the embedded default hotline' };
  const text = readBoundedText(file, DEFAULT_RULES_MAX_BYTES, 'rules file');
  const read = readRulesText(text, detectRulesFormat(file), parseYaml);
  const compiled = read.ok ? compileRules(read.document) : read;
  if (!compiled.ok) {
    const issues = compiled.issues.slice(0, 10).map((issue) => `  ${issue.path}: ${issue.message}`);
    throw new InputError(`${file}: not valid rules (npm run rules -- check ${file}):\n${issues.join('\n')}`);
  }
  return { rules: compiled.compiled.rules, file, label: file };
}

function loadScenarios(file: string) {
  const text = readBoundedText(file, MAX_SCENARIO_FILE_BYTES, 'scenario file');
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new InputError(
      `${file}: not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : error}`,
    );
  }
  const read = readScenarioFile(document, createYamlLocator(text));
  if (!read.ok)
    throw new InputError(`${file}: not a scenario file:\n${read.issues.map((i) => `  ${i}`).join('\n')}`);
  return read.file;
}

// --------------------------------------------------------------------------------------------------
// run
// --------------------------------------------------------------------------------------------------

/** What a run over `--url` cannot do, said once before it starts. */
const URL_LIMITS =
  'over --url and --fc the simulator sees replies only: no node, trace or coverage (expectations on flow, node, line ' +
  'and matched fail), and the function reads its own clock (times only stamp the events); --rules only ' +
  'gives the default numbers and the time zone\n';

/** The functions the calls go to: the built bundles in this process, or `--url`. */
async function openTransport(
  loaded: LoadedRules,
  options: Options,
  env: Readonly<Record<string, string | undefined>>,
  lookups?: LookupDesk,
  classifier?: ClassifyDesk,
): Promise<CallTransport> {
  if (options.url !== undefined) return createUrlTransport(options.url, options.secret);
  if (options.fc !== undefined) return openFcTransport(options.fc, options, env);
  try {
    return await createInProcessTransport(loaded.file, lookups, classifier);
  } catch (error) {
    throw new InputError(
      `cannot load the built functions (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): ` +
        'run npm run build and fix what it reports',
    );
  }
}

/** `--fc s.yaml`: the functions s.yaml deploys (no function name has a dot). */
const FC_FROM_S_YAML = 's.yaml';

/**
 * `--fc`: the deploy check's FC API client, with its credentials (dev/fc-credentials.ts). `--fc s.yaml`
 * takes the functions' names, their region and the first of CALLBACK_SECRETS from s.yaml as `s preview`
 * renders it (`.env` included), as `npm run deploy:verify` does; `--region` and `--secret` still win.
 * `--fc NAME` takes the region of `--region`, `REGION` or s.yaml's default. The endpoint: `--endpoint`
 * or `FC_CLIENT_CUSTOM_ENDPOINT`.
 */
async function openFcTransport(
  name: string,
  options: Options,
  env: Readonly<Record<string, string | undefined>>,
): Promise<CallTransport> {
  const found = findFcCredentials(env, options.access);
  if (!found.ok) throw new InputError(`--fc: ${found.message}`);
  let functions: string | Record<CallFunction, string> = name;
  let region = options.region ?? (env.REGION || 'cn-hangzhou');
  let secret = options.secret;
  if (name === FC_FROM_S_YAML) {
    const deployed = await renderDeployment(env).catch((error: unknown) => {
      throw new InputError(`--fc s.yaml: ${error instanceof Error ? error.message : String(error)}`);
    });
    const inbound = deployed.find((fn) => fn.resource === 'inbound');
    const outbound = deployed.find((fn) => fn.resource === 'outbound');
    if (inbound === undefined || outbound === undefined)
      throw new InputError('--fc s.yaml: s.yaml declares no inbound and outbound functions');
    if (options.region === undefined && inbound.region !== outbound.region)
      throw new InputError(`--fc s.yaml: inbound and outbound are in different regions; give --region`);
    functions = { inbound: inbound.functionName, outbound: outbound.functionName };
    region = options.region ?? inbound.region;
    secret = options.secret ?? inbound.callbackSecret;
  }
  try {
    const client = createFcClient({
      credentials: found.credentials,
      region,
      endpoint: options.endpoint ?? (env.FC_CLIENT_CUSTOM_ENDPOINT || undefined),
    });
    const transport = createFcTransport(client, functions, secret);
    return { ...transport, describe: `${transport.describe}; credentials from ${found.source}` };
  } catch (error) {
    throw new InputError(`--fc: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The seed of a session's call ids: `--call-ids`, else the test's, else a new one. */
function seedOf(io: SimulatorIo, options: Options): number {
  const typed = options['call-ids'];
  return typed === undefined ? (io.callIdSeed ?? newCallIdSeed()) : Number(typed);
}

/** `--classifier`: the desk that sends the classifications to the stand-in, or undefined. */
function forwardClassifier(options: Options): ForwardedClassifier | undefined {
  const endpoint = options.classifier === undefined ? undefined : readLoopbackUrl(options.classifier);
  return endpoint === undefined
    ? undefined
    : new ForwardedClassifier(endpoint, options['classifier-key'] ?? DEFAULT_API_KEY);
}

/** The line that says where `--classifier` sends, or undefined without it. */
function describeForwarding(rules: Rules, options: Options): string | undefined {
  if (options.classifier === undefined) return undefined;
  const replaced = rules.classifier === undefined ? '' : ` (instead of ${rules.classifier.endpoint})`;
  return `classifications go to ${printable(options.classifier)}${replaced} through the functions' classifier client, with the key of --classifier-key\n`;
}

async function run(io: SimulatorIo, files: readonly string[], options: Options): Promise<number> {
  const loaded = loadRules(options.rules);
  const scenarioFiles = files.map((file) => ({ file, content: loadScenarios(file) }));
  const transport = await openTransport(
    loaded,
    options,
    io.env ?? process.env,
    undefined,
    forwardClassifier(options),
  );
  const defaults = defaultNumbers(loaded.rules);
  const nextCallId = callIdsFor(seedOf(io, options));
  const visits: Visit[] = [];
  let passed = 0;
  let failed = 0;
  if (!transport.seesLogs) io.out(URL_LIMITS);
  io.out(describeForwarding(loaded.rules, options) ?? '');
  for (const { file, content } of scenarioFiles) {
    io.out(`${file} (rules: ${loaded.label})\n`);
    for (const scenario of content.scenarios) {
      const result = await runScenario(scenario, loaded.rules, transport, defaults, nextCallId());
      for (const outcome of result.outcomes) if (outcome.log !== undefined) visits.push(outcome.log);
      io.out(
        `  ${result.passed ? 'ok  ' : 'FAIL'} ${printable(scenario.name)} (${plural(result.outcomes.length, 'callback')})\n`,
      );
      if (!result.passed) io.out(result.report.replace(/^(?=.)/gm, '  '));
      if (result.passed) passed++;
      else failed++;
    }
  }
  io.out(`${plural(passed + failed, 'scenario')}: ${passed} passed, ${failed} failed\n`);
  const holidayWarning = holidayDataWarning(
    visits.map((visit) => visit.trace),
    options['holidays-from'] === undefined
      ? new Date().getUTCFullYear() - 1
      : Number(options['holidays-from']),
  );
  if (holidayWarning !== undefined) io.err(holidayWarning);
  let coverageFailed = false;
  const minimum = options['min-coverage'] === undefined ? undefined : Number(options['min-coverage']);
  if (options.coverage === true || minimum !== undefined) {
    const coverage = computeCoverage(loaded.rules, visits);
    io.out(formatCoverage(coverage));
    if (minimum !== undefined && coverage.percent < minimum) {
      io.out(`coverage ${coverage.percent}% is under --min-coverage ${minimum}%\n`);
      coverageFailed = true;
    }
  }
  return failed > 0 || coverageFailed ? 1 : 0;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

// --------------------------------------------------------------------------------------------------
// replay
// --------------------------------------------------------------------------------------------------

/** An answer the log does not hold, as a replayed turn and the replay's summary say it. */
const UNKNOWN = {
  lookup: { turn: 'a lookup answer the log does not hold', summary: 'lookup values the log masks' },
  classification: {
    turn: 'a classification the log does not hold',
    summary: 'classifications the log does not hold',
  },
} as const;
type Unknown = keyof typeof UNKNOWN;

/**
 * What a logged turn says the language model decided (`classifier: lostCard 0.92, taken`, with `→ no match`
 * when the words still matched nothing), or that its words matched nothing without it; undefined for a
 * turn that asked no classifier and matched.
 */
function describeLogged(turn: ReplayTurn): string | undefined {
  const noMatch = turn.noMatch && turn.input.kind === 'say';
  if (turn.classified !== undefined)
    return `classifier: ${describeClassified(turn.classified)}${noMatch ? ' → no match' : ''}`;
  return noMatch ? 'no match (the classifier was not asked)' : undefined;
}

/** The largest log export read: one call's lines are a few KB; an export of a busy hour is not one. */
const MAX_EXPORT_BYTES = 16 * 1024 * 1024;

async function replay(io: SimulatorIo, file: string, options: Options): Promise<number> {
  const loaded = loadRules(options.rules);
  const { lines, skipped, unread } = readLogExport(readBoundedText(file, MAX_EXPORT_BYTES, 'log export'));
  if (unread > 0)
    io.err(
      `${file}: only the first ${MAX_EXPORT_LINES} lines are read; ${plural(unread, 'line')} after them were not\n`,
    );
  const calls = listCalls(lines);
  const callId = options.call ?? (calls.size === 1 ? [...calls.keys()][0] : undefined);
  if (callId === undefined) {
    const ids = printable([...calls.keys()].slice(0, 10).join(', '));
    throw new InputError(
      calls.size === 0
        ? `${file}: no callback log lines (msg "callback") in it${skipped > 0 ? `; ${skipped} other lines skipped` : ''}`
        : `${file}: ${calls.size} calls; name one with --call: ${ids}`,
    );
  }
  const own = calls.get(callId);
  if (own === undefined) throw new InputError(`${file}: no callback lines of call ${printable(callId)}`);
  const plan = planReplay(own, loaded.rules, { caller: options.caller, callee: options.callee });
  // Neither --url nor --fc: the built bundles, in this process (replay needs their log lines), their
  // lookups answered from the log.
  const lookups = new ReplayedLookups(loaded.rules);
  const classifier = new ReplayedClassifier();
  const transport = await openTransport(loaded, {}, io.env ?? process.env, lookups, classifier);
  // The call's own id, so that its split nodes choose as they did; a new one only for an id no callback takes.
  const replayId =
    plan.callId.length <= MAX_CALL_ID_CHARS && CALL_ID_PATTERN.test(plan.callId)
      ? plan.callId
      : callIdsFor(io.callIdSeed ?? newCallIdSeed())();
  const call = new SimulatedCall(transport, plan.fn, replayId, plan.firstDynamicId);
  io.out(
    `replay of call ${plan.callId} (${plural(plan.turns.length, 'turn')}, ${plan.fn}) against ${loaded.label}\n`,
  );
  if (plan.dropped.length > 0) io.out(`  not replayed: ${plan.dropped.join(', ')} events\n`);
  let changed = 0;
  let underivable = 0;
  /**
   * The turn at which the call left the logged way on an answer the log does not hold (a lookup value it
   * masks, a classification it never made): what differs from then on may follow from that answer, so it
   * is not re-derivable either.
   */
  let leftAt: number | undefined;
  /** What the log did not hold, for the summary. */
  const unknowns = new Set<string>();
  /**
   * Counts a turn that went elsewhere, and says how: a difference, or one that cannot be told (`unknown`:
   * the answer the log does not hold that it went elsewhere on).
   */
  const differs = (unknown?: Unknown): string => {
    if (unknown === undefined && leftAt === undefined) {
      changed++;
      return 'differs';
    }
    underivable++;
    return leftAt === undefined
      ? `not re-derivable (${UNKNOWN[unknown ?? 'lookup'].turn})`
      : `not re-derivable (after turn ${leftAt})`;
  };
  for (const [index, turn] of plan.turns.entries()) {
    lookups.feed(turn.lookups);
    classifier.feed(turn.classified);
    const what = turn.input.kind === 'callin' ? 'callin' : describeAction(turn.input);
    io.out(`${index + 1}. [${showTime(loaded.rules, turn.at)}] ${what}\n`);
    if (turn.note !== undefined) io.out(`   note: ${turn.note}\n`);
    // What the language model made of the words then, and the words nothing understood: for mining.
    const decided = describeLogged(turn);
    if (decided !== undefined) io.out(`   ${printable(decided)}\n`);
    if (call.ended) {
      const how = differs();
      io.out(
        `   was: ${compareRoutes(turn.was, turn.was).was}\n   now: the call had already ended${how === 'differs' ? '' : `  <- ${how}`}\n`,
      );
      continue;
    }
    // Under other rules, the platform may no longer deliver what the caller did then (keys too early).
    const refusal = turn.input.kind === 'callin' ? undefined : call.refuse(turn.input, 'replay');
    if (refusal !== undefined && refusal.delivered === undefined) {
      io.out(
        `   was: ${compareRoutes(turn.was, turn.was).was}\n   now: ${refusal.message}  <- ${differs()}\n`,
      );
      continue;
    }
    if (refusal !== undefined) io.out(`   note: ${refusal.message}\n`);
    const outcome =
      turn.input.kind === 'callin'
        ? await call.answer(turn.input.callin, turn.at)
        : await call.act(
            refusal?.delivered === undefined ? turn.input : { kind: 'keys', keys: refusal.delivered },
            turn.at,
          );
    const now = {
      action: outcome.action,
      flow: outcome.log?.flow,
      node: outcome.log?.node,
      matched: outcome.log?.matched,
    };
    for (const note of [...(outcome.lookupReport?.notes ?? []), ...(outcome.classifyReport?.notes ?? [])])
      io.out(`   note: ${printable(note)}\n`);
    if (turn.classified !== undefined || outcome.log?.classified !== undefined) {
      const classifiedNow = describeClassified(outcome.log?.classified);
      if (classifiedNow !== describeClassified(turn.classified))
        io.out(`   classifier now: ${printable(classifiedNow)}\n`);
    }
    const compared = compareRoutes(turn.was, now);
    if (compared.same) {
      io.out(`   same: ${compared.now}\n`);
      continue;
    }
    // A made-up answer (a lookup value the log masked, a classification it does not hold) may be why the
    // turn went elsewhere: not a difference.
    const unknown: Unknown | undefined =
      outcome.lookupReport?.underivable === true
        ? 'lookup'
        : outcome.classifyReport?.underivable === true
          ? 'classification'
          : undefined;
    const how = differs(unknown);
    if (unknown !== undefined) {
      leftAt ??= index + 1;
      unknowns.add(UNKNOWN[unknown].summary);
    }
    io.out(`   was: ${compared.was}\n   now: ${compared.now}  <- ${how}\n`);
    io.out(`   why: ${printable(outcome.log?.trace.join(' · ') ?? '(no log line)')}\n`);
  }
  const notDerived =
    underivable === 0
      ? ''
      : `; ${plural(underivable, 'turn')} could not be re-derived (${[...unknowns].join(', ')})`;
  io.out(
    changed === 0
      ? `the call goes the same way under these rules${notDerived}\n`
      : `${changed} of ${plural(plan.turns.length, 'turn')} go differently under these rules${notDerived}\n`,
  );
  return 0;
}

// --------------------------------------------------------------------------------------------------
// schema
// --------------------------------------------------------------------------------------------------

function schema(io: SimulatorIo, output: string | undefined): number {
  const text = printScenarioJsonSchema();
  if (output === undefined) io.out(text);
  else writeOutput(output, text);
  return 0;
}

/** Writes a file the user named, or says why it cannot be written. */
function writeOutput(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw new InputError(`${file}: cannot write it (${String((error as { code?: unknown }).code ?? error)})`);
  }
}

/** `ScenarioFileSchema` as a JSON Schema (draft-07) for editors, printed as Biome would format it. */
export function printScenarioJsonSchema(): string {
  return printJsonSchema(
    ScenarioFileSchema,
    {
      Scenario: ScenarioSchema,
      Expect: ExpectSchema,
      LookupAnswer: LookupAnswerSchema,
      ClassifyAnswer: ClassifyAnswerTextSchema,
      LocalTime: LocalTimeTextSchema,
      Name: NameSchema,
    },
    'vms-callflow scenario file: simulated calls and what must happen (docs/testing.md)',
    SCENARIO_DESCRIPTIONS,
  );
}

// --------------------------------------------------------------------------------------------------
// The transcript
// --------------------------------------------------------------------------------------------------

/** A local time for the transcript: `2026-10-01 10:00 Thu`. */
function showTime(rules: Rules, at: number): string {
  const local = toLocalTime(at, rules.timezone);
  const day = `${local.weekday.charAt(0).toUpperCase()}${local.weekday.slice(1)}`;
  const hh = String(local.hour).padStart(2, '0');
  const mm = String(local.minutes % 60).padStart(2, '0');
  return `${local.date} ${hh}:${mm} ${day}`;
}

/** One turn as the caller would experience it, with what the log says of the decision. */
export function formatTurn(reply: TurnOutcome): string {
  const outcome = printableOutcome(reply);
  const lines: string[] = [];
  if (outcome.problem !== undefined) return `  !! ${outcome.problem}\n`;
  const heard = heardText(outcome);
  const audio = outcome.audio.length === 0 ? '' : ` [audio ${outcome.audio.join(', ')}]`;
  const speech = heard === '' ? '' : ` 「${heard}」`;
  switch (outcome.action) {
    case 'transfer':
      lines.push(`  <- transfer to ${outcome.transferTo}${speech}${audio}`);
      break;
    case 'parallel_transfer':
      lines.push(
        `  <- parallel transfer to call centre ${outcome.transferTo} (report it: /transfer ok or /transfer fail)`,
      );
      break;
    case 'hangup':
      lines.push(`  <- hangup${speech}${audio}`);
      break;
    case 'dtmf': {
      const keys = outcome.keys;
      const end = keys?.endKey ? `, ends with ${keys.endKey}` : '';
      lines.push(`  <- dtmf${speech}${audio}`);
      lines.push(
        `     waits for up to ${keys?.max} ${keys?.max === 1 ? 'key' : 'keys'}, ${keys?.timeoutS} s${end}`,
      );
      break;
    }
    case 'play':
      lines.push(
        speech + audio === ''
          ? `  <- play, with nothing to play: silence; mute comes after ${outcome.muteTimeMs ?? 'the mute time in force, in'} ms`
          : `  <- play${speech}${audio}`,
      );
      break;
    default:
      lines.push(`  <- ${outcome.action}${speech}${audio}`);
  }
  if (outcome.bargeIn === false) lines.push('     (played to the end: no barge-in)');
  const log = outcome.log;
  if (log !== undefined) {
    const where = [
      log.line === undefined ? undefined : `line ${log.line}`,
      log.flow === undefined ? undefined : `flow ${log.flow}`,
      log.node === undefined ? undefined : `node ${log.node}`,
    ].filter((part) => part !== undefined);
    lines.push(`     ${[...where, `state ${outcome.stateChars} chars`].join(' · ')}`);
    lines.push(`     why: ${log.trace.join(' · ')}`);
  } else {
    lines.push(`     state ${outcome.stateChars} chars`);
  }
  const report = outcome.lookupReport;
  for (const request of report?.unanswered ?? [])
    lines.push(`     lookup ${printable(request.name)} was not answered: it failed (unsendable)`);
  for (const note of report?.notes ?? []) lines.push(`     note: ${note}`);
  const classified = outcome.classifyReport;
  if ((classified?.unanswered.length ?? 0) > 0)
    lines.push('     the classifier was not answered: it failed (unsendable)');
  for (const note of classified?.notes ?? []) lines.push(`     note: ${note}`);
  return `${lines.join('\n')}\n`;
}

// --------------------------------------------------------------------------------------------------
// Interactive
// --------------------------------------------------------------------------------------------------

/** The rules' lines, to pick a caller and a number dialled from (`--caller`, `--callee`). */
function describeLines(rules: Rules): string {
  const lines = (rules.lines ?? []).map((line) => {
    const numbers = [
      ...(line.numbers ?? []).map((n) => `dial ${n}`),
      ...(line.forwardedFrom ?? []).map((n) => `forwarded from ${n}`),
      ...(line.callers ?? []).map((n) => `caller ${n}`),
      ...(line.callerPrefixes ?? []).map((n) => `caller ${n}…`),
    ];
    const shown = numbers.length > 3 ? [...numbers.slice(0, 3), `${numbers.length - 3} more`] : numbers;
    return `${line.name} (${shown.join(', ')})`;
  });
  return `lines: ${[...lines, `default line → flow ${rules.defaultLine.flow}`].join('; ')}`;
}

const HELP = `what the caller does (one per line):
  <words>              say it (what speech recognition heard)
  /keys 123#           press keys                 /silence    stay silent (mute time runs out)
  /timeout             let a key entry time out   /barge      talk over the prompt (barge-in)
  /transfer ok|fail    a parallel transfer's result, as the platform reports it
  /at YYYY-MM-DD HH:MM the time of the next turns /hangup     hang up
  /new                 a new call                 /quit       leave
  /lookup NAME ANSWER  how a lookup answers from now on: its JSON, slow JSON, status 503, timeout,
                       failed or failed WHY (asked when the flow first makes it)
  /classify ANSWER     how the classifier answers the next time a menu asks it: lostCard 0.92, none,
                       timeout or failed WHY (asked each time, when not set ahead)
as on the platform, keys are heard only once a reply collects them (dtmf: a menu after the greeting
asks again on the first /silence), and a transfer's result comes once the transfer started; what the
platform would not deliver is shown as "not heard" or "not sent" (docs/simulator-rules.md)
`;

/** A line typed at the prompt, read as the caller's action or a command of the session. */
type Typed =
  | { readonly kind: 'action'; readonly action: CallerAction }
  | { readonly kind: 'at'; readonly text: string }
  | { readonly kind: 'lookup'; readonly name: string; readonly answer: ScriptedAnswer }
  | { readonly kind: 'classify'; readonly answer: ScriptedClassification }
  | { readonly kind: 'hangup' | 'new' | 'quit' | 'help' | 'empty' }
  | { readonly kind: 'wrong'; readonly message: string };

export function readTyped(line: string): Typed {
  const text = line.trim();
  if (text === '') return { kind: 'empty' };
  if (!text.startsWith('/')) return { kind: 'action', action: { kind: 'say', words: text.slice(0, 500) } };
  const [command = '', ...args] = text.slice(1).split(/\s+/);
  const arg = args.join(' ');
  switch (command) {
    case 'keys':
    case 'k':
      return KEYS_PATTERN.test(arg)
        ? { kind: 'action', action: { kind: 'keys', keys: arg } }
        : { kind: 'wrong', message: `${KEYS_MESSAGE}: /keys 6218#` };
    case 'silence':
    case 's':
      return { kind: 'action', action: { kind: 'silence' } };
    case 'timeout':
      return { kind: 'action', action: { kind: 'keyTimeout' } };
    case 'barge':
      return { kind: 'action', action: { kind: 'bargeIn' } };
    case 'transfer':
      if (arg === 'ok' || arg === 'success')
        return { kind: 'action', action: { kind: 'transferResult', status: 'success' } };
      if (arg === 'fail') return { kind: 'action', action: { kind: 'transferResult', status: 'fail' } };
      return { kind: 'wrong', message: '/transfer ok or /transfer fail' };
    case 'at':
      return v.is(LocalTimeTextSchema, arg)
        ? { kind: 'at', text: arg }
        : { kind: 'wrong', message: '/at takes a local time: /at 2026-10-01 18:05' };
    case 'lookup': {
      const [name = '', ...rest] = args;
      const read = readTypedAnswer(rest.join(' '));
      if (!v.is(NameSchema, name) || rest.length === 0)
        return {
          kind: 'wrong',
          message: '/lookup takes a lookup name and its answer: /lookup account timeout',
        };
      return read.ok
        ? { kind: 'lookup', name, answer: read.answer }
        : { kind: 'wrong', message: read.message };
    }
    case 'classify': {
      if (arg === '')
        return {
          kind: 'wrong',
          message: '/classify takes its answer: /classify lostCard 0.92, none or timeout',
        };
      const read = readTypedClassification(arg);
      return read.ok ? { kind: 'classify', answer: read.answer } : { kind: 'wrong', message: read.message };
    }
    case 'hangup':
    case 'new':
    case 'quit':
    case 'help':
      return { kind: command };
    case 'q':
      return { kind: 'quit' };
    default:
      return { kind: 'wrong', message: `no command /${command}: /help lists them` };
  }
}

/**
 * One action typed at the prompt, delivered as the platform would deliver it: keys before a reply
 * collects them are not heard (nothing is sent), keys past the end of an entry are dropped, and a
 * transfer's result typed while the prompt announcing the transfer plays waits for it: the caller's
 * silence lets the prompt end and the transfer start, then the result is reported.
 */
async function actAsPlatform(
  io: SimulatorIo,
  call: SimulatedCall,
  action: CallerAction,
  when: string,
  at: number,
): Promise<void> {
  if (
    action.kind === 'transferResult' &&
    !call.platform.transferring &&
    call.platform.last?.action === 'play'
  ) {
    io.out(`${when} silence (the caller waits for the transfer the prompt announced)\n`);
    io.out(formatTurn(await call.act({ kind: 'silence' }, at)));
    if (call.ended) return;
  }
  io.out(`${when} ${describeAction(action)}\n`);
  const refusal = call.refuse(action, 'interactive');
  if (refusal?.delivered === undefined) {
    if (refusal !== undefined) {
      io.out(`  ${refusal.message}\n`);
      return;
    }
    io.out(formatTurn(await call.act(action, at)));
    return;
  }
  io.out(`  ${refusal.message}\n`);
  io.out(formatTurn(await call.act({ kind: 'keys', keys: refusal.delivered }, at)));
}

/**
 * Asks the user how a lookup the flow makes answers (it is answered so for the rest of the session):
 * what it sends, then the answer, until one is read; undefined when the input ends.
 */
async function askLookup(
  io: SimulatorIo,
  request: LookupRequest,
  readLine: () => Promise<string | undefined>,
): Promise<ScriptedAnswer | undefined> {
  const body = request.body === undefined ? '' : ` ${request.body}`;
  io.out(`  the flow looks up ${printable(`${request.name}: ${request.method} ${request.url}${body}`)}\n`);
  io.out(`  its answer? the JSON it sends ({"balance": 1}), slow {…}, status 503, timeout, failed [WHY]\n`);
  for (;;) {
    io.out(`lookup ${request.name}> `);
    const line = await readLine();
    if (line === undefined) return undefined;
    const read = readTypedAnswer(line);
    if (read.ok) {
      io.out(`  ${request.name} answers ${printable(describeScriptedAnswer(read.answer))} from now on\n`);
      return read.answer;
    }
    io.out(`  ${read.message}\n`);
  }
}

/** `/lookup NAME ANSWER`: what the session says of it. */
function scriptTypedLookup(
  desk: LookupDesk,
  names: readonly string[],
  name: string,
  answer: ScriptedAnswer,
): string {
  if (!(desk instanceof ScriptedLookups))
    return 'lookups go to --lookups-from: the stand-in answers them, not /lookup';
  if (!names.includes(name))
    return `the rules have no lookup named ${name} (${names.length === 0 ? 'they have none' : `they have ${names.join(', ')}`})`;
  desk.script(name, answer);
  return `${name} answers ${printable(describeScriptedAnswer(answer))} from now on`;
}

/**
 * Asks the user how the classifier answers a menu's question (for this classification only): the words
 * and the choices offered, then the answer, until one is read; undefined when the input ends.
 */
async function askClassification(
  io: SimulatorIo,
  request: ClassifyRequest,
  readLine: () => Promise<string | undefined>,
): Promise<ScriptedClassification | undefined> {
  const choices = request.choices.map((choice) => choice.id).join(', ');
  io.out(
    `  the menu asks the classifier about ${printable(`"${request.utterance}" (choices: ${choices})`)}\n`,
  );
  io.out(`  its answer? ${TYPED_FORMS}\n`);
  for (;;) {
    io.out('classify> ');
    const line = await readLine();
    if (line === undefined) return undefined;
    const read = readTypedClassification(line);
    if (read.ok) {
      io.out(`  the classifier answers ${printable(describeScriptedClassification(read.answer))}\n`);
      return read.answer;
    }
    io.out(`  ${read.message}\n`);
  }
}

/** `/classify ANSWER`: what the session says of it. */
function scriptTypedClassification(desk: ClassifyDesk, rules: Rules, answer: ScriptedClassification): string {
  if (!(desk instanceof ScriptedClassifier))
    return 'classifications go to --classifier: the stand-in answers them, not /classify';
  if (rules.classifier === undefined) return 'the rules have no classifier: no menu asks one';
  const known = namesOfChoices(rules);
  if (answer.kind === 'verdict' && answer.choice !== NO_CHOICE && !known.has(answer.choice))
    return `the rules have no intent or handler named ${answer.choice} (they have ${[...known].join(', ')})`;
  desk.scriptNext(answer);
  return `the next classification answers ${printable(describeScriptedClassification(answer))}`;
}

async function interactive(io: SimulatorIo, options: Options): Promise<number> {
  const loaded = loadRules(options.rules);
  const { rules } = loaded;
  let at: number;
  try {
    at = options.at === undefined ? (io.now ?? Date.now)() : instantIn(rules, options.at);
  } catch (error) {
    throw new InputError(`--at: ${error instanceof Error ? error.message : String(error)}`);
  }
  const defaults = defaultNumbers(rules);
  const caller = options.caller ?? defaults.caller;
  const callee = options.callee ?? defaults.callee;
  const outbound = options.outbound;
  const lookupsFrom = options['lookups-from'];
  const forwardTo = lookupsFrom === undefined ? undefined : readLoopbackUrl(lookupsFrom);
  const desk = forwardTo === undefined ? new ScriptedLookups() : new ForwardedLookups(forwardTo);
  const classifier = forwardClassifier(options) ?? new ScriptedClassifier();
  const transport = await openTransport(loaded, options, io.env ?? process.env, desk, classifier);
  const nextCallId = callIdsFor(seedOf(io, options));
  const input = createInterface({ input: io.input ?? process.stdin, terminal: false });
  const lines = input[Symbol.asyncIterator]();
  const readLine = async (): Promise<string | undefined> => {
    const next = await lines.next();
    return next.done === true ? undefined : String(next.value);
  };
  if (desk instanceof ScriptedLookups) desk.ask = (request) => askLookup(io, request, readLine);
  if (classifier instanceof ScriptedClassifier)
    classifier.ask = (request) => askClassification(io, request, readLine);
  io.out(`rules: ${loaded.label} (version ${rules.version}, time zone ${rules.timezone})\n`);
  io.out(`callbacks go to ${transport.describe}\n`);
  if (!transport.seesLogs) io.out(URL_LIMITS);
  io.out(`${describeLines(rules)}\n`);
  const lookupNames = Object.keys(rules.lookups ?? {});
  if (lookupNames.length > 0 && transport.lookups !== undefined)
    io.out(
      forwardTo === undefined
        ? `lookups: ${lookupNames.join(', ')}, answered by you when the flow first makes each (/lookup NAME ANSWER sets one ahead)\n`
        : `lookups: ${lookupNames.join(', ')}, sent to ${printable(forwardTo.href)} (their path and query kept) by the functions' lookup client\n`,
    );
  if (rules.classifier !== undefined && transport.classifier !== undefined)
    io.out(
      describeForwarding(rules, options) ??
        `classifier: ${printable(rules.classifier.model)}, answered by you each time a menu asks it (/classify ANSWER sets the next answer)\n`,
    );
  io.out('type what the caller says, or /help\n');

  const startCall = async (): Promise<SimulatedCall> => {
    const firstDynamicId = outbound === undefined || outbound === '-' ? undefined : outbound;
    const call = new SimulatedCall(
      transport,
      outbound === undefined ? 'inbound' : 'outbound',
      nextCallId(),
      firstDynamicId,
    );
    if (outbound === undefined) {
      io.out(`\n[${showTime(rules, at)}] callin: ${caller} dials ${callee}\n`);
      io.out(formatTurn(await call.answer({ caller, callee }, at)));
    } else {
      io.out(
        `\n[${showTime(rules, at)}] outbound call (SmartCall) ${firstDynamicId === undefined ? 'without a DynamicId' : `with DynamicId ${firstDynamicId}`}: SmartCall plays its opening; the caller answers\n`,
      );
    }
    return call;
  };

  const prompt = () => io.out(call.ended ? 'call over (/new, /quit)> ' : 'caller> ');
  let call: SimulatedCall;
  try {
    call = await startCall();
    prompt();
    for (let line = await readLine(); line !== undefined; line = await readLine()) {
      const typed = readTyped(line);
      switch (typed.kind) {
        case 'empty':
          break;
        case 'help':
          io.out(HELP);
          break;
        case 'wrong':
          io.out(`${typed.message}\n`);
          break;
        case 'quit':
          return 0;
        case 'new':
          call = await startCall();
          break;
        case 'at':
          at = instantIn(rules, typed.text);
          io.out(`the next turns happen at ${showTime(rules, at)}\n`);
          break;
        case 'hangup':
          call.hangUp();
          io.out('  the caller hangs up (the platform sends no callback for it)\n');
          break;
        case 'lookup':
          io.out(`${scriptTypedLookup(desk, lookupNames, typed.name, typed.answer)}\n`);
          break;
        case 'classify':
          io.out(`${scriptTypedClassification(classifier, rules, typed.answer)}\n`);
          break;
        case 'action':
          if (call.ended) {
            io.out(`${callOverMessage(call.outcomes.at(-1)?.action)}: /new starts another\n`);
            break;
          }
          await actAsPlatform(io, call, typed.action, `[${showTime(rules, at)}]`, at);
          break;
      }
      prompt();
    }
  } finally {
    input.close();
  }
  io.out('\n');
  return 0;
}

runWhenMain(import.meta.filename, (argv, io) => {
  // Output piped into a reader that stopped (`| head`) ends the session quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return main(argv, io);
});
