import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFcClient, getFunction } from '../../../dev/fc-api';
import { main } from '../../../scripts/local/fc-api-stand-in';
import { captureIo } from '../../support/command-io';
import { occupyPort, startServing } from '../../support/serving-command';

/** The `export NAME=value` lines the stand-in prints for deploy:verify's shell. */
function readExports(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^export ([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
}

describe('npm run fc-api:stand-in', () => {
  it('serves the built functions under the prefix asked for, to a client with the variables it prints', async (t) => {
    const serving = startServing(main, ['--port', '0'], { FUNCTION_PREFIX: 'try', REGION: 'cn-shanghai' });
    t.after(() => serving.stop());
    await serving.printed(/Ctrl-C stops it/);
    const printed = serving.out.join('');
    assert.match(printed, /serving try-inbound, try-outbound, try-report\n/);
    const env = readExports(printed);
    const client = createFcClient({
      credentials: {
        accountId: env.ALIBABA_CLOUD_ACCOUNT_ID ?? '',
        accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '',
        accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '',
      },
      region: 'cn-shanghai',
      endpoint: env.FC_CLIENT_CUSTOM_ENDPOINT,
    });
    assert.equal((await getFunction(client, 'try-inbound')).functionName, 'try-inbound');
    assert.equal(await serving.stop(), 0);
    await assert.rejects(fetch(`${env.FC_CLIENT_CUSTOM_ENDPOINT}/`), 'it stops listening once stopped');
    assert.deepEqual(serving.err, []);
  });

  it('says in one line that the port is taken and how to pick another, exit 1', async () => {
    const taken = await occupyPort();
    try {
      const { io, out, err } = captureIo({ PORT: String(taken.port) });
      assert.equal(await main([], io), 1);
      assert.deepEqual(out, []);
      assert.deepEqual(err, [
        `fc-api:stand-in: port ${taken.port} is already in use (another server, perhaps this one started earlier): stop it, or pick another port with --port N or PORT=N, or leave both unset for a free port\n`,
      ]);
    } finally {
      await taken.close();
    }
  });
});
