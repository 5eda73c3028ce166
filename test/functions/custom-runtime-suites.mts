/**
 * The main callback suites once more, each handler behind the custom runtime's server over HTTP
 * (test/support/custom-runtime-invoker.ts). Run in a child process by custom-runtime-suites.test.ts, with
 * VMS_TEST_INVOKER=custom-runtime: the same test files, not copies.
 */
import { join } from 'node:path';

export const SUITES = ['inbound', 'outbound', 'report', 'lookup', 'rules-file'];

for (const name of SUITES) await import(join(import.meta.dirname, `${name}.test.ts`));
