/**
 * Child process of the campaign bench (scripts/bench/campaign.ts): `npm run call` as a person runs it
 * (`node --import tsx`, as the npm script's `tsx` does), in a process of its own so that its CPU time is
 * its own. It reports on fd 3, one JSON line each:
 *
 * - `load`: loads the command module (scripts/campaign/call.ts) and nothing more, then reports the CPU
 *   time of the whole process so far (node's start-up, tsx and the module): the baseline of a resume;
 * - `run ARGS…`: loads it, then runs its `main` with ARGS as `npm run call -- ARGS…` would; reports the
 *   process's CPU time when its first HTTP request starts (`first`), then the exit code, the CPU and wall
 *   time of `main` alone and the whole process's CPU time (`run`).
 *
 *   node --import tsx scripts/bench/campaign-child.ts load
 *   node --import tsx scripts/bench/campaign-child.ts run LIST --rules FILE --endpoint URL …
 */
import { subscribe } from 'node:diagnostics_channel';
import { writeSync } from 'node:fs';

/** The process's CPU time (user + system) so far, ms: process.cpuUsage() counts from its start. */
const cpuMs = (since?: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1_000;
};
const report = (fields: Record<string, unknown>) => writeSync(3, `${JSON.stringify(fields)}\n`);

async function child(mode: string | undefined, args: readonly string[]): Promise<number> {
  if (mode === 'load') {
    await import('../campaign/call');
    report({ kind: 'load', cpuMs: cpuMs() });
    return 0;
  }
  if (mode !== 'run') {
    process.stderr.write('usage: node --import tsx scripts/bench/campaign-child.ts load | run ARGS…\n');
    return 2;
  }
  // Node's own channel, published as each outgoing request starts: no change to the code measured.
  let first = true;
  subscribe('http.client.request.start', () => {
    if (!first) return;
    first = false;
    report({ kind: 'first', cpuMs: cpuMs() });
  });
  const { main } = await import('../campaign/call');
  const started = process.cpuUsage();
  const startedAt = performance.now();
  const quiet = { out: () => {}, err: (text: string) => process.stderr.write(text) };
  const exit = await main(args, quiet);
  const wallMs = performance.now() - startedAt;
  report({ kind: 'run', exit, cpuMs: cpuMs(started), wallMs, processCpuMs: cpuMs() });
  return exit;
}

child(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`campaign child failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
