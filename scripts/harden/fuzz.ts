/**
 * Sends generated requests (dev/fuzz-callbacks.ts) through the built inbound and outbound bundles,
 * in-process, and checks every reply against the properties there, and every log line for unmasked
 * mobile numbers and secrets. Bounded in count and time; stops at the first failure with its
 * counterexample and the seed that reproduces it.
 *
 *   npm run fuzz                          1,000,000 requests (half to each function), about 3 minutes
 *   npm run fuzz -- --runs 50000 --seed 7
 *
 * Exit codes: 0 every property held, 1 one did not, 2 the command line is wrong.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { loadBuiltHandler, setFunctionEnvironment } from '../../dev/fc-event';
import { routeFunctionLogs } from '../../dev/function-logs';
import {
  checkGenuineState,
  checkRequest,
  collectStatesOfOtherCalls,
  requestArb,
} from '../../dev/fuzz-callbacks';
import { logScan, scanLogOutput } from '../../dev/log-scan';

/** Stop after this long, whatever the count: the run is bounded in time too. */
const MAX_MINUTES = 20;

const STATE_SECRETS = 'fuzz-run-state-key-0000001';

async function main(argv: readonly string[]): Promise<number> {
  let runs: number;
  let seed: number;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { runs: { type: 'string' }, seed: { type: 'string' } },
    });
    runs = Number(values.runs ?? 1_000_000);
    seed = Number(values.seed ?? Date.now() % 2 ** 31);
    if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed))
      throw new Error('--runs and --seed take whole numbers');
  } catch (error) {
    process.stderr.write(
      `${error instanceof Error ? error.message : String(error)}\nusage: npm run fuzz [-- --runs N] [--seed S]\n`,
    );
    return 2;
  }
  // Each line the functions log is scanned, then dropped.
  routeFunctionLogs((text) => scanLogOutput(text, [STATE_SECRETS]));
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
      process.stdout.write(`${name}: a genuine state was not followed: ${control}\n`);
      return 1;
    }
    const share = Math.ceil(runs / 2);
    let sent = 0;
    const result = await fc.check(
      fc.asyncProperty(requestArb(replayed), async (request) => {
        sent++;
        if (sent % 100_000 === 0) {
          process.stderr.write(
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
      process.stdout.write(
        `${name}: FAILED after ${sent} requests (seed ${seed})\n${fc.defaultReportMessage(result)}\n`,
      );
      return 1;
    }
  }
  if (total < runs) {
    process.stdout.write(`fuzz: only ${total} of ${runs} requests ran in ${MAX_MINUTES} minutes\n`);
    return 1;
  }
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    `fuzz: ${total.toLocaleString('en')} requests (seed ${seed}) to inbound and outbound in ${seconds.toFixed(0)} s ` +
      `(${Math.round(total / seconds).toLocaleString('en')}/s): no throw, no 5xx, every callback a valid reply for its event, ` +
      `4xx for the rest, no forged state trusted, nothing echoed; ${logScan.lines.toLocaleString('en')} log lines scanned, ` +
      'no unmasked mobile number, no secret\n',
  );
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
