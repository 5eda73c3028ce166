import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { send } from '../../../dev/custom-runtime-client';
import { ROOT } from '../../../dev/fc-event';
import {
  createCustomRuntimeServer,
  DEFAULT_DEADLINE_MS,
  DEFAULT_MAX_BODY_BYTES,
  type EventHandler,
  sendAnswer,
} from '../../../functions/custom-runtime/server';
import { maxBodyBytes as inboundLimit } from '../../../functions/inbound';
import { maxBodyBytes as outboundLimit } from '../../../functions/outbound';
import { maxBodyBytes as reportLimit } from '../../../functions/report';
import { MAX_BODY_BYTES } from '../../../shared/protocol/http';
import { MAX_REPORT_BODY_BYTES } from '../../../shared/report/handle-report';
import { viaCustomRuntime } from '../../support/custom-runtime-invoker';
import { type FcHandler, formCallback, loadWithEnv } from '../../support/fc-event';

const servers: Server[] = [];
after(() =>
  Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))),
);

/** A server around `handler` on 127.0.0.1, port 0, with the lines it logs. */
async function serve(
  handler: EventHandler,
  options: { maxBodyBytes?: number; deadlineMs?: number; env?: Record<string, string> } = {},
): Promise<{ port: number; server: Server; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const server = createCustomRuntimeServer(handler, {
    env: {},
    ...options,
    now: () => 1_000,
    writeLog: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server, lines };
}

const echo: EventHandler = async (event, context) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ event: JSON.parse(event.toString()), context }),
  isBase64Encoded: false,
});

describe('custom runtime server', () => {
  it('hands the handler the event and context of the built-in runtime, and returns its answer', async () => {
    const { port, server } = await serve(echo);
    assert.equal(server.keepAliveTimeout, 0);
    const result = await send(port, {
      method: 'POST',
      path: '/inbound/s?token=t',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-fc-request-id': 'req-9',
        'x-fc-access-key-id': 'id',
        'x-fc-access-key-secret': 'secret-value',
        'x-fc-security-token': 'token-value',
      },
      body: Buffer.from('call_id=1%5E2'),
    });
    assert.equal(result.statusCode, 200);
    const { event, context } = JSON.parse(result.body) as {
      event: Record<string, unknown>;
      context: Record<string, unknown>;
    };
    assert.equal(event.rawPath, '/inbound/s');
    assert.deepEqual(event.queryParameters, { token: 't' });
    assert.equal(Buffer.from(event.body as string, 'base64').toString(), 'call_id=1%5E2');
    assert.equal((event.requestContext as { requestId: string }).requestId, 'req-9');
    assert.equal((event.requestContext as { timeEpoch: string }).timeEpoch, '1000');
    assert.ok(!JSON.stringify(event).includes('secret-value'));
    assert.ok(!JSON.stringify(event).includes('token-value'));
    assert.deepEqual(context.credentials, {
      accessKeyId: 'id',
      accessKeySecret: 'secret-value',
      securityToken: 'token-value',
    });
  });

  it("reads no more than each function's handler takes: every bundle exports its own limit", () => {
    assert.equal(inboundLimit, MAX_BODY_BYTES);
    assert.equal(outboundLimit, MAX_BODY_BYTES);
    assert.equal(reportLimit, MAX_REPORT_BODY_BYTES);
    assert.equal(DEFAULT_MAX_BODY_BYTES, Math.max(MAX_BODY_BYTES, MAX_REPORT_BODY_BYTES));
    assert.equal(DEFAULT_DEADLINE_MS, 10_000);
  });

  it('answers an event invocation (POST /invoke) with the result of the event in its body', async () => {
    const seen: string[] = [];
    const { port } = await serve(
      async (event, context) => {
        seen.push(event.toString());
        return { statusCode: 200, body: 'ok', context };
      },
      { maxBodyBytes: 100 },
    );
    const event = JSON.stringify({ version: 'v1', rawPath: '/', body: 'x'.repeat(120) });
    for (const headers of [{}, { 'x-fc-control-path': '/invoke' }]) {
      const answer = await send(port, {
        method: 'POST',
        path: '/invoke',
        headers: { ...headers, 'x-fc-request-id': 'inv-1', 'content-type': 'application/octet-stream' },
        body: Buffer.from(event),
      });
      assert.equal(answer.statusCode, 200);
      assert.deepEqual(JSON.parse(answer.body), {
        statusCode: 200,
        body: 'ok',
        context: { requestId: 'inv-1' },
      });
    }
    assert.deepEqual(seen, [event, event]);
    // Over the limit of an event (the base64 of 100 bytes and 64 KB) it is refused unread.
    const huge = await send(port, {
      method: 'POST',
      path: '/invoke',
      headers: {},
      body: Buffer.alloc(70_000),
    });
    // A failed event invocation says so to FC: 404 and x-fc-status.
    assert.equal(huge.statusCode, 404);
    assert.equal(huge.headers?.['x-fc-status'], '404');
    assert.equal(seen.length, 2);
    const { port: crashing } = await serve(async () => {
      throw new Error('boom');
    });
    const crashed = await send(crashing, {
      method: 'POST',
      path: '/invoke',
      headers: {},
      body: Buffer.from('{}'),
    });
    assert.equal(crashed.statusCode, 404);
    assert.equal(crashed.headers?.['x-fc-status'], '404');
    // Through the HTTP trigger (FC's control path), /invoke is an ordinary path, and a crash a 500.
    const viaTrigger = await send(crashing, {
      method: 'POST',
      path: '/invoke',
      headers: { 'x-fc-control-path': '/http-invoke' },
      body: Buffer.from('{}'),
    });
    assert.equal(viaTrigger.statusCode, 500);
    assert.equal(viaTrigger.headers?.['x-fc-status'], undefined);
  });

  it("puts FC's per-request keys in the context, and the region of the environment", async () => {
    const { port } = await serve(echo, {
      env: {
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-id',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret',
        ALIBABA_CLOUD_SECURITY_TOKEN: 'env-token',
        FC_REGION: 'cn-hangzhou',
      },
    });
    const answer = await send(port, {
      method: 'POST',
      path: '/',
      headers: {
        'x-fc-access-key-id': 'STS.fresh',
        'x-fc-access-key-secret': 'fresh-secret',
        'x-fc-security-token': 'fresh-token',
        'x-fc-region': 'us-west-1',
      },
      body: Buffer.from('x'),
    });
    const { context } = JSON.parse(answer.body) as { context: Record<string, unknown> };
    assert.deepEqual(context, {
      credentials: {
        accessKeyId: 'STS.fresh',
        accessKeySecret: 'fresh-secret',
        securityToken: 'fresh-token',
      },
    });
    // An event invocation gets the same context.
    const event = await send(port, {
      method: 'POST',
      path: '/invoke',
      headers: {
        'x-fc-control-path': '/invoke',
        'x-fc-access-key-id': 'STS.fresh',
        'x-fc-access-key-secret': 'fresh-secret',
        'x-fc-security-token': 'fresh-token',
      },
      body: Buffer.from('{}'),
    });
    assert.equal(event.statusCode, 200);
    const result = JSON.parse(event.body) as { body: string };
    assert.deepEqual((JSON.parse(result.body) as { context: unknown }).context, {
      credentials: {
        accessKeyId: 'STS.fresh',
        accessKeySecret: 'fresh-secret',
        securityToken: 'fresh-token',
      },
    });
    // Keys without their token cannot sign: the environment's are used (the context has none).
    const tokenless = await send(port, {
      method: 'POST',
      path: '/',
      headers: { 'x-fc-access-key-id': 'STS.fresh', 'x-fc-access-key-secret': 'fresh-secret' },
      body: Buffer.from('x'),
    });
    assert.deepEqual((JSON.parse(tokenless.body) as { context: unknown }).context, {});
  });

  it('stays up when Node refuses an answer: a plain 500 instead, logged once', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = (_level: string, msg: string, fields: Record<string, unknown>) =>
      lines.push({ msg, ...fields });
    const server = createServer((_req, res) =>
      sendAnswer(res, { status: 200, headers: { 'x-name': '张三' }, body: Buffer.from('ok') }, log),
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const answer = await send(port, { method: 'GET', path: '/', headers: {}, body: Buffer.alloc(0) });
    assert.equal(answer.statusCode, 500);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.msg, 'answer could not be sent');
    // And through the whole server, a handler's header past Latin-1 is dropped.
    const named = await serve(async () => ({ statusCode: 200, headers: { 'x-name': '张三' }, body: 'ok' }));
    const through = await send(named.port, { method: 'GET', path: '/', headers: {}, body: Buffer.alloc(0) });
    assert.equal(through.statusCode, 200);
    assert.equal(through.headers['x-name'], undefined);
  });

  it('refuses a body over its limit with 413, declared or streamed, without calling the handler', async () => {
    let calls = 0;
    const { port, lines } = await serve(
      async (event, context) => {
        calls++;
        return echo(event, context);
      },
      { maxBodyBytes: 100 },
    );
    const declared = await send(port, {
      method: 'POST',
      path: '/',
      headers: {},
      body: Buffer.alloc(101, 0x61),
    });
    assert.equal(declared.statusCode, 413);
    assert.equal(JSON.parse(declared.body).msg, 'body is larger than 100 bytes');
    const streamed = await send(port, {
      method: 'POST',
      path: '/',
      headers: { 'transfer-encoding': 'chunked' },
      body: Buffer.alloc(5000, 0x61),
    });
    assert.equal(streamed.statusCode, 413);
    assert.equal(calls, 0);
    assert.equal(lines.filter((line) => line.status === 413).length, 2);
  });

  it('answers 500 with no internals when the handler throws or returns what FC would not take', async () => {
    const thrown = await serve(async () => {
      throw new TypeError('secret detail 13912345678');
    });
    const answer = await send(thrown.port, {
      method: 'POST',
      path: '/',
      headers: {},
      body: Buffer.from('x'),
    });
    assert.equal(answer.statusCode, 500);
    assert.deepEqual(JSON.parse(answer.body), { result: 'fail', msg: 'internal error', data: {} });
    assert.equal(thrown.lines.length, 1);
    assert.deepEqual(thrown.lines[0]?.error, { name: 'TypeError' });
    assert.ok(!JSON.stringify(thrown.lines).includes('secret detail'));
    const odd = await serve(async () => ({ statusCode: 'ok' }));
    assert.equal(
      (await send(odd.port, { method: 'GET', path: '/', headers: {}, body: Buffer.alloc(0) })).statusCode,
      500,
    );
  });

  it('answers 504 once the deadline passes, and the lifecycle calls at once', async () => {
    const { port, lines } = await serve(() => new Promise(() => {}), { deadlineMs: 20 });
    const slow = await send(port, {
      method: 'POST',
      path: '/',
      headers: { 'x-fc-request-id': 'r' },
      body: Buffer.from('x'),
    });
    assert.equal(slow.statusCode, 504);
    assert.equal(lines[0]?.requestId, 'r');
    for (const [method, path] of [
      ['POST', '/initialize'],
      ['GET', '/pre-stop'],
    ] as const) {
      const answer = await send(port, { method, path, headers: {}, body: Buffer.alloc(0) });
      assert.equal(answer.statusCode, 200);
      assert.equal(answer.body, '');
    }
  });

  it('answers a request HTTP cannot parse with 400 and stays up', async () => {
    const { port } = await serve(echo);
    const { connect } = await import('node:net');
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end('NOT HTTP\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
      });
      socket.on('close', () => resolve(text));
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    assert.equal(
      (await send(port, { method: 'GET', path: '/', headers: {}, body: Buffer.alloc(0) })).statusCode,
      200,
    );
  });
});

describe('custom runtime server with many calls in flight', () => {
  const STATE_SECRETS = 'state-key-for-tests-0001';
  let alone: FcHandler;
  let shared: FcHandler;
  before(async () => {
    alone = await loadWithEnv('inbound', { STATE_SECRETS, LOG_LEVEL: 'error' });
    shared = await viaCustomRuntime(await loadWithEnv('inbound', { STATE_SECRETS, LOG_LEVEL: 'error' }));
  });

  /** Three events of call `index`: the replies, sealed states left out (their nonces differ). */
  async function playCall(handler: FcHandler, index: number): Promise<unknown[]> {
    const callId = `${140000000000 + index}^${150000000000 + index}`;
    const events: [string, Record<string, string>][] = [
      ['callin', { caller: `1391234${String(index).padStart(4, '0')}`, callee: '4001234567' }],
      index % 2 === 0
        ? ['dtmf', { dtmf: String(index % 10) }]
        : ['normal', { words: index % 4 === 1 ? '查询' : '人工' }],
      ['mute', {}],
    ];
    const replies: unknown[] = [];
    let dynamicId: string | undefined;
    for (const [type, content] of events) {
      const result = await handler(
        formCallback({
          call_id: callId,
          content_type: type,
          content: JSON.stringify(dynamicId === undefined ? content : { ...content, dynamic_id: dynamicId }),
        }),
      );
      assert.equal(result.statusCode, 200, result.body);
      const { data } = JSON.parse(result.body) as { data: Record<string, unknown> };
      dynamicId = data.dynamic_id as string | undefined;
      const { dynamic_id: _sealed, ...rest } = data;
      replies.push(rest);
    }
    return replies;
  }

  it('answers 50 calls in flight at once as it answers them one at a time', async () => {
    const indexes = Array.from({ length: 50 }, (_, index) => index);
    const oneByOne: unknown[][] = [];
    for (const index of indexes) oneByOne.push(await playCall(alone, index));
    const together = await Promise.all(indexes.map((index) => playCall(shared, index)));
    assert.deepEqual(together, oneByOne);
    // Not all alike: the calls went different ways.
    assert.ok(new Set(oneByOne.map((replies) => JSON.stringify(replies))).size > 2);
  });
});

describe('built server.js', () => {
  /** `dist/<name>/server.js` in a child with PATH only; its port and log lines, and a stop. */
  async function startBuilt(name: string) {
    const { NODE_TEST_CONTEXT: _runner, ...env } = process.env;
    const child = spawn(process.execPath, ['server.js'], {
      cwd: join(ROOT, 'dist', name),
      env: { PATH: env.PATH ?? '', FC_SERVER_PORT: '0', FC_SERVER_HOST: '127.0.0.1', FC_FUNCTION_NAME: name },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const line = text.split('\n').find((candidate) => candidate.includes('custom runtime listening'));
        if (line !== undefined) resolve((JSON.parse(line) as { port: number }).port);
      });
      child.on('exit', (code) => reject(new Error(`server.js exited with ${code}: ${text}`)));
    });
    return { port, output: () => text, stop: () => child.kill() };
  }

  it('listens where FC_SERVER_PORT says and answers with the bundle beside it', async () => {
    const report = await startBuilt('report');
    try {
      const { port } = report;
      const status = await send(port, { method: 'GET', path: '/report', headers: {}, body: Buffer.alloc(0) });
      assert.equal(status.statusCode, 200);
      assert.equal((JSON.parse(status.body) as { function: string }).function, 'report');
      // A 100 KB batch of receipts is within the report's own limit: it reaches the handler.
      const batch = await send(port, {
        method: 'POST',
        path: '/report',
        headers: {},
        body: Buffer.alloc(100_000, 0x20),
      });
      assert.notEqual(batch.statusCode, 413);
    } finally {
      report.stop();
    }
  });

  it("reads no more than the inbound handler's 64 KB, and answers InvokeFunction's event at POST /invoke", async () => {
    const inbound = await startBuilt('inbound');
    try {
      const { port } = inbound;
      const big = await send(port, {
        method: 'POST',
        path: '/inbound',
        headers: {},
        body: Buffer.alloc(100_000, 0x20),
      });
      assert.equal(big.statusCode, 413);
      assert.match(inbound.output(), /"msg":"request rejected".*"status":413/);
      // What deploy:verify sends through InvokeFunction: an HTTP-trigger event asking for the status.
      const event = {
        version: 'v1',
        rawPath: '/',
        headers: {},
        queryParameters: {},
        body: '',
        isBase64Encoded: false,
        requestContext: { http: { method: 'GET', path: '/' } },
      };
      const invoked = await send(port, {
        method: 'POST',
        path: '/invoke',
        headers: {
          'x-fc-control-path': '/invoke',
          'x-fc-request-id': 'v1',
          'content-type': 'application/octet-stream',
        },
        body: Buffer.from(JSON.stringify(event)),
      });
      assert.equal(invoked.statusCode, 200);
      const result = JSON.parse(invoked.body) as { statusCode: number; body: string };
      assert.equal(result.statusCode, 200);
      assert.equal((JSON.parse(result.body) as { function: string }).function, 'inbound');
    } finally {
      inbound.stop();
    }
  });
});
