import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startLookupServer } from '../../dev/lookup-server';
import type * as LookupClientModule from '../../shared/lookup/lookup-client';
import { ROOT } from '../support/fc-event';

/** The lookup client as the build ships it: `lookup-client.js` beside each bundle that reads rules. */

const require = createRequire(import.meta.filename);

describe('the lookup client side file', () => {
  it('is built beside each callback bundle, and kept out of the bundle itself', () => {
    for (const name of ['inbound', 'outbound']) {
      const file = join(ROOT, 'dist', name, 'lookup-client.js');
      assert.ok(existsSync(file), `dist/${name}/lookup-client.js is missing: run npm run build`);
      const client = require(file) as typeof LookupClientModule;
      assert.equal(typeof client.performLookup, 'function', name);
      assert.equal(typeof client.createLookupClient, 'function', name);
      // A property name minifying keeps: the client's own code, not a require of the side file.
      const bundle = readFileSync(join(ROOT, 'dist', name, 'index.js'), 'utf8');
      assert.ok(!bundle.includes('reusedSocket'), `dist/${name}/index.js carries the lookup client`);
    }
    assert.ok(!existsSync(join(ROOT, 'dist', 'report', 'lookup-client.js')), 'report reads no rules');
  });

  it('answers a lookup as built', async (t) => {
    const standIn = await startLookupServer({ routes: { '/balance': { answer: { balance: 1 } } } });
    t.after(() => standIn.stop());
    const { createLookupClient } = require(
      join(ROOT, 'dist', 'inbound', 'lookup-client.js'),
    ) as typeof LookupClientModule;
    const client = createLookupClient();
    t.after(() => client.close());
    const answer = await client.perform({
      key: 'call|main/balance',
      request: {
        name: 'balance',
        method: 'GET',
        url: `${standIn.url}/balance`,
        headers: [],
        timeoutMs: 1_000,
        maxBytes: 1_024,
      },
      attemptsSoFar: 0,
      maxAttempts: 1,
      waitMs: 1_000,
      env: () => undefined,
    });
    assert.deepEqual(answer, { kind: 'ok', data: { balance: 1 }, attempts: 1, status: 200 });
  });
});
