import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { main as bench } from '../../../scripts/bench/bench';
import { captureIo } from '../../support/command-io';

/** `--node` is checked before anything is built or measured: a binary that cannot run is a usage error. */
describe('bench --node', () => {
  it('refuses a path that is not a node binary that runs, in one line naming it, before building', async () => {
    for (const path of ['/nonexistent/bin/node', '/bin/false']) {
      const { io, out, err } = captureIo();
      const code = await bench(['--only', 'cold', '--node', path], io);
      assert.equal(code, 2);
      assert.deepEqual(out, []);
      const text = err.join('');
      assert.match(text, new RegExp(`--node ${path}: not a node binary that runs here`));
      assert.equal(text.trim().split('\n').length, 1);
    }
  });
});
