import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLocalServer, describeUsage, loadBuiltHandlers, main } from '../../../scripts/local/serve';
import callin from '../../fixtures/callbacks/callin.json';
import { captureIo } from '../../support/command-io';
import { captureLogs, setFunctionEnvironment } from '../../support/fc-event';
import { occupyPort, startServing } from '../../support/serving-command';

/** `npm start` without its build: the suite built dist/ once, and other files load it meanwhile. */
function mainBuilt(builds: string[] = []) {
  return (argv: readonly string[], io: Parameters<typeof main>[1]) =>
    main(argv, io, {
      build: async () => {
        builds.push('build');
      },
    });
}

describe('npm start', () => {
  it('builds, then serves the functions on the port asked for until stopped', async (t) => {
    // The bundles read the environment on their first request: none of another test's settings.
    setFunctionEnvironment();
    const builds: string[] = [];
    const serving = startServing(mainBuilt(builds), ['--port', '0'], {});
    // A failed assertion still stops the server, or it would keep the suite's process alive.
    t.after(() => serving.stop());
    const base = await serving.printed(
      /serving \/inbound, \/outbound, \/report on (http:\/\/127\.0\.0\.1:\d+)/,
    );
    assert.deepEqual(builds, ['build']);
    const { result } = await captureLogs(async () => {
      const response = await fetch(`${base}/inbound`, { method: 'POST', body: new URLSearchParams(callin) });
      return (await response.json()) as { data: { action: string } };
    });
    assert.equal(result.data.action, 'answer');
    assert.equal(await serving.stop(), 0);
    await assert.rejects(fetch(`${base}/inbound`), 'it stops listening once stopped');
    assert.deepEqual(serving.out, [], 'the banner is on stderr: stdout is the functions’ log');
  });

  it('takes the port from PORT when --port is not given', async (t) => {
    const taken = await occupyPort();
    await taken.close();
    const serving = startServing(mainBuilt(), [], { PORT: String(taken.port) });
    t.after(() => serving.stop());
    assert.equal(await serving.printed(/on http:\/\/127\.0\.0\.1:(\d+)/), String(taken.port));
    assert.equal(await serving.stop(), 0);
  });

  it('says in one line that the port is taken and how to pick another, before building, exit 1', async () => {
    const taken = await occupyPort();
    try {
      const { io, out, err } = captureIo({});
      const builds: string[] = [];
      assert.equal(await mainBuilt(builds)(['--port', String(taken.port)], io), 1);
      assert.deepEqual(builds, [], 'nothing is built for a port that cannot be had');
      assert.deepEqual(out, []);
      assert.deepEqual(err, [
        `start: port ${taken.port} is already in use (another server, perhaps this one started earlier): stop it, or pick another port with --port N (npm start -- --port 9001) or PORT=N\n`,
      ]);
    } finally {
      await taken.close();
    }
  });

  it('refuses a port that is not one before building anything, exit 2', async () => {
    const builds: string[] = [];
    for (const [argv, env, wanted] of [
      [['--port', '99999'], {}, /^start: --port: a port is a whole number from 0 to 65535; not 99999 \(see/],
      [[], { PORT: 'http' }, /^start: PORT: a port is a whole number from 0 to 65535; not http \(see/],
    ] as const) {
      const { io, err } = captureIo(env);
      assert.equal(await mainBuilt(builds)(argv, io), 2);
      assert.match(err.join(''), wanted);
    }
    assert.deepEqual(builds, []);
  });
});

describe('local server', () => {
  const server = createLocalServer(loadBuiltHandlers());
  let base = '';
  before(async () => {
    // The bundles read the environment on their first request: none of another test's settings.
    setFunctionEnvironment();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves the built inbound bundle: a form POST gets the answer to a callin', async () => {
    const { result } = await captureLogs(async () => {
      const response = await fetch(`${base}/inbound`, { method: 'POST', body: new URLSearchParams(callin) });
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        body: (await response.json()) as { data: { action: string } },
      };
    });
    assert.equal(result.status, 200);
    assert.equal(result.type, 'application/json;charset=UTF-8');
    assert.equal(result.body.data.action, 'answer');
  });

  it('passes the query string through, as the trigger does', async () => {
    const { result } = await captureLogs(async () => {
      const response = await fetch(`${base}/inbound?${new URLSearchParams(callin)}`, { method: 'POST' });
      return (await response.json()) as { data: { action: string } };
    });
    assert.equal(result.data.action, 'answer');
  });

  it('answers the status of each function on GET', async () => {
    for (const name of ['inbound', 'outbound', 'report']) {
      const response = await fetch(`${base}/${name}`);
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { function: string }).function, name);
    }
  });

  it('says which paths exist when asked for another', async () => {
    const response = await fetch(`${base}/nope`);
    assert.equal(response.status, 404);
    assert.match(((await response.json()) as { msg: string }).msg, /\/inbound, \/outbound, \/report/);
  });
});

describe('npm start’s banner', () => {
  it('names what it serves: the default hotline, or the rules in RULES, in OSS or in a file', () => {
    const none = { rulesJson: undefined, rulesUrl: undefined, rulesFile: undefined, callbackSecrets: [] };
    assert.match(
      describeUsage(9000, ['inbound'], none)[0] ?? '',
      /answering with the embedded default hotline$/,
    );
    const file = { ...none, rulesFile: 'examples/bank-card-service.yaml' };
    assert.match(
      describeUsage(9000, ['inbound'], file)[0] ?? '',
      /answering with the rules in examples\/bank-card-service\.yaml$/,
    );
    assert.match(
      describeUsage(9000, ['inbound'], { ...none, rulesJson: '{}' })[0] ?? '',
      /the rules in RULES$/,
    );
    assert.match(
      describeUsage(9000, ['inbound'], { ...none, rulesUrl: { bucket: 'vms-rules', key: 'a/b.json' } })[0] ??
        '',
      /the rules in oss:\/\/vms-rules\/a\/b\.json \(the status at \/inbound says whether they loaded\)$/,
    );
  });

  it('prints a curl that gets an answer as printed, with the secret when secrets are set', async () => {
    const secret = 'banner-test-secret-0123';
    setFunctionEnvironment({ CALLBACK_SECRETS: secret });
    const server = createLocalServer(loadBuiltHandlers());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const lines = describeUsage(port, ['inbound'], {
        rulesJson: undefined,
        rulesUrl: undefined,
        rulesFile: undefined,
        callbackSecrets: [secret],
      });
      const curl = lines.find((line) => line.trim().startsWith('curl')) ?? '';
      const url = curl.match(/curl -s (\S+)/)?.[1] ?? '';
      const form = new URLSearchParams(
        [...curl.matchAll(/--data-urlencode '?([^=' ]+)=([^']*?)'?(?= --|$)/g)].map((m): [string, string] => [
          m[1] ?? '',
          m[2] ?? '',
        ]),
      );
      const { result } = await captureLogs(async () => {
        const response = await fetch(url, { method: 'POST', body: form });
        return { status: response.status, body: (await response.json()) as { data?: { action?: string } } };
      });
      assert.equal(result.status, 200, `${url} ${form}`);
      assert.equal(result.body.data?.action, 'answer');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      setFunctionEnvironment();
    }
  });
});
