/**
 * Every test file but the deploy tests, in one process (`npm test`): each file run on its own pays a
 * TypeScript loader start of most of a second of CPU, which on two cores made the suite four times slower
 * than its tests. The deploy tests (test/deploy/) run `s deploy` and `s preview`, seconds of CPU each:
 * they are `npm run test:deploy`, which CI runs too.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after } from 'node:test';

// Through require, as the test files load it: one instance of the scan for the whole suite.
const { logScan } = createRequire(import.meta.url)('../dev/log-scan') as typeof import('../dev/log-scan');

const here = import.meta.dirname;
const files = (readdirSync(here, { recursive: true, encoding: 'utf8' }) as string[])
  .filter((name) => name.endsWith('.test.ts') && !name.startsWith('deploy/') && name.includes('/'))
  .map((name) => join(here, name))
  .sort();
for (const file of files) await import(file);

// Every line the built functions logged in the whole suite: no unmasked mobile number, no secret.
after(() => {
  assert.ok(logScan.lines > 50, `only ${logScan.lines} log lines were scanned: is the scan still fed?`);
  assert.deepEqual(logScan.leaks, []);
});

// A server a test left listening (one whose test failed before stopping it) would keep this process, and
// so `npm test`, running for ever: it is a failure, and the process ends soon after the report is out.
after(() => {
  setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((resource) => resource === 'TCPServerWrap');
    if (open.length === 0) return;
    process.stderr.write(`test/suite.mts: ${open.length} server(s) left listening after the tests; ending\n`);
    process.exit(1);
  }, 5_000).unref();
});
