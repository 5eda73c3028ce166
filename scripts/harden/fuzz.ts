/**
 * Sends generated requests (dev/fuzz-callbacks.ts) through the built inbound and outbound bundles,
 * in-process, and checks every reply against the properties there, and every log line for unmasked
 * mobile numbers and secrets. With `--lookups`, whole calls under rules with lookups, against a hostile
 * lookup stand-in on 127.0.0.1 (dev/fuzz-lookups.ts), with that file's properties besides; with `--flows`,
 * under documents with every construct of the flow language (dev/fuzz-flows.ts); with `--classifier`,
 * under documents whose menus ask a language model, against a hostile stand-in of it
 * (dev/fuzz-classifier.ts). Bounded in count and time; stops at the first failure with its counterexample
 * and the seed that reproduces it. Builds the bundles itself, after reading its line.
 */
import fc from 'fast-check';
import {
  type CommandIo,
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import { loadBuiltHandler, pickFunctionEnvironment, setFunctionEnvironment } from '../../dev/fc-event';
import { routeFunctionLogs } from '../../dev/function-logs';
import {
  checkGenuineState,
  checkRequest,
  collectStatesOfOtherCalls,
  requestArb,
} from '../../dev/fuzz-callbacks';
import {
  type ClassifierFuzzResult,
  fuzzClassifier,
  KEY_OFF_EVERY,
  OK_PHASES,
  PHASE_MS,
  ROTATION_PHASES,
  unseen,
} from '../../dev/fuzz-classifier';
import { EVERY_CONSTRUCT_RUNS, type FlowFuzzResult, fuzzFlows, unexercised } from '../../dev/fuzz-flows';
import { EVERY_PATH, FUZZ_BUDGET_MS, fuzzLookups, SLACK_MS } from '../../dev/fuzz-lookups';
import { logScan, scanLogOutput } from '../../dev/log-scan';
import { buildBundles } from '../build/build';

const DEFAULT_RUNS = 1_000_000;
const DEFAULT_LOOKUP_RUNS = 200_000;
const DEFAULT_FLOW_RUNS = 200_000;
const DEFAULT_CLASSIFIER_RUNS = 200_000;

/**
 * Instances answering at once per function with `--lookups`, each with a second instance elsewhere: calls
 * pause between events, and lookups wait, so several run together; more would make every exchange with
 * the stand-in slower than the documents' short waits (the loop is one thread), and fewer idle the CPU.
 */
const LOOKUP_LANES = 8;
/** Documents with lookups, their limits drawn from the seed; the lanes take them in turn. */
const LOOKUP_DOCUMENTS = 4;
/** A run of at least this many requests with `--lookups` must take every path (EVERY_PATH). */
const EVERY_PATH_RUNS = 20_000;

/** Instances answering at once per function with `--flows` (each with a second instance elsewhere). */
const FLOW_LANES = 4;
/** Documents with every construct of the second edition, drawn from the seed; the lanes take them in turn. */
const FLOW_DOCUMENTS = 4;

/**
 * Instances answering at once per function with `--classifier` (each with a second instance elsewhere):
 * a classification the stand-in holds keeps its lane waiting up to the document's wait (300–700 ms), so
 * many run together; more would make every exchange with the stand-in slower still (the loop is one
 * thread: an ok answer already takes tens of ms), and trip the guards' latency limits on ok answers.
 */
const CLASSIFIER_LANES = 16;
/** Documents with a classifier: the bank example and three drawn from the seed; the lanes take them in turn. */
const CLASSIFIER_DOCUMENTS = 4;

/** Stop after this long, whatever the count: the run is bounded in time too. */
const MAX_MINUTES = 20;

const STATE_SECRETS = 'fuzz-run-state-key-0000001';

export const PROGRAM = {
  name: 'fuzz',
  summary:
    'Builds the bundles, then sends generated requests through the inbound and outbound functions in-process, checking every reply and every log line; stops at the first failure with the seed that reproduces it.',
  single: true,
  options: {
    runs: {
      type: 'string',
      value: 'N',
      help:
        `requests in all, half to each function (default: ${DEFAULT_RUNS.toLocaleString('en')}, about 3 minutes; ` +
        `with --lookups ${DEFAULT_LOOKUP_RUNS.toLocaleString('en')}, about 4 minutes; ` +
        `with --flows ${DEFAULT_FLOW_RUNS.toLocaleString('en')}; ` +
        `with --classifier ${DEFAULT_CLASSIFIER_RUNS.toLocaleString('en')}, about 3 minutes)`,
    },
    lookups: {
      type: 'boolean',
      help: 'whole calls under rules with lookups, against a hostile lookup stand-in on 127.0.0.1 (see below)',
    },
    flows: {
      type: 'boolean',
      help: 'whole calls under documents with every construct of the second edition: handlers, subflows, split, firstMenu (see below)',
    },
    classifier: {
      type: 'boolean',
      help: 'whole calls under documents whose menus ask a language model, against a hostile stand-in of it on 127.0.0.1 (see below)',
    },
    seed: {
      type: 'string',
      value: 'S',
      help: 'the seed of the generated requests (default: from the clock); a failure prints the one to reuse',
    },
  },
  commands: {
    fuzz: {
      summary: 'fuzz the built functions',
      positionals: [0, 0],
      options: ['runs', 'seed', 'lookups', 'flows', 'classifier'],
      example: '--runs 50000 --seed 7',
      details: `
The properties: no throw, no 5xx, every callback a valid reply for its event, 4xx for the rest, no forged
state trusted, nothing echoed, and no unmasked mobile number or secret in any log line. Exit 1 when one
does not hold, with the counterexample; the run stops after ${MAX_MINUTES} minutes whatever the count.

--lookups sends whole calls instead, under ${LOOKUP_DOCUMENTS} rules documents whose flows start with a lookup, chain
them (two, three, and four, one over the bound), have fillers, and send a secret header (LOOKUP_TOKEN,
new each run) or one whose variable is unset, with short waits and deadlines (0-30 ms, 100-150 ms) and
now and then the defaults. A stand-in on 127.0.0.1 answers each lookup its own way: hang, trickle,
redirect, lie about its length either way, huge, deep, not JSON, reset, 500, slow, or JSON with good
values, a value missing, of the wrong kind or too long. Each event carries the last reply's state (now
and then a forged one, or none), after pauses that let attempts time out, sometimes to another
instance; ${LOOKUP_LANES} instances of each function answer at once. Besides the properties above: every callback
answers within CALLBACK_BUDGET_MS + its first lookup's wait + ${SLACK_MS} ms (its log line's ms), no reply or
log line holds the secret, the stand-in never answers 401, and at the end every lookup attempt has
ended by its deadline, no connection is open, and nothing keeps the process from exiting. A run of
${EVERY_PATH_RUNS.toLocaleString('en')} requests or more must also see every outcome of a lookup, and second and third attempts. The
output counts the lookups' outcomes, the attempts, the fallbacks by error, and the stand-in's answers.

--flows sends whole calls under ${FLOW_DOCUMENTS} documents drawn from the seed with every construct of the second
edition: document and flow handlers of each kind (goto, flow and goto, flow, repeat, restart; words,
patterns, excludes, keys), nodes hearing none or some, subflows 1-3 deep with returns and exits, values
of scope flow, once and call read after a return, intents with excludes, a split of 2-10 branches
weighted 1-1000, firstMenu once and repeat, collect nodes and a parallel transfer; no lookups (see
--lookups). A document the linter refuses stops the run before it starts, but for the findings of the
values the documents read on purpose after a subflow dropped them. Calls carry states, forged
ones and none, events twice and to another instance (${FLOW_LANES} instances of each function at once); callers
say the documents' words, press menu and handler keys, stay silent, talk over prompts, report transfers.
Besides the properties above: never the fallback, every dynamic_id within 200 characters and opening
for its call at most 3 subflows deep, no value of scope flow outliving its flow, a callback sent twice
answered alike, a split taking the same branch for a call every time. A run of
${EVERY_CONSTRUCT_RUNS.toLocaleString('en')} requests or more must exercise every construct; the output counts them.

--classifier sends whole calls under ${CLASSIFIER_DOCUMENTS} documents whose menus ask a language model about
words nothing matched: the bank example (its classifier's endpoint and its lookups pointed at stand-ins
on 127.0.0.1) and --flows documents with a classifier drawn from the seed (waits of 300-600 ms, short
cooldowns and latency limits; the last one's key variable never set). The stand-in rotates each
document through every mode, each hostile one for ${PHASE_MS / 1000} s then ${(OK_PHASES * PHASE_MS) / 1000} s of ok (${(ROTATION_PHASES * PHASE_MS) / 1000} s in all): slow past
the wait and within it, hang, 429, 500, 503, junk, not JSON, huge, off-list, no usage, empty, reset;
the key (LLM_API_KEY, new each run) is unset one phase in ${KEY_OFF_EVERY}. Callers say the bank's labelled
utterances, words nothing matches, prompt injections, card and mobile numbers and PINs in every form
ASR writes them, odd and huge strings; calls carry states, forged ones and none, events twice and to
another instance (${CLASSIFIER_LANES} instances of each function at once). Besides the properties above: never the
fallback, every callback within CALLBACK_BUDGET_MS + its wait + ${SLACK_MS} ms, neither the key nor a planted
number in any reply, status page, log line or request to the model, the stand-in never refusing a
request, the guard's trips and failed probes logged as warnings and its recoveries as info lines, as
many trips logged as the guards count, and at the end no connection open and nothing keeping the
process from exiting. A run that lasts a whole rotation (the default count does) must see every outcome
of a classification, every mode, a trip and a recovery. The output counts the replies by action, the
classifications by outcome, the guards' trips and recoveries, and the stand-in's answers.`,
    },
  },
} as const satisfies ProgramSpec;

/** The size of a `--lookups` run besides its requests: see {@link LOOKUP_LANES}. */
export type LookupRunSize = {
  readonly lanes: number;
  readonly documents: number;
  readonly defaults: boolean;
};

/**
 * What `main` runs besides the fuzzing: the build, and the size of a `--lookups` run (a test passes a
 * build that builds nothing, and a small run).
 */
export interface FuzzDeps {
  readonly build: () => Promise<void>;
  readonly lookupRun?: LookupRunSize;
  /** The size of a `--classifier` run besides its requests. */
  readonly classifierRun?: ClassifierRunSize;
}

/** The size of a `--classifier` run besides its requests: lanes, documents, how long each mode lasts. */
export type ClassifierRunSize = {
  readonly lanes: number;
  readonly documents: number;
  readonly phaseMs: number;
};

const CLASSIFIER_RUN: ClassifierRunSize = {
  lanes: CLASSIFIER_LANES,
  documents: CLASSIFIER_DOCUMENTS,
  phaseMs: PHASE_MS,
};

const BUILD: FuzzDeps = { build: () => buildBundles({ quiet: true }) };

/** A `--lookups` run: the documents take the defaults now and then. */
const LOOKUP_RUN: LookupRunSize = { lanes: LOOKUP_LANES, documents: LOOKUP_DOCUMENTS, defaults: true };

export async function main(
  argv: readonly string[],
  io: CommandIo = PROCESS_IO,
  deps: FuzzDeps = BUILD,
): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const { runs: typedRuns, seed: typedSeed, lookups, flows, classifier } = read.line.values;
  const modes = [lookups && '--lookups', flows && '--flows', classifier && '--classifier'].filter(
    (mode) => typeof mode === 'string',
  );
  if (modes.length > 1)
    return refuseUsage(io, PROGRAM, 'fuzz', `${modes.join(' and ')} are separate runs: give one`);
  const runs = Number(
    typedRuns ??
      (lookups === true
        ? DEFAULT_LOOKUP_RUNS
        : flows === true
          ? DEFAULT_FLOW_RUNS
          : classifier === true
            ? DEFAULT_CLASSIFIER_RUNS
            : DEFAULT_RUNS),
  );
  const seed = Number(typedSeed ?? Date.now() % 2 ** 31);
  if (!Number.isInteger(runs) || runs < 1) {
    return refuseUsage(io, PROGRAM, 'fuzz', `--runs takes a whole number from 1 on; not ${typedRuns}`);
  }
  if (!/^\d+$/.test(typedSeed ?? '0') || !Number.isSafeInteger(seed)) {
    return refuseUsage(io, PROGRAM, 'fuzz', `--seed takes a whole number, such as 7; not ${typedSeed}`);
  }
  await deps.build();
  // It puts back the functions' variables and LOOKUP_TOKEN itself.
  if (lookups === true) return await fuzzWithLookups(runs, seed, io, deps.lookupRun ?? LOOKUP_RUN);
  if (flows === true) return await fuzzWithFlows(runs, seed, io);
  if (classifier === true)
    return await fuzzWithClassifier(runs, seed, io, deps.classifierRun ?? CLASSIFIER_RUN);
  // The functions' variables of this process, put back when the run ends (a test runs this in-process).
  const saved = pickFunctionEnvironment(process.env);
  // Each line the functions log is scanned, then dropped.
  const restoreLogs = routeFunctionLogs((text) => scanLogOutput(text, [STATE_SECRETS]));
  try {
    return await fuzz(runs, seed, io);
  } finally {
    restoreLogs();
    setFunctionEnvironment(saved);
  }
}

async function fuzz(runs: number, seed: number, io: CommandIo): Promise<number> {
  // Exactly this of the functions' variables: a CALLBACK_SECRETS or RULES in this shell would change every reply.
  setFunctionEnvironment({ STATE_SECRETS });
  const started = Date.now();
  const deadline = started + MAX_MINUTES * 60_000;
  let total = 0;
  for (const name of ['inbound', 'outbound']) {
    const handler = loadBuiltHandler(name);
    const replayed = await collectStatesOfOtherCalls(handler, 16);
    // A positive control: a state this instance sealed is followed, so "no forged state trusted" is not
    // met by refusing every state.
    const control = await checkGenuineState(handler);
    if (control !== undefined) {
      io.err(`fuzz: ${name}: a genuine state was not followed: ${control}\n`);
      return EXIT.failed;
    }
    const share = Math.ceil(runs / 2);
    let sent = 0;
    const result = await fc.check(
      fc.asyncProperty(requestArb(replayed), async (request) => {
        sent++;
        if (sent % 100_000 === 0) {
          io.err(
            `fuzz: ${name} ${sent.toLocaleString('en')} requests, ${Math.round((Date.now() - started) / 1000)} s\n`,
          );
        }
        // Outbound calls start flows by name: only inbound must refuse plain names as states.
        const problem = await checkRequest(
          handler,
          name === 'outbound' ? { ...request, forged: false } : request,
        );
        if (problem !== undefined) throw new Error(problem);
        if (logScan.leaks.length > 0) throw new Error(logScan.leaks[0]);
      }),
      {
        numRuns: share,
        seed,
        endOnFailure: true,
        interruptAfterTimeLimit: Math.max(1, deadline - Date.now()),
        markInterruptAsFailure: true,
      },
    );
    total += sent;
    if (result.failed) {
      io.err(
        `fuzz: ${name}: FAILED after ${sent} requests (seed ${seed}); npm run fuzz -- --seed ${seed} reproduces it\n${fc.defaultReportMessage(result)}\n`,
      );
      return EXIT.failed;
    }
  }
  if (total < runs) {
    io.err(
      `fuzz: only ${total} of ${runs} requests ran in ${MAX_MINUTES} minutes: ask for fewer with --runs N, on a less busy machine\n`,
    );
    return EXIT.failed;
  }
  const seconds = (Date.now() - started) / 1000;
  io.out(
    `fuzz: ${total.toLocaleString('en')} requests (seed ${seed}) to inbound and outbound in ${seconds.toFixed(0)} s ` +
      `(${Math.round(total / seconds).toLocaleString('en')}/s): no throw, no 5xx, every callback a valid reply for its event, ` +
      `4xx for the rest, no forged state trusted, nothing echoed; ${logScan.lines.toLocaleString('en')} log lines scanned, ` +
      'no unmasked mobile number, no secret\n',
  );
  return EXIT.ok;
}

/** `--lookups`: whole calls under rules with lookups, against the hostile stand-in (dev/fuzz-lookups.ts). */
async function fuzzWithLookups(
  runs: number,
  seed: number,
  io: CommandIo,
  size: LookupRunSize,
): Promise<number> {
  const started = Date.now();
  const linesBefore = logScan.lines;
  const result = await fuzzLookups({ ...callRun(runs, seed, io, started, 10_000), ...size });
  const { coverage } = result;
  const described = [
    `fuzz: lookups of callbacks: ${countOf(coverage.outcomes)}`,
    `fuzz: attempts sent for a node, as callbacks logged them: ${countOf(coverage.attempts)}`,
    `fuzz: fallbacks: ${coverage.fallbacks.toLocaleString('en')} (${countOf(coverage.fallbackErrors)})`,
    `fuzz: the stand-in answered: ${countOf(coverage.answers)}`,
  ];
  if (result.failure !== undefined)
    return failed(
      io,
      result.sent,
      result.failure,
      `with lookups (seed ${seed}); npm run fuzz -- --lookups --runs ${runs} --seed ${seed} runs the same calls (the network's timing varies)`,
      described.join('\n'),
    );
  if (result.sent < runs) return ranShort(io, result.sent, runs);
  const untaken = [
    ...EVERY_PATH.filter((path) => !coverage.outcomes.has(path)),
    ...[2, 3].filter((n) => !coverage.attempts.has(n)).map((n) => `attempt ${n}`),
  ];
  if (runs >= EVERY_PATH_RUNS && untaken.length > 0) {
    io.err(`fuzz: ${runs} requests never took these paths: ${untaken.join(', ')}\n${described.join('\n')}\n`);
    return EXIT.failed;
  }
  const seconds = (Date.now() - started) / 1000;
  io.out(
    `fuzz: ${result.sent.toLocaleString('en')} requests (seed ${seed}) with lookups to inbound and outbound in ${seconds.toFixed(0)} s ` +
      `(${Math.round(result.sent / seconds).toLocaleString('en')}/s): no throw, no 5xx, every callback a valid reply for its event, ` +
      `4xx for the rest, no forged state trusted, nothing echoed; every callback within CALLBACK_BUDGET_MS (${FUZZ_BUDGET_MS}) ` +
      `+ its lookup's wait + ${SLACK_MS} ms (the slowest ${formatLateness(coverage.worstLateMs)} budget + wait; ` +
      `the event loop's longest stall ${Math.round(coverage.longestStallMs)} ms); no LOOKUP_ secret in a reply ` +
      `or a log line, no 401; every attempt ended by its deadline and every connection closed ${result.drainedMs} ms after ` +
      `the last callback, nothing left to keep the process from exiting; ${(logScan.lines - linesBefore).toLocaleString('en')} ` +
      'log lines scanned, no unmasked mobile number, no secret\n' +
      `${described.join('\n')}\n`,
  );
  return EXIT.ok;
}

/** `--flows`: whole calls under documents with every construct of the second edition (dev/fuzz-flows.ts). */
async function fuzzWithFlows(runs: number, seed: number, io: CommandIo): Promise<number> {
  const started = Date.now();
  const linesBefore = logScan.lines;
  const result = await fuzzFlows({
    ...callRun(runs, seed, io, started, 50_000),
    lanes: FLOW_LANES,
    documents: FLOW_DOCUMENTS,
  });
  const described = describeFlowCoverage(result);
  if (result.failure !== undefined)
    return failed(
      io,
      result.sent,
      result.failure,
      `under flows documents (seed ${seed}); npm run fuzz -- --flows --runs ${runs} --seed ${seed} runs the same calls`,
      described,
    );
  if (result.sent < runs) return ranShort(io, result.sent, runs);
  const missed = unexercised(result);
  if (runs >= EVERY_CONSTRUCT_RUNS && missed.length > 0) {
    io.err(`fuzz: ${runs} requests never exercised: ${missed.join(', ')}\n${described}\n`);
    return EXIT.failed;
  }
  const seconds = (Date.now() - started) / 1000;
  io.out(
    `fuzz: ${result.sent.toLocaleString('en')} requests (seed ${seed}) under ${result.documents.length} flows documents to inbound and outbound ` +
      `in ${seconds.toFixed(0)} s (${Math.round(result.sent / seconds).toLocaleString('en')}/s): no throw, no 5xx, every callback a valid ` +
      'reply for its event, 4xx for the rest, no forged state trusted, nothing echoed; never the fallback, every dynamic_id ' +
      'within 200 characters and opening for its call at most 3 subflows deep, no flow value outliving its flow, duplicates ' +
      `answered alike, one split branch per call; ${(logScan.lines - linesBefore).toLocaleString('en')} log lines scanned, ` +
      `no unmasked mobile number, no secret\n${described}\n`,
  );
  return EXIT.ok;
}

/** What a `--flows` run exercised: each construct's count, and each document's split branches. */
function describeFlowCoverage(result: FlowFuzzResult): string {
  const constructs = [...result.coverage.constructs]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([construct, n]) => `  ${construct}: ${n.toLocaleString('en')}`);
  const splits = result.documents.map((document, i) => {
    const seen = result.coverage.splits.get(document);
    const branches = document.splitWeights
      .map((weight, j) => `b${j} (${weight}) ${(seen?.branches.get(j) ?? 0).toLocaleString('en')}`)
      .join(', ');
    return `  document ${i + 1} split: ${branches}`;
  });
  return ['fuzz: constructs exercised:', ...constructs, ...splits].join('\n');
}

/** `--classifier`: whole calls under documents with a classifier, against the hostile stand-in (dev/fuzz-classifier.ts). */
async function fuzzWithClassifier(
  runs: number,
  seed: number,
  io: CommandIo,
  size: ClassifierRunSize,
): Promise<number> {
  const started = Date.now();
  const linesBefore = logScan.lines;
  const result = await fuzzClassifier({ ...callRun(runs, seed, io, started, 50_000), ...size });
  const described = describeClassifierRun(result);
  if (result.failure !== undefined)
    return failed(
      io,
      result.sent,
      result.failure,
      `with a classifier (seed ${seed}); npm run fuzz -- --classifier --runs ${runs} --seed ${seed} runs the same calls (the network's timing varies)`,
      described,
    );
  if (result.sent < runs) return ranShort(io, result.sent, runs);
  const missed = unseen(result);
  const wholeRotation = result.lastedMs >= result.rotationMs;
  if (wholeRotation && missed.length > 0) {
    io.err(`fuzz: ${runs} requests never saw: ${missed.join(', ')}\n${described}\n`);
    return EXIT.failed;
  }
  const rotation = `${Math.round(result.rotationMs / 1000)} s`;
  const seconds = (Date.now() - started) / 1000;
  io.out(
    `fuzz: ${result.sent.toLocaleString('en')} requests (seed ${seed}) with a classifier under ${result.documents.length} documents ` +
      `to inbound and outbound in ${seconds.toFixed(0)} s (${Math.round(result.sent / seconds).toLocaleString('en')}/s): ` +
      'no throw, no 5xx, every callback a valid reply for its event, 4xx for the rest, no forged state trusted, nothing ' +
      `echoed; never the fallback, every callback within CALLBACK_BUDGET_MS (${FUZZ_BUDGET_MS}) + its wait + ${SLACK_MS} ms ` +
      `(the slowest ${formatLateness(result.coverage.worstLateMs)} budget + wait; the event loop's longest stall ` +
      `${Math.round(result.coverage.longestStallMs)} ms); no API key or planted number in a reply, status page, log line ` +
      'or request to the model, no request refused by the stand-in; guard trips and failed probes logged as warnings, ' +
      'recoveries as info, as many trips logged as the guards count; every connection closed ' +
      `${result.drainedMs} ms after the last callback, nothing left to keep the process from exiting; ` +
      `${(logScan.lines - linesBefore).toLocaleString('en')} log lines scanned, no unmasked mobile number, no secret; ` +
      (wholeRotation
        ? `a whole rotation (${rotation}): every outcome, every mode, a trip and a recovery seen\n`
        : `shorter than a rotation (${rotation}): not every outcome and mode required\n`) +
      `${described}\n`,
  );
  return EXIT.ok;
}

/** What a `--classifier` run came to: replies, classifications, the guards, the stand-in's modes. */
function describeClassifierRun(result: ClassifierFuzzResult): string {
  const { actions, classified, guard, answered, statuses } = result.coverage;
  const trips = [...guard]
    .filter(([change]) => change.startsWith('tripped'))
    .reduce((sum, [, n]) => sum + n, 0);
  const classifications = [...classified.values()].reduce((sum, n) => sum + n, 0);
  return [
    `fuzz: replies by action: ${countOf(actions)}; status pages ${statuses.toLocaleString('en')}`,
    `fuzz: classifications ${classifications.toLocaleString('en')}: ${countOf(classified)}`,
    `fuzz: guards: ${trips.toLocaleString('en')} trips, ${(guard.get('recovered') ?? 0).toLocaleString('en')} recoveries (${countOf(guard)})`,
    `fuzz: the stand-in answered: ${countOf(answered)}`,
  ].join('\n');
}

/** `key n, key n` by count, largest first. */
function countOf(map: ReadonlyMap<string | number, number>): string {
  return [...map]
    .sort(([, a], [, b]) => b - a)
    .map(([key, n]) => `${key} ${n.toLocaleString('en')}`)
    .join(', ');
}

/**
 * What a run of whole calls takes besides its size: both functions, the run's state key, the time bound,
 * and a line of progress every `every` requests (a multiple of 10,000: playCalls says every 10,000).
 */
function callRun(runs: number, seed: number, io: CommandIo, started: number, every: number) {
  return {
    functions: ['inbound', 'outbound'] as const,
    runs,
    seed,
    stateSecrets: STATE_SECRETS,
    stopAt: started + MAX_MINUTES * 60_000,
    progress: (sent: number) => {
      if (sent % every === 0)
        io.err(
          `fuzz: ${sent.toLocaleString('en')} requests, ${Math.round((Date.now() - started) / 1000)} s\n`,
        );
    },
  };
}

/** A run of whole calls that failed: how far it went, how to run it again (`how`), what failed, what it exercised. */
function failed(io: CommandIo, sent: number, failure: string, how: string, described: string): number {
  io.err(`fuzz: FAILED after ${sent.toLocaleString('en')} requests ${how}\n${failure}\n${described}\n`);
  return EXIT.failed;
}

/** A run that ran out of time before its requests were sent: a failure. */
function ranShort(io: CommandIo, sent: number, runs: number): number {
  io.err(
    `fuzz: only ${sent} of ${runs} requests ran in ${MAX_MINUTES} minutes: ask for fewer with --runs N, on a less busy machine\n`,
  );
  return EXIT.failed;
}

/** The slowest callback against its budget + its lookup's wait: `12 ms over`, `85 ms under`. */
function formatLateness(ms: number): string {
  if (!Number.isFinite(ms)) return 'none timed';
  return ms > 0 ? `${ms} ms over` : `${-ms} ms under`;
}

runWhenMain(import.meta.filename, main);
