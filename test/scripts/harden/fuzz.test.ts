import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { main } from '../../../scripts/harden/fuzz';
import { captureIo } from '../../support/command-io';

/**
 * `npm run fuzz` without its build: the suite built dist/ once, and other files load it meanwhile. A
 * `--lookups` run is small: two instances at once per function, one document, short limits only; a
 * `--classifier` run two instances, two documents, the stand-in's modes rotating every 100 ms.
 */
function fuzzBuilt(argv: readonly string[], builds: string[] = []) {
  const { io, out, err } = captureIo();
  const exited = main(argv, io, {
    build: async () => {
      builds.push('build');
    },
    lookupRun: { lanes: 2, documents: 1, defaults: false },
    classifierRun: { lanes: 2, documents: 2, phaseMs: 100 },
  });
  return { exited, out, err };
}

describe('npm run fuzz', () => {
  it('builds, then sends the number of requests asked for and says every property held', async () => {
    const builds: string[] = [];
    const before = { ...process.env };
    const run = fuzzBuilt(['--runs', '40', '--seed', '7'], builds);
    assert.equal(await run.exited, 0, run.err.join(''));
    assert.deepEqual(builds, ['build']);
    assert.match(run.out.join(''), /^fuzz: 40 requests \(seed 7\) to inbound and outbound in \d+ s/);
    assert.deepEqual(run.err, []);
    assert.deepEqual({ ...process.env }, before, 'the functions’ variables are put back');
  });

  it('sends whole calls under rules with lookups with --lookups, and says every property held and what the lookups came to', async () => {
    const before = { ...process.env };
    const run = fuzzBuilt(['--lookups', '--runs', '30', '--seed', '7']);
    assert.equal(await run.exited, 0, run.err.join(''));
    const [summary, ...described] = run.out.join('').split('\n');
    assert.match(
      summary ?? '',
      /^fuzz: 30 requests \(seed 7\) with lookups to inbound and outbound in \d+ s/,
    );
    assert.match(summary ?? '', /within CALLBACK_BUDGET_MS \(400\) \+ its lookup's wait \+ 500 ms/);
    assert.match(summary ?? '', /every attempt ended by its deadline and every connection closed/);
    assert.match(
      described.join('\n'),
      /^fuzz: lookups of callbacks: .*\nfuzz: attempts sent .*\nfuzz: fallbacks: .*\nfuzz: the stand-in answered: /,
    );
    assert.deepEqual({ ...process.env }, before, 'the functions’ variables and LOOKUP_TOKEN are put back');
  });

  it('sends whole calls under documents with a classifier with --classifier, and says every property held and what the classifications came to', async () => {
    const before = { ...process.env };
    const run = fuzzBuilt(['--classifier', '--runs', '40', '--seed', '7']);
    assert.equal(await run.exited, 0, run.err.join(''));
    const [summary, ...described] = run.out.join('').split('\n');
    assert.match(
      summary ?? '',
      /^fuzz: 40 requests \(seed 7\) with a classifier under 2 documents to inbound and outbound in \d+ s/,
    );
    assert.match(
      summary ?? '',
      /never the fallback, every callback within CALLBACK_BUDGET_MS \(400\) \+ its wait \+ 500 ms/,
    );
    assert.match(
      summary ?? '',
      /no API key or planted number in a reply, status page, log line or request to the model/,
    );
    assert.match(
      described.join('\n'),
      /^fuzz: replies by action: .*\nfuzz: classifications \d+: .*\nfuzz: guards: \d+ trips, \d+ recoveries .*\nfuzz: the stand-in answered: /,
    );
    assert.deepEqual({ ...process.env }, before, 'the functions’ variables and LLM_API_KEY are put back');
  });

  it('refuses two kinds of run at once before building, exit 2', async () => {
    const builds: string[] = [];
    const run = fuzzBuilt(['--flows', '--classifier'], builds);
    assert.equal(await run.exited, 2);
    assert.match(run.err.join(''), /^fuzz: --flows and --classifier are separate runs: give one \(see/);
    assert.deepEqual(builds, []);
  });

  it('refuses a count or a seed that is not a whole number before building, exit 2', async () => {
    const builds: string[] = [];
    for (const [argv, wanted] of [
      [
        ['--runs', '0'],
        /^fuzz: --runs takes a whole number from 1 on; not 0 \(see 'npm run fuzz -- --help'\)\n$/,
      ],
      [['--seed', 'x'], /^fuzz: --seed takes a whole number, such as 7; not x \(see/],
    ] as const) {
      const run = fuzzBuilt(argv, builds);
      assert.equal(await run.exited, 2);
      assert.match(run.err.join(''), wanted);
    }
    assert.deepEqual(builds, []);
  });
});
