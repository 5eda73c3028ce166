import { main } from '../../scripts/simulate/simulate';

/**
 * Runs the simulator's command line in-process, as `npm run simulate -- …` would (its `main`, with the
 * output captured, and `env` for `--fc`): the scenario calls go through the built bundles as they do for
 * a user.
 */
export async function runSimulator(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await main(args, {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
    env,
  });
  return { status, stdout, stderr };
}
