/**
 * Builds, then measures what the functions cost on FC 3.0, where each instance serves one request at a
 * time and instances start often:
 *
 * 1. cold first reply: a fresh node loads the inbound bundle from a file and answers one callin, against
 *    a constant handler run by the same runner (bench-cold.ts), with three rules configurations, and
 *    one small document without lookups, with a lookup first (answered by a stand-in on 127.0.0.1), and
 *    with lookups it does not use (lookups.ts), and the bank example with its classifier against without
 *    it: the callin, and a no-match at the menu as the first request, classified by a stand-in on
 *    127.0.0.1 (classifier.ts);
 * 2. warm CPU per callback over a realistic mix of calls, against a parse-and-log handler, of a callin
 *    that resumes after a lookup against the same callin without one, and of a no-match classified
 *    in-process against the same no-match without a classifier (bench-warm.ts);
 * 3. rules scale: load and callin cost from 100 to 100,000 numbers (bench-rules.ts);
 * 4. the local server's throughput against bare node:http, information only (bench-throughput.ts);
 * 5. receipts: the slowest acknowledgement of a hostile 1 MB push, in this process (bench-receipts.ts);
 * 6. rules from OSS (bench-oss.ts): cold first reply with `RULES_URL` against the same rules in `RULES`,
 *    with the functions' own client and with `ali-oss` in its place, and a warm callback's latency while
 *    OSS hangs against while it answers;
 * 7. the simulator: scenario callbacks per second, whole `simulate run`s in this process (bench-simulator.ts);
 * 8. campaigns: `npm run call` against the VMS API stand-in, its sustained rate, CPU per placed call, a
 *    resume halfway through 10,000 rows, and its SmartCall client's library against the SDKs' core
 *    (campaign.ts); `--only campaign` measures this part alone;
 * 9. analytics: `npm run analytics` on a million lines of a generated week, against reading and parsing
 *    the same lines alone, and its peak memory on a quarter, a half and all of them (analytics.ts);
 *    `--only analytics` measures this part alone;
 * 10. sizes, `--only size` alone and never in a full run: cold first replies, warm latency, peak memory
 *    and cost at the vCPU shares FC allows, each child in a CPU cgroup of that quota (size.ts).
 * 11. the custom runtime: one instance as server.js at 1, 10 and 50 requests in flight against the built-in
 *    runtime's one at a time, in callbacks per CPU-second (custom.ts); `--only custom` measures it alone.
 *
 * The machine is shared and noisy, so every figure is CPU time (user + system) but two, which say so:
 * receipts (wall time, a caller's wait) and throughput (requests per second). The
 * things compared run interleaved, their order alternating; every figure is taken over rounds and given
 * as the median round with the range of rounds, and targets are judged on the median round. Every child
 * process gets an FC-like environment (bench-common.ts), and every loop is bounded in count and time.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, availableParallelism, cpus, platform } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type CommandIo,
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import { formCallback } from '../../dev/fc-event';
import { compileToCheckedJson, readFile } from '../rules/rules-files';
import { type AnalyticsPlan, measureAnalytics } from './analytics';
import { type CampaignPlan, measureCampaign } from './campaign';
import {
  type BenchClassifier,
  buildOpenAiVariant,
  classifierColdRows,
  classifierColdVariants,
  noMatchEvents,
  startBenchClassifier,
} from './classifier';
import {
  CONSTANT_HANDLER,
  type ColdComparison,
  type ColdPlan,
  type ColdSamples,
  type ColdVariant,
  coldRow,
  compareCold,
  compareOwnCpu,
  expectAnswer,
  expectBundleAnswer,
  measureColdFirstReplies,
  signed,
} from './cold';
import {
  buildPrivateDist,
  builtFile,
  droppedStartUpVariables,
  fcLikeEnv,
  formatSpread,
  plural,
  printTable,
  type Row,
  reportProgress,
} from './common';
import { type CustomPlan, measureCustom } from './custom';
import { type BenchLookups, expectLookupForm, LOOKUP_ENV, startBenchLookups } from './lookups';
import { type BenchOss, buildSdkVariant, measureOssRefresh, type RefreshPlan, startBenchOss } from './oss';
import { measureReceipts } from './receipts';
import { measureRulesScale, type RulesPlan } from './rules';
import { measureSimulator } from './simulator';
import { measureSizes, type SizePlan } from './size';
import { killServers, measureThroughput, type ThroughputPlan } from './throughput';
import { measureWarm, prepareMixes, type WarmPlan } from './warm';

const root = resolve(import.meta.dirname, '../..');

export const PROGRAM = {
  name: 'bench',
  summary:
    'Builds the bundles, then measures what the functions cost on FC 3.0: cold first replies, warm CPU per callback, rules scale, rules from OSS, the simulator, receipts and the local server, against their targets; and what a campaign (npm run call) reaches and costs.',
  single: true,
  options: {
    quick: {
      type: 'boolean',
      help: 'a short run of about 1 min: fewer rounds, smaller samples (default: about 4 min)',
    },
    strict: { type: 'boolean', help: 'exit 1 when any target is missed (default: report it, exit 0)' },
    only: {
      type: 'string',
      value: 'PART',
      help: 'measure one part alone: campaign (npm run call against the VMS API stand-in; about 75 s, --quick 30 s), analytics (npm run analytics on a million lines; about 2 min, --quick 250,000 lines), cold (the compiled bank example as a RULES_FILE beside the bundle against the default rules and RULES; about 10 s), size (cold first replies, warm latency, memory and cost at the vCPU shares FC allows, each child in a CPU cgroup of that quota; about 3 min, --quick 1 min; not measured where no cgroup v1 cpu controller is writable) or custom (server.js, the custom-runtime entry, at 1, 10 and 50 requests in flight against the built-in runtime answering one at a time; about 40 s, --quick 10 s)',
    },
    node: {
      type: 'string',
      value: 'PATH',
      help: "run the cold first replies' children on the node binary at PATH (Node 20.10, FC's custom-runtime Node, say); the rest runs on this node (default: this node)",
    },
  },
  commands: {
    bench: {
      summary: 'measure the functions',
      positionals: [0, 0],
      options: ['quick', 'strict', 'only', 'node'],
      example: '--quick',
      details: `
Every figure is CPU time (user + system) unless its row says otherwise, taken over interleaved rounds
and given as the median round with the range of rounds; targets are judged on the median round. Progress
goes to stderr, the table to stdout.`,
    },
  },
} as const satisfies ProgramSpec;

type Plan = {
  readonly cold: ColdPlan;
  readonly warm: WarmPlan;
  readonly rules: RulesPlan;
  readonly throughput: ThroughputPlan;
  readonly ossRefresh: RefreshPlan;
  readonly campaign: CampaignPlan;
  readonly analytics: AnalyticsPlan;
  readonly size: SizePlan;
  readonly custom: CustomPlan;
};

/** Sample counts and time budgets; `--quick` trades precision for a run of about 1 min. */
const planFor = (quick: boolean): Plan =>
  quick
    ? {
        cold: { rounds: 2, perRound: 2, budgetMs: 10_000 },
        warm: { warmup: 1_000, rounds: 2, perRound: 500, budgetMs: 8_000 },
        rules: { loadRounds: 1, warmup: 500, rounds: 2, perRound: 500, budgetMs: 5_000 },
        throughput: { rounds: 1, warmupMs: 300, measureMs: 700 },
        ossRefresh: { rounds: 2, callbacks: 500, budgetMs: 10_000 },
        campaign: {
          sustainedRows: 300,
          cpu: { rounds: 2, rows: 400 },
          resume: { rounds: 2, rows: 2_000 },
          signers: { rounds: 3, requests: 200 },
          budgetMs: 15_000,
        },
        analytics: { weekCalls: 1_000, lines: 250_000, rounds: 1 },
        size: { rounds: 2, perRound: 1, burst: 500, paced: 100, gapMs: 10, budgetMs: 30_000 },
        custom: { rounds: 2, warmup: 500, requests: 1_000, budgetMs: 10_000 },
      }
    : {
        cold: { rounds: 5, perRound: 6, budgetMs: 40_000 },
        warm: { warmup: 5_000, rounds: 5, perRound: 2_000, budgetMs: 60_000 },
        rules: { loadRounds: 3, warmup: 1_000, rounds: 3, perRound: 1_000, budgetMs: 15_000 },
        throughput: { rounds: 2, warmupMs: 500, measureMs: 2_000 },
        ossRefresh: { rounds: 4, callbacks: 2_000, budgetMs: 30_000 },
        campaign: {
          sustainedRows: 600,
          cpu: { rounds: 3, rows: 600 },
          resume: { rounds: 3, rows: 10_000 },
          signers: { rounds: 5, requests: 500 },
          budgetMs: 45_000,
        },
        analytics: { weekCalls: 2_000, lines: 1_000_000, rounds: 3 },
        size: { rounds: 3, perRound: 3, burst: 1_000, paced: 300, gapMs: 10, budgetMs: 120_000 },
        custom: { rounds: 5, warmup: 2_000, requests: 3_000, budgetMs: 40_000 },
      };

/**
 * A document without lookups is held to the default rules' target: the lookup client is a side file
 * that such a document never loads, so lookups must cost it nothing. A lookup's own cost is reported.
 */
const COLD_TARGETS = { defaultRules: 1.5, jsonCalendar: 1.6, lookupFree: 1.5 };

/** The bank example compiled, as a `RULES_FILE` beside the bundle: at most this much own CPU over the default rules' (ms). */
const RULES_FILE_OVER_DEFAULT_MS = 2;

/** Where the compiled bank example lies in the copy of dist/: in the inbound function's own code folder. */
const BANK_COMPILED_FILE = 'bank-card-service.json';

const BANK_RULES_FILE = join(root, 'examples', 'bank-card-service.yaml');

/** The constant handler plus loading node:crypto and sealing once: what no bundle that seals can beat. */
const CRYPTO_FLOOR_HANDLER = join(root, 'scripts', 'bench', 'crypto-floor-handler.cjs');

/**
 * The bank example as `npm run -s rules -- compile` prints it for `RULES`: the document as written, as
 * minified JSON. Parsed here by the built yaml-parser.js, the parser the functions and the CLI share, so
 * that the bench needs neither tsx nor the CLI's tooling; whether the bundle accepts the document is
 * checked by every run that uses it (a refused document logs an error and fails the bench).
 */
function compileBankRules(dist: string): string {
  const require = createRequire(import.meta.filename);
  const { parseYaml } = require(builtFile(dist, 'inbound', 'yaml-parser.js')) as {
    parseYaml: (text: string) => unknown;
  };
  return JSON.stringify(parseYaml(readFileSync(BANK_RULES_FILE, 'utf8')));
}

/**
 * Writes the bank example as `rules compile` writes it into the inbound function's folder of the copy of
 * dist/, where a deployment would ship it beside the bundle, and returns its path.
 */
function writeCompiledBankFile(dist: string): string {
  const read = readFile(BANK_RULES_FILE);
  const json = read.ok ? compileToCheckedJson(read.document) : undefined;
  if (json === undefined) throw new Error(`${BANK_RULES_FILE} does not compile: npm run rules -- check it`);
  const path = builtFile(dist, 'inbound', BANK_COMPILED_FILE);
  writeFileSync(path, json);
  return path;
}

/**
 * The compiled bank example read from beside the bundle, and the default rules and the bank example as
 * `RULES` it is compared with: the variants of `--only cold`, and part of every full run.
 */
function rulesFileVariants(bundle: string, bankRulesJson: string, compiledFile: string): ColdVariant[] {
  return [
    { name: 'constant', module: CONSTANT_HANDLER, verify: expectAnswer },
    { name: 'default', module: bundle, verify: expectBundleAnswer('default line') },
    {
      name: 'json',
      module: bundle,
      env: { RULES: bankRulesJson },
      verify: expectBundleAnswer('line service'),
    },
    {
      name: 'compiled-file',
      module: bundle,
      env: { RULES_FILE: compiledFile },
      verify: expectBundleAnswer('line service'),
    },
  ];
}

/** The compiled file's row: its own CPU over the constant handler, against the default rules' own CPU. */
function rulesFileRow(samples: ColdSamples): Row {
  const file = compareCold(samples, 'compiled-file', 'constant');
  const over = compareOwnCpu(samples, 'compiled-file', 'default');
  return {
    figure: 'cold first reply: bank example compiled, RULES_FILE beside the bundle, vs default rules',
    value: `${signed(over.mid)} (${signed(over.min)}–${signed(over.max)}) ms`,
    target: `≤ +${RULES_FILE_OVER_DEFAULT_MS.toFixed(1)} ms`,
    pass: over.mid <= RULES_FILE_OVER_DEFAULT_MS,
    detail: `own CPU over the constant handler, the file's less the default rules'; ${formatSpread(file.ratio, 2, '×')} the constant handler; ${coldRow('', file, undefined).detail}`,
  };
}

function sizeRow(dist: string): Row {
  const kb = (name: string, file: string) => statSync(builtFile(dist, name, file)).size / 1024;
  return {
    figure: 'bundle sizes',
    value: `${kb('inbound', 'index.js').toFixed(1)} KB`,
    target: '',
    pass: undefined,
    detail:
      `inbound; outbound ${kb('outbound', 'index.js').toFixed(1)} KB, report ${kb('report', 'index.js').toFixed(1)} KB, ` +
      `yaml-parser.js ${kb('inbound', 'yaml-parser.js').toFixed(1)} KB (YAML rules only)`,
  };
}

/**
 * The cold first reply of the inbound bundle with each rules configuration, against the constant
 * handler. The callin dials the bank example's service number, whose line has a calendar with China's
 * holidays, so with that document every first reply routes by it and judges the calendar.
 */
function measureCold(
  plan: Plan,
  bankRulesJson: string,
  dist: string,
  compiledFile: string,
  oss: BenchOss,
  sdk: { module: string; sideKb: number },
  lookups: BenchLookups,
  classifier: {
    readonly bench: BenchClassifier;
    readonly noMatch: { classifier: Buffer; plain: Buffer };
    readonly openai: { module: string; sideKb: number };
  },
): Row[] {
  const bundle = builtFile(dist, 'inbound');
  const variants: ColdVariant[] = [
    ...rulesFileVariants(bundle, bankRulesJson, compiledFile),
    { name: 'crypto', module: CRYPTO_FLOOR_HANDLER, verify: expectAnswer },
    {
      name: 'yaml',
      module: bundle,
      env: { RULES_FILE: BANK_RULES_FILE },
      verify: expectBundleAnswer('line service'),
    },
    // The same document as `json`, published to OSS: read by the functions' own client, then by ali-oss.
    { name: 'oss', module: bundle, env: oss.env('bank.json'), verify: expectBundleAnswer('line service') },
    {
      name: 'oss-sdk',
      module: sdk.module,
      env: oss.env('bank.json'),
      verify: expectBundleAnswer('line service'),
    },
    // One small document three ways (scripts/bench/lookups.ts): no lookups; a lookup first, answered at
    // once by the stand-in on 127.0.0.1; lookups declared that the callin never reaches.
    {
      name: 'lookup-free',
      module: bundle,
      env: { RULES: lookups.rules.plain },
      verify: expectLookupForm(false),
    },
    {
      name: 'lookup',
      module: bundle,
      env: { RULES: lookups.rules.lookup, ...LOOKUP_ENV },
      verify: expectLookupForm(true),
    },
    {
      name: 'lookup-unused',
      module: bundle,
      env: { RULES: lookups.rules.unused, ...LOOKUP_ENV },
      verify: expectLookupForm(false),
    },
    // The bank example with its classifier and without (scripts/bench/classifier.ts): the callin, then a
    // no-match at the menu as the first request, classified by the stand-in on 127.0.0.1 or not.
    ...classifierColdVariants(bundle, classifier.bench, classifier.noMatch, classifier.openai),
  ];
  const samples = measureColdFirstReplies(variants, callinEvent(), plan.cold);
  const compare = (name: string) => compareCold(samples, name, 'constant');
  return [
    coldRow('cold first reply: node:crypto and one seal (floor)', compare('crypto'), undefined),
    coldRow('cold first reply: default rules', compare('default'), COLD_TARGETS.defaultRules),
    coldRow('cold first reply: JSON rules + calendar', compare('json'), COLD_TARGETS.jsonCalendar),
    coldRow('cold first reply: YAML rules file', compare('yaml'), undefined),
    rulesFileRow(samples),
    {
      ...coldRow('cold first reply: OSS, own client', compareCold(samples, 'oss', 'json'), undefined),
      figure: 'cold first reply: RULES_URL (own client) vs RULES',
    },
    {
      ...coldRow('', compareCold(samples, 'oss-sdk', 'json'), undefined),
      figure: `cold first reply: RULES_URL (ali-oss, ${sdk.sideKb.toFixed(0)} KB) vs RULES`,
    },
    coldRow('cold first reply: JSON rules, no lookups', compare('lookup-free'), COLD_TARGETS.lookupFree),
    withAgainst(
      coldRow('cold first reply: the same + a lookup first', compare('lookup'), undefined),
      compareCold(samples, 'lookup', 'lookup-free'),
      'lookup-client.js and one HTTP exchange on 127.0.0.1',
    ),
    withAgainst(
      coldRow('cold first reply: the same + lookups unused', compare('lookup-unused'), undefined),
      compareCold(samples, 'lookup-unused', 'lookup-free'),
      'lookup-client.js not loaded',
    ),
    ...classifierColdRows(samples, classifier.openai.sideKb),
  ];
}

/** The callin every cold variant answers: to the bank example's service number, from a mobile. */
function callinEvent(): Buffer {
  const content = JSON.stringify({ caller: '15201030105', callee: '95000' });
  return formCallback(
    { call_id: '130301340124^117079730123', content_type: 'callin', content, timestamp: String(Date.now()) },
    { base64: true },
  );
}

/** A cold row's detail, led by the variant's ratio to the document without lookups, and what it did. */
function withAgainst(row: Row, againstLookupFree: ColdComparison, what: string): Row {
  return {
    ...row,
    detail: `${formatSpread(againstLookupFree.ratio, 2, '×')} of no lookups (${what}); ${row.detail}`,
  };
}

export async function main(argv: readonly string[], io: CommandIo = PROCESS_IO): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const quick = read.line.values.quick === true;
  const strict = read.line.values.strict === true;
  const only = read.line.values.only;
  if (only !== undefined && !(PARTS as readonly string[]).includes(only))
    return refuseUsage(io, PROGRAM, 'bench', `--only takes ${PARTS.join(' or ')}, not ${only}`);
  const node = read.line.values.node === undefined ? undefined : nodeAt(read.line.values.node);
  if (typeof node === 'string') return refuseUsage(io, PROGRAM, 'bench', node);
  // Cold children are run with spawnSync, each bounded by its timeout; servers are killed here.
  process.on('exit', killServers);
  const interrupted = (signal: NodeJS.Signals) => {
    killServers();
    io.err(`bench: interrupted by ${signal}\n`);
    process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143);
  };
  // A closed terminal (SIGHUP) too: the exit handlers then stop the servers and remove any CPU groups.
  for (const signal of INTERRUPTS) process.once(signal, interrupted);
  try {
    return await bench(quick, strict, only as Part | undefined, node, io);
  } catch (error) {
    killServers();
    throw error;
  } finally {
    for (const signal of INTERRUPTS) process.off(signal, interrupted);
  }
}

/** The signals that end a bench early, its children stopped and its CPU groups removed. */
const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** A node binary the cold children may run on, with its version; what is wrong with it as a string. */
type OtherNode = { readonly path: string; readonly version: string };

/** `--node PATH`: the binary's absolute path and its `--version`, or why it cannot run a child. */
function nodeAt(path: string): OtherNode | string {
  const absolute = resolve(path);
  const result = spawnSync(absolute, ['--version'], {
    env: fcLikeEnv(),
    encoding: 'utf8',
    timeout: 10_000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const version = result.stdout?.trim() ?? '';
  if (result.error !== undefined || result.status !== 0 || !/^v\d+\.\d+\.\d+$/.test(version))
    return `--node ${path}: not a node binary that runs here (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`;
  return { path: absolute, version };
}

/** The parts `--only` can name. */
const PARTS = ['campaign', 'analytics', 'cold', 'size', 'custom'] as const;
type Part = (typeof PARTS)[number];

async function bench(
  quick: boolean,
  strict: boolean,
  only: Part | undefined,
  node: OtherNode | undefined,
  io: CommandIo,
): Promise<number> {
  const quickOrFull = planFor(quick);
  const PLAN = { ...quickOrFull, cold: { ...quickOrFull.cold, node: node?.path } };
  const started = performance.now();
  const measured =
    only === undefined
      ? await measureFunctions(PLAN, quick)
      : only === 'cold'
        ? await measureRulesFileCold(PLAN)
        : only === 'size'
          ? await measureSizesPart(PLAN)
          : only === 'custom'
            ? { rows: await measureCustom(PLAN.custom, await buildPrivateDist()), notes: [] }
            : { rows: [], notes: [] };
  const rows = [
    ...measured.rows,
    ...(only === undefined || only === 'campaign' ? await measureCampaign(PLAN.campaign) : []),
    ...(only === undefined || only === 'analytics' ? await measureAnalytics(PLAN.analytics) : []),
  ];

  const say = (line: string) => io.out(`${line}\n`);
  const seconds = ((performance.now() - started) / 1_000).toFixed(1);
  const dropped = droppedStartUpVariables();
  say(
    `vms-callflow bench (${quick ? 'quick' : 'full'} run${only === undefined ? '' : ` of ${only} alone`}, ${seconds} s): ` +
      `Node ${process.version}, ${platform()}-${arch()}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown model'})`,
  );
  if (node !== undefined) say(`Cold first replies on Node ${node.version} (${node.path}).`);
  say(
    'CPU time (user + system) unless a row says otherwise, interleaved; "m (a–b)" is the median round ' +
      '(a–b: the range of rounds), and targets are judged on the median round.',
  );
  say(
    `Children run with PATH and the function's variables only` +
      (dropped.length === 0 ? '.' : `; not inherited from this machine: ${dropped.join(', ')}.`),
  );
  say('');
  printTable(rows, io.out);
  say('');
  for (const note of measured.notes) say(note);
  const judged = rows.filter((row) => row.pass !== undefined);
  const missed = judged.filter((row) => row.pass === false);
  say(
    judged.length === 0
      ? 'No targets in this part: every row is information.'
      : missed.length === 0
        ? `All ${judged.length} targets met.`
        : `${missed.length} of ${judged.length} targets missed: ${missed.map((row) => row.figure).join('; ')}.`,
  );
  return strict && missed.length > 0 ? EXIT.failed : EXIT.ok;
}

/** `--only cold`: the compiled bank example as a `RULES_FILE` beside the bundle, and what it is compared with. */
async function measureRulesFileCold(PLAN: Plan): Promise<{ rows: Row[]; notes: string[] }> {
  reportProgress('building');
  const dist = await buildPrivateDist();
  const variants = rulesFileVariants(
    builtFile(dist, 'inbound'),
    compileBankRules(dist),
    writeCompiledBankFile(dist),
  );
  reportProgress(
    `cold first replies (${plural(PLAN.cold.rounds, 'round')} × ${plural(PLAN.cold.perRound, 'run')} of ${variants.length} variants)`,
  );
  const samples = measureColdFirstReplies(variants, callinEvent(), PLAN.cold);
  const compare = (name: string) => compareCold(samples, name, 'constant');
  return {
    rows: [
      coldRow('cold first reply: default rules', compare('default'), COLD_TARGETS.defaultRules),
      coldRow('cold first reply: JSON rules + calendar', compare('json'), COLD_TARGETS.jsonCalendar),
      rulesFileRow(samples),
    ],
    notes: [],
  };
}

/** `--only size`: the inbound and report bundles at the vCPU shares FC allows (size.ts). */
async function measureSizesPart(PLAN: Plan): Promise<{ rows: Row[]; notes: string[] }> {
  reportProgress('building');
  const dist = await buildPrivateDist();
  const bankRulesJson = compileBankRules(dist);
  reportProgress("walking the bank example's calls");
  const mixes = await prepareMixes(
    { warmup: PLAN.size.burst, perRound: PLAN.size.paced, rounds: 1, budgetMs: 0 },
    bankRulesJson,
    dist,
  );
  return await measureSizes(
    {
      dist,
      compiledFile: writeCompiledBankFile(dist),
      bankRulesJson,
      bankEvents: mixes.bank.map((prepared) => prepared.event),
      callin: callinEvent(),
    },
    PLAN.size,
  );
}

/** Parts 1 to 7: the functions, from a build of their own. */
async function measureFunctions(PLAN: Plan, quick: boolean): Promise<{ rows: Row[]; notes: string[] }> {
  reportProgress('building');
  const dist = await buildPrivateDist();
  const bankRulesJson = compileBankRules(dist);
  const rows: Row[] = [sizeRow(dist)];
  const oss = await startBenchOss(bankRulesJson, PLAN.ossRefresh.rounds);
  const sdk = await buildSdkVariant(dist);
  const lookups = await startBenchLookups();
  const classifier = await startBenchClassifier(bankRulesJson);
  const openai = await buildOpenAiVariant(dist);
  const [noMatchClassified, noMatchPlain] = [
    await noMatchEvents(dist, classifier.rules.classifier, 1, 117079760123),
    await noMatchEvents(dist, classifier.rules.plain, 1, 117079770123),
  ];
  reportProgress(
    `cold first replies (${plural(PLAN.cold.rounds, 'round')} × ${plural(PLAN.cold.perRound, 'run')} of 16 variants)`,
  );
  rows.push(
    ...measureCold(PLAN, bankRulesJson, dist, writeCompiledBankFile(dist), oss, sdk, lookups, {
      bench: classifier,
      noMatch: { classifier: noMatchClassified[0] as Buffer, plain: noMatchPlain[0] as Buffer },
      openai,
    }),
  );
  classifier.stop();
  const warm = await measureWarm(PLAN.warm, bankRulesJson, dist, lookups, classifier);
  lookups.stop();
  rows.push(...warm.rows);
  rows.push(...(await measureCustom(PLAN.custom, dist)));
  const rules = measureRulesScale(PLAN.rules, dist);
  rows.push(...rules.rows);
  reportProgress(`callbacks while OSS hangs (${plural(PLAN.ossRefresh.rounds, 'round')})`);
  rows.push(...(await measureOssRefresh(PLAN.ossRefresh, dist, oss)));
  oss.stop();
  reportProgress('simulator: scenario runs');
  rows.push(await measureSimulator(quick ? 2 : 5));
  reportProgress('receipts: hostile 1 MB pushes');
  rows.push(await measureReceipts(dist, quick ? 1 : 3));
  reportProgress(`local server against bare node:http (${plural(PLAN.throughput.rounds, 'round')})`);
  const throughput = await measureThroughput(PLAN.throughput, dist);
  rows.push(...throughput.rows);
  return { rows, notes: [...warm.notes, ...rules.notes, ...throughput.notes] };
}

runWhenMain(import.meta.filename, main);
