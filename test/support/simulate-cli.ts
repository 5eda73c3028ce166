import { Readable } from 'node:stream';
import { runWhenMain } from '../../dev/command-line';
import { main, type SimulatorDeps } from '../../scripts/simulate/simulate';
import { captureText } from './command-io';

/** The bundles the tests use are built once before them (npm test): the simulator builds nothing. */
export const PREBUILT: SimulatorDeps = { buildBundles: async () => {} };

/**
 * Runs the simulator's command line in-process, as `npm run simulate -- …` would (its `main`, with the
 * output captured, and `env` for `--fc`): the scenario calls go through the built bundles as they do for
 * a user (built once before the tests, not by each run).
 */
export async function runSimulator(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  const { streams, captured } = captureText();
  const status = await main(args, { ...streams, env }, PREBUILT);
  return { status, ...captured };
}

/**
 * An interactive session, in-process: `args` on the command line, `typed` the lines typed at the prompt
 * (piped in, so not echoed), everything written (stdout and stderr, in order) as one text.
 */
export async function runSession(
  args: readonly string[],
  typed: readonly string[],
): Promise<{ status: number; out: string }> {
  let out = '';
  const write = (text: string) => {
    out += text;
  };
  const input = Readable.from([`${typed.join('\n')}\n`]);
  const status = await main(args, { out: write, err: write, input }, PREBUILT);
  return { status, out };
}

// `node --import tsx test/support/simulate-cli.ts …`: the simulator in a terminal, on the bundles built
// for the tests (building again would replace dist/ under the other test files).
runWhenMain(import.meta.filename, (argv, io) => main(argv, io, PREBUILT));
