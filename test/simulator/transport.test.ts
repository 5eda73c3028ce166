/**
 * What the simulator's remote transports (dev/simulator/transport.ts) print: no secret — given with
 * `--secret`, written into the `--url`, or echoed by FC — and no control characters from a reply.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFcClient } from '../../dev/fc-api';
import { createFcTransport, createUrlTransport } from '../../dev/simulator/transport';
import { ROOT } from '../support/fc-event';
import { runSimulator } from '../support/simulate-cli';

const PARAMS = { call_id: 'c1', content_type: 'callin', content: '{}', timestamp: '0' };
const PATH_SECRET = 'secret-in-the-path-0123';
const TOKEN_SECRET = 'secret-as-the-token-4567';
const SCENARIOS = join(ROOT, 'test', 'fixtures', 'scenarios', 'replies-only.scenarios.yaml');
/** A port nothing listens on: every send fails, and says so. */
const NOWHERE = 'http://127.0.0.1:9';

describe('the simulator’s remote transports', () => {
  let server: Server;
  let endpoint: string;
  before(async () => {
    // An FC API that refuses everything, echoing the path with a terminal escape and a bell in its message.
    server = createServer((req, res) => {
      res.writeHead(404, { 'content-type': 'application/json', 'x-fc-request-id': 'r-1' });
      res.end(
        JSON.stringify({
          ErrorCode: 'FunctionNotFound',
          ErrorMessage: `\u001b[31mno function at ${req.url} for /inbound/${PATH_SECRET}\u0007\r\nforged line`,
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('--url: prints neither a secret written into the URL nor the --secret', async () => {
    for (const [url, secret] of [
      [`${NOWHERE}/{fn}/${PATH_SECRET}`, undefined],
      [`${NOWHERE}/inbound/${PATH_SECRET}?token=${TOKEN_SECRET}`, undefined],
      [`${NOWHERE}/hook/${TOKEN_SECRET}`, TOKEN_SECRET],
    ] as const) {
      const transport = createUrlTransport(url, secret);
      const delivery = await transport.send('inbound', PARAMS, 0);
      assert.equal(delivery.status, 0);
      for (const printed of [transport.describe, delivery.body]) {
        assert.doesNotMatch(printed, /secret-(in|as)-the/, printed);
        assert.match(printed, /<secret>/, printed);
      }
      assert.match(delivery.body, /^no answer from http:\/\/127\.0\.0\.1:9\//);
    }
  });

  it('--fc: prints FC’s error without control characters and without the secret', async () => {
    const client = createFcClient({
      credentials: { accountId: '1', accessKeyId: 'LTAI-t', accessKeySecret: 's' },
      region: 'cn-hangzhou',
      endpoint,
      invokeTimeoutMs: 5000,
    });
    const delivery = await createFcTransport(client, 'f-{fn}', PATH_SECRET).send('inbound', PARAMS, 0);
    assert.equal(delivery.status, 0);
    assert.match(delivery.body, /FunctionNotFound \(HTTP 404\): InvokeFunction f-inbound: .*no function at/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them is the point
    assert.doesNotMatch(delivery.body, /[\u0000-\u001f\u007f]/);
    assert.doesNotMatch(delivery.body, new RegExp(PATH_SECRET));
  });

  it('refuses an empty --secret, which would have every callback refused', async () => {
    for (const remote of [
      ['--url', `${NOWHERE}/{fn}`],
      ['--fc', 'f-{fn}'],
    ]) {
      const result = await runSimulator(['run', SCENARIOS, '--secret', '', ...remote]);
      assert.equal(result.status, 2, remote.join(' '));
      assert.match(result.stderr, /--secret is empty/);
    }
  });
});
