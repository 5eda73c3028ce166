import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as v from 'valibot';
import { LookupRoutesSchema } from '../../../dev/lookup-server';
import { DEFAULT_ROUTES, describeStandIn, main } from '../../../scripts/local/lookup-stand-in';
import { parseYaml } from '../../../shared/rules/yaml-parser';
import { captureIo } from '../../support/command-io';
import { ROOT } from '../../support/fc-event';
import { occupyPort, startServing } from '../../support/serving-command';

const folder = mkdtempSync(join(tmpdir(), 'lookup-stand-in-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** A file of the folder with `text`; its path. */
function write(name: string, text: string): string {
  const file = join(folder, name);
  writeFileSync(file, text);
  return file;
}

describe('npm run lookup:stand-in', () => {
  it('serves its own table on a free port until stopped, printing one line per request', async (t) => {
    const serving = startServing(main, []);
    t.after(() => serving.stop());
    const url = await serving.printed(/Lookup stand-in on (\S+),/);
    const response = await fetch(`${url}/balance?mode=ok`, { headers: { authorization: 'Bearer s3cret' } });
    assert.deepEqual(await response.json(), DEFAULT_ROUTES['/balance']?.answer);
    await serving.printed(/GET \/balance\?mode=ok \(ok\)\n/);
    assert.ok(!serving.out.join('').includes('s3cret'), 'no header is printed');
    assert.equal(await serving.stop(), 0);
    await assert.rejects(fetch(`${url}/balance`), 'it stops listening once stopped');
    assert.deepEqual(serving.err, []);
  });

  it('serves the answers of a YAML file', async (t) => {
    const file = write('lookups.yaml', '/account:\n  answer: {owner: A}\n/down:\n  mode: "status:503"\n');
    const serving = startServing(main, ['--answers', file, '--port', '0']);
    t.after(() => serving.stop());
    const url = await serving.printed(/Lookup stand-in on (\S+),/);
    assert.deepEqual(await (await fetch(`${url}/account`)).json(), { owner: 'A' });
    assert.equal((await fetch(`${url}/down`)).status, 503);
    assert.match(serving.out.join(''), /\n {2}\/down {5}status:503: \{\}\n/);
  });

  it('refuses an answers file it cannot read or that says something else, one line per mistake, exit 1', async () => {
    const json = write('bad.json', JSON.stringify({ account: {}, '/b': { mode: 'sideways' } }));
    const { io, out, err } = captureIo();
    assert.equal(await main(['--answers', json], io), 1);
    assert.deepEqual(out, []);
    const lines = err.join('').trimEnd().split('\n');
    assert.equal(lines.length, 2, err.join(''));
    assert.match(lines.join('\n'), /bad\.json: account: a path starts with \//);
    assert.match(lines.join('\n'), /bad\.json: \/b\.mode: a mode is one of ok, hang/);
    const missing = captureIo();
    assert.equal(await main(['--answers', join(folder, 'none.yaml')], missing.io), 1);
    assert.match(missing.err.join(''), /^lookup:stand-in: .*none\.yaml: cannot read it \(ENOENT\)\n$/);
  });

  it('says in one line that the port is taken (exit 1), and refuses a port that is none (exit 2)', async () => {
    const taken = await occupyPort();
    try {
      const { io, err } = captureIo();
      assert.equal(await main(['--port', String(taken.port)], io), 1);
      assert.match(err.join(''), new RegExp(`^lookup:stand-in: port ${taken.port} is already in use`));
    } finally {
      await taken.close();
    }
    const { io, err } = captureIo();
    assert.equal(await main(['--port', 'x'], io), 2);
    assert.match(err.join(''), /^lookup:stand-in: --port: a port is a whole number/);
  });

  it('names each path of its banner with its mode and answer', () => {
    const banner = describeStandIn('http://127.0.0.1:1', DEFAULT_ROUTES);
    assert.ok(banner.includes('  /balance  ok: {"balance":128.5,"currency":"CNY"}'));
    assert.ok(banner.includes('  /echo     ok: the request itself'));
  });
});

describe('the answers file docs/testing.md serves the simulator with', () => {
  it('is a valid answers file that answers the path the fixture lookup asks for', () => {
    const file = join(ROOT, 'test/fixtures/lookups/answers.yaml');
    const routes = v.parse(LookupRoutesSchema, parseYaml(readFileSync(file, 'utf8')));
    const rules = parseYaml(readFileSync(join(ROOT, 'test/fixtures/lookups/balance.yaml'), 'utf8')) as {
      lookups: { account: { url: string } };
    };
    assert.ok(Object.hasOwn(routes, new URL(rules.lookups.account.url).pathname));
  });
});
