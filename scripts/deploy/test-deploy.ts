/**
 * `npm run test:deploy`: the slower tests of the deploy path (test/deploy/: `s preview`, `s deploy` and
 * `npm run deploy:offline`, against a stub fc3 component), kept out of `npm test` so that it takes seconds.
 * It builds the bundles as `npm test` does, then runs node's test runner on those files with the summary
 * reporter, and exits with its code. CI (`.ci/run`) runs it after `npm test`.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CommandIo,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  runWhenMain,
} from '../../dev/command-line';
import { ROOT } from '../../dev/fc-event';
import { buildBundles } from '../build/build';

export const PROGRAM = {
  name: 'test:deploy',
  summary:
    'Runs the tests of the deploy path (test/deploy/: s preview, s deploy and deploy:offline against a stub fc3 component), after building the bundles as npm test does.',
  single: true,
  options: {},
  commands: {
    'test:deploy': { summary: 'the deploy tests', positionals: [0, 0], options: [], example: '' },
  },
} as const satisfies ProgramSpec;

/**
 * The first packaged holiday year the tests' bundles keep, so that what they know does not depend on the
 * day they run: the same year as `npm test`'s build in package.json.
 */
const TEST_HOLIDAYS_FROM = 2025;

const DEPLOY_TESTS = join(ROOT, 'test', 'deploy');

/** What `main` runs: the build and the test runner (a test passes stand-ins). */
export interface TestDeployDeps {
  readonly build: () => Promise<void>;
  readonly runTests: (files: readonly string[], io: CommandIo) => Promise<number>;
}

/** node's test runner on `files`, two at a time, its report forwarded to `io`; resolves to its exit code. */
function runTests(files: readonly string[], io: CommandIo): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=2',
      '--test-reporter=./test/support/summary-reporter.mjs',
      ...files,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (chunk: Buffer) => io.out(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => io.err(chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const DEPS: TestDeployDeps = {
  build: () => buildBundles({ quiet: true, holidaysFrom: TEST_HOLIDAYS_FROM }),
  runTests,
};

export async function main(
  argv: readonly string[],
  io: CommandIo = PROCESS_IO,
  deps: TestDeployDeps = DEPS,
): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  await deps.build();
  const files = readdirSync(DEPLOY_TESTS)
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => join('test', 'deploy', name));
  return deps.runTests(files, io);
}

runWhenMain(import.meta.filename, main);
