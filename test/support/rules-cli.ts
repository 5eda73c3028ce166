import { main } from '../../scripts/rules/rules';
import { captureText } from './command-io';

/**
 * Runs the rules CLI in-process, as `npm run rules -- …` would (its `main`, with the output captured):
 * the command line, the files and the exit code are the user's, at a fraction of a spawn's cost. The
 * clock reads 2026-06-01 noon in Shanghai, and s.yaml's variables are rendered without the developer's
 * shell (a .env beside s.yaml still counts).
 */
export async function runRules(
  ...args: string[]
): Promise<{ status: number; stdout: string; stderr: string }> {
  const { streams, captured } = captureText();
  const status = await main(args, {
    ...streams,
    now: () => Date.parse('2026-06-01T12:00:00+08:00'),
    env: {},
  });
  return { status, ...captured };
}
