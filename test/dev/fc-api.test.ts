/**
 * The FC 3.0 API client (dev/fc-api.ts) and its stand-in (dev/fc-api-server.ts): the stand-in's own
 * signature check agrees with fc2's signing, refuses what FC refuses, and the client turns every kind
 * of answer into a typed result or an FcApiError naming FC's code, message and request id.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  createFcClient,
  type FcApiClient,
  FcApiError,
  findHttpTriggerUrl,
  getFunction,
  invokeCallback,
  listTriggers,
} from '../../dev/fc-api';
import { composeStringToSign, type StandIn, startFcApiStandIn } from '../../dev/fc-api-server';

const ACCOUNT_ID = '1234567890123456';
const KEY_ID = 'LTAI-api-test';
const KEY_SECRET = 'api-test-secret';
const STS_KEY_ID = 'STS.api-test';
const STS_TOKEN = 'sts-token-api-test';

type Fc2Static = {
  getSignature(
    keyId: string,
    secret: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    queries: null,
  ): string;
};
const Fc2 = createRequire(import.meta.filename)('@alicloud/fc2') as Fc2Static;

function clientFor(
  endpoint: string,
  secret = KEY_SECRET,
  keyId = KEY_ID,
  securityToken?: string,
): FcApiClient {
  return createFcClient({
    credentials: {
      accountId: ACCOUNT_ID,
      accessKeyId: keyId,
      accessKeySecret: secret,
      ...(securityToken === undefined ? {} : { securityToken }),
    },
    region: 'cn-shanghai',
    endpoint,
    apiTimeoutMs: 5000,
    invokeTimeoutMs: 5000,
  });
}

/** Sends a request signed as fc2 signs it, with whatever headers a test wants to get wrong. */
async function sendSigned(
  endpoint: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string; sign?: boolean },
): Promise<{ status: number; requestId: string | null; body: Record<string, unknown> }> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = {
    date: new Date().toUTCString(),
    'x-fc-account-id': ACCOUNT_ID,
    ...options.headers,
  };
  if (options.body !== undefined && headers['content-md5'] === undefined) {
    headers['content-type'] = 'application/octet-stream';
    headers['content-md5'] = Buffer.from(createHash('md5').update(options.body).digest('hex')).toString(
      'base64',
    );
  }
  if (options.sign !== false) {
    headers.authorization = Fc2.getSignature(KEY_ID, KEY_SECRET, method, options.path, headers, null);
  }
  const response = await fetch(`${endpoint}${options.path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  return {
    status: response.status,
    requestId: response.headers.get('x-fc-request-id'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('the FC API stand-in', () => {
  let standIn: StandIn;

  before(async () => {
    standIn = await startFcApiStandIn({
      accountId: ACCOUNT_ID,
      accessKeys: { [KEY_ID]: KEY_SECRET, [STS_KEY_ID]: { secret: KEY_SECRET, securityToken: STS_TOKEN } },
      region: 'cn-shanghai',
      functions: [
        {
          name: 'echo',
          handler: async (event) => ({
            statusCode: 201,
            headers: { 'content-type': 'text/plain' },
            body: Buffer.from(`got ${event.length} bytes`).toString('base64'),
            isBase64Encoded: true,
          }),
        },
      ],
    });
  });
  after(() => standIn.close());

  it('signs the same string as fc2, computed on its own', () => {
    const headers = {
      date: 'Mon, 30 Nov 2026 12:00:00 GMT',
      'content-md5': 'abc',
      'content-type': 'application/octet-stream',
      'x-fc-account-id': ACCOUNT_ID,
      'x-fc-invocation-type': 'Sync',
      host: 'example',
    };
    const path = '/2023-03-30/functions/echo/invocations';
    assert.equal(
      composeStringToSign('POST', path, headers),
      `POST\nabc\napplication/octet-stream\n${headers.date}\nx-fc-account-id:${ACCOUNT_ID}\nx-fc-invocation-type:Sync\n${path}`,
    );
  });

  it('accepts what fc2 signs, and refuses a request without a signature', async () => {
    const signed = await sendSigned(standIn.endpoint, { path: '/2023-03-30/functions/echo' });
    assert.equal(signed.status, 200);
    assert.equal(signed.body.functionName, 'echo');
    const unsigned = await sendSigned(standIn.endpoint, { path: '/2023-03-30/functions/echo', sign: false });
    assert.equal(unsigned.status, 400);
    assert.deepEqual(unsigned.body, {
      ErrorCode: 'MissingRequiredHeader',
      ErrorMessage: 'required HTTP header authorization was not specified',
    });
    assert.match(unsigned.requestId ?? '', /^[\w-]{8,}$/);
  });

  it('refuses a body that is not the one signed, a stale date and another account', async () => {
    const path = '/2023-03-30/functions/echo/invocations';
    const md5 = Buffer.from(createHash('md5').update('{}').digest('hex')).toString('base64');
    const swapped = await sendSigned(standIn.endpoint, {
      method: 'POST',
      path,
      body: '{"other":1}',
      headers: { 'content-md5': md5, 'content-type': 'application/octet-stream' },
    });
    assert.equal(swapped.status, 400);
    assert.equal(swapped.body.ErrorCode, 'InvalidArgument');
    const stale = await sendSigned(standIn.endpoint, {
      path,
      headers: { date: new Date(Date.now() - 20 * 60_000).toUTCString() },
    });
    assert.equal(stale.status, 403);
    assert.equal(stale.body.ErrorCode, 'RequestTimeTooSkewed');
    const otherAccount = await sendSigned(standIn.endpoint, { path, headers: { 'x-fc-account-id': '999' } });
    assert.equal(otherAccount.status, 403);
    assert.equal(otherAccount.body.ErrorCode, 'AccessDenied');
  });

  it('refuses other API versions, unknown operations and the wrong method', async () => {
    for (const [method, path] of [
      ['GET', '/2016-08-15/services/s/functions/echo'],
      ['GET', '/2023-03-30/functions/echo/versions'],
      ['GET', '/2023-03-30/functions/echo/invocations'],
      ['POST', '/2023-03-30/functions/echo/triggers'],
    ] as const) {
      const reply = await sendSigned(standIn.endpoint, {
        method,
        path,
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      assert.equal(reply.status, 400, `${method} ${path}`);
      assert.equal(reply.body.ErrorCode, 'PathNotSupported', `${method} ${path}`);
    }
  });

  it('serves the client: the function, its HTTP trigger, an invocation with a base64 result', async () => {
    const client = clientFor(standIn.endpoint);
    assert.equal((await getFunction(client, 'echo')).runtime, 'nodejs20');
    const triggers = await listTriggers(client, 'echo');
    assert.equal(findHttpTriggerUrl(triggers), 'https://echo-3456.cn-shanghai.fcapp.run');
    const result = await invokeCallback(client, 'echo', Buffer.from('0123456789'));
    assert.deepEqual(result, {
      statusCode: 201,
      headers: { 'content-type': 'text/plain' },
      body: 'got 10 bytes',
      isBase64Encoded: false,
    });
  });

  it('requires the security token of STS keys, which the client sends', async () => {
    const withToken = clientFor(standIn.endpoint, KEY_SECRET, STS_KEY_ID, STS_TOKEN);
    assert.equal((await getFunction(withToken, 'echo')).functionName, 'echo');
    const wrongToken = clientFor(standIn.endpoint, KEY_SECRET, STS_KEY_ID, 'another-token');
    await assert.rejects(getFunction(wrongToken, 'echo'), {
      name: 'FcApiError',
      code: 'InvalidSecurityToken',
    });
  });

  it('names FC’s error code, HTTP status and request id in the client’s errors', async () => {
    const client = clientFor(standIn.endpoint);
    const error = await getFunction(client, 'missing').then(
      () => assert.fail('resolved'),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof FcApiError);
    assert.equal(error.code, 'FunctionNotFound');
    assert.equal(error.status, 404);
    assert.match(
      error.describe(),
      /^FunctionNotFound \(HTTP 404\): GetFunction missing: function 'missing' does not exist \[request id [\w-]+\]$/,
    );
    await assert.rejects(listTriggers(clientFor(standIn.endpoint, 'wrong'), 'echo'), {
      code: 'SignatureNotMatch',
      status: 403,
    });
  });

  it('answers a path that is not valid percent-encoding with FC’s error JSON, and keeps serving', async () => {
    for (const path of ['/%E0%A4%A', '/2023-03-30/functions/%ZZ', '//[']) {
      const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const { port } = new URL(standIn.endpoint);
        const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(reply.status, 400, path);
      assert.equal(JSON.parse(reply.body).ErrorCode, 'InvalidArgument', path);
    }
    const signed = await sendSigned(standIn.endpoint, { path: '/2023-03-30/functions/echo' });
    assert.equal(signed.status, 200);
  });

  it('refuses a function name that is not FC’s before sending anything', async () => {
    const before = standIn.requests.length;
    await assert.rejects(getFunction(clientFor(standIn.endpoint), '../services'), /not an FC function name/);
    assert.equal(standIn.requests.length, before);
  });
});

describe('the FC API client against replies FC never sends', () => {
  let server: Server;
  let endpoint: string;
  /** What the next request gets: status, content type and body. */
  let next: { status: number; type: string; body: string; delayMs?: number };
  /** Or, when set, how the next request is answered. */
  let custom: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  beforeEach(() => {
    custom = undefined;
  });
  const impatientClient = (apiTimeoutMs: number) =>
    createFcClient({
      credentials: { accountId: ACCOUNT_ID, accessKeyId: KEY_ID, accessKeySecret: KEY_SECRET },
      region: 'cn-shanghai',
      endpoint,
      apiTimeoutMs,
    });
  before(async () => {
    server = createServer((req, res) => {
      if (custom !== undefined) return custom(req, res);
      const answer = () => {
        res.writeHead(next.status, { 'content-type': next.type, 'x-fc-request-id': 'req-junk' });
        res.end(next.body);
      };
      if (next.delayMs === undefined) answer();
      else setTimeout(answer, next.delayMs).unref();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );

  it('says a JSON reply that is not JSON is an invalid reply', async () => {
    next = { status: 200, type: 'application/json', body: '{"triggers": [' };
    await assert.rejects(listTriggers(clientFor(endpoint), 'f'), { code: 'InvalidReply' });
  });

  it('says which field of a reply is wrong', async () => {
    next = {
      status: 200,
      type: 'application/json',
      body: '{"triggers":[{"triggerName":1,"triggerType":"http"}]}',
    };
    await assert.rejects(listTriggers(clientFor(endpoint), 'f'), (error: FcApiError) => {
      assert.equal(error.code, 'InvalidReply');
      assert.match(error.message, /at triggers\.0\.triggerName/);
      assert.equal(error.requestId, 'req-junk');
      return true;
    });
  });

  it('says an invocation result that is not an HTTP result is an invalid reply', async () => {
    next = { status: 200, type: 'application/octet-stream', body: '{"statusCode":"200"}' };
    await assert.rejects(invokeCallback(clientFor(endpoint), 'f', Buffer.from('{}')), {
      code: 'InvalidReply',
      message: /InvokeFunction f: unexpected reply at statusCode/,
    });
  });

  it('refuses a result larger than it reads', async () => {
    next = { status: 200, type: 'application/octet-stream', body: `"${'x'.repeat(1024 * 1024 + 1)}"` };
    await assert.rejects(invokeCallback(clientFor(endpoint), 'f', Buffer.from('{}')), {
      code: 'InvalidReply',
      message: /larger than 1048576 bytes/,
    });
  });

  it('gives up on an endpoint that does not answer in time', async () => {
    next = { status: 200, type: 'application/json', body: '{}', delayMs: 2000 };
    await assert.rejects(getFunction(impatientClient(100), 'f'), { code: 'Timeout' });
  });

  /** Resolves when the server sees the client's connection closed. */
  const closedBy = (req: IncomingMessage) =>
    new Promise<void>((resolve) => req.socket.once('close', () => resolve()));

  it('asks for an uncompressed reply and refuses a compressed one without inflating it', async () => {
    // 16 MB of zeros in about 16 KB: inflated, a bomb of that ratio took the process down.
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    let acceptEncoding: string | undefined;
    custom = (req, res) => {
      acceptEncoding = req.headers['accept-encoding'];
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(bomb);
    };
    await assert.rejects(getFunction(clientFor(endpoint), 'f'), {
      code: 'InvalidReply',
      message: /GetFunction f: the reply is compressed \(gzip\)/,
    });
    assert.equal(acceptEncoding, 'identity');
  });

  it('stops reading a reply at its limit, as the bytes arrive', async () => {
    const limit = 64 * 1024 * 1024;
    let written = 0;
    let closed: Promise<void> = Promise.resolve();
    custom = (req, res) => {
      closed = closedBy(req);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (written < limit && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    };
    await assert.rejects(invokeCallback(clientFor(endpoint), 'f', Buffer.from('{}')), {
      code: 'InvalidReply',
      message: /larger than 1048576 bytes/,
    });
    await closed;
    assert.ok(written < 16 * 1024 * 1024, `the server wrote ${written} bytes before the client hung up`);
  });

  it('closes the connection of an endpoint that trickles its reply when the deadline passes', {
    timeout: 5000,
  }, async () => {
    let closed: Promise<void> = Promise.resolve();
    custom = (req, res) => {
      closed = closedBy(req);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      const drip = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(drip));
    };
    await assert.rejects(getFunction(impatientClient(150), 'f'), { code: 'Timeout' });
    // Settled is not enough: the socket must be gone too, or the CLI never exits.
    await closed;
  });
});
