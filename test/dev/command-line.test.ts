/**
 * dev/command-line.ts `exitWhenDone`: a script whose `main` has returned ends with its exit code, even
 * when something it forgot (here a connection held open by a server that never answers) would keep
 * node's event loop alive for ever.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/fc-event';

/** A script that opens a connection nobody closes, then returns 3 from its "main". */
const SCRIPT = `
import { createServer, request } from 'node:http';
import { exitWhenDone } from ${JSON.stringify(join(ROOT, 'dev', 'command-line.ts'))};
import type { AddressInfo } from 'node:net';
const server = createServer(() => {}).listen(0, '127.0.0.1', () => {
  request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port }).end();
  process.stdout.write('done\\n');
  exitWhenDone(3, 50);
});
`;

describe('exitWhenDone', () => {
  it('ends the process with main’s code although a socket is still open', { timeout: 20_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'exit-when-done-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const script = join(dir, 'script.ts');
    writeFileSync(script, SCRIPT);
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => child.kill());
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    // Without it the child would never end: the test's own timeout stops it and fails.
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(stdout, 'done\n');
    assert.equal(code, 3);
  });
});
