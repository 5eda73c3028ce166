/**
 * Sends generated requests (dev/fuzz-callbacks.ts) through the built inbound and outbound bundles,
 * in-process, and checks every reply against the properties there, and every log line for unmasked
 * mobile numbers and secrets. Bounded in count and time; stops at the first failure with its
 * counterexample and the seed that reproduces it. Builds the bundles itself, after reading its line.
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
import { logScan, scanLogOutput } from '../../dev/log-scan';
import { buildBundles } from '../build/build';

const DEFAULT_RUNS = 1_000_000;

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
      help: `requests in all, half to each function (default: ${DEFAULT_RUNS.toLocaleString('en')}, about 3 minutes)`,
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
      options: ['runs', 'seed'],
      example: '--runs 50000 --seed 7',
      details: `
The properties: no throw, no 5xx, every callback a valid reply for its event, 4xx for the rest, no forged
state trusted, nothing echoed, and no unmasked mobile number or secret in any log line. Exit 1 when one
does not hold, with the counterexample; the run stops after ${MAX_MINUTES} minutes whatever the count.`,
    },
  },
} as const satisfies ProgramSpec;

/** What `main` runs besides the fuzzing: the build (a test passes one that builds nothing). */
export interface FuzzDeps {
  readonly build: () => Promise<void>;
}

const BUILD: FuzzDeps = { build: () => buildBundles({ quiet: true }) };

export async function main(
  argv: readonly string[],
  io: CommandIo = PROCESS_IO,
  deps: FuzzDeps = BUILD,
): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const { runs: typedRuns, seed: typedSeed } = read.line.values;
  const runs = Number(typedRuns ?? DEFAULT_RUNS);
  const seed = Number(typedSeed ?? Date.now() % 2 ** 31);
  if (!Number.isInteger(runs) || runs < 1) {
    return refuseUsage(io, PROGRAM, 'fuzz', `--runs takes a whole number from 1 on; not ${typedRuns}`);
  }
  if (!/^\d+$/.test(typedSeed ?? '0') || !Number.isSafeInteger(seed)) {
    return refuseUsage(io, PROGRAM, 'fuzz', `--seed takes a whole number, such as 7; not ${typedSeed}`);
  }
  await deps.build();
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

runWhenMain(import.meta.filename, main);
