/**
 * dev/smartcall-client.ts against a local SmartCall endpoint: pop-core's signed requests reach it, and
 * each way a request can end is told apart as a campaign must tell it (placed, an error code, certainly
 * not placed, maybe placed), never keeping the API's message (which may repeat the called number).
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { checkEndpoint, createSmartCallClient, MAX_ANSWER_BYTES } from '../../dev/smartcall-client';
import { decide } from '../../shared/campaign/pacing';
import {
  ACCESS_KEY_ID,
  ACCESS_KEY_SECRET,
  type Answer,
  type SmartCallServer,
  serveSmartCall,
} from '../support/smartcall-server';

const NUMBER = '13800138000';
const PARAMS = {
  CalledShowNumber: '05925550000',
  CalledNumber: NUMBER,
  VoiceCode: 'TTS_201234567',
  OutId: 'k3x9q2r1',
  DynamicId: 'o1.sealed',
};
const CREDENTIALS = { accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET };

describe('the SmartCall client', () => {
  let answers: Answer[] = [];
  let server: SmartCallServer;
  let client: ReturnType<typeof createSmartCallClient>;
  before(async () => {
    server = await serveSmartCall(() => answers.shift() ?? 'placed');
    client = createSmartCallClient({ endpoint: server.origin, credentials: CREDENTIALS, timeoutMs: 300 });
  });
  after(async () => {
    client.close();
    await server.stop();
  });

  it('sends a signed SmartCall by POST and reads the CallId', async () => {
    answers = ['placed'];
    const outcome = await client.send(PARAMS);
    assert.equal(outcome.kind, 'placed');
    assert.match(outcome.kind === 'placed' ? outcome.callId : '', /^130301340124\^\d{12}$/);
    const request = server.requests.at(-1) ?? {};
    assert.equal(server.badSignatures(), 0);
    assert.equal(request.Action, 'SmartCall');
    assert.equal(request.Version, '2017-05-25');
    assert.equal(request.AccessKeyId, ACCESS_KEY_ID);
    assert.equal(request.SignatureMethod, 'HMAC-SHA1');
    for (const [name, value] of Object.entries(PARAMS)) assert.equal(request[name], value, name);
  });

  it('keeps its connection alive from one request to the next', async () => {
    const kept = createSmartCallClient({ endpoint: server.origin, credentials: CREDENTIALS });
    // The sockets of this server's requests: the channel is the whole process's.
    const sockets = new Set<Socket>();
    const host = new URL(server.origin).host;
    const watch = (message: unknown) => {
      const { request } = message as { request: ClientRequest };
      // Published once the agent gave the request its socket, a kept one or a new one.
      if (request.getHeader('host') === host && request.socket !== null) sockets.add(request.socket);
    };
    subscribe('http.client.request.start', watch);
    try {
      answers = ['placed', 'placed', 'placed'];
      for (let i = 0; i < 3; i++) assert.equal((await kept.send(PARAMS)).kind, 'placed');
      assert.equal(sockets.size, 1);
    } finally {
      unsubscribe('http.client.request.start', watch);
      kept.close();
    }
  });

  it('retries a throttled request after the API asked to slow down, and is then placed', async () => {
    answers = [{ code: 'Throttling.User', http: 400 }, 'placed'];
    const first = await client.send(PARAMS);
    assert.deepEqual(first, {
      kind: 'api-error',
      code: 'Throttling.User',
      http: 400,
      requestId: first.kind === 'api-error' ? first.requestId : '',
    });
    assert.equal(decide(first, 1).kind, 'retry');
    assert.equal((await client.send(PARAMS)).kind, 'placed');
  });

  it('tells a 503 with an error code (retried) from a 503 page (uncertain)', async () => {
    answers = [{ code: 'ServiceUnavailable', http: 503 }, 'html-503'];
    const coded = await client.send(PARAMS);
    assert.equal(coded.kind, 'api-error');
    assert.equal(decide(coded, 1).kind, 'retry');
    const page = await client.send(PARAMS);
    assert.deepEqual(page, { kind: 'uncertain', why: 'HTTP 503 without a JSON answer', http: 503 });
  });

  it('is uncertain when the answer does not come within the timeout, once the request was written', async () => {
    answers = ['hang'];
    const outcome = await client.send(PARAMS);
    assert.deepEqual(outcome, { kind: 'uncertain', why: 'timeout after the request was written' });
  });

  it('is uncertain when the connection is reset after the request was written', async () => {
    answers = ['reset'];
    const outcome = await client.send(PARAMS);
    assert.equal(outcome.kind, 'uncertain');
    assert.match(
      outcome.kind === 'uncertain' ? outcome.why : '',
      /^ECONNRESET after the request was written$/,
    );
  });

  it('is uncertain on an answer over 64 KB, and on one without a CallId', async () => {
    answers = ['too-large', 'no-call-id'];
    assert.deepEqual(await client.send(PARAMS), {
      kind: 'uncertain',
      why: `an answer over ${MAX_ANSWER_BYTES} bytes`,
      http: 200,
    });
    assert.deepEqual(await client.send(PARAMS), {
      kind: 'uncertain',
      why: 'an answer without a CallId',
      http: 200,
    });
  });

  it('keeps the code of an error whose message repeats the number, never the message', async () => {
    answers = [
      {
        code: 'SignatureDoesNotMatch',
        http: 400,
        message: `Specified signature is not matched with our calculation. server string to sign is:POST&%2F&CalledNumber%3D${NUMBER}`,
      },
    ];
    const outcome = await client.send(PARAMS);
    assert.equal(outcome.kind, 'api-error');
    assert.equal(decide(outcome, 1).kind, 'stop');
    assert.doesNotMatch(JSON.stringify(outcome), /13800138000|8000/);
  });

  it('says a refused connection was never written, which the campaign retries', async () => {
    // A port that was free a moment ago: nothing listens on it.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 1));
      });
    });
    const refused = createSmartCallClient({ endpoint: `http://127.0.0.1:${port}`, credentials: CREDENTIALS });
    try {
      const outcome = await refused.send(PARAMS);
      assert.deepEqual(outcome, { kind: 'not-written', why: 'ECONNREFUSED before the request was written' });
      assert.equal(decide(outcome, 1).kind, 'retry');
    } finally {
      refused.close();
    }
  });
});

describe('the SmartCall endpoint', () => {
  it('is https, or http to this machine only', () => {
    assert.equal(checkEndpoint('https://dyvmsapi.aliyuncs.com'), undefined);
    assert.equal(checkEndpoint('http://127.0.0.1:8080'), undefined);
    assert.equal(checkEndpoint('http://localhost:8080/'), undefined);
    assert.match(checkEndpoint('http://dyvmsapi.aliyuncs.com') ?? '', /https only/);
    assert.match(checkEndpoint('https://dyvmsapi.aliyuncs.com/v1') ?? '', /without a path/);
    assert.match(checkEndpoint('https://user:pw@dyvmsapi.aliyuncs.com') ?? '', /an origin only/);
    assert.match(checkEndpoint('not a url') ?? '', /is not a URL/);
  });
});
