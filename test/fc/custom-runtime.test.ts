import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  failAnswer,
  lifecycleAnswer,
  toHttpAnswer,
  tooLargeAnswer,
  toTriggerEvent,
} from '../../shared/fc/custom-runtime';
import { toHttpRequest } from '../../shared/fc/http-trigger';

const NOW = Date.UTC(2026, 1, 3, 1, 2, 3);

function forwarded(overrides: Partial<Parameters<typeof toTriggerEvent>[0]> = {}) {
  return {
    method: 'POST',
    url: '/inbound/secret?token=a&token=b&x=%E4%BD%A0',
    rawHeaders: [
      'Host',
      'fn.cn-hangzhou.fcapp.run',
      'Content-Type',
      'application/x-www-form-urlencoded',
      'X-Fc-Request-Id',
      'req-42',
      'x-fc-access-key-id',
      'STS.id',
      'x-fc-access-key-secret',
      'very-secret',
      'x-fc-security-token',
      'token-text',
      'x-fc-region',
      'cn-shanghai',
      'x-fc-account-id',
      '123',
      'x-fc-function-name',
      'vms-inbound',
      'Accept',
      'a',
      'accept',
      'b',
    ],
    body: Buffer.from('call_id=1%5E2&content_type=callin'),
    remoteAddress: '10.0.0.1',
    httpVersion: '1.1',
    ...overrides,
  };
}

describe('toTriggerEvent', () => {
  it('builds the event the built-in runtime sends, which the handlers read back as the same request', () => {
    const { event, context } = toTriggerEvent(forwarded(), NOW);
    const parsed = JSON.parse(event.toString()) as Record<string, unknown>;
    assert.equal(parsed.rawPath, '/inbound/secret');
    assert.equal(parsed.isBase64Encoded, true);
    assert.deepEqual(parsed.queryParameters, { token: 'a,b', x: '你' });
    const converted = toHttpRequest(event, 1024);
    assert.ok(converted.ok);
    assert.equal(converted.request.method, 'POST');
    assert.equal(converted.request.path, '/inbound/secret');
    assert.equal(converted.request.body, 'call_id=1%5E2&content_type=callin');
    assert.equal(converted.request.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(converted.request.headers.accept, 'a,b');
    assert.equal(converted.request.requestId, 'req-42');
    assert.equal(converted.request.sourceIp, '10.0.0.1');
    const context_ = parsed.requestContext as Record<string, unknown>;
    assert.equal(context_.timeEpoch, String(NOW));
    assert.equal(context_.domainPrefix, 'fn');
    assert.deepEqual(context, {
      requestId: 'req-42',
      region: 'cn-shanghai',
      accountId: '123',
      function: { name: 'vms-inbound' },
      credentials: { accessKeyId: 'STS.id', accessKeySecret: 'very-secret', securityToken: 'token-text' },
    });
  });

  it('keeps the role keys out of the event, whose headers may be logged', () => {
    const text = toTriggerEvent(forwarded(), NOW).event.toString();
    for (const secret of ['STS.id', 'very-secret', 'token-text']) assert.ok(!text.includes(secret), secret);
  });

  it('sends an empty body as plain text, a GET, with no request id or role when FC gives none', () => {
    const { event, context } = toTriggerEvent(
      forwarded({ method: 'GET', url: '/', rawHeaders: [], body: Buffer.alloc(0), remoteAddress: undefined }),
      NOW,
    );
    const parsed = JSON.parse(event.toString()) as { isBase64Encoded: boolean; body: string };
    assert.equal(parsed.isBase64Encoded, false);
    assert.equal(parsed.body, '');
    assert.deepEqual(context, { requestId: undefined });
    const converted = toHttpRequest(event, 1024);
    assert.ok(converted.ok);
    assert.equal(converted.request.method, 'GET');
    assert.equal(converted.request.requestId, undefined);
  });

  it('takes the first forwarded-for address as the source, and survives a URL it cannot read', () => {
    const { event } = toTriggerEvent(
      forwarded({ url: '//[bad', rawHeaders: ['X-Forwarded-For', '198.51.100.9, 10.0.0.2'] }),
      NOW,
    );
    const converted = toHttpRequest(event, 1024);
    assert.ok(converted.ok);
    assert.equal(converted.request.sourceIp, '198.51.100.9');
    assert.equal(converted.request.path, '/');
  });

  it('leaves a path whose escapes do not decode as it is', () => {
    const { event } = toTriggerEvent(forwarded({ url: '/inbound/%E4%ZZ' }), NOW);
    assert.equal((JSON.parse(event.toString()) as { rawPath: string }).rawPath, '/inbound/%E4%ZZ');
  });
});

describe('toHttpAnswer', () => {
  it("maps a handler's result, dropping the headers FC reserves and those HTTP cannot carry", () => {
    const answer = toHttpAnswer({
      statusCode: 200,
      headers: {
        'content-type': 'application/json',
        'Content-Length': '3',
        'x-fc-thing': '1',
        'bad name': 'x',
        'x-evil': 'a\r\nb',
        'x-count': 3,
        'x-object': {},
      },
      body: '{}',
      isBase64Encoded: false,
    });
    assert.deepEqual(answer, {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-count': '3' },
      body: Buffer.from('{}'),
    });
  });

  it('decodes a base64 body and defaults the optional fields', () => {
    assert.deepEqual(toHttpAnswer({ statusCode: 204 }), { status: 204, headers: {}, body: Buffer.alloc(0) });
    const answer = toHttpAnswer({
      statusCode: 200,
      body: Buffer.from('hi').toString('base64'),
      isBase64Encoded: true,
    });
    assert.equal(answer.body.toString(), 'hi');
  });

  it('answers 500 with no detail for a result FC would not take', () => {
    for (const result of [
      undefined,
      null,
      'text',
      [],
      { statusCode: 99 },
      { statusCode: 200.5 },
      { statusCode: 200, body: 3 },
      { statusCode: 200, headers: [] },
      { statusCode: 200, isBase64Encoded: 'yes' },
    ]) {
      const answer = toHttpAnswer(result);
      assert.equal(answer.status, 500);
      assert.deepEqual(JSON.parse(answer.body.toString()), {
        result: 'fail',
        msg: 'internal error',
        data: {},
      });
    }
  });
});

describe('lifecycle and refusals', () => {
  it('answers the initializer and PreStop with an empty 200, and nothing else', () => {
    assert.equal(lifecycleAnswer('POST', '/initialize')?.status, 200);
    assert.equal(lifecycleAnswer('GET', '/pre-stop?x=1')?.body.length, 0);
    assert.equal(lifecycleAnswer('GET', '/initialize'), undefined);
    assert.equal(lifecycleAnswer('POST', '/inbound'), undefined);
  });

  it('refuses an oversized body with the status the built-in path gives', () => {
    const built = toHttpRequest(Buffer.alloc(200_000, 0x20), 1024);
    assert.ok(!built.ok);
    const answer = tooLargeAnswer(1024);
    assert.equal(answer.status, built.response.status);
    assert.equal(answer.body.toString(), built.response.body);
    assert.equal(failAnswer(504, 'slow').status, 504);
  });
});
