/**
 * The test report `npm test` and `npm run test:deploy` print (`node --test --test-reporter=<this file>`):
 * nothing for a test that passes; each failure in full (where it is, its name, the error with its diff and
 * stack); the output the tests wrote, only when something failed; the slowest files, so that the suite's
 * speed stays visible; and a last line `N passed, N failed` (`, N skipped` when any were), which .ci/run
 * reads. node's own exit code still says whether the run failed.
 */
import { relative } from 'node:path';
import { inspect } from 'node:util';

/** node's own closing diagnostics, which the last line replaces. */
const NODE_SUMMARY = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) \d/;
const SLOWEST_SHOWN = 3;

/** A path from the project's root, as an editor opens it. */
function where(data) {
  if (data.file === undefined) return '(unknown file)';
  const file = relative(process.cwd(), data.file);
  return data.line === undefined ? file : `${file}:${data.line}:${data.column ?? 1}`;
}

/** The error as thrown by the test (node wraps it in an ERR_TEST_FAILURE), with node's own frames left out. */
function describeError(error) {
  const thrown = error?.code === 'ERR_TEST_FAILURE' && error.cause !== undefined ? error.cause : error;
  const text =
    thrown instanceof Error
      ? (thrown.stack ?? `${thrown.name}: ${thrown.message}`)
      : inspect(thrown, { depth: 6 });
  const extra =
    thrown instanceof Error && thrown.cause !== undefined
      ? `\ncaused by: ${inspect(thrown.cause, { depth: 6 })}`
      : '';
  return `${text}${extra}`
    .split('\n')
    .filter((line) => !/^\s+at .*\(?node:/.test(line))
    .join('\n');
}

function indent(text, by = '    ') {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `${by}${line}`))
    .join('\n');
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

export default async function* summaryReporter(source) {
  let passed = 0;
  let skipped = 0;
  const failures = [];
  const output = [];
  const notes = [];
  /** The names of the tests and suites running, per file and depth, to name a failure by its suites. */
  const running = new Map();
  const fileMs = new Map();
  const wholeFileMs = new Map();

  for await (const { type, data } of source) {
    if (type === 'test:start') {
      const names = running.get(data.file) ?? [];
      names.length = data.nesting;
      names.push(data.name);
      running.set(data.file, names);
    } else if (type === 'test:pass') {
      if (data.nesting === 0 && data.file !== undefined) {
        fileMs.set(data.file, (fileMs.get(data.file) ?? 0) + (data.details?.duration_ms ?? 0));
      }
      if (data.skip !== undefined || data.todo !== undefined) skipped++;
      else if (data.details?.type !== 'suite') passed++;
    } else if (type === 'test:fail') {
      if (data.nesting === 0 && data.file !== undefined) {
        // A whole file (see below) is timed apart: it holds the times of its own tests.
        const times = data.name === data.file ? wholeFileMs : fileMs;
        times.set(data.file, (times.get(data.file) ?? 0) + (data.details?.duration_ms ?? 0));
      }
      // A suite failing because a test in it failed adds nothing: that test is reported.
      if (data.details?.error?.failureType === 'subtestsFailed') continue;
      const path = [...(running.get(data.file) ?? []).slice(0, data.nesting), data.name];
      failures.push({
        wholeFile: data.nesting === 0 && data.name === data.file,
        name: path.join(' › '),
        where: where(data),
        error: describeError(data.details?.error),
      });
    } else if (type === 'test:stdout' || type === 'test:stderr') {
      output.push(data.message);
    } else if (type === 'test:diagnostic') {
      // Warnings node attaches to a test (asynchronous activity after it ended, say) are kept.
      if (!(data.nesting === 0 && NODE_SUMMARY.test(data.message)))
        notes.push(`${where(data)}: ${data.message}`);
    }
  }

  // A test file run as a process fails as a whole when its process exits with 1, as it does once one of
  // its tests failed (suite.mts imports every other file, so the failed test names another file): such a
  // failure counts only when no test failed, as a crash or a hook that threw (its output is printed).
  const testFailures = failures.filter((failure) => !failure.wholeFile);
  const reported = testFailures.length > 0 ? testFailures : failures;
  if (reported.length > 0 && output.length > 0) {
    yield `output of the tests:\n${output.join('').trimEnd()}\n\n`;
  }
  for (const failure of reported) {
    yield `✖ ${failure.name}\n  ${failure.where}\n${indent(failure.error)}\n\n`;
  }
  for (const note of notes) yield `note: ${note}\n`;
  const slowest = [...(fileMs.size > 0 ? fileMs : wholeFileMs)]
    .sort(([, a], [, b]) => b - a)
    .slice(0, SLOWEST_SHOWN)
    .map(([file, ms]) => `${relative(process.cwd(), file)} ${seconds(ms)}`);
  if (slowest.length > 0) yield `slowest files: ${slowest.join(', ')}\n`;
  yield `${passed} passed, ${reported.length} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`;
}
